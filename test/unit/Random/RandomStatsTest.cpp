// Statistical checks of every distribution's sampler: sample mean and variance
// against the distribution's, and the Kolmogorov-Smirnov statistic against its
// CDF (computed here), with fixed seeds and thresholds.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

using namespace graphjit;

namespace {
constexpr int64_t kN = 20000;
// The KS statistic exceeds 1.95 / sqrt(n) with probability 0.001 under the null.
const double kKsBound = 1.95 / std::sqrt(static_cast<double>(kN));

/// Regularized lower incomplete gamma P(a, x) (series below a + 1, continued fraction above).
double gammaP(double a, double x) {
  if (x <= 0) return 0;
  double lg = std::lgamma(a);
  if (x < a + 1) {
    double sum = 1 / a, term = sum;
    for (int n = 1; n < 1000 && std::fabs(term) > 1e-16 * sum; ++n)
      sum += term *= x / (a + n);
    return sum * std::exp(-x + a * std::log(x) - lg);
  }
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    c = b + an / c;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-16) break;
  }
  return 1 - std::exp(-x + a * std::log(x) - lg) * h;
}

/// Regularized incomplete beta I_x(a, b) by Lentz's continued fraction.
double betaI(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - betaI(b, a, 1 - x);
  double lbeta = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b);
  double front = std::exp(lbeta + a * std::log(x) + b * std::log1p(-x)) / a;
  double f = 1, c = 1, d = 0;
  for (int i = 0; i <= 400; ++i) {
    int m = i / 2;
    double num = i == 0       ? 1
                 : i % 2 == 0 ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                              : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    d = std::fabs(d) < 1e-300 ? 1e-300 : d;
    d = 1 / d;
    c = 1 + num / c;
    c = std::fabs(c) < 1e-300 ? 1e-300 : c;
    double cd = c * d;
    f *= cd;
    if (std::fabs(1 - cd) < 1e-15) break;
  }
  return front * (f - 1);
}

double normalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

struct Case {
  Dist dist;
  std::vector<double> params;
  double mean, variance;
  std::function<double(double)> cdf; // P(X <= x)
};

std::vector<Case> cases() {
  return {
      {Dist::Normal, {1.5, 2.0}, 1.5, 4.0, [](double x) { return normalCdf((x - 1.5) / 2); }},
      {Dist::HalfNormal,
       {2.0},
       2.0 * std::sqrt(2 / M_PI),
       4.0 * (1 - 2 / M_PI),
       [](double x) { return std::erf(x / (2.0 * std::sqrt(2.0))); }},
      {Dist::LogNormal,
       {0.2, 0.5},
       std::exp(0.2 + 0.125),
       (std::exp(0.25) - 1) * std::exp(0.4 + 0.25),
       [](double x) { return normalCdf((std::log(x) - 0.2) / 0.5); }},
      {Dist::Uniform, {-1.0, 3.0}, 1.0, 16.0 / 12, [](double x) { return (x + 1) / 4; }},
      {Dist::Exponential, {2.5}, 0.4, 0.16, [](double x) { return 1 - std::exp(-2.5 * x); }},
      {Dist::Gamma, {3.0, 2.0}, 1.5, 0.75, [](double x) { return gammaP(3.0, 2.0 * x); }},
      {Dist::Gamma, {0.4, 1.0}, 0.4, 0.4, [](double x) { return gammaP(0.4, x); }},
      {Dist::Beta, {2.0, 5.0}, 2.0 / 7, 10.0 / (49 * 8), [](double x) { return betaI(2, 5, x); }},
      {Dist::StudentT,
       {5.0, 1.0, 2.0},
       1.0,
       4.0 * 5 / 3,
       [](double x) {
         double t = (x - 1) / 2, p = 0.5 * betaI(2.5, 0.5, 5 / (5 + t * t));
         return t > 0 ? 1 - p : p;
       }},
      {Dist::Laplace,
       {-1.0, 0.5},
       -1.0,
       0.5,
       [](double x) {
         return x < -1 ? 0.5 * std::exp((x + 1) / 0.5) : 1 - 0.5 * std::exp(-(x + 1) / 0.5);
       }},
      {Dist::Bernoulli, {0.3}, 0.3, 0.21, [](double x) { return x < 0   ? 0
                                                                : x < 1 ? 0.7
                                                                        : 1; }},
      {Dist::Poisson,
       {3.5},
       3.5,
       3.5,
       [](double x) { return x < 0 ? 0 : 1 - gammaP(std::floor(x) + 1, 3.5); }},
      {Dist::Poisson,
       {40.0},
       40.0,
       40.0, // the PTRS branch
       [](double x) { return x < 0 ? 0 : 1 - gammaP(std::floor(x) + 1, 40.0); }},
      {Dist::Categorical,
       {0.2, 0.5, 0.3},
       1.1,
       0.49,
       [](double x) {
         return x < 0 ? 0 : x < 1 ? 0.2 : x < 2 ? 0.7 : 1;
       }},
  };
}

