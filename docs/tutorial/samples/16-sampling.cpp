// Chapter 16: posterior sampling with NUTS: the partialling walkthrough's
// Bayesian polynomial regression as a model of random variables, its log
// density and gradient compiled into one Function, four chains on threads,
// az.summary and trace plots.
#include <graphjit/graphjit.h>

#include <cmath>
#include <cstdio>

using namespace graphjit;

int main() {
  // The workshop's data: 30 points x ~ U(0, 1), y = w . [1, x, x^2, x^3] + N(0, 0.008) noise.
  const int n = 30;
  const double noise = 0.008, trueW[4] = {0, 0.3, -1, 1};
  std::vector<double> x = sample(uniform(constant(0.0), constant(1.0)), n, /*seed=*/1).toDoubles();
  std::vector<double> eps = sample(normal(constant(0.0), constant(noise)), n, 2).toDoubles();
  std::vector<double> X(n * 4), y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 4; ++j)
      X[i * 4 + j] = std::pow(x[i], j);
    y[i] =
        trueW[0] + trueW[1] * x[i] + trueW[2] * x[i] * x[i] + trueW[3] * std::pow(x[i], 3) + eps[i];
  }

  // The model as PyMC writes it, random variables in a graph: w ~ N(0, 1) (4 weights),
  // y ~ N(X w, noise) observed. makeModel derives the joint log density over w's value
  // variable (constrained variables would be mapped to the real line here).
  Var w = normal(constant(Tensor::zeros(DType::Float64, {4})), constant(1.0), "w");
  Var yRv = normal(matmul(constant(Tensor::fromVector(X, {n, 4})), w), constant(noise), "y");
  Model model = makeModel({w}, {{yRv, constant(Tensor::fromVector(y))}});

  mcmc::SampleOptions opts;
  opts.draws = 2000;
  opts.tune = 1000;
  opts.chains = 4;
  opts.seed = 26;
  // pm.sample: logp and its gradient compiled into one Function, NUTS on four threads, the
  // draws reported on each variable's own scale and named by variable.
  mcmc::SampleResult r = mcmc::sample_posterior(model, opts);
  std::printf("%d chains x %d draws, %d divergences\n", r.chains, r.draws, r.divergences());
  std::vector<mcmc::SummaryRow> rows = mcmc::summary(r);
  std::printf("%s", mcmc::formatSummary(rows).c_str());

  // The posterior is Gaussian here: precision I + X'X / noise^2, mean its inverse times
  // X'y / noise^2. Solve the 4x4 system by Gaussian elimination and compare.
  double A[4][5];
  for (int a = 0; a < 4; ++a) {
    for (int b = 0; b < 4; ++b) {
      A[a][b] = a == b ? 1.0 : 0.0;
      for (int i = 0; i < n; ++i)
        A[a][b] += X[i * 4 + a] * X[i * 4 + b] / (noise * noise);
    }
    A[a][4] = 0;
    for (int i = 0; i < n; ++i)
      A[a][4] += X[i * 4 + a] * y[i] / (noise * noise);
  }
  for (int c = 0; c < 4; ++c)
    for (int r2 = c + 1; r2 < 4; ++r2) {
      double f = A[r2][c] / A[c][c];
      for (int k = c; k < 5; ++k)
        A[r2][k] -= f * A[c][k];
    }
  double exact[4];
  for (int c = 3; c >= 0; --c) {
    exact[c] = A[c][4];
    for (int k = c + 1; k < 4; ++k)
      exact[c] -= A[c][k] * exact[k];
    exact[c] /= A[c][c];
  }
  bool close = true;
  for (int j = 0; j < 4; ++j)
    close &= std::abs(rows[j].mean - exact[j]) < 4 * rows[j].mcseMean && rows[j].rhat < 1.01;
  std::printf("means within 4 MCSE of the exact posterior, R-hat < 1.01: %s\n",
              close ? "yes" : "no");

  // ArviZ's plot_trace and plot_posterior, as PNG files in the working directory.
  mcmc::plot_trace(r, "trace.png");
  mcmc::plot_posterior(r, "posterior.png");
  std::printf("wrote trace.png and posterior.png\n");
}

// Output (make test checks these lines with FileCheck):
// CHECK: 4 chains x 2000 draws, 0 divergences
// CHECK-NEXT: mean     sd  hdi_3%  hdi_97%  mcse_mean  mcse_sd  ess_bulk  ess_tail  r_hat
// CHECK-NEXT: w[0]
// CHECK-NEXT: w[1]
// CHECK-NEXT: w[2]
// CHECK-NEXT: w[3]
// CHECK-NEXT: means within 4 MCSE of the exact posterior, R-hat < 1.01: yes
// CHECK-NEXT: wrote trace.png and posterior.png
