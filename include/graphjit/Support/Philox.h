// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011): a counter-based generator. Four 32-bit words of random bits are a
// pure function of a 128-bit counter and a 64-bit key, so a draw depends only on
// (key, position): no hidden state, and any thread or kernel can compute any
// block on its own.
#pragma once

#include <array>
#include <cstdint>

namespace graphjit {

using PhiloxCounter = std::array<uint32_t, 4>; ///< word 0 is the least significant
using PhiloxKey = std::array<uint32_t, 2>;

/// The ten rounds of Philox4x32 on `counter` under `key`.
PhiloxCounter philox4x32(PhiloxCounter counter, PhiloxKey key);

/// `counter` + `n` as a 128-bit integer (wraps around at 2^128).
PhiloxCounter philoxAdvance(PhiloxCounter counter, uint64_t n);

} // namespace graphjit
