// The probability layer over random variables: logp(rv, value) turns one into
// a log density graph; sample(rv, n, seed) draws on the host. The rv op itself,
// its distributions and builders (normal, gamma, ...) live in Ops/Random.h,
// re-exported here so code that includes this header keeps compiling.
#pragma once

#include "graphjit/Ops/Random.h"

#include <cstdint>

namespace graphjit {

/// Log density (or mass) of `rv` at `value`, as a graph, elementwise over the
/// rv's batch (multivariate: one value per vector). -inf outside the support or
/// for invalid parameters, never NaN. When `rv` is not a random variable but a
/// function of one, the density is derived by the change of variables
/// (Prob/ChangeOfVariables.h).
Var logp(const Var &rv, const Var &value);

/// n independent draws of `rv` (shape [n] + rv's shape), from a seeded
/// generator: the same seed gives the same draws. The parameters must be
/// computable without inputs (constants, shared variables) or bound in `bindings`.
Tensor sample(const Var &rv, int64_t n, uint64_t seed,
              const std::vector<std::pair<Var, Tensor>> &bindings = {});

} // namespace graphjit
