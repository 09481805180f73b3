// Issue 25, items 15 and 16: the probability layer's promises for hostile
// inputs. logp is total (a number or -inf, never NaN, never an exception) in the
// interpreter and the JIT; sample() validates parameters with a clear error and
// names the size of a request that cannot fit. Reference values: mpmath (50 digits).
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace graphjit;

namespace {
/// logp(rv, value) at a scalar value, in both modes; each must equal `want` (-inf exactly, or
/// within 1e-9 relative).
void expectLogp(const Var &rv, double value, double want, const std::string &what) {
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    Var v = scalar("v");
    double got = NAN;
    try {
      got = compile({v}, {logp(rv, v)}, {}, mode)({Tensor::scalar(value)})[0].item();
    } catch (const std::exception &e) {
      ADD_FAILURE() << what << (mode == Mode::JIT ? " (JIT)" : "") << ": threw " << e.what();
      continue;
    }
    ASSERT_FALSE(std::isnan(got)) << what;
    if (std::isinf(want))
      EXPECT_EQ(got, want) << what << (mode == Mode::JIT ? " (JIT)" : "");
    else
      EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::fabs(want)))
          << what << (mode == Mode::JIT ? " (JIT)" : "");
  }
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "no error";
}
} // namespace

TEST(LogpTotal, CategoricalAtNanIsMinusInfinity) {
  expectLogp(categorical(constant(Tensor::of({0.2, 0.3, 0.5}))), NAN, -INFINITY, "categorical@nan");
  expectLogp(categorical(constant(Tensor::of({0.2, 0.3, 0.5}))), 1.0, std::log(0.3),
             "categorical@1");
}

TEST(LogpTotal, StudentTWithInfiniteOrHugeNuIsTheNormalLimit) {
  // t(nu).logpdf(0.5) by mpmath; nu = inf is norm.logpdf(0.5).
  const std::pair<double, double> cases[] = {
      {3.0, -1.1609742649705826},     {2e4, -1.0439565019221157},  {1e5, -1.0439421269533706},
      {1e8, -1.0439385367984227},     {1e12, -1.0439385332050321}, {1e20, -1.0439385332046727},
      {INFINITY, -1.0439385332046727}};
  for (auto [nu, want] : cases)
    expectLogp(studentt(constant(nu), constant(0.0), constant(1.0)), 0.5, want,
               "studentt(nu=" + std::to_string(nu) + ")@0.5");
  expectLogp(studentt(constant(INFINITY), constant(0.0), constant(1.0)), INFINITY, -INFINITY,
             "studentt(nu=inf)@inf");
}

TEST(LogpTotal, InfiniteLocationsAndScalesAreInvalidParameters) {
  expectLogp(exponential(constant(INFINITY)), 0.0, -INFINITY, "exponential(inf)@0");
  expectLogp(exponential(constant(INFINITY)), 1.0, -INFINITY, "exponential(inf)@1");
  expectLogp(normal(constant(INFINITY), constant(1.0)), INFINITY, -INFINITY, "normal(inf,1)@inf");
  expectLogp(normal(constant(0.0), constant(INFINITY)), 1.0, -INFINITY, "normal(0,inf)@1");
  expectLogp(normal(constant(NAN), constant(1.0)), 0.0, -INFINITY, "normal(nan,1)@0");
  // A NaN value is outside a support with bounds (a real-line density gives NaN, as SciPy).
  expectLogp(exponential(constant(1.0)), NAN, -INFINITY, "exponential(1)@nan");
  expectLogp(beta(constant(2.0), constant(2.0)), NAN, -INFINITY, "beta(2,2)@nan");
  expectLogp(poisson(constant(2.0)), NAN, -INFINITY, "poisson(2)@nan");
  expectLogp(uniform(constant(-INFINITY), constant(0.0)), -1.0, -INFINITY, "uniform(-inf,0)");
  expectLogp(gamma(constant(2.0), constant(INFINITY)), 1.0, -INFINITY, "gamma(2,inf)");
  expectLogp(laplace(constant(INFINITY), constant(1.0)), 0.0, -INFINITY, "laplace(inf,1)");
  expectLogp(poisson(constant(INFINITY)), 3.0, -INFINITY, "poisson(inf)@3");
  expectLogp(halfnormal(constant(INFINITY)), 1.0, -INFINITY, "halfnormal(inf)@1");
  expectLogp(lognormal(constant(INFINITY), constant(1.0)), 1.0, -INFINITY, "lognormal(inf,1)@1");
}

