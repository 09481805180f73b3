// Ancestral sampling (sample() of graphs over random variables), random
// variables as inputs of compile() and eval(), and vectorize_graph over them.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
double mean(const std::vector<double> &v) {
  double m = 0;
  for (double e : v)
    m += e / v.size();
  return m;
}
double sd(const std::vector<double> &v) {
  double m = mean(v), s = 0;
  for (double e : v)
    s += (e - m) * (e - m) / (v.size() - 1);
  return std::sqrt(s);
}
double corr(const std::vector<double> &a, const std::vector<double> &b) {
  double ma = mean(a), mb = mean(b), c = 0;
  for (size_t i = 0; i < a.size(); ++i)
    c += (a[i] - ma) * (b[i] - mb) / (a.size() - 1);
  return c / (sd(a) * sd(b));
}
} // namespace

// Regression (issue 19): every draw of y shared one draw of mu, so sd(y) was 0.001.
TEST(AncestralSampling, EachDrawRedrawsTheParents) {
  Var mu = normal(constant(0.0), constant(1.0), "mu");
  Var y = normal(mu, constant(0.001), "y");
  std::vector<double> d = sample(y, 2000, 1).toDoubles();
  EXPECT_NEAR(sd(d), 1.0, 0.06);
  EXPECT_NEAR(mean(d), 0.0, 0.08);
}

TEST(AncestralSampling, SeveralVariablesAreJointDraws) {
  Var mu = normal(constant(0.0), constant(1.0), "mu");
  Var y = normal(mu, constant(0.001), "y");
  std::vector<Tensor> s = sample({mu, y, exp(mu) + y}, 2000, 7);
  ASSERT_EQ(s[0].shape(), (Shape{2000}));
  std::vector<double> m = s[0].toDoubles(), yy = s[1].toDoubles(), f = s[2].toDoubles();
  // y differs from its own mu by about 0.001 in every row: the rows are joint draws.
  for (size_t i = 0; i < m.size(); ++i) {
    ASSERT_NEAR(yy[i], m[i], 0.006) << i;
    ASSERT_NEAR(f[i], std::exp(m[i]) + yy[i], 1e-12) << i;
  }
  // E[exp(mu) + y] = exp(1/2) for mu ~ N(0, 1).
  EXPECT_NEAR(mean(f), std::exp(0.5), 0.1);
  // The same seed gives the same draws; another seed others.
  std::vector<Tensor> again = sample({mu, y, exp(mu) + y}, 2000, 7);
  EXPECT_EQ(again[2].toDoubles(), f);
  EXPECT_NE(sample(y, 5, 8).toDoubles(), sample(y, 5, 7).toDoubles());
}

TEST(AncestralSampling, IndependentRandomVariablesAreUncorrelated) {
  Var a = normal(constant(0.0), constant(1.0)), b = normal(constant(0.0), constant(1.0));
  std::vector<Tensor> s = sample({a, b}, 4000, 3);
  EXPECT_LT(std::fabs(corr(s[0].toDoubles(), s[1].toDoubles())), 0.05);
}

TEST(AncestralSampling, HierarchyOfVectorsAndPositiveScale) {
  // mu ~ N(0, 1); tau ~ HalfNormal(1); theta[3] ~ N(mu, tau): Var(theta_i) = 1 + E[tau^2] = 2.
  Var mu = normal(constant(0.0), constant(1.0));
  Var tau = halfnormal(constant(1.0));
  Var theta = normal(mu + constant(Tensor::zeros(DType::Float64, {3})), tau);
  Tensor t = sample(theta, 4000, 11);
  ASSERT_EQ(t.shape(), (Shape{4000, 3}));
  std::vector<double> all = t.toDoubles(), col0, col1;
  for (size_t i = 0; i < all.size(); i += 3)
    col0.push_back(all[i]), col1.push_back(all[i + 1]);
  EXPECT_NEAR(sd(col0), std::sqrt(2.0), 0.08);
  // theta_0 and theta_1 share mu: their correlation is Var(mu) / Var(theta) = 1/2.
  EXPECT_NEAR(corr(col0, col1), 0.5, 0.05);
}

