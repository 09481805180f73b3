// Optimizer updates against hand computations; minimize() against known optima.
#include "graphjit/Optim/Optim.h"
#include "graphjit/Optim/Minimize.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
// loss = sum((w - c)^2 * k): gradient 2 k (w - c).
const std::vector<double> kW0 = {1, 2}, kC = {3, -1}, kK = {1, 4};
Var quadratic(const Var &w) {
  return sum(sqr(w - constant(Tensor::fromVector(kC))) * constant(Tensor::fromVector(kK)));
}
double gradAt(double w, size_t i) { return 2 * kK[i] * (w - kC[i]); }

std::vector<double> twoSteps(const std::function<Updates(const Var &, const Var &)> &opt) {
  Var w = shared(Tensor::fromVector(kW0), "w");
  Function step = compile({}, {quadratic(w)}, opt(quadratic(w), w), Mode::Interpret);
  step({});
  step({});
  return getValue(w).toDoubles();
}
} // namespace

TEST(Optim, SgdTwoStepsByHand) {
  std::vector<double> got =
      twoSteps([](const Var &l, const Var &w) { return optim::sgd(l, {w}, 0.1); });
  for (size_t i = 0; i < 2; ++i) {
    double w = kW0[i];
    for (int s = 0; s < 2; ++s)
      w -= 0.1 * gradAt(w, i);
    EXPECT_NEAR(got[i], w, 1e-14);
  }
}

TEST(Optim, MomentumTwoStepsByHand) {
  for (bool nesterov : {false, true}) {
    std::vector<double> got = twoSteps(
        [=](const Var &l, const Var &w) { return optim::momentum(l, {w}, 0.05, 0.9, nesterov); });
    for (size_t i = 0; i < 2; ++i) {
      double w = kW0[i], v = 0;
      for (int s = 0; s < 2; ++s) {
        double g = gradAt(w, i);
        v = 0.9 * v + g;
        w -= 0.05 * (nesterov ? g + 0.9 * v : v);
      }
      EXPECT_NEAR(got[i], w, 1e-14) << nesterov;
    }
  }
}

TEST(Optim, AdamTwoStepsByHand) {
  const double lr = 0.3, b1 = 0.8, b2 = 0.95, eps = 1e-8;
  std::vector<double> got =
      twoSteps([=](const Var &l, const Var &w) { return optim::adam(l, {w}, lr, b1, b2, eps); });
  for (size_t i = 0; i < 2; ++i) {
    double w = kW0[i], m = 0, v = 0;
    for (int t = 1; t <= 2; ++t) {
      double g = gradAt(w, i);
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      w -= lr * (m / (1 - std::pow(b1, t))) / (std::sqrt(v / (1 - std::pow(b2, t))) + eps);
    }
    EXPECT_NEAR(got[i], w, 1e-14);
  }
}

TEST(Optim, UpdatesRejectBadInput) {
  Var w = shared(Tensor::fromVector(kW0), "w"), x = vector("x");
  EXPECT_THROW(optim::sgd(quadratic(w), {w}, -1), ValueError);
  EXPECT_THROW(optim::adam(quadratic(x), {x}), ValueError); // not shared
  EXPECT_THROW(optim::adam(quadratic(w), {w}, 0.1, 1.0), ValueError);
}

TEST(Minimize, LbfgsFindsTheRosenbrockMinimum) {
  Var p = shared(Tensor::of({-1.2, 1.0}), "p");
  Var a = p[0], b = p[1];
  Var loss = sqr(1.0 - a) + 100.0 * sqr(b - sqr(a));
  optim::OptimizeResult r = optim::minimize(loss, {p});
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_NEAR(r.x[0].getAsDouble(0), 1, 1e-6);
  EXPECT_NEAR(r.x[0].getAsDouble(1), 1, 1e-6);
  EXPECT_LT(r.fun, 1e-12);
  EXPECT_GT(r.nfev, 10);
  EXPECT_GT(r.nit, 5);
  EXPECT_TRUE(allclose(getValue(p), r.x[0], 0, 0)); // the parameters hold the result
}

TEST(Minimize, NormalMaximumLikelihoodMatchesTheClosedForm) {
  Tensor data =
      sample(normal(constant(Tensor::zeros(DType::Float64, {500})) + 2.0, constant(1.5)), 1, 4)
          .reshaped({500});
  std::vector<double> d = data.toDoubles();
  double mean = 0, var = 0;
  for (double x : d)
    mean += x / d.size();
  for (double x : d)
    var += (x - mean) * (x - mean) / d.size();
  for (optim::Method m : {optim::Method::LBFGS, optim::Method::NelderMead, optim::Method::Sbplx}) {
    Var mu = shared(Tensor::scalar(0.0), "mu"), logSigma = shared(Tensor::scalar(0.0), "log_sigma");
    Var nll = -sum(logp(normal(mu, exp(logSigma)), constant(data)));
    optim::MinimizeOptions o;
    o.method = m;
    o.mode = Mode::Interpret;
    optim::OptimizeResult r = optim::minimize(nll, {mu, logSigma}, o);
    EXPECT_TRUE(r.success) << r.message;
    double tol = m == optim::Method::LBFGS ? 1e-7 : 1e-4;
    EXPECT_NEAR(getValue(mu).item(), mean, tol) << static_cast<int>(m);
    EXPECT_NEAR(std::exp(getValue(logSigma).item()), std::sqrt(var), tol) << static_cast<int>(m);
  }
}

TEST(Minimize, BadInputLeavesTheParametersUnchanged) {
  Var w = shared(Tensor::of({1, 2}), "w");
  auto unchanged = [&] { EXPECT_TRUE(allclose(getValue(w), Tensor::of({1, 2}), 0, 0)); };
  try {
    optim::minimize(sum(log(w - 5.0)), {w}); // log of negatives: NaN at the start
    ADD_FAILURE();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("not finite at the starting point"), std::string::npos)
        << e.what();
  }
  unchanged();
  // Finite at the start, NaN once the optimizer steps past 0.
  try {
    optim::minimize(sum(sqrt(w) + 3.0 * w), {w}); // pulled below 0
    ADD_FAILURE();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
  unchanged();
  EXPECT_THROW(optim::minimize(w * 2.0, {w}), TypeError); // not a scalar
  EXPECT_THROW(optim::minimize(sum(w), {vector("x")}), ValueError);
  EXPECT_THROW(optim::minimize(sum(w), {}), ValueError);
  unchanged();
}