TEST(LogpTotal, BetaWithHugeParametersHasItsValue) {
  // beta(a, 1) has density a v^(a-1): log a at 1, (a-1) log v + log a inside, -inf at 0.
  expectLogp(beta(constant(1e308), constant(1.0)), 0.5, -6.9314718055994532e307, "beta(1e308,1)");
  expectLogp(beta(constant(1e308), constant(1.0)), 1.0, std::log(1e308), "beta(1e308,1)@1");
  expectLogp(beta(constant(1e308), constant(1.0)), 0.0, -INFINITY, "beta(1e308,1)@0");
  // Past 1e6 the log Beta function is expanded; mpmath values.
  expectLogp(beta(constant(50.0), constant(1e6)), 5e-5, 10.938918816968358, "beta(50,1e6)");
  expectLogp(beta(constant(1e6), constant(1e6)), 0.5, 7.0285373916173823, "beta(1e6,1e6)");
  expectLogp(beta(constant(1e7), constant(3.0)), 0.9999999, 14.424948819871995, "beta(1e7,3)");
  expectLogp(beta(constant(2.5), constant(1e9)), 1e-9, 19.438582968848492, "beta(2.5,1e9)");
  // Both at the top of the range: not NaN (the value itself is beyond double's reach here).
  Var v = scalar("v");
  double both =
      evaluate(logp(beta(constant(1e308), constant(1e308)), v), {{v, Tensor::scalar(0.5)}}).item();
  EXPECT_FALSE(std::isnan(both));
}

TEST(LogpTotal, MvNormalWithACovarianceThatIsNotPositiveDefinite) {
  Var x = vector("x");
  for (Tensor cov : {Tensor::of({{1.0, 2.0}, {2.0, 1.0}}), Tensor::of({{1.0, 0.0}, {0.0, 0.0}}),
                     Tensor::of({{-1.0, 0.0}, {0.0, 1.0}}), Tensor::of({{NAN, 0.0}, {0.0, 1.0}})})
    for (Mode mode : {Mode::Interpret, Mode::JIT}) {
      Var lp = logp(mvnormal(constant(Tensor::of({0.0, 0.0})), constant(cov)), x);
      double got = NAN;
      EXPECT_NO_THROW(got = compile({x}, {lp}, {}, mode)({Tensor::of({0.1, 0.2})})[0].item());
      EXPECT_EQ(got, -INFINITY) << (mode == Mode::JIT ? "JIT" : "interpreter");
    }
  // A positive definite one still has its value: N([0,0], [[2, .5], [.5, 1]]) at [.1, .2]
  // (scipy.stats.multivariate_normal.logpdf).
  Var lp = logp(
      mvnormal(constant(Tensor::of({0.0, 0.0})), constant(Tensor::of({{2.0, 0.5}, {0.5, 1.0}}))),
      x);
  EXPECT_NEAR(evaluate(lp, {{x, Tensor::of({0.1, 0.2})}}).item(), -2.1376849603770567, 1e-12);
}

