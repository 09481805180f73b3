// Chapter 13: the probabilistic layer: a random variable, its log density, the
// automatic change of variables, and maximum likelihood with minimize (data passed as args).
#include <graphjit/graphjit.h>

#include <cmath>
#include <cstdio>

using namespace graphjit;

int main() {
  // A random variable is a graph node; logp(rv, value) is a graph too.
  Var x = normal(constant(Tensor::full(DType::Float64, {3}, 0.3)), constant(0.8)); // f64[3]
  Var v = vector("v");
  Tensor at = Tensor::of({0.5, 1.0, 2.0});
  // y = exp(x): its density is derived by inverting exp and adding log|d log(v)/dv| = -log(v).
  Tensor derived = logp(exp(x), v).eval({{v, at}});
  Tensor analytic =
      logp(lognormal(constant(Tensor::full(DType::Float64, {3}, 0.3)), constant(0.8)), v)
          .eval({{v, at}});
  auto show = [](const char *what, const Tensor &t) {
    std::printf("%s", what);
    for (double e : t.toDoubles())
      std::printf(" %.12f", e);
    std::printf("\n");
  };
  show("logp(exp(x), v) =", derived);
  show("lognormal logp  =", analytic);
  std::printf("outside the support: %s\n",
              logp(exp(x), v).eval({{v, Tensor::of({-1.0, 0.0, 1.0})}}).valuesStr().c_str());

  // Data drawn from the model with a fixed seed, then the parameters found by maximum likelihood.
  // As with SciPy's minimize(fun, x0, args): the parameters are plain graph inputs, started at
  // x0, and the data is an input too, given its value at call time (no constants baked in).
  Tensor data = sample(normal(constant(2.0), constant(0.5)), 2000, /*seed=*/3);
  Var mu = scalar("mu"), logSigma = scalar("log_sigma"), obs = vector("obs");
  Var nll = -sum(logp(normal(mu, exp(logSigma)), obs));
  optim::MinimizeOptions opts;
  opts.method = optim::methodFromName("trust-exact"); // Newton steps on the exact Hessian
  optim::OptimizeResult r = optim::minimize(
      nll, {mu, logSigma}, {Tensor::scalar(0.0), Tensor::scalar(0.0)}, {{obs, data}}, opts);
  // The closed-form answer: the sample mean and standard deviation.
  std::vector<double> d = data.toDoubles();
  double m = 0, var = 0;
  for (double e : d)
    m += e / d.size();
  for (double e : d)
    var += (e - m) * (e - m) / d.size();
  std::printf("minimize: %s, mu = %.5f, sigma = %.5f\n",
              r.success ? "converged" : r.message.c_str(), r.x[0].item(), std::exp(r.x[1].item()));
  std::printf("closed form:         mu = %.5f, sigma = %.5f\n", m, std::sqrt(var));
  // The same loss with sigma itself bounded below instead of its log (L-BFGS-B).
  Var sigma = scalar("sigma");
  optim::MinimizeOptions bounded;
  bounded.method = optim::methodFromName("L-BFGS-B");
  bounded.bounds = {{-10, 10}, {1e-6, 10}}; // one per element: mu, then sigma
  optim::OptimizeResult b =
      optim::minimize(-sum(logp(normal(mu, sigma), obs)), {mu, sigma},
                      {Tensor::scalar(0.0), Tensor::scalar(1.0)}, {{obs, data}}, bounded);
  std::printf("bounded:             mu = %.5f, sigma = %.5f\n", b.x[0].item(), b.x[1].item());
}

// Output (make test checks these lines with FileCheck):
// CHECK: logp(exp(x), v) = [[LP:.*]]
// CHECK-NEXT: lognormal logp  = [[LP]]
// CHECK-NEXT: outside the support: [-inf, -inf, -0.{{[0-9]+}}]
// CHECK-NEXT: minimize: converged, mu = [[MU:[0-9.]+]], sigma = [[SIGMA:[0-9.]+]]
// CHECK-NEXT: closed form:         mu = [[MU]], sigma = [[SIGMA]]
// CHECK-NEXT: bounded:             mu = [[MU]], sigma = [[SIGMA]]
