// Chapter 13: a probabilistic model in miniature: fit a normal distribution
// by maximum likelihood, with the log-density written as a graph.
#include <graphjit/graphjit.h>

#include <cmath>
#include <cstdio>
#include <random>

using namespace graphjit;

int main() {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> data(2.0, 0.5);
  std::vector<double> xs(2000);
  for (double &v : xs)
    v = data(rng);

  Var x = vector("x");
  Var mu = shared(Tensor::scalar(0.0), "mu");
  Var logSigma = shared(Tensor::scalar(0.0), "log_sigma"); // unconstrained: sigma = exp(log_sigma)
  // log N(x | mu, sigma) = -(x - mu)^2 / (2 sigma^2) - log(sigma) - log(2 pi) / 2
  Var z = (x - mu) / exp(logSigma);
  Var logp = mean(-0.5 * sqr(z) - logSigma - 0.5 * std::log(2 * M_PI));
  std::vector<Var> g = grad(logp, {mu, logSigma});
  Function step = compile({x}, {logp}, {{mu, mu + 0.1 * g[0]}, {logSigma, logSigma + 0.1 * g[1]}});
  Tensor xv = Tensor::fromVector(xs);
  double lp = 0;
  for (int i = 0; i < 500; ++i)
    lp = step({xv})[0].item();
  std::printf("fitted: mu = %.4f, sigma = %.4f, mean log-density %.3f\n", getValue(mu).item(),
              std::exp(getValue(logSigma).item()), lp);
  // The maximum-likelihood answer in closed form: the sample mean and standard deviation.
  double m = 0, v = 0;
  for (double e : xs)
    m += e / xs.size();
  for (double e : xs)
    v += (e - m) * (e - m) / xs.size();
  std::printf("closed form: mu = %.4f, sigma = %.4f\n", m, std::sqrt(v));
}

// Output (make test checks these lines with FileCheck):
// CHECK: fitted: mu = [[MU:[0-9.]+]], sigma = [[SIGMA:[0-9.]+]], mean log-density -0.7{{[0-9]+}}
// CHECK-NEXT: closed form: mu = [[MU]], sigma = [[SIGMA]]
