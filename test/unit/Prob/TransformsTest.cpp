// Transforms: log|det J| against jacobian(), inverses, and the change of
// variables: derived densities integrate to 1 (1-D and 2-D grids), agree with
// the explicit formula, compile under the JIT, and bad graphs give clear errors.
#include "graphjit/NN/NN.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
Tensor grid1(double lo, double hi, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i)
    v.push_back(lo + (hi - lo) * (i + 0.5) / n);
  return Tensor::fromVector(v);
}

/// A small coupling network with fixed weights (s bounded by tanh).
CouplingNet smallNet(const std::string &name, uint64_t seed) {
  nn::MLP m = nn::mlp({1, 8, 2}, name, nn::tanh, nn::identity, nn::Init::Glorot, seed);
  return [m](const Var &a) {
    Var h = m(a);
    return std::pair{tanh(h(slice(), slice(0, 1))), h(slice(), slice(1, 2))};
  };
}

void expectLdjMatchesJacobian(const TransformPtr &t, const Tensor &point) {
  Var x = tensor(DType::Float64, point.shape(), "x");
  Var j = jacobian(t->forward(x), x);
  Tensor jv = evaluate(j, {{x, point}});
  Tensor ldj = evaluate(t->logDetJacobian(x), {{x, point}});
  int64_t n = point.size();
  for (int64_t i = 0; i < n; ++i) {
    // Elementwise: the Jacobian is diagonal.
    EXPECT_NEAR(ldj.getAsDouble(i), std::log(std::fabs(jv.getAsDouble(i * n + i))), 1e-10)
        << t->name() << " " << i;
    for (int64_t k = 0; k < n; ++k)
      if (k != i) EXPECT_EQ(jv.getAsDouble(i * n + k), 0) << t->name();
  }
  Tensor back = evaluate(t->inverse(t->forward(x)), {{x, point}});
  EXPECT_TRUE(allclose(back, point, 1e-10, 1e-10)) << t->name() << ": " << back.str();
}
} // namespace

TEST(Transforms, LogDetJacobianMatchesJacobian) {
  Tensor real = Tensor::of({-2.5, -0.3, 0.4, 3.0}), unit = Tensor::of({0.05, 0.3, 0.6, 0.97});
  Tensor pos = Tensor::of({0.1, 0.7, 2.0, 9.0}), sym = Tensor::of({-0.9, -0.2, 0.3, 0.8});
  expectLdjMatchesJacobian(affineTransform(constant(Tensor::of({2, -0.5, 3, 1e-3})), constant(1.5)),
                           real);
  expectLdjMatchesJacobian(expTransform(), real);
  expectLdjMatchesJacobian(logTransform(), pos);
  expectLdjMatchesJacobian(sigmoidTransform(), real);
  expectLdjMatchesJacobian(logitTransform(), unit);
  expectLdjMatchesJacobian(tanhTransform(), real);
  expectLdjMatchesJacobian(atanhTransform(), sym);
  expectLdjMatchesJacobian(softplusTransform(), real);
  expectLdjMatchesJacobian(
      chainTransform({affineTransform(constant(0.5), constant(-1.0)), expTransform()}), real);
}

TEST(Transforms, CouplingLogDetMatchesJacobianPerRow) {
  for (bool flip : {false, true}) {
    TransformPtr t = affineCoupling(1, flip, smallNet(flip ? "f" : "g", 3));
    Tensor point = Tensor::of({{0.3, -1.2}, {1.5, 0.4}, {-2.0, 2.2}});
    Var x = tensor(DType::Float64, {3, 2}, "x");
    Tensor j = evaluate(jacobian(t->forward(x), x), {{x, point}}); // [3,2,3,2]
    Tensor ldj = evaluate(t->logDetJacobian(x), {{x, point}});
    ASSERT_EQ(ldj.shape(), (Shape{3}));
    auto at = [&](int i, int a, int k, int b) {
      return j.getAsDouble(((i * 2 + a) * 3 + k) * 2 + b);
    };
    for (int i = 0; i < 3; ++i) {
      double d = at(i, 0, i, 0) * at(i, 1, i, 1) - at(i, 0, i, 1) * at(i, 1, i, 0);
      EXPECT_NEAR(ldj.getAsDouble(i), std::log(std::fabs(d)), 1e-10) << "row " << i;
      for (int k = 0; k < 3; ++k)
        if (k != i) EXPECT_EQ(at(i, 0, k, 0), 0); // rows do not mix
    }
    Tensor back = evaluate(t->inverse(t->forward(x)), {{x, point}});
    EXPECT_TRUE(allclose(back, point, 1e-12, 1e-12)) << back.str();
  }
}

