// The NLopt methods of minimize(): quasi-Newton (LD_LBFGS, with bounds), derivative-free
// (BOBYQA for Powell, Sbplx, COBYLA) and constrained (SLSQP, COBYLA, AUGLAG).
// An inequality the answer misses by round-off is tightened and the run resumed from there, so
// a feasible answer satisfies every inequality exactly.
#include "Objective.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>

namespace graphjit::optim::detail {

namespace {
struct State {
  Run *run;
  nlopt_opt opt;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> bestX;
  std::vector<double> shift; ///< how much each inequality is tightened
};

double objective(unsigned n, const double *x, double *g, void *data) {
  auto *s = static_cast<State *>(data);
  Run &run = *s->run;
  double f;
  try {
    f = run.obj->value(x, g);
  } catch (const std::exception &e) {
    run.failure = std::string("the loss function failed: ") + e.what();
    nlopt_force_stop(s->opt);
    return std::numeric_limits<double>::infinity();
  }
  if (std::isnan(f)) {
    run.failure = "the loss became NaN after " + std::to_string(run.obj->nfev) + " evaluations";
    nlopt_force_stop(s->opt);
    return std::numeric_limits<double>::infinity();
  }
  if (f < s->best) {
    s->best = f;
    s->bestX.assign(x, x + n);
    run.iteration(s->bestX, f);
    if (run.stopped) nlopt_force_stop(s->opt);
  }
  return f;
}

/// NLopt wants c(x) <= 0; SciPy's inequalities are c(x) >= 0, equalities c(x) == 0.
template <bool Eq>
void constraint(unsigned m, double *out, unsigned n, const double *x, double *jac, void *data) {
  auto *s = static_cast<State *>(data);
  Run &run = *s->run;
  try {
    run.obj->constraints(Eq, x, out, jac);
  } catch (const std::exception &e) {
    run.failure = std::string("a constraint failed: ") + e.what();
    nlopt_force_stop(s->opt);
    return;
  }
  if (Eq) return;
  for (unsigned i = 0; i < m; ++i)
    out[i] = -out[i] + s->shift[i];
  if (jac)
    for (size_t i = 0; i < size_t(m) * n; ++i)
      jac[i] = -jac[i];
}

nlopt_algorithm algorithm(Method m) {
  switch (m) {
  case Method::Powell:
    return NLOPT_LN_BOBYQA;
  case Method::Sbplx:
    return NLOPT_LN_SBPLX;
  case Method::COBYLA:
    return NLOPT_LN_COBYLA;
  case Method::SLSQP:
  case Method::TrustConstr:
    return NLOPT_LD_SLSQP;
  case Method::AUGLAG:
    return NLOPT_AUGLAG;
  default:
    return NLOPT_LD_LBFGS;
  }
}
} // namespace

namespace {
/// When round-off leaves an inequality a few ulps short (two constraints that pin a sum from
/// both sides leave no room to tighten), the answer rounded to fewer significant digits often
/// lands on the boundary exactly: constraint constants are usually decimals. Accepts the first
/// rounding where every inequality holds exactly, equalities within ctol, and the loss is no
/// worse than round-off; otherwise x stays.
void polish(Objective &obj, std::vector<double> &x, double ctol) {
  std::vector<double> c(obj.nIneq), e(obj.nEq);
  auto feasible = [&](const std::vector<double> &at) {
    obj.constraints(false, at.data(), c.data(), nullptr);
    for (double v : c)
      if (v < 0) return false;
    if (obj.nEq) obj.constraints(true, at.data(), e.data(), nullptr);
    for (double v : e)
      if (std::fabs(v) > ctol) return false;
    return true;
  };
  if (feasible(x)) return;
  double f = obj.value(x.data(), nullptr), scale = 0;
  for (double v : x)
    scale = std::max(scale, std::fabs(v));
  int lead = scale > 0 ? static_cast<int>(std::floor(std::log10(scale))) : 0;
  for (int digits = 15; digits >= 9; --digits) {
    // Decimal places relative to the largest element, so tiny elements round to 0 too.
    int places = std::clamp(digits - 1 - lead, 0, 30);
    std::vector<double> r(x.size());
    char buf[64];
    for (size_t i = 0; i < x.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.*f", places, x[i]);
      r[i] = std::strtod(buf, nullptr);
    }
    if (feasible(r) && obj.value(r.data(), nullptr) <= f + 1e-12 * std::max(1.0, std::fabs(f))) {
      x = r;
      return;
    }
  }
}

SolverResult runNlopt(Run &run, nlopt_algorithm alg, const std::vector<double> &x0) {
  const MinimizeOptions &o = *run.options;
  Objective &obj = *run.obj;
  unsigned n = static_cast<unsigned>(obj.n);
  bool constrained = obj.nEq + obj.nIneq > 0;
  std::unique_ptr<nlopt_opt_s, void (*)(nlopt_opt)> opt(nlopt_create(alg, n), nlopt_destroy);
  if (!opt) throw ValueError("minimize: NLopt could not create " + methodName(o.method));
  State s{&run, opt.get()};
  nlopt_set_min_objective(opt.get(), objective, &s);
  nlopt_set_maxeval(opt.get(), o.maxEval);
  nlopt_set_ftol_rel(opt.get(), o.ftolRel);
  nlopt_set_xtol_rel(opt.get(), o.xtolRel);
  if (o.initialStep > 0) nlopt_set_initial_step1(opt.get(), o.initialStep);
  if (o.method == Method::BFGS) nlopt_set_vector_storage(opt.get(), std::min(n, 100u));
  if (!o.bounds.empty()) {
    std::vector<double> lo(n), hi(n);
    for (unsigned i = 0; i < n; ++i) {
      const Bound &b = o.bounds.size() == 1 ? o.bounds[0] : o.bounds[i];
      lo[i] = b.lo, hi[i] = b.hi;
    }
    nlopt_set_lower_bounds(opt.get(), lo.data());
    nlopt_set_upper_bounds(opt.get(), hi.data());
  }
  std::unique_ptr<nlopt_opt_s, void (*)(nlopt_opt)> local(nullptr, nlopt_destroy);
  if (alg == NLOPT_AUGLAG) {
    // The subproblems are unconstrained smooth minimizations: L-BFGS solves them.
    local.reset(nlopt_create(NLOPT_LD_LBFGS, n));
    nlopt_set_ftol_rel(local.get(), o.ftolRel);
    nlopt_set_xtol_rel(local.get(), o.xtolRel);
    nlopt_set_local_optimizer(opt.get(), local.get());
  }
  // NLopt counts a point feasible when each constraint is within its tolerance (ctol) and
  // returns the best feasible point.
  if (obj.nEq > 0) {
    std::vector<double> tol(obj.nEq, o.ctol);
    nlopt_add_equality_mconstraint(opt.get(), static_cast<unsigned>(obj.nEq), constraint<true>, &s,
                                   tol.data());
  }
  if (obj.nIneq > 0) {
    std::vector<double> tol(obj.nIneq, o.ctol);
    nlopt_add_inequality_mconstraint(opt.get(), static_cast<unsigned>(obj.nIneq), constraint<false>,
                                     &s, tol.data());
  }
  s.shift.assign(obj.nIneq, 0.0);
  std::vector<double> x = x0, c(obj.nIneq);
  double fmin = 0;
  nlopt_result status = nlopt_optimize(opt.get(), x.data(), &fmin);
  // Round-off leaves active inequalities violated by ~1e-12, which an exact check (c >= 0)
  // rejects. Tighten just those (never all: constraints that pin a value from both sides would
  // become infeasible) and resume from the answer, a few evaluations each time.
  bool polishable = obj.nIneq > 0 && status > 0 && run.failure.empty() && !run.stopped;
  if (polishable) polish(obj, x, o.ctol);
  auto ineqViolation = [&](const std::vector<double> &at) {
    obj.constraints(false, at.data(), c.data(), nullptr);
    double v = 0;
    for (double ci : c)
      v = std::max(v, -ci);
    return v;
  };
  double worst = obj.nIneq ? ineqViolation(x) : 0;
  for (int round = 0; round < 4 && polishable && worst > 0; ++round) {
    obj.constraints(false, x.data(), c.data(), nullptr);
    for (size_t i = 0; i < obj.nIneq; ++i)
      if (c[i] < 0) s.shift[i] = std::max(std::max(o.ctol, 10 * s.shift[i]), -2 * c[i]);
    std::vector<double> tried = x;
    s.best = std::numeric_limits<double>::infinity();
    nlopt_result st = nlopt_optimize(opt.get(), tried.data(), &fmin);
    if (st > 0) polish(obj, tried, o.ctol);
    double v = ineqViolation(tried);
    if (st <= 0 || v > worst) break; // tightening made it worse: keep the answer before it
    x = tried, status = st, worst = v;
  }
  SolverResult r;
  if (constrained || s.bestX.empty()) {
    // With constraints the best loss seen may be infeasible: keep NLopt's answer.
    r.x = x;
    r.fun = obj.value(x.data(), nullptr);
  } else {
    r.x = s.bestX;
    r.fun = s.best;
  }
  r.status = static_cast<int>(status);
  // L-BFGS stopping on round-off at the optimum is a success in practice (SciPy's lbfgsb
  // reports it as one).
  r.success = status > 0 || status == NLOPT_ROUNDOFF_LIMITED;
  r.message = run.stopped ? "stopped by the callback" : nlopt_result_to_string(status);
  if (run.stopped) r.success = false;
  return r;
}
} // namespace

SolverResult solveNlopt(Run &run, const std::vector<double> &x0) {
  const MinimizeOptions &o = *run.options;
  Objective &obj = *run.obj;
  bool constrained = obj.nEq + obj.nIneq > 0;
  nlopt_algorithm alg = algorithm(o.method);
  if (constrained && alg != NLOPT_LD_SLSQP && alg != NLOPT_LN_COBYLA && alg != NLOPT_AUGLAG)
    throw ValueError("minimize: method " + methodName(o.method) +
                     " takes no constraints; use SLSQP, trust-constr, COBYLA or AUGLAG");
  SolverResult r = runNlopt(run, alg, x0);
  if (o.method != Method::TrustConstr || !constrained || !run.failure.empty() || run.stopped)
    return r;
  // trust-constr is the robust choice: when SLSQP fails (its least-squares subproblem breaks
  // down on degenerate constraints, e.g. two that pin a sum from both sides) or ends
  // infeasible, the augmented Lagrangian resumes from SLSQP's answer.
  if (r.success && obj.maxViolation(r.x.data()) <= o.ctol) return r;
  SolverResult a = runNlopt(run, NLOPT_AUGLAG, r.x);
  a.message = "SLSQP: " + r.message + "; then AUGLAG: " + a.message;
  return a;
}

} // namespace graphjit::optim::detail
