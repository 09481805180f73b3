// The NLopt methods of minimize(): quasi-Newton (LD_LBFGS, with bounds), derivative-free
// (Nelder-Mead, BOBYQA for Powell, Sbplx, COBYLA) and constrained (SLSQP, COBYLA, AUGLAG).
// Inequalities are handed over tightened by ctol so the answer satisfies them exactly.
#include "Objective.h"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

namespace graphjit::optim::detail {

namespace {
struct State {
  Run *run;
  nlopt_opt opt;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> bestX, scratch;
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
    out[i] = -out[i] + run.options->ctol;
  if (jac)
    for (size_t i = 0; i < size_t(m) * n; ++i)
      jac[i] = -jac[i];
}

nlopt_algorithm algorithm(Method m) {
  switch (m) {
  case Method::NelderMead:
    return NLOPT_LN_NELDERMEAD;
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

SolverResult solveNlopt(Run &run, const std::vector<double> &x0) {
  const MinimizeOptions &o = *run.options;
  Objective &obj = *run.obj;
  unsigned n = static_cast<unsigned>(obj.n);
  bool constrained = obj.nEq + obj.nIneq > 0;
  nlopt_algorithm alg = algorithm(o.method);
  if (constrained && alg != NLOPT_LD_SLSQP && alg != NLOPT_LN_COBYLA && alg != NLOPT_AUGLAG)
    throw ValueError("minimize: method " + methodName(o.method) +
                     " takes no constraints; use SLSQP, trust-constr, COBYLA or AUGLAG");
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
  // The tolerance NLopt allows on a constraint; inequalities are tightened by ctol, so 0
  // violation of the tightened ones is not needed for the original ones to hold.
  if (obj.nEq > 0) {
    std::vector<double> tol(obj.nEq, o.ctol);
    nlopt_add_equality_mconstraint(opt.get(), static_cast<unsigned>(obj.nEq), constraint<true>, &s,
                                   tol.data());
  }
  if (obj.nIneq > 0) {
    std::vector<double> tol(obj.nIneq, 0.0);
    nlopt_add_inequality_mconstraint(opt.get(), static_cast<unsigned>(obj.nIneq), constraint<false>,
                                     &s, tol.data());
  }
  std::vector<double> x = x0;
  double fmin = 0;
  nlopt_result status = nlopt_optimize(opt.get(), x.data(), &fmin);
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

} // namespace graphjit::optim::detail