TEST(ChangeOfVariables, DensitiesIntegrateToOneIn1D) {
  const int n = 20000;
  struct Case {
    std::function<Var(const Var &)> t;
    double lo, hi;
  };
  std::vector<Case> cases = {
      {[](const Var &x) { return sigmoid(x); }, 0, 1},
      {[](const Var &x) { return tanh(0.7 * x + 0.3); }, -1, 1},
      {[](const Var &x) { return exp(0.5 * x - 0.2); }, 0, 60}, // a log-normal
      {[](const Var &x) { return -log(reciprocal(sigmoid(x)) - 1.0) * 2.0; }, -40,
       40}, // logit(sigmoid) = identity
      {[](const Var &x) { return softplus(x) + 1.0; }, 1, 12},
  };
  Tensor g;
  for (size_t c = 0; c < cases.size(); ++c) {
    g = grid1(cases[c].lo, cases[c].hi, n);
    Var rv = normal(constant(Tensor::zeros(DType::Float64, {n})), constant(1.5));
    Var v = vector("v");
    Tensor dens = evaluate(exp(logp(cases[c].t(rv), v)), {{v, g}});
    double total = 0;
    for (double d : dens.toDoubles()) {
      ASSERT_FALSE(std::isnan(d)) << c;
      total += d * (cases[c].hi - cases[c].lo) / n;
    }
    EXPECT_NEAR(total, 1.0, 2e-3) << "case " << c;
  }
}

TEST(ChangeOfVariables, CouplingFlowIntegratesToOneIn2D) {
  const int m = 160; // grid points per axis on [-7, 7]
  std::vector<double> pts;
  for (int i = 0; i < m; ++i)
    for (int k = 0; k < m; ++k)
      pts.push_back(-7 + 14.0 * (i + 0.5) / m), pts.push_back(-7 + 14.0 * (k + 0.5) / m);
  Tensor grid = Tensor::fromVector(pts, {m * m, 2});
  Var base = normal(constant(Tensor::zeros(DType::Float64, {m * m, 2})), constant(1.0));
  Var y = base;
  for (int l = 0; l < 4; ++l)
    y = affineCoupling(1, l % 2 == 1, smallNet("c" + std::to_string(l), 10 + l))->forward(y);
  y = y * 0.8 + 0.1; // and an affine step after the couplings
  Var v = matrix("v");
  Var lp = logp(y, v);
  EXPECT_EQ(lp.type().ndim(), 2); // elementwise in the value's layout
  Tensor dens = evaluate(exp(sum(lp, 1)), {{v, grid}});
  double total = 0, cell = (14.0 / m) * (14.0 / m);
  for (double d : dens.toDoubles())
    total += d * cell;
  EXPECT_NEAR(total, 1.0, 5e-3);
}

TEST(ChangeOfVariables, AgreesWithTheExplicitFormulaAndCompiles) {
  TransformPtr t = chainTransform(
      {affineCoupling(1, false, smallNet("a", 1)), affineCoupling(1, true, smallNet("b", 2))});
  Var rv = normal(constant(Tensor::zeros(DType::Float64, {3, 2})), constant(1.0));
  Var v = tensor(DType::Float64, {3, 2}, "v");
  Var derived = sum(logp(t->forward(rv), v), 1);
  Var x = t->inverse(v);
  Var base = normal(constant(Tensor::zeros(DType::Float64, {3, 2})), constant(1.0));
  Var expl = sum(logp(base, x), 1) - t->logDetJacobian(x);
  Tensor val = Tensor::of({{0.5, -1}, {2, 0.25}, {-3, 1.5}});
  Tensor a = evaluate(derived, {{v, val}}), b = evaluate(expl, {{v, val}});
  EXPECT_TRUE(allclose(a, b, 1e-12, 1e-12)) << a.str() << " vs " << b.str();
  // An ordinary graph: it compiles under the JIT and differentiates.
  Function f = compile({v}, {derived, grad(sum(derived), v)}, {}, Mode::JIT);
  auto r = f({val});
  EXPECT_TRUE(allclose(r[0], a, 1e-10, 1e-10)) << r[0].str();
  Tensor gi = evaluate(grad(sum(derived), v), {{v, val}});
  EXPECT_TRUE(allclose(r[1], gi, 1e-10, 1e-10));
}

