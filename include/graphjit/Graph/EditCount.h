// A process-wide count of in-place graph edits, for values remembered about a graph.
#pragma once

#include <cstdint>

namespace graphjit {

/// How many times any Apply's input was rewired (Apply::setInput) in this process: a value
/// remembered about a graph (its structural hash) stays valid while this count has not moved.
uint64_t graphEditCount();

} // namespace graphjit
