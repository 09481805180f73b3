// Host samplers behind sample() and the rv op's perform (internal to lib/Prob).
#pragma once

#include "graphjit/Prob/RandomVariable.h"

namespace graphjit::prob {

/// n draws of `dist` with concrete parameter values `params`, each of `shape`
/// (the rv's shape): a tensor of shape [n] + shape. Same seed, same draws.
Tensor draw(Dist dist, const std::vector<Tensor> &params, const Shape &shape, int64_t n, uint64_t seed);

} // namespace graphjit::prob