TEST(AncestralSampling, MultivariateChildOfARandomMean) {
  Var m = normal(constant(Tensor::of({0.0, 10.0})), constant(1.0));
  Tensor cov = Tensor::of({{1e-4, 0.0}, {0.0, 1e-4}});
  Var x = mvnormal(m, constant(cov));
  std::vector<Tensor> s = sample({m, x}, 500, 5);
  std::vector<double> mm = s[0].toDoubles(), xx = s[1].toDoubles();
  for (size_t i = 0; i < mm.size(); ++i)
    ASSERT_NEAR(xx[i], mm[i], 0.06) << i;
  EXPECT_GT(sd(std::vector<double>(mm.begin(), mm.end())), 1.0); // the means vary by row
}

TEST(AncestralSampling, InputsAreBoundAndNotRandomVarsRepeat) {
  Var x = vector("x");
  Var y = normal(x, constant(1e-9));
  std::vector<Tensor> s = sample({y, x * 2.0}, 3, 1, {{x, Tensor::of({1.0, 2.0})}});
  ASSERT_EQ(s[0].shape(), (Shape{3, 2}));
  EXPECT_NEAR(s[0].toDoubles()[5], 2.0, 1e-6);
  EXPECT_EQ(s[1].toDoubles(), (std::vector<double>{2, 4, 2, 4, 2, 4}));
  EXPECT_THROW(sample(x, 3, 1), ValueError); // no random variable at all
}

// A random variable fixed to data: its value is given, the graph above it is cut.
TEST(RandomVariableInput, CompileAndEvalTakeARandomVariableAsInput) {
  Var w = normal(constant(Tensor::zeros(DType::Float64, {2})), constant(1.0), "w");
  Var x = vector("x");
  Var y = normal(sum(w * x), constant(1e-12), "y");
  Tensor wv = Tensor::of({0.5, -2.0}), xv = Tensor::of({2.0, 1.0});
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    Function f = compile({x, w}, {y, w * 3.0}, {}, mode);
    std::vector<Tensor> r = f({xv, wv});
    EXPECT_NEAR(r[0].item(), -1.0, 1e-9) << (mode == Mode::JIT ? "jit" : "interpret");
    EXPECT_EQ(r[1].toDoubles(), (std::vector<double>{1.5, -6.0}));
  }
  EXPECT_NEAR(y.eval({{x, xv}, {w, wv}}).item(), -1.0, 1e-9);
  EXPECT_EQ((w + 1.0).eval({{w, wv}}).toDoubles(), (std::vector<double>{1.5, -1.0}));
}

// Posterior predictive: one draw of y per row of the weights' draws.
TEST(RandomVariableVectorize, OneDrawPerRowOfTheReplacement) {
  Var w = normal(constant(Tensor::zeros(DType::Float64, {2})), constant(1.0), "w");
  Var X = constant(Tensor::of({{1.0, 0.0}, {1.0, 1.0}, {1.0, 2.0}}));
  Var y = normal(matmul(X, w), constant(1e-9), "y");
  Tensor draws = Tensor::of({{0.0, 1.0}, {1.0, 0.0}, {2.0, -1.0}, {0.5, 0.5}});
  Var yb = vectorize_graph(y, {{w, constant(draws)}});
  ASSERT_EQ(yb.type().shape, (Shape{4, 3}));
  std::vector<double> want = {0, 1, 2, 1, 1, 1, 2, 1, 0, 0.5, 1, 1.5};
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    std::vector<double> got = compile({}, {yb}, {}, mode)({})[0].toDoubles();
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 1e-6) << i;
  }
  // The batched parameters are lined up under the batch axis, whatever their rank.
  Var z = normal(constant(0.0), constant(Tensor::of({1.0, 2.0, 3.0})));
  Var mu = scalar("mu");
  Var zb = vectorize_graph(normal(mu, constant(Tensor::of({1.0, 2.0, 3.0}))),
                           {{mu, constant(Tensor::of({0.0, 1.0}))}});
  EXPECT_EQ(zb.type().shape, (Shape{2, 3}));
  (void)z;
  // Multivariate draws batch too (test/unit/Random/RandomBatchTest.cpp): one event per row.
  Var mv = mvnormal_diag(w, constant(Tensor::of({1.0, 1.0})));
  EXPECT_EQ(vectorize_graph(mv, {{w, constant(draws)}}).type().shape, (Shape{4, 2}));
}
