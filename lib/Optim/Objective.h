// The objective as the solvers see it: a flat float64 vector x in, the loss, its gradient,
// Hessian(-vector) products and constraint values with their Jacobians out. GraphObjective.cpp
// builds one from graphs, CompiledObjective.cpp from a user's Functions.
#pragma once

#include "graphjit/Optim/Minimize.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace graphjit::optim::detail {

class Objective {
public:
  virtual ~Objective() = default;
  size_t n = 0;
  bool hasGrad = false, hasHessp = false, hasHess = false;
  size_t nEq = 0, nIneq = 0; ///< flattened constraint counts
  int nfev = 0, njev = 0, nhev = 0;

  bool hasValueHg = false; ///< valueHg is one fused call (not value then hessp)

  /// The loss at x; with g non-null also its gradient (n values). The last point is remembered
  /// (SciPy's ScalarFunction does the same): asking again for it, e.g. the start's finiteness
  /// check then the solver's first evaluation, costs no evaluation and is not counted.
  double value(const double *x, double *g) {
    if (cached_ && std::equal(x, x + n, lastX_.begin()) && (!g || cachedGrad_)) {
      if (g) std::copy(lastG_.begin(), lastG_.end(), g);
      return lastF_;
    }
    double f = evaluate(x, g);
    remember(x, f, g);
    return f;
  }
  /// The loss, its gradient and H g at x: trust-ncg's first CG product is H (-g) at every new
  /// iterate, so an objective that computes the three in one pass saves recomputing the loss's
  /// intermediates (hasValueHg). Otherwise value then hessp.
  double valueHg(const double *x, double *g, double *hg) {
    if (!hasValueHg) {
      double f = value(x, g);
      hessp(x, g, hg);
      return f;
    }
    if (cached_ && cachedHg_ && std::equal(x, x + n, lastX_.begin())) {
      std::copy(lastG_.begin(), lastG_.end(), g);
      std::copy(lastHg_.begin(), lastHg_.end(), hg);
      return lastF_;
    }
    double f = evaluateHg(x, g, hg);
    remember(x, f, g, hg);
    return f;
  }
  /// H(x) v.
  virtual void hessp(const double *x, const double *v, double *out) {
    throw ValueError("minimize: this objective has no Hessian-vector product");
  }
  /// The dense Hessian, row-major n x n.
  virtual void hess(const double *x, double *out) {
    throw ValueError("minimize: this objective has no Hessian");
  }
  /// Equality (eq) or inequality (ineq) constraint values at x in SciPy's sign convention; with
  /// jac non-null also the Jacobian, row-major (count x n).
  virtual void constraints(bool eq, const double *x, double *out, double *jac) {}

protected:
  /// The uncached evaluations, counted in nfev/njev/nhev.
  virtual double evaluate(const double *x, double *g) = 0;
  virtual double evaluateHg(const double *x, double *g, double *hg) {
    throw ValueError("minimize: this objective has no fused loss, gradient and H g");
  }

private:
  bool cached_ = false, cachedGrad_ = false, cachedHg_ = false;
  std::vector<double> lastX_, lastG_, lastHg_;
  double lastF_ = 0;
  void remember(const double *x, double f, const double *g, const double *hg = nullptr) {
    lastX_.assign(x, x + n);
    lastF_ = f;
    cached_ = true;
    cachedGrad_ = g != nullptr;
    cachedHg_ = hg != nullptr;
    if (g) lastG_.assign(g, g + n);
    if (hg) lastHg_.assign(hg, hg + n);
  }

public:
  /// SciPy's constr_violation: the largest |eq| and max(0, -ineq) at x.
  double maxViolation(const double *x) {
    double cv = 0;
    std::vector<double> c(std::max(nEq, nIneq));
    if (nEq) {
      constraints(true, x, c.data(), nullptr);
      for (size_t i = 0; i < nEq; ++i)
        cv = std::max(cv, std::fabs(c[i]));
    }
    if (nIneq) {
      constraints(false, x, c.data(), nullptr);
      for (size_t i = 0; i < nIneq; ++i)
        cv = std::max(cv, -c[i]);
    }
    return cv;
  }
};

/// Builds the objective of minimize(loss, wrt, x0, args): the wrt inputs become slices of one
/// static-shaped vector, the args static-shaped inputs, so jacobian and hessian always apply.
std::unique_ptr<Objective> makeGraphObjective(const Var &loss, const std::vector<Var> &wrt,
                                              const std::vector<Shape> &shapes, const Args &args,
                                              const MinimizeOptions &options);
std::unique_ptr<Objective> makeCompiledObjective(const CompiledObjective &obj, size_t n,
                                                 const std::vector<Tensor> &args);

/// Counts, callback and progress line shared by every solver.
struct Run {
  Objective *obj = nullptr;
  const MinimizeOptions *options = nullptr;
  std::string method;
  int nit = 0;
  bool stopped = false; ///< the callback asked to stop
  std::string failure;  ///< set when the loss became NaN or the function threw
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), lastLine = start;

  /// Reports an iteration: calls the callback, prints a progress line when due.
  void iteration(const std::vector<double> &x, double fun);
};

struct SolverResult {
  std::vector<double> x;
  double fun = 0;
  int status = 0;
  bool success = false;
  std::string message;
  std::vector<double> hess; ///< dense Hessian at x when the method computed it
  int nit = -1;             ///< the method's own iteration count (else the callback's)
};

SolverResult solveNlopt(Run &run, const std::vector<double> &x0);
SolverResult solveNelderMead(Run &run, const std::vector<double> &x0);
SolverResult solveTrustRegion(Run &run, const std::vector<double> &x0, bool dense);

} // namespace graphjit::optim::detail
