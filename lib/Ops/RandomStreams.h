// Philox streams behind the random-variable samplers (internal to lib/Ops):
// the main stream (word i of a draw from block base + i/2 or i/4), the per-element
// sub-streams that rejection samplers read, and the standard normal ziggurat.
#pragma once

#include "graphjit/Support/Philox.h"

#include <cmath>
#include <cstdint>

namespace graphjit::rng {

/// base + j as a 128-bit counter.
inline PhiloxCounter counterAt(const PhiloxCounter &base, uint64_t j) {
  uint64_t lo = (static_cast<uint64_t>(base[1]) << 32 | base[0]);
  uint64_t sum = lo + j;
  PhiloxCounter c = {static_cast<uint32_t>(sum), static_cast<uint32_t>(sum >> 32), base[2],
                     base[3]};
  if (sum < lo && ++c[2] == 0) ++c[3];
  return c;
}

/// Blocks j0 .. j0+count-1 of the stream (key, base), four words each, into out.
void philoxBlocks(PhiloxKey key, const PhiloxCounter &base, uint64_t j0, uint64_t count,
                  uint32_t *out);

// Whole ranges of a draw, vectorized for the machine (RandomBatch.cpp): elements
// i0 .. i0+n-1 of the main stream, the same bits as the one-element functions below.
/// 64-bit words (word64 of the stream's blocks).
void mainWords64(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, uint64_t *out);
/// unitOpen of the 64-bit words.
void unitDoubles(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, double *out);
/// unitOpen32 of the 32-bit words.
void unitFloats(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, float *out);
/// zigguratNormal of the 64-bit words, the rejections on each element's sub-stream.
void standardNormals(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, double *out);

/// The 64-bit word i of the main stream: half (i % 2) of block i / 2.
inline uint64_t word64(const uint32_t *blockWords, uint64_t i) {
  return static_cast<uint64_t>(blockWords[2 * i + 1]) << 32 | blockWords[2 * i];
}

/// Uniform on (0, 1) from the top 53 bits of a word: never 0 or 1.
inline double unitOpen(uint64_t w) { return (static_cast<double>(w >> 11) + 0.5) * 0x1.0p-53; }
/// Uniform on (0, 1) in float32 from the top 23 bits of a 32-bit word.
inline float unitOpen32(uint32_t w) { return (static_cast<float>(w >> 9) + 0.5f) * 0x1.0p-23f; }

/// Element i's own stream, for samplers whose number of words is not fixed (rejection):
/// its key is derived from block i of the state under a different key, so element i's
/// draws depend only on (state, i), whatever the thread split.
class SubStream {
public:
  SubStream(PhiloxKey key, const PhiloxCounter &base, uint64_t i);
  uint64_t next64() {
    if (pos_ == 4) refill();
    uint64_t w = static_cast<uint64_t>(buf_[pos_ + 1]) << 32 | buf_[pos_];
    pos_ += 2;
    return w;
  }
  double uniform() { return unitOpen(next64()); }
  double normal();
  double exponential() { return -std::log(uniform()); }
  /// Gamma(a, rate 1), a > 0: Marsaglia and Tsang, with the a < 1 boost.
  double gamma(double a);
  /// Poisson(mu): multiplication for mu < 10, PTRS (Hoermann 1993) above: bounded expected time.
  double poisson(double mu);

private:
  void refill();
  PhiloxKey key_;
  PhiloxCounter counter_;
  uint32_t buf_[4];
  int pos_ = 4;
};

/// A standard normal from the 64-bit word `w` (256-layer ziggurat); the rare rejections
/// continue on `more`.
double zigguratNormal(uint64_t w, SubStream &more);
/// True when the word is accepted by the ziggurat without a fallback (then *x is set).
bool zigguratFast(uint64_t w, double *x);
/// The ziggurat's layer bounds and widths (256 each), for the vectorized fast path.
const uint64_t *zigKi();
const double *zigWi();

} // namespace graphjit::rng
