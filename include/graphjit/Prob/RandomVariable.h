// The probability layer over random variables: logp(rv, value) turns one into
// a log density graph, logp({{rv, value}, ...}) a model's joint density;
// sample(vars, n, seed) draws ancestrally on the host. The rv op itself,
// its distributions and builders (normal, gamma, ...) live in Ops/Random.h,
// re-exported here so code that includes this header keeps compiling.
#pragma once

#include "graphjit/Ops/Random.h"

#include <cstdint>

namespace graphjit {

/// Log density (or mass) of `rv` at `value`, as a graph, elementwise over the
/// rv's batch (multivariate: one value per vector). The value broadcasts against
/// the variable as in PyMC: a scalar rv at a vector of values gives a vector. -inf
/// outside the support or for invalid parameters, never NaN. When `rv` is not a
/// random variable but a function of one, the density is derived by the change of
/// variables (Prob/ChangeOfVariables.h).
Var logp(const Var &rv, const Var &value);

/// Random variables paired with the value each takes: {{rv, value}, ...}.
using RVValues = std::vector<std::pair<Var, Var>>;

/// PyMC's conditional_logp: one elementwise log density term per pair, each
/// logp(rv_i, value_i) with every random variable of the list replaced by its value
/// in the parameters. Throws ValueError naming a random variable a term still
/// depends on that is not in the list.
std::vector<Var> conditionalLogp(const RVValues &rvValues);
/// The joint log density of the pairs: the sum of every conditionalLogp term (a
/// scalar graph over the value variables).
Var logp(const RVValues &rvValues);

/// Ancestral sampling (PyMC's pm.draw): n joint draws of `vars`, which may be random
/// variables or any graphs over them. Row i of every result comes from one joint
/// draw of all their random ancestors, parents drawn before children. The same seed
/// gives the same draws. Graph inputs must be bound in `bindings`; a var that does
/// not depend on a random variable is repeated n times. Throws ValueError when no
/// var depends on a random variable.
std::vector<Tensor> sample(const std::vector<Var> &vars, int64_t n, uint64_t seed,
                           const std::vector<std::pair<Var, Tensor>> &bindings = {});
/// n draws of one variable: a tensor of shape [n] + its shape.
Tensor sample(const Var &var, int64_t n, uint64_t seed,
              const std::vector<std::pair<Var, Tensor>> &bindings = {});

} // namespace graphjit
