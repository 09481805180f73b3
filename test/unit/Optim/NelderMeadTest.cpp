// Nelder-Mead is SciPy's algorithm with SciPy's defaults: on every workshop problem it can take
// it spends no more evaluations than SciPy's (ScipyAnswers.h) and reaches the same loss.
#include "ScipyAnswers.h"
#include "WorkshopProblems.h"

#include <gtest/gtest.h>

using namespace graphjit;
using namespace workshop;

namespace {
optim::MinimizeOptions nelderMead() {
  optim::MinimizeOptions o;
  o.method = optim::Method::NelderMead;
  o.progressSeconds = 0;
  return o;
}
} // namespace

TEST(NelderMead, QuadraticTakesScipysEvaluations) {
  Var x = vector("x"), a = scalar("a");
  optim::OptimizeResult r = optim::minimize(sum(sqr(x - a)), {x}, {Tensor::of({0.0})},
                                            {{a, Tensor::scalar(3.0)}}, nelderMead());
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_EQ(r.message, "XATOL_AND_FATOL_REACHED");
  EXPECT_LE(r.nfev, scipy::kQuadraticNfev);
  EXPECT_NEAR(r.fun, 0.0, 1e-8);
  EXPECT_NEAR(r.x[0].getAsDouble(0), scipy::kQuadraticX, 1e-12);
}

TEST(NelderMead, SumOfSquaresTakesScipysEvaluations) {
  Regression d = regression(100, 5, 1);
  Var X = matrix("X"), y = vector("y"), beta = vector("beta");
  optim::OptimizeResult r =
      optim::minimize(sse(beta, X, y), {beta}, {d.x0}, {{X, d.X}, {y, d.y}}, nelderMead());
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_LE(r.nfev, scipy::kNmSseNfev);
  EXPECT_NEAR(r.fun, scipy::kNmSseFun, 1e-6);
}

TEST(NelderMead, GlmTakesScipysEvaluations) {
  Glm g = glm(3);
  Var X = matrix("X"), y = vector("y"), beta = vector("beta");
  optim::OptimizeResult r =
      optim::minimize(glmNegLogp(beta, X, y), {beta}, {Tensor::zeros(DType::Float64, {10})},
                      {{X, g.X}, {y, g.y}}, nelderMead());
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_LE(r.nfev, scipy::kNmGlmNfev);
  EXPECT_NEAR(r.fun, scipy::kNmGlmFun, 1e-6 * std::fabs(scipy::kNmGlmFun));
}

// Bounds clip every vertex, as SciPy's do.
TEST(NelderMead, BoundsClipTheSimplex) {
  Var x = vector("x"), alphas = vector("alphas"), lambdas = vector("lambdas");
  optim::MinimizeOptions o = nelderMead();
  o.bounds = {{0.0, 0.3}};
  optim::OptimizeResult r = optim::minimize(
      utilityLoss(x, alphas, lambdas), {x}, {Tensor::full(DType::Float64, {8}, 1.0 / 8)},
      {{alphas, Tensor::fromVector(kAlphas)}, {lambdas, Tensor::fromVector(kLambdas)}}, o);
  EXPECT_LE(r.nfev, scipy::kNmBudgetNfev);
  for (size_t i = 0; i < scipy::kNmBudgetX.size(); ++i) {
    double xi = r.x[0].getAsDouble(static_cast<int64_t>(i));
    EXPECT_GE(xi, 0.0);
    EXPECT_LE(xi, 0.3);
    EXPECT_NEAR(xi, scipy::kNmBudgetX[i], 1e-6) << i;
  }
}

// The options: tighter xatol/fatol reach a tighter answer, the adaptive coefficients converge,
// maxEval caps the evaluations exactly, and the callback sees one call per iteration (nit is
// SciPy's count, one more than the iterations completed).
TEST(NelderMead, OptionsAndCallback) {
  Var x = vector("x");
  Var loss = sum(sqr(x - constant(Tensor::of({1.0, -2.0, 0.5, 3.0}))));
  Tensor x0 = Tensor::of({0.0, 0.0, 0.0, 0.0});
  optim::MinimizeOptions o = nelderMead();
  o.xatol = o.fatol = 1e-10;
  o.maxEval = 5000; // as in SciPy, the iterations are then unlimited
  optim::OptimizeResult tight = optim::minimize(loss, {x}, {x0}, {}, o);
  EXPECT_TRUE(tight.success) << tight.message;
  EXPECT_NEAR(tight.x[0].getAsDouble(3), 3.0, 1e-9);
  EXPECT_LE(tight.nfev, 806); // SciPy 1.10.1's count with these options
  o.adaptive = true;
  optim::OptimizeResult adaptive = optim::minimize(loss, {x}, {x0}, {}, o);
  EXPECT_TRUE(adaptive.success) << adaptive.message;
  EXPECT_NEAR(adaptive.x[0].getAsDouble(1), -2.0, 1e-9);
  EXPECT_LE(adaptive.nfev, 969); // SciPy's with adaptive=True
  o = nelderMead();
  o.maxEval = 30;
  int calls = 0;
  o.callback = [&](const optim::IterationInfo &info) {
    EXPECT_EQ(info.nit, ++calls);
    return false;
  };
  optim::OptimizeResult capped = optim::minimize(loss, {x}, {x0}, {}, o);
  EXPECT_FALSE(capped.success);
  EXPECT_EQ(capped.nfev, 30);
  EXPECT_EQ(capped.message, "MAXEVAL_REACHED");
  EXPECT_EQ(capped.nit, 16); // SciPy's nit with maxfev=30: 1 + the iterations completed
  EXPECT_EQ(calls, 15);
}
