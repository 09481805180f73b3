// logp of every distribution against SciPy reference values (ProbReference.h),
// including values outside the support and extreme parameters; sample moments.
#include "ProbReference.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

using namespace graphjit;

namespace {
Dist distByName(const std::string &n) {
  for (Dist d : {Dist::Normal, Dist::HalfNormal, Dist::LogNormal, Dist::Uniform, Dist::Exponential,
                 Dist::Gamma, Dist::Beta, Dist::StudentT, Dist::Laplace, Dist::Bernoulli,
                 Dist::Categorical, Dist::Poisson})
    if (n == distName(d)) return d;
  throw std::runtime_error("unknown distribution " + n);
}

void expectLogp(double got, double want, const std::string &what) {
  ASSERT_FALSE(std::isnan(got)) << what;
  if (std::isinf(want)) {
    EXPECT_EQ(got, want) << what;
    return;
  }
  EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::fabs(want))) << what;
}
} // namespace

TEST(Distributions, LogpMatchesScipy) {
  std::map<std::string, int> seen;
  for (const auto &c : probref::cases()) {
    Dist d = distByName(c.dist);
    std::vector<Var> params;
    if (d == Dist::Categorical)
      params.push_back(constant(Tensor::fromVector(c.params)));
    else
      for (double p : c.params)
        params.push_back(constant(p));
    Var rv = randomVariable(d, params);
    Var v = scalar("v");
    Var lp = logp(rv, v);
    double got = evaluate(lp, {{v, Tensor::scalar(c.value)}}).item();
    expectLogp(got, c.logp, std::string(c.dist) + " at " + std::to_string(c.value));
    seen[c.dist]++;
  }
  EXPECT_EQ(seen.size(), 12u); // every scalar distribution has reference values
}

TEST(Distributions, DiscreteValuesMayBeIntegers) {
  Var k = vector("k", DType::Int64);
  Tensor ks = Tensor::fromVector(std::vector<int64_t>{0, 2, 7});
  Tensor got = evaluate(logp(poisson(constant(3.5)), k), {{k, ks}});
  for (int i = 0; i < 3; ++i) {
    double kv = ks.getAsDouble(i);
    EXPECT_NEAR(got.getAsDouble(i), kv * std::log(3.5) - 3.5 - std::lgamma(kv + 1), 1e-12);
  }
  Tensor cat = evaluate(logp(categorical(constant(Tensor::of({1, 3}))), k), {{k, ks}});
  EXPECT_NEAR(cat.getAsDouble(0), std::log(0.25), 1e-12);
  EXPECT_EQ(cat.getAsDouble(1), -INFINITY);
}

TEST(Distributions, InvalidParametersGiveMinusInfinity) {
  Var v = scalar("v");
  for (Var rv :
       {normal(constant(0.0), constant(-1.0)), exponential(constant(0.0)),
        gamma(constant(-1.0), constant(1.0)), beta(constant(1.0), constant(0.0)),
        uniform(constant(2.0), constant(1.0)), bernoulli(constant(1.5)), poisson(constant(-2.0))}) {
    double got = evaluate(logp(rv, v), {{v, Tensor::scalar(0.5)}}).item();
    EXPECT_EQ(got, -INFINITY) << rv.owner()->op().str();
  }
}

TEST(Distributions, ParametersAreGraphsAndBroadcast) {
  Var mu = vector("mu"), x = vector("x");
  Var rv = normal(mu * 2.0, constant(1.0));
  EXPECT_EQ(rv.type().str(), "f64[?]");
  Tensor got = evaluate(logp(rv, x), {{mu, Tensor::of({0, 1})}, {x, Tensor::of({0, 0})}});
  EXPECT_NEAR(got.getAsDouble(1), -0.5 * 4 - 0.5 * std::log(2 * M_PI), 1e-12);
  EXPECT_THROW(normal(constant(Tensor::of({1, 2})), constant(Tensor::of({1, 2, 3}))), ShapeError);
  EXPECT_THROW(randomVariable(Dist::Gamma, {constant(1.0)}), ValueError);
}

