// The sampler's view of a model: a log density and its gradient over a flat
// float64 vector (the unconstrained space), plus how to report a point on the
// model's own scale. Built from a graph (one compiled Function returning logp
// and its gradient) or from any callable, for tests.
#pragma once

#include "graphjit/Runtime/Function.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace graphjit::mcmc {

/// Returns log p(x) and writes d log p / dx into `grad` (both of length dim). Called from
/// several threads at once: it must not share mutable state between calls.
using LogDensityFn = std::function<double(const double *x, double *grad)>;
/// Maps an unconstrained point (dim values) to the reported values (names.size() values).
using ConstrainFn = std::function<void(const double *x, double *out)>;

struct LogDensity {
  int64_t dim = 0;
  LogDensityFn logpGrad;
  /// The reported variables, one name per reported value ("x[0]", ... when empty).
  std::vector<std::string> names;
  /// Unset: the draws are reported as sampled (names.size() must then be dim or 0).
  ConstrainFn constrain;
  /// The number of values constrain() writes (dim when there is no constrain()).
  int64_t reportedDim() const;
};

/// A log density over the float64 vector input `x` (shape [dim]): compiles `logp` and its
/// gradient with respect to x into one Function. Throws TypeError for a logp that is not a
/// float scalar or an x that is not a float64 vector of known length.
LogDensity compileLogDensity(const Var &logp, const Var &x, const CompileOptions &options = {});

/// A log density from a compiled Function f(x) -> (logp, grad) with x of shape [dim].
LogDensity logDensityOf(const Function &f, int64_t dim);

} // namespace graphjit::mcmc