TEST(ChangeOfVariables, MultivariateBaseSumsTheEventJacobian) {
  Tensor mu = Tensor::of({0.5, -1}), cov = Tensor::of({{1.0, 0.3}, {0.3, 2.0}});
  Var rv = mvnormal(constant(mu), constant(cov));
  Var v = vector("v");
  Tensor val = Tensor::of({1.2, 0.4});
  double derived = evaluate(logp(exp(rv), v), {{v, val}}).item();
  double expl =
      evaluate(logp(mvnormal(constant(mu), constant(cov)), log(v)) - sum(log(v)), {{v, val}})
          .item();
  EXPECT_NEAR(derived, expl, 1e-12);
}

TEST(ChangeOfVariables, ClearErrors) {
  Var rv = normal(constant(0.0), constant(1.0)), v = scalar("v");
  auto expectMsg = [&](const Var &y, const std::vector<std::string> &parts) {
    try {
      logp(y, v);
      ADD_FAILURE() << "expected a ValueError";
    } catch (const ValueError &e) {
      for (auto &p : parts)
        EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  };
  expectMsg(sqr(rv), {"sqr", "no inverse"});
  expectMsg(rv * rv, {"mul", "more than one operand"});
  expectMsg(abs(rv) + 1.0, {"abs"});
  expectMsg(scalar("x") * 2.0, {"does not depend on a random variable"});
  Var vec = normal(constant(0.0), constant(1.0));
  expectMsg(sum(expand_dims(vec, 0)), {"sum", "not an invertible op"});
  EXPECT_THROW(logp(exp(poisson(constant(2.0))), v), ValueError); // discrete base
}

TEST(ChangeOfVariables, ValuesOutsideTheImageGiveMinusInfinity) {
  Var rv = normal(constant(Tensor::zeros(DType::Float64, {4})), constant(1.0));
  Var v = vector("v");
  auto at = [&](const Var &y, const Tensor &vals) {
    return evaluate(logp(y, v), {{v, vals}}).toDoubles();
  };
  std::vector<double> e = at(exp(rv), Tensor::of({-1, 0, 1, 2}));
  EXPECT_EQ(e[0], -INFINITY);
  EXPECT_EQ(e[1], -INFINITY);
  EXPECT_TRUE(std::isfinite(e[2]));
  std::vector<double> s = at(sigmoid(2.0 * rv), Tensor::of({-0.5, 0, 0.5, 1}));
  EXPECT_EQ(s[0], -INFINITY);
  EXPECT_EQ(s[3], -INFINITY);
  EXPECT_TRUE(std::isfinite(s[2]));
  for (const Var &y : {tanh(rv), softplus(rv), sqrt(exp(rv)), expm1(rv)})
    for (double d : at(y, Tensor::of({-3, -1, 0.5, 1})))
      EXPECT_FALSE(std::isnan(d)) << y.owner()->op().str();
  // Gradients stay finite inside the image.
  Var g = grad(sum(logp(exp(rv), v)), v);
  for (double d : evaluate(g, {{v, Tensor::of({0.5, 1, 2, 3})}}).toDoubles())
    EXPECT_TRUE(std::isfinite(d));
}

TEST(ChangeOfVariables, CouplingWithAnUnknownWidthNet) {
  // A hand-written net on shared weights: its outputs have an unknown width, so the concatenated
  // part does too; the walker slices it open-ended.
  Var ws = shared(Tensor::of({0.7}).reshaped({1, 1}), "ws"),
      wt = shared(Tensor::of({-0.4}).reshaped({1, 1}), "wt");
  CouplingNet net = [&](const Var &a) {
    return std::pair{tanh(matmul(a, ws)), matmul(a, wt) + 0.2};
  };
  for (bool flip : {false, true}) {
    TransformPtr t = affineCoupling(1, flip, net);
    Var X = tensor(DType::Float64, {kUnknownDim, 2}, "X");
    Var rv = normal(zeros_like(X), constant(1.0));
    Var derived = sum(logp(t->forward(rv), X), 1);
    Var x = t->inverse(X);
    Var expl = sum(logp(normal(zeros_like(X), constant(1.0)), x), 1) - t->logDetJacobian(x);
    Tensor val = Tensor::of({{0.5, -1}, {2, 0.25}});
    Tensor a = evaluate(derived, {{X, val}}), b = evaluate(expl, {{X, val}});
    EXPECT_TRUE(allclose(a, b, 1e-12, 1e-12)) << flip << ": " << a.str() << " vs " << b.str();
  }
}