/// sup |F_n - F| over the sample, evaluated on both sides of every jump.
double ksStatistic(std::vector<double> v, const std::function<double(double)> &cdf) {
  std::sort(v.begin(), v.end());
  double n = static_cast<double>(v.size()), d = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i + 1 < v.size() && v[i + 1] == v[i]) continue; // ties: the jump ends at the last one
    size_t first = i;
    while (first > 0 && v[first - 1] == v[i])
      --first;
    double f = cdf(v[i]), left = cdf(std::nextafter(v[i], -INFINITY)); // F(x), F(x-)
    d = std::max({d, std::fabs((i + 1) / n - f), std::fabs(first / n - left)});
  }
  return d;
}
} // namespace

TEST(RandomStats, MomentsAndKolmogorovSmirnovPerDistribution) {
  uint64_t seed = 2024;
  for (const Case &c : cases()) {
    std::vector<Tensor> params;
    if (c.dist == Dist::Categorical)
      params.push_back(Tensor::fromVector(c.params));
    else
      for (double p : c.params)
        params.push_back(Tensor::scalar(p));
    std::vector<double> v = drawSamples(c.dist, params, {}, kN, ++seed).toDoubles();
    double mean = 0, var = 0;
    for (double x : v)
      mean += x;
    mean /= kN;
    for (double x : v)
      var += (x - mean) * (x - mean);
    var /= kN - 1;
    std::string what = std::string(distName(c.dist)) + " " + std::to_string(c.params[0]);
    // Mean within 5 standard errors; variance within 10%.
    EXPECT_NEAR(mean, c.mean, 5 * std::sqrt(c.variance / kN)) << what;
    EXPECT_NEAR(var, c.variance, 0.1 * c.variance) << what;
    EXPECT_LT(ksStatistic(v, c.cdf), kKsBound) << what;
  }
}

TEST(RandomStats, MultivariateNormalMeanAndCovariance) {
  Tensor mu = Tensor::of({1.0, -1.0}), cov = Tensor::of({{2.0, 0.6}, {0.6, 1.0}});
  std::vector<double> v = drawSamples(Dist::MvNormal, {mu, cov}, {2}, kN, 5).toDoubles();
  double m[2] = {0, 0}, c[2][2] = {{0, 0}, {0, 0}};
  for (int64_t i = 0; i < kN; ++i)
    for (int a = 0; a < 2; ++a)
      m[a] += v[2 * i + a] / kN;
  for (int64_t i = 0; i < kN; ++i)
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b)
        c[a][b] += (v[2 * i + a] - m[a]) * (v[2 * i + b] - m[b]) / (kN - 1);
  EXPECT_NEAR(m[0], 1.0, 0.05);
  EXPECT_NEAR(m[1], -1.0, 0.04);
  EXPECT_NEAR(c[0][0], 2.0, 0.1);
  EXPECT_NEAR(c[0][1], 0.6, 0.05);
  EXPECT_NEAR(c[1][1], 1.0, 0.05);
  // The normals under it pass KS too (first coordinate, standardized).
  std::vector<double> z;
  for (int64_t i = 0; i < kN; ++i)
    z.push_back((v[2 * i] - 1.0) / std::sqrt(2.0));
  EXPECT_LT(ksStatistic(z, normalCdf), kKsBound);
}
