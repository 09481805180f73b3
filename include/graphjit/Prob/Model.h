// A model's log density on the real line (PyMC's model logp with its default
// value transforms): the graph optimizers and samplers (NUTS) take.
//
// Each free random variable gets a value variable. With transforms on, a
// variable with a constrained support is given on the real line instead and
// mapped onto the support: log for positive variables (halfnormal, lognormal,
// exponential, gamma), a scaled logit for intervals (uniform(lower, upper),
// beta on (0, 1)); the log Jacobian of that map is added to the density.
// Observed variables are replaced by their data.
#pragma once

#include "graphjit/Prob/RandomVariable.h"
#include "graphjit/Prob/Transforms.h"

namespace graphjit {

struct ModelOptions {
  /// Map constrained variables to the real line (PyMC's default transforms).
  bool transform = true;
};

struct Model {
  /// The free random variables, parents before children.
  std::vector<Var> rvs;
  /// One value variable (a graph input) per free variable: the unconstrained value
  /// when it is transformed. Named as PyMC names them ("sigma_log__", "p_interval__").
  std::vector<Var> values;
  /// Per free variable, the map from its value to the variable's support; null when
  /// the value is the variable itself.
  std::vector<TransformPtr> transforms;
  /// The variables' values as graphs over `values` (the transforms applied).
  std::vector<Var> constrained;
  /// One elementwise log density term per free variable (its Jacobian included),
  /// then one per observed variable.
  std::vector<Var> terms;
  /// The joint log density, a scalar graph over `values` (and the data's inputs).
  Var logp;

  /// Values of `values` to the random variables' values.
  std::vector<Tensor> toConstrained(const std::vector<Tensor> &values) const;
  /// The random variables' values to values of `values` (e.g. a starting point).
  std::vector<Tensor> toUnconstrained(const std::vector<Tensor> &constrained) const;

  /// The graphs toUnconstrained evaluates: inputs of the variables' types, and from them
  /// the unconstrained values.
  std::vector<Var> constrainedInputs, unconstrainedOf;
};

/// The model of the free random variables `free` and the observed pairs
/// {{rv, data}, ...}. Every random variable the densities depend on must be free or
/// observed (ValueError naming it otherwise).
Model makeModel(const std::vector<Var> &free, const RVValues &observed = {},
                const ModelOptions &options = {});

/// The transform makeModel gives a random variable whose parameters are `params`
/// (null when its support is the real line or it is discrete).
TransformPtr defaultTransform(const Var &rv, const std::vector<Var> &params);

} // namespace graphjit