TEST(Distributions, MvNormalFullCholeskyAndDiagMatchScipy) {
  Tensor mu = Tensor::fromVector(probref::kMvMu), cov = Tensor::fromVector(probref::kMvCov, {3, 3});
  Tensor values = Tensor::fromVector(probref::kMvValues, {3, 3});
  Var x = matrix("x");
  Tensor full = evaluate(logp(mvnormal(constant(mu), constant(cov)), x), {{x, values}});
  Tensor chol =
      evaluate(logp(mvnormal_chol(constant(mu), cholesky(constant(cov))), x), {{x, values}});
  Tensor diag = evaluate(
      logp(mvnormal_diag(constant(mu), constant(Tensor::fromVector(probref::kMvDiagSigma))), x),
      {{x, values}});
  for (int i = 0; i < 3; ++i) {
    expectLogp(full.getAsDouble(i), probref::kMvLogp[i], "mvnormal row " + std::to_string(i));
    expectLogp(chol.getAsDouble(i), probref::kMvLogp[i], "mvnormal_chol row " + std::to_string(i));
    expectLogp(diag.getAsDouble(i), probref::kMvDiagLogp[i],
               "mvnormal_diag row " + std::to_string(i));
  }
  // A single vector value gives a scalar.
  Var one = vector("one");
  double single =
      evaluate(logp(mvnormal(constant(mu), constant(cov)), one), {{one, Tensor::of({0, 0, 0})}})
          .item();
  expectLogp(single, probref::kMvLogp[0], "mvnormal vector");
}

TEST(Distributions, LognormalEqualsExpOfNormal) {
  // Derived by the change of variables vs the analytic density.
  // The value has the random variable's shape (PyMC's rule for transformed variables).
  Var mu = constant(Tensor::full(DType::Float64, {5}, 0.3)), sigma = constant(0.8);
  Var v = vector("v");
  Tensor values = Tensor::of({0.01, 0.5, 1, 2.5, 40});
  Tensor derived = evaluate(logp(exp(normal(mu, sigma)), v), {{v, values}});
  Tensor analytic = evaluate(logp(lognormal(mu, sigma), v), {{v, values}});
  EXPECT_TRUE(allclose(derived, analytic, 1e-12, 1e-12))
      << derived.str() << " vs " << analytic.str();
}

namespace {
void expectMoments(const Var &rv, double mean, double var, double tolSd = 5) {
  const int64_t n = 20000;
  Tensor s = sample(rv, n, 123).astype(DType::Float64);
  std::vector<double> v = s.toDoubles();
  double m = 0, m2 = 0;
  for (double x : v)
    m += x / v.size();
  for (double x : v)
    m2 += (x - m) * (x - m) / (v.size() - 1);
  std::string what = rv.owner()->op().name();
  // The sample mean is within tolSd standard errors; the variance within 6%.
  EXPECT_NEAR(m, mean, tolSd * std::sqrt(var / v.size())) << what;
  EXPECT_NEAR(m2, var, 0.06 * var) << what;
}
} // namespace

TEST(Distributions, SampleMomentsMatch) {
  auto k = [](double x) { return constant(x); };
  expectMoments(normal(k(1.5), k(2)), 1.5, 4);
  expectMoments(halfnormal(k(2)), 2 * std::sqrt(2 / M_PI), 4 * (1 - 2 / M_PI));
  expectMoments(lognormal(k(0.1), k(0.4)), std::exp(0.1 + 0.08),
                (std::exp(0.16) - 1) * std::exp(0.2 + 0.16));
  expectMoments(uniform(k(-1), k(3)), 1, 16.0 / 12);
  expectMoments(exponential(k(2)), 0.5, 0.25);
  expectMoments(gamma(k(3), k(2)), 1.5, 0.75);
  expectMoments(gamma(k(0.5), k(1)), 0.5, 0.5);
  expectMoments(beta(k(2), k(5)), 2.0 / 7, 10.0 / (49 * 8));
  expectMoments(studentt(k(10), k(1), k(2)), 1, 4 * 10.0 / 8);
  expectMoments(laplace(k(1), k(0.5)), 1, 0.5);
  expectMoments(bernoulli(k(0.3)), 0.3, 0.21);
  expectMoments(poisson(k(4)), 4, 4);
  expectMoments(categorical(constant(Tensor::of({0.2, 0.5, 0.3}))), 1.1, 0.5 + 1.2 - 1.21);
}

TEST(Distributions, SamplingIsReproducibleAndShaped) {
  Var rv = normal(constant(Tensor::of({0, 10, 20})), constant(1.0));
  Tensor a = sample(rv, 4, 7), b = sample(rv, 4, 7), c = sample(rv, 4, 8);
  EXPECT_EQ(a.shape(), (Shape{4, 3}));
  EXPECT_TRUE(allclose(a, b, 0, 0));
  EXPECT_FALSE(allclose(a, c, 0, 0));
  EXPECT_NEAR(a.getAsDouble(2), 20, 6);
  // Multivariate: mean and covariance of the draws.
  Tensor cov = Tensor::of({{2.0, 0.8}, {0.8, 1.0}});
  Tensor s = sample(mvnormal(constant(Tensor::of({1, -1})), constant(cov)), 20000, 3);
  ASSERT_EQ(s.shape(), (Shape{20000, 2}));
  std::vector<double> v = s.toDoubles();
  double m0 = 0, m1 = 0, c01 = 0;
  for (size_t i = 0; i < v.size(); i += 2)
    m0 += v[i] / 20000, m1 += v[i + 1] / 20000;
  for (size_t i = 0; i < v.size(); i += 2)
    c01 += (v[i] - m0) * (v[i + 1] - m1) / 19999;
  EXPECT_NEAR(m0, 1, 0.05);
  EXPECT_NEAR(m1, -1, 0.05);
  EXPECT_NEAR(c01, 0.8, 0.05);
  EXPECT_THROW(sample(vector("x"), 3, 1), ValueError);
  EXPECT_THROW(sample(rv, -1, 1), ValueError);
}

