// The workshop's optimization exercise: fit models by maximum likelihood with
// minimize() (L-BFGS through NLopt) and compare with the known optimum.
//
// 1. A Normal's mean and standard deviation: the optimum is the sample mean and
//    the (biased) sample standard deviation.
// 2. A linear regression with Gaussian noise: the optimum is the least-squares
//    solution of the normal equations, solve(X^T X, X^T y).
#include "graphjit/graphjit.h"

#include <cmath>
#include <cstdio>

using namespace graphjit;

int main() {
  bool ok = true;
  // 1. Normal(mu, sigma) from 1000 draws of Normal(3, 0.7).
  Tensor data =
      sample(normal(constant(Tensor::full(DType::Float64, {1000}, 3.0)), constant(0.7)), 1, 11)
          .reshaped({1000});
  Var mu = shared(Tensor::scalar(0.0), "mu"), logSigma = shared(Tensor::scalar(0.0), "log_sigma");
  Var nll = -sum(logp(normal(mu, exp(logSigma)), constant(data)));
  optim::OptimizeResult r = optim::minimize(nll, {mu, logSigma});
  std::vector<double> d = data.toDoubles();
  double mean = 0, var = 0;
  for (double x : d)
    mean += x / d.size();
  for (double x : d)
    var += (x - mean) * (x - mean) / d.size();
  double muHat = getValue(mu).item(), sigmaHat = std::exp(getValue(logSigma).item());
  std::printf(
      "normal MLE: mu %.6f (closed form %.6f), sigma %.6f (closed form %.6f); %d evaluations, %s\n",
      muHat, mean, sigmaHat, std::sqrt(var), r.nfev, r.message.c_str());
  ok = ok && r.success && std::fabs(muHat - mean) < 1e-6 &&
       std::fabs(sigmaHat - std::sqrt(var)) < 1e-6;

  // 2. y = X beta + noise.
  const int64_t n = 200;
  Tensor X = sample(normal(constant(Tensor::zeros(DType::Float64, {n, 3})), constant(1.0)), 1, 5)
                 .reshaped({n, 3});
  Tensor noise = sample(normal(constant(Tensor::zeros(DType::Float64, {n})), constant(0.3)), 1, 6)
                     .reshaped({n});
  Var Xc = constant(X);
  Tensor y = evaluate(dot(Xc, constant(Tensor::of({1.5, -2.0, 0.5}))) + constant(noise));
  Var beta = shared(Tensor::zeros(DType::Float64, {3}), "beta");
  Var loss = -sum(logp(normal(dot(Xc, beta), constant(0.3)), constant(y)));
  r = optim::minimize(loss, {beta});
  Tensor exact = evaluate(solve(dot(transpose(Xc), Xc), dot(transpose(Xc), constant(y))));
  double err = maxAbsDiff(getValue(beta), exact);
  std::printf("regression MLE: beta %s, least squares %s (max diff %.2e); %d evaluations, %s\n",
              getValue(beta).valuesStr().c_str(), exact.valuesStr().c_str(), err, r.nfev,
              r.message.c_str());
  ok = ok && r.success && err < 1e-6;
  std::printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
