// minimize(): SciPy's scipy.optimize.minimize for graphs. The loss is minimized over any graph
// inputs (shared or not), the other inputs are data passed at call time (SciPy's args), or over a
// user's compiled Function returning (loss, grad...). Methods carry SciPy's names; NLopt runs the
// quasi-Newton, derivative-free and constrained ones, TrustRegion.cpp the Newton ones.
// docs/optimize.md shows each method.
#pragma once

#include "graphjit/Runtime/Function.h"

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graphjit::optim {

enum class Method {
  NelderMead,     ///< "Nelder-Mead": SciPy's algorithm and defaults (gradient-free)
  Powell,         ///< "Powell": NLopt's LN_BOBYQA, Powell's quadratic-model method (gradient-free)
  Sbplx,          ///< "Sbplx": NLopt's LN_SBPLX (subplex, a robust Nelder-Mead variant)
  BFGS,           ///< "BFGS": NLopt's LD_LBFGS with as many stored pairs as parameters (<= 100)
  LBFGSB,         ///< "L-BFGS-B": NLopt's LD_LBFGS, with bounds
  SLSQP,          ///< "SLSQP": NLopt's LD_SLSQP (bounds, equality and inequality constraints)
  COBYLA,         ///< "COBYLA": NLopt's LN_COBYLA (gradient-free, bounds and constraints)
  AUGLAG,         ///< "AUGLAG": NLopt's augmented Lagrangian around LD_LBFGS (constraints)
  TrustConstr,    ///< "trust-constr": counterpart LD_SLSQP (SQP with exact constraint Jacobians)
  NewtonCG,       ///< "Newton-CG": trust-region Newton with Steihaug CG on Hessian-vector products
  TrustNCG,       ///< "trust-ncg": the same trust-region Newton-CG solver
  TrustExact,     ///< "trust-exact": trust region on the dense exact Hessian (More-Sorensen step)
  LBFGS = LBFGSB, ///< the name before SciPy's names
};

/// The method SciPy calls `name` (case-insensitive, e.g. "L-BFGS-B", "trust-ncg"); ValueError
/// listing the known names otherwise.
Method methodFromName(std::string_view name);
/// SciPy's name of `m`.
std::string methodName(Method m);

/// Bounds of one flattened parameter element (L-BFGS-B style, inclusive).
struct Bound {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
};

/// A constraint as a graph of the optimized inputs and the data arguments, SciPy's convention:
/// Eq means fun(x) == 0, Ineq means fun(x) >= 0, elementwise for a non-scalar fun. Its
/// Jacobian is derived with jacobian().
struct Constraint {
  enum Kind { Eq, Ineq } kind = Ineq;
  Var fun;
};

/// What the callback sees after each iteration.
struct IterationInfo {
  int nit = 0;
  double fun = 0;
  const std::vector<double> *x = nullptr; ///< the iterate, flattened
};

struct MinimizeOptions {
  Method method = Method::LBFGSB;
  /// Loss evaluations (NLopt methods, Nelder-Mead); 0: the method's default (Nelder-Mead
  /// 200 n, SciPy's; the others 2000).
  int maxEval = 0;
  /// Iterations (Newton methods, Nelder-Mead); 0: the method's default (Nelder-Mead 200 n,
  /// SciPy's; Newton 1000).
  int maxIter = 0;
  /// Stop when the loss changes by less than ftolRel * |loss| (or x by xtolRel * |x|) in a step.
  double ftolRel = 1e-12, xtolRel = 1e-10;
  /// Newton methods stop when the gradient's max norm falls below gtol (SciPy's gtol).
  double gtol = 1e-8;
  /// Constraint tolerance: a result is feasible when |eq| <= ctol and ineq >= 0. Inequalities
  /// are handed to the solver tightened by ctol so that the answer satisfies them exactly.
  double ctol = 1e-9;
  /// Initial step of the NLopt gradient-free methods (0: NLopt's heuristic).
  double initialStep = 0;
  /// Nelder-Mead stops when every vertex is within xatol of the best (max norm) and every loss
  /// within fatol of the best (SciPy's options, same defaults).
  double xatol = 1e-4, fatol = 1e-4;
  /// Nelder-Mead with Gao and Han's dimension-dependent coefficients (SciPy's adaptive).
  bool adaptive = false;
  /// One bound for every flattened element, or one bound for all (size 1), or none.
  std::vector<Bound> bounds;
  std::vector<Constraint> constraints;
  /// Called after every iteration (NLopt methods: every evaluation that improved the best
  /// loss); returning true stops the run (SciPy's StopIteration), with status "stopped".
  std::function<bool(const IterationInfo &)> callback;
  /// A progress line on stderr every this many seconds of a run (0: never).
  double progressSeconds = 5;
  Mode mode = Mode::JIT;
};

/// SciPy's OptimizeResult.
struct OptimizeResult {
  std::vector<Tensor> x;   ///< the best parameters found, one per optimized input
  double fun = 0;          ///< the loss there
  std::vector<Tensor> jac; ///< the gradient there, one per input (gradient methods)
  Tensor hess;             ///< the exact Hessian there [n, n] (trust-exact), else empty
  Tensor hess_inv;         ///< empty: NLopt's L-BFGS keeps no dense inverse
  int nit = 0;             ///< iterations
  int nfev = 0;            ///< loss evaluations
  int njev = 0;            ///< gradient evaluations
  int nhev = 0;            ///< Hessian or Hessian-vector evaluations
  int status = 0;          ///< NLopt's result code, or ours for Newton methods (> 0 success)
  bool success = false;
  std::string message; ///< e.g. "FTOL_REACHED", "GTOL_REACHED"
  double maxcv = 0;    ///< largest constraint violation at x (0 without constraints)
};

/// Data arguments: each input of the graph that is not optimized, with its value for this run.
using Args = std::vector<std::pair<Var, Tensor>>;

/// Minimizes the float scalar `loss` over the inputs `wrt` (graph inputs or shared variables)
/// starting from `x0` (one value per wrt; empty: the shared variables' values), with the other
/// inputs bound to `args`. Shared wrt variables are set to the result; others are not touched.
/// Throws TypeError/ShapeError naming the input for a value that does not fit, ValueError for a
/// loss that is not finite at the start or becomes NaN; then no shared value changes.
OptimizeResult minimize(const Var &loss, const std::vector<Var> &wrt, const std::vector<Tensor> &x0,
                        const Args &args, const MinimizeOptions &options = {});
/// minimize over shared variables, starting from their values.
OptimizeResult minimize(const Var &loss, const std::vector<Var> &params,
                        const MinimizeOptions &options = {});

/// A user's compiled objective, SciPy's fun with jac=True: `fun` takes (x, args...) and returns
/// (loss) or (loss, gradient of x). `hess`, if set, takes (x, args...) and returns the dense
/// Hessian [n, n]; `hessp` takes (x, v, args...) and returns H v. x is a float64 vector.
struct CompiledObjective {
  Function fun;
  std::optional<Function> hess;
  std::optional<Function> hessp;
};
OptimizeResult minimize(const CompiledObjective &objective, const Tensor &x0,
                        const std::vector<Tensor> &args, const MinimizeOptions &options = {});

} // namespace graphjit::optim