TEST(Distributions, JitMatchesTheInterpreterForEveryDistribution) {
  // One Function with every distribution's logp at in- and out-of-support values.
  Var v = vector("v"), k = vector("k");
  auto c = [](double x) { return constant(x); };
  std::vector<Var> outs = {
      logp(normal(c(1), c(2)), v),
      logp(halfnormal(c(2)), v),
      logp(lognormal(c(0.3), c(0.8)), v),
      logp(uniform(c(-1), c(2)), v),
      logp(exponential(c(1.5)), v),
      logp(gamma(c(2.5), c(0.5)), v),
      logp(beta(c(2), c(5)), v),
      logp(studentt(c(3), c(1), c(2)), v),
      logp(laplace(c(1), c(0.5)), v),
      logp(bernoulli(c(0.3)), k),
      logp(poisson(c(3.5)), k),
      logp(categorical(constant(Tensor::of({0.2, 0.5, 0.3}))), k),
      logp(mvnormal(constant(Tensor::of({0, 1})), constant(Tensor::of({{2, 0.5}, {0.5, 1}}))),
           reshape(v(slice(0, 4)), {2, 2})),
      logp(mvnormal_diag(constant(Tensor::of({0, 1})), constant(Tensor::of({2, 0.5}))),
           reshape(v(slice(0, 4)), {2, 2}))};
  std::vector<Tensor> args{Tensor::of({-0.5, 0, 0.25, 1, 3}), Tensor::of({-1, 0, 1, 2, 2.5})};
  auto jit = compile({v, k}, outs, {}, Mode::JIT)(args);
  auto ref = compile({v, k}, outs, {}, Mode::Interpret)(args);
  for (size_t i = 0; i < outs.size(); ++i)
    EXPECT_TRUE(allclose(jit[i], ref[i], 1e-13, 1e-13))
        << i << "\nJIT    " << jit[i].str() << "\ninterp " << ref[i].str();
}

TEST(Distributions, LogpGradientsWithRespectToParameters) {
  Tensor x = Tensor::of({0.2, 0.7, 1.9});
  verify_grad([x](auto p) { return logp(normal(p[0], p[1]), constant(x)); },
              {Tensor::of({0.3, -0.1, 1}), Tensor::of({0.8, 1.2, 2})});
  verify_grad([x](auto p) { return logp(gamma(p[0], p[1]), constant(x)); },
              {Tensor::of({2.5, 1.5, 4}), Tensor::of({0.5, 2, 1})});
  verify_grad([](auto p) { return logp(beta(p[0], p[1]), constant(Tensor::of({0.2, 0.5, 0.9}))); },
              {Tensor::of({2, 0.7, 3}), Tensor::of({5, 1.5, 0.8})});
  verify_grad([x](auto p) { return logp(studentt(p[0], p[1], p[2]), constant(x)); },
              {Tensor::of({3, 10, 1.5}), Tensor::of({0, 1, 2}), Tensor::of({1, 0.5, 2})});
  verify_grad([](auto p) { return logp(poisson(p[0]), constant(Tensor::of({0, 3, 7}))); },
              {Tensor::of({1.5, 2, 6})});
  verify_grad([](auto p) { return logp(mvnormal(p[0], p[1]), constant(Tensor::of({0.5, -1}))); },
              {Tensor::of({0.1, 0.2}), Tensor::of({{2, 0.3}, {0.3, 1}})});
}

TEST(Distributions, InvertToRandomVariable) {
  Var rv = normal(constant(Tensor::zeros(DType::Float64, {3})), constant(1.0));
  Var v = vector("v");
  auto [base, x] = invertToRandomVariable(exp(2.0 * rv + 1.0), v);
  EXPECT_EQ(base, rv);
  Tensor got = evaluate(x, {{v, Tensor::of({1, std::exp(3.0), std::exp(-1.0)})}});
  EXPECT_TRUE(allclose(got, Tensor::of({-0.5, 1, -1}), 1e-14, 1e-14)) << got.str();
}
