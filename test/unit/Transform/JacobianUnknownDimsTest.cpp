// jacobian and hessian of expressions with unknown dims (a shared f64[?], a matrix("X")): the
// rows come from vectorize_graph over basis vectors, and agree with the static-shape results and
// with finite differences.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
/// max |a - b| over the elements (same shapes asserted).
double maxDiff(const Tensor &a, const Tensor &b) {
  EXPECT_EQ(shapeStr(a.shape()), shapeStr(b.shape()));
  double d = 0;
  for (int64_t i = 0; i < a.size() && i < b.size(); ++i)
    d = std::max(d, std::fabs(a.getAsDouble(i) - b.getAsDouble(i)));
  return d;
}

/// A logistic regression's negative log posterior, the workshop's GLM.
Var glmLoss(const Var &beta, const Var &X, const Var &y) {
  Var eta = dot(X, beta);
  return sum(softplus(eta) - y * eta) + 0.5 * dot(beta, beta);
}

Tensor design() { // 6 x 3, a column of ones and two of spread values
  std::vector<double> v;
  for (int i = 0; i < 6; ++i)
    v.insert(v.end(), {1.0, std::sin(1.0 + i), std::cos(0.5 * i) - 0.2});
  return Tensor::fromVector(v, {6, 3});
}
} // namespace

TEST(JacobianUnknownDims, VectorMatchesStaticShapes) {
  Var x = vector("x"), xs = tensor(DType::Float64, {3}, "xs");
  Var j = jacobian(sqr(x) * exp(x), x);
  EXPECT_EQ(j.type().str(), "f64[?,?]");
  Tensor at = Tensor::of({0.5, -1.0, 2.0});
  Tensor got = evaluate(j, {{x, at}});
  Tensor want = evaluate(jacobian(sqr(xs) * exp(xs), xs), {{xs, at}});
  EXPECT_LT(maxDiff(got, want), 1e-12) << got.str();
  // The same graph takes any length at run time.
  Tensor five = evaluate(j, {{x, Tensor::of({1.0, 2.0, 3.0, 4.0, 5.0})}});
  EXPECT_EQ(shapeStr(five.shape()), "[5,5]");
  EXPECT_NEAR(five.getAsDouble(4 * 5 + 4), (2 * 5.0 + 25.0) * std::exp(5.0), 1e-9);
  EXPECT_EQ(five.getAsDouble(1), 0.0);
}

// The case: the Hessian with respect to a shared parameter (f64[?]) just works, compiled
// and interpreted, and matches the static-shape Hessian and central differences of the gradient.
TEST(JacobianUnknownDims, HessianOfASharedParameter) {
  Var beta = shared(Tensor::of({0.1, -0.3, 0.2}), "beta");
  ASSERT_FALSE(beta.type().isStatic());
  Var X = matrix("X"), y = vector("y");
  Tensor Xv = design(), yv = Tensor::of({1.0, 0.0, 1.0, 1.0, 0.0, 0.0});
  Var h = hessian(glmLoss(beta, X, y), beta);
  EXPECT_EQ(h.type().str(), "f64[?,?]");
  Function f = compile({X, y}, {h});
  Tensor got = f({Xv, yv})[0];
  Var bs = tensor(DType::Float64, {3}, "bs"), Xs = tensor(DType::Float64, {6, 3}, "Xs");
  Var ys = tensor(DType::Float64, {6}, "ys");
  Tensor want =
      evaluate(hessian(glmLoss(bs, Xs, ys), bs), {{bs, getValue(beta)}, {Xs, Xv}, {ys, yv}});
  EXPECT_LT(maxDiff(got, want), 1e-12) << got.str() << " vs " << want.str();
  EXPECT_LT(maxDiff(compile({X, y}, {h}, {}, Mode::Interpret)({Xv, yv})[0], want), 1e-12);
  // Central differences of the gradient, column by column.
  Function g = compile({bs, Xs, ys}, {grad(glmLoss(bs, Xs, ys), bs)});
  std::vector<double> b0 = getValue(beta).toDoubles();
  double eps = 1e-5;
  for (int k = 0; k < 3; ++k) {
    std::vector<double> up = b0, down = b0;
    up[k] += eps, down[k] -= eps;
    Tensor gu = g({Tensor::fromVector(up), Xv, yv})[0],
           gd = g({Tensor::fromVector(down), Xv, yv})[0];
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(got.getAsDouble(i * 3 + k), (gu.getAsDouble(i) - gd.getAsDouble(i)) / (2 * eps),
                  1e-7)
          << i << "," << k;
  }
}

// A matrix-valued expression of unknown shape: the result is expr dims then wrt dims.
TEST(JacobianUnknownDims, MatrixExpressionKeepsItsDims) {
  Var x = vector("x"), xs = tensor(DType::Float64, {2}, "xs");
  Var j = jacobian(outer(x, sin(x)), x);
  EXPECT_EQ(j.ndim(), 3);
  Tensor at = Tensor::of({0.3, 1.7});
  Tensor got = evaluate(j, {{x, at}});
  EXPECT_EQ(shapeStr(got.shape()), "[2,2,2]");
  EXPECT_LT(maxDiff(got, evaluate(jacobian(outer(xs, sin(xs)), xs), {{xs, at}})), 1e-12);
}

// With respect to a variable the expression does not read: zeros of the right shape under
// DisconnectedPolicy::Ignore, grad's ValueError under the default.
TEST(JacobianUnknownDims, DisconnectedWrt) {
  Var v = vector("v"), w = vector("w");
  EXPECT_THROW(jacobian(v * 2.0, w), ValueError);
  GradOptions ignore;
  ignore.disconnected = DisconnectedPolicy::Ignore;
  Tensor z = evaluate(jacobian(v * 2.0, w, ignore),
                      {{v, Tensor::of({1.0, 2.0, 3.0})}, {w, Tensor::of({1.0, 2.0})}});
  EXPECT_EQ(z.str(), "f64[3,2] [[0, 0], [0, 0], [0, 0]]");
}

// vectorizeJacobian takes the batched path for static shapes too, with the same values.
TEST(JacobianUnknownDims, VectorizedOptionOnStaticShapes) {
  Var xs = tensor(DType::Float64, {3}, "xs");
  Var f = sqr(xs(0)) * xs(1) + pow(xs(2), 3.0) + sum(exp(xs) * xs);
  GradOptions vo;
  vo.vectorizeJacobian = true;
  Tensor at = Tensor::of({1.0, 2.0, 3.0});
  EXPECT_LT(maxDiff(evaluate(hessian(f, xs, vo), {{xs, at}}), evaluate(hessian(f, xs), {{xs, at}})),
            1e-10);
}
