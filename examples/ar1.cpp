// The log-likelihood of an AR(1) series, y_t = phi y_{t-1} + e_t with e_t ~ N(0, sigma),
// as a scan over the series, and its gradient (a reverse scan) against the closed form.
#include "graphjit/graphjit.h"

#include <cmath>
#include <cstdio>
#include <random>

using namespace graphjit;

int main() {
  // A series drawn with phi = 0.6, sigma = 0.5 (fixed seed).
  const int64_t T = 200;
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> noise(0.0, 0.5);
  std::vector<double> ys(T);
  ys[0] = 0.3;
  for (int64_t t = 1; t < T; ++t)
    ys[t] = 0.6 * ys[t - 1] + noise(rng);

  Var y = vector("y"), phi = scalar("phi"), sigma = scalar("sigma");
  // The conditional log-likelihood: a running sum over the pairs (y_t, y_{t-1}).
  Var now = y(slice(1, std::nullopt)), before = y(slice(std::nullopt, -1));
  ScanResult ll = scan(
      [&](const std::vector<Var> &a) {
        const Var &yt = a[0], &yprev = a[1], &acc = a[2];
        Var z = (yt - phi * yprev) / sigma;
        return StepResult({acc - 0.5 * z * z - log(sigma) - 0.5 * std::log(2 * M_PI)});
      },
      {now, before}, {OutputInfo(constant(0.0))});
  Var logp = ll.last(0);
  std::vector<Var> g = grad(logp, {phi, sigma});
  Function f = compile({y, phi, sigma}, {logp, g[0], g[1]});

  const double p = 0.55, s = 0.45;
  auto out = f({Tensor::fromVector(ys), Tensor::scalar(p), Tensor::scalar(s)});
  // Closed form: d/dphi = sum r_t y_{t-1} / s^2, d/dsigma = sum (r_t^2 / s^3 - 1 / s).
  double want = 0, dphi = 0, dsigma = 0;
  for (int64_t t = 1; t < T; ++t) {
    double r = ys[t] - p * ys[t - 1];
    want += -0.5 * r * r / (s * s) - std::log(s) - 0.5 * std::log(2 * M_PI);
    dphi += r * ys[t - 1] / (s * s);
    dsigma += r * r / (s * s * s) - 1 / s;
  }
  double e0 = std::abs(out[0].item() - want), e1 = std::abs(out[1].item() - dphi),
         e2 = std::abs(out[2].item() - dsigma);
  std::printf("ar1: logp %.10f (closed form %.10f), dphi %.10f (%.10f), dsigma %.10f (%.10f)\n",
              out[0].item(), want, out[1].item(), dphi, out[2].item(), dsigma);
  double tol = 1e-9 * (1 + std::abs(want));
  if (e0 > tol || e1 > 1e-8 * (1 + std::abs(dphi)) || e2 > 1e-8 * (1 + std::abs(dsigma))) {
    std::fprintf(stderr, "ar1: the scan's values differ from the closed form\n");
    return 1;
  }
  return 0;
}