TEST(LogpTotal, MvNormalCovarianceOfAnySizeOrKnownOnlyAtRunTime) {
  // Large and run-time-sized covariances are checked too: -inf, never cholesky's error.
  const int64_t k = 70;
  Tensor bad = Tensor::zeros(DType::Float64, {k, k}), good = Tensor::zeros(DType::Float64, {k, k});
  for (int64_t i = 0; i < k; ++i) {
    bad.data<double>()[i * k + i] = i == k - 1 ? -1e-3 : 1.0; // one negative eigenvalue
    good.data<double>()[i * k + i] = 2.0;
  }
  Tensor at = Tensor::zeros(DType::Float64, {k});
  Var x = vector("x"), cov = matrix("cov");
  // N(0, 2 I_k) at 0: -k/2 log(2 pi 2).
  double want = -0.5 * k * std::log(4 * M_PI);
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    Var staticLp = logp(mvnormal(constant(Tensor::zeros(DType::Float64, {k})), constant(bad)), x);
    EXPECT_EQ(compile({x}, {staticLp}, {}, mode)({at})[0].item(), -INFINITY);
    Var lp = logp(mvnormal(zeros({k}), cov), x);
    Function f = compile({x, cov}, {lp}, {}, mode);
    EXPECT_EQ(f({at, bad})[0].item(), -INFINITY);
    EXPECT_NEAR(f({at, good})[0].item(), want, 1e-9);
    Tensor nan = good.clone();
    nan.data<double>()[1] = NAN; // upper triangle: cholesky never reads it
    EXPECT_NEAR(f({at, nan})[0].item(), want, 1e-9);
    nan.data<double>()[k] = NAN;
    EXPECT_EQ(f({at, nan})[0].item(), -INFINITY);
    // Large entries do not overflow the check: N(0, 1e200 I) at 0 is -k/2 log(2 pi 1e200).
    Tensor huge = good.clone();
    for (int64_t i = 0; i < k; ++i)
      huge.data<double>()[i * k + i] = 1e200;
    EXPECT_NEAR(f({at, huge})[0].item(), -0.5 * k * std::log(2 * M_PI * 1e200), 1e-9 * k * 461);
  }
}

TEST(SampleValidation, InvalidParametersNameTheDistributionAndValue) {
  auto draw = [](const Var &rv) { return [rv] { sample(rv, 1, 0); }; };
  EXPECT_NE(errorOf(draw(poisson(constant(-1.0)))).find("rv_poisson: mu must be >= 0"),
            std::string::npos);
  EXPECT_NE(errorOf(draw(normal(constant(0.0), constant(-1.0))))
                .find("rv_normal: sigma must be >= 0, got -1"),
            std::string::npos);
  EXPECT_NE(errorOf(draw(uniform(constant(1.0), constant(0.0)))).find("rv_uniform: lower"),
            std::string::npos);
  EXPECT_NE(
      errorOf(draw(bernoulli(constant(2.0)))).find("rv_bernoulli: p must be in [0, 1], got 2"),
      std::string::npos);
  EXPECT_NE(errorOf(draw(normal(constant(NAN), constant(1.0)))).find("nan"), std::string::npos);
}

TEST(SampleValidation, HugeParametersAndSizesEndQuickly) {
  // poisson(1e18) was an endless loop: now a clear error, at once (beyond 1e15 a Poisson draw
  // is no longer an exact integer in float64).
  std::string m = errorOf([] { sample(poisson(constant(1e18)), 1, 0); });
  EXPECT_NE(m.find("rv_poisson"), std::string::npos) << m;
  EXPECT_NE(m.find("1e+18"), std::string::npos) << m;
  // The largest accepted mean draws in bounded time, near the mean.
  double big = sample(poisson(constant(1e14)), 1, 0).toDoubles()[0];
  EXPECT_NEAR(big, 1e14, 1e8);
  // 2^40 draws: an error that names the size, not std::bad_alloc.
  m = errorOf([] { sample(normal(constant(0.0), constant(1.0)), int64_t(1) << 40, 0); });
  EXPECT_NE(m.find("out of memory"), std::string::npos) << m;
  EXPECT_NE(m.find("8796093022208 bytes"), std::string::npos) << m;
}
