// The runtime functions compiled products call (internal to lib/JIT).
#pragma once

#include <utility>
#include <vector>

namespace graphjit::jit {

/// (symbol name, address) of each product runtime function, for the JIT's symbol map.
/// Each takes three unranked memrefs A, B, C (C-interface: pointers to {rank, descriptor})
/// with NumPy matmul semantics: ranks (1|2, 1|2) or equal ranks >= 3; A and B may be any
/// strided views, C is a fresh contiguous buffer of the result's shape.
std::vector<std::pair<const char *, void *>> productSymbols();

} // namespace graphjit::jit
