// The workshop's optimization exercise with minimize(), written as a SciPy user writes it: the
// optimized inputs start at x0, data is passed as arguments, methods carry SciPy's names.
//
// 1. (x - a)^2 with a as data, Nelder-Mead.
// 2. A Normal's mean and log standard deviation by maximum likelihood, BFGS, then trust-exact
//    (exact Hessian): the sample mean and (biased) standard deviation.
// 3. Linear regression by least squares, trust-ncg (Hessian-vector products): solve(X^T X, X^T y).
// 4. A budget spread over Michaelis-Menten curves, trust-constr with an equality and an
//    inequality constraint: every allocation >= 0 exactly and the budget spent.
#include "graphjit/graphjit.h"

#include <cmath>
#include <cstdio>

using namespace graphjit;

namespace {
optim::MinimizeOptions method(const char *name) {
  optim::MinimizeOptions o;
  o.method = optim::methodFromName(name);
  return o;
}
} // namespace

int main() {
  bool ok = true;
  // 1.
  Var x = vector("x"), a = scalar("a");
  optim::OptimizeResult r = optim::minimize(sum(sqr(x - a)), {x}, {Tensor::of({0.0})},
                                            {{a, Tensor::scalar(3.0)}}, method("Nelder-Mead"));
  std::printf("(x - a)^2, a = 3: x = %.6f after %d evaluations (%s)\n", r.x[0].getAsDouble(0),
              r.nfev, r.message.c_str());
  ok = ok && r.success && std::fabs(r.x[0].getAsDouble(0) - 3) < 1e-4;

  // 2.
  Tensor data =
      sample(normal(constant(Tensor::full(DType::Float64, {1000}, 3.0)), constant(0.7)), 1, 11)
          .reshaped({1000});
  std::vector<double> d = data.toDoubles();
  double mean = 0, var = 0;
  for (double v : d)
    mean += v / d.size();
  for (double v : d)
    var += (v - mean) * (v - mean) / d.size();
  Var mu = scalar("mu"), logSigma = scalar("log_sigma"), obs = vector("obs");
  Var nll = -sum(logp(normal(mu, exp(logSigma)), obs));
  for (const char *m : {"BFGS", "trust-exact"}) {
    r = optim::minimize(nll, {mu, logSigma}, {Tensor::scalar(0.0), Tensor::scalar(0.0)},
                        {{obs, data}}, method(m));
    double muHat = r.x[0].item(), sigmaHat = std::exp(r.x[1].item());
    std::printf("normal MLE (%s): mu %.6f (closed form %.6f), sigma %.6f (closed form %.6f); "
                "%d evaluations, %s\n",
                m, muHat, mean, sigmaHat, std::sqrt(var), r.nfev, r.message.c_str());
    ok = ok && r.success && std::fabs(muHat - mean) < 1e-6 &&
         std::fabs(sigmaHat - std::sqrt(var)) < 1e-6;
  }

  // 3.
  const int64_t n = 200;
  Tensor X = sample(normal(constant(Tensor::zeros(DType::Float64, {n, 3})), constant(1.0)), 1, 5)
                 .reshaped({n, 3});
  Tensor noise = sample(normal(constant(Tensor::zeros(DType::Float64, {n})), constant(0.3)), 1, 6)
                     .reshaped({n});
  Tensor y = evaluate(dot(constant(X), constant(Tensor::of({1.5, -2.0, 0.5}))) + constant(noise));
  Var Xv = matrix("X"), yv = vector("y"), beta = vector("beta");
  Var resid = yv - dot(Xv, beta);
  r = optim::minimize(dot(resid, resid), {beta}, {Tensor::zeros(DType::Float64, {3})},
                      {{Xv, X}, {yv, y}}, method("trust-ncg"));
  Tensor exact = evaluate(
      solve(dot(transpose(constant(X)), constant(X)), dot(transpose(constant(X)), constant(y))));
  double err = maxAbsDiff(r.x[0], exact);
  std::printf("least squares (trust-ncg): beta %s, normal equations %s (max diff %.2e); "
              "%d evaluations, %d Hessian-vector products\n",
              r.x[0].valuesStr().c_str(), exact.valuesStr().c_str(), err, r.nfev, r.nhev);
  ok = ok && r.success && err < 1e-6;

  // 4.
  Var alloc = vector("alloc"), alphas = vector("alphas"), lambdas = vector("lambdas");
  optim::MinimizeOptions o = method("trust-constr");
  o.constraints = {{optim::Constraint::Eq, sum(alloc) - 1.0}, {optim::Constraint::Ineq, alloc}};
  r = optim::minimize(-sum(alphas * alloc / (alloc + lambdas)), {alloc},
                      {Tensor::full(DType::Float64, {8}, 1.0 / 8)},
                      {{alphas, Tensor::of({0.5, 0.3, 0.3, 0.5, 0.5, 0.4, 0.4, 0.3})},
                       {lambdas, Tensor::of({0.3, 0.6, 0.3, 0.1, 0.2, 0.9, 0.3, 0.7})}},
                      o);
  bool nonNegative = true;
  for (double v : r.x[0].toDoubles())
    nonNegative = nonNegative && v >= 0;
  std::printf("budget (trust-constr): utility %.6f, allocation %s, constraint violation %.1e\n",
              -r.fun, r.x[0].valuesStr().c_str(), r.maxcv);
  ok = ok && r.success && nonNegative && std::fabs(r.fun + 1.0745281) < 1e-5;
  std::printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
