// The problems of the workshop's optimization exercise (pytensor-workshop
// notebooks/exercises/optimization_with_scipy.ipynb) as graphs, on data made by the same LCG as
// benchmarks/optimize_scipy.py, which computed SciPy's answers (ScipyAnswers.h). Shared by
// WorkshopTest.cpp and benchmarks/BenchOptimize.cpp.
#pragma once

#include "graphjit/graphjit.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace workshop {

using namespace graphjit;

/// Knuth's MMIX LCG; uniform from the top 53 bits, normal by Box-Muller (as the script).
struct Lcg {
  uint64_t s;
  explicit Lcg(uint64_t seed) : s(seed) {}
  double uniform() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
  }
  double normal() {
    double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  std::vector<double> normals(size_t n) {
    std::vector<double> v(n);
    for (double &x : v)
      x = normal();
    return v;
  }
};

/// X = [1, normals], beta = [10, 10 normals], y = X beta (no noise), x0 = 10 normals.
struct Regression {
  Tensor X, y, beta, x0;
};
inline Regression regression(int64_t n, int64_t k, uint64_t seed) {
  Lcg g(seed);
  std::vector<double> z = g.normals(n * k), X(n * (k + 1)), beta(k + 1), y(n, 0.0), x0(k + 1);
  for (int64_t i = 0; i < n; ++i) {
    X[i * (k + 1)] = 1.0;
    for (int64_t j = 0; j < k; ++j)
      X[i * (k + 1) + j + 1] = z[i * k + j];
  }
  beta[0] = 10.0;
  for (int64_t j = 0; j < k; ++j)
    beta[j + 1] = 10.0 * g.normal();
  for (double &v : x0)
    v = 10.0 * g.normal();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= k; ++j)
      y[i] += X[i * (k + 1) + j] * beta[j];
  return {Tensor::fromVector(X, {n, k + 1}), Tensor::fromVector(y), Tensor::fromVector(beta),
          Tensor::fromVector(x0)};
}

/// The Bernoulli GLM's data: X = [1, normals] (10000 x 10), beta = 0.1 normals, y ~ Bernoulli.
struct Glm {
  Tensor X, y, beta;
};
inline Glm glm(uint64_t seed) {
  const int64_t n = 10000, k = 10;
  Lcg g(seed);
  std::vector<double> z = g.normals(n * (k - 1)), X(n * k), beta = g.normals(k), y(n);
  for (double &b : beta)
    b *= 0.1;
  for (int64_t i = 0; i < n; ++i) {
    X[i * k] = 1.0;
    for (int64_t j = 1; j < k; ++j)
      X[i * k + j] = z[i * (k - 1) + j - 1];
  }
  for (int64_t i = 0; i < n; ++i) {
    double eta = 0;
    for (int64_t j = 0; j < k; ++j)
      eta += X[i * k + j] * beta[j];
    double p = 1.0 / (1.0 + std::exp(-eta));
    y[i] = g.uniform() < p ? 1.0 : 0.0;
  }
  return {Tensor::fromVector(X, {n, k}), Tensor::fromVector(y), Tensor::fromVector(beta)};
}

/// Exercise 2's "no sum, no square" sum of squared errors: r . r with r = y - X beta.
inline Var sse(const Var &beta, const Var &X, const Var &y) {
  Var r = y - dot(X, beta);
  return dot(r, r);
}

/// Exercise 4's negative log posterior: Bernoulli(logit^-1(X beta)) with beta ~ N(0, 1),
/// without the constant.
inline Var glmNegLogp(const Var &beta, const Var &X, const Var &y) {
  Var eta = dot(X, beta);
  return sum(softplus(eta) - y * eta) + 0.5 * dot(beta, beta);
}

inline const std::vector<double> kAlphas{0.5, 0.3, 0.3, 0.5, 0.5, 0.4, 0.4, 0.3};
inline const std::vector<double> kLambdas{0.3, 0.6, 0.3, 0.1, 0.2, 0.9, 0.3, 0.7};

/// Exercise 8's objective: minus the summed Michaelis-Menten utilities alpha x / (x + lambda).
inline Var utilityLoss(const Var &x, const Var &alphas, const Var &lambdas) {
  return -sum(alphas * x / (x + lambdas));
}

/// The bonus round's allocation matrix [2 products, 5 channels]: product A has channels 0-4,
/// product B channels 0-2.
inline Var allocationMatrix(const Var &x) {
  std::vector<int64_t> rows{0, 0, 0, 0, 0, 1, 1, 1}, cols{0, 1, 2, 3, 4, 0, 1, 2};
  // M[p, c, i] = 1 where allocation i is product p in channel c: X_matrix = M x.
  std::vector<double> m(2 * 5 * 8, 0.0);
  for (int i = 0; i < 8; ++i)
    m[(rows[i] * 5 + cols[i]) * 8 + i] = 1.0;
  return reshape(dot(constant(Tensor::fromVector(m, {10, 8})), x), {2, 5});
}

/// The bonus round's constraints (SciPy's convention, ineq >= 0), channels 2 and 3 of the
/// exercise's text counted from 1 as its expected answer implies.
inline std::vector<optim::Constraint> bonusConstraints(const Var &x, const Var &budget) {
  Var m = allocationMatrix(x);
  Var channels = sum(m, 0), products = sum(m, 1);
  using C = optim::Constraint;
  return {
      {C::Eq, sum(x) - budget},           {C::Ineq, channels - 0.1 * budget},
      {C::Ineq, 0.7 * budget - channels}, {C::Ineq, 0.1 - channels[2]},
      {C::Ineq, 0.5 - channels[1]},       {C::Ineq, products[0] - 0.5},
      {C::Ineq, products[1] - 0.4},       {C::Ineq, x - 0.05 * budget},
  };
}

} // namespace workshop
