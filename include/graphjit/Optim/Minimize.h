// minimize(loss, params): SciPy's minimize over a compiled loss-and-gradient
// Function, through NLopt (L-BFGS with gradients; Nelder-Mead or Sbplx without).
#pragma once

#include "graphjit/Runtime/Function.h"

#include <string>
#include <vector>

namespace graphjit::optim {

enum class Method {
  LBFGS,      ///< NLopt's LD_LBFGS (low-storage BFGS, uses the gradient)
  NelderMead, ///< NLopt's LN_NELDERMEAD (gradient-free)
  Sbplx,      ///< NLopt's LN_SBPLX (Rowan's subplex, gradient-free, robust Nelder-Mead variant)
};

struct MinimizeOptions {
  Method method = Method::LBFGS;
  int maxEval = 2000;
  /// Stop when the loss changes by less than ftolRel * |loss| (or x by xtolRel * |x|) in a step.
  double ftolRel = 1e-12, xtolRel = 1e-10;
  /// Initial step of the gradient-free methods (0: NLopt's heuristic).
  double initialStep = 0;
  Mode mode = Mode::JIT;
};

/// SciPy's OptimizeResult.
struct OptimizeResult {
  std::vector<Tensor> x; ///< the best parameters found, one per param
  double fun = 0;        ///< the loss there
  int nit = 0;           ///< iterations: evaluations that improved the best loss
  int nfev = 0;          ///< loss evaluations
  int status = 0;        ///< NLopt's result code (> 0 success)
  bool success = false;
  std::string message; ///< NLopt's result name, e.g. "FTOL_REACHED"
};

/// Minimizes the float scalar `loss` over the shared variables `params`, starting from their
/// values, and sets them to the result. Throws ValueError/TypeError (naming the problem) for a
/// loss that is not a float scalar, a param that is not a shared float variable, or a loss that is
/// not finite at the start or becomes NaN; then the params keep their values.
OptimizeResult minimize(const Var &loss, const std::vector<Var> &params,
                        const MinimizeOptions &options = {});

} // namespace graphjit::optim
