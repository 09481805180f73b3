// grad, jacobian and hessian against closed forms and finite differences.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

TEST(Grad, SimpleValues) {
  Var x = vector("x");
  Var g = grad(sum(sqr(x) * 3.0), x);
  EXPECT_EQ(evaluate(g, {{x, Tensor::of({1, -2})}}).str(), "f64[2] [6, -12]");
  Var a = scalar("a"), b = scalar("b");
  auto gs = grad(a * b + exp(a), {a, b});
  Bindings at = {{a, Tensor::scalar(0)}, {b, Tensor::scalar(5)}};
  EXPECT_DOUBLE_EQ(evaluate(gs[0], at).item(), 6); // b + exp(a)
  EXPECT_DOUBLE_EQ(evaluate(gs[1], at).item(), 0); // a
}

TEST(Grad, ErrorsAndPolicies) {
  Var x = vector("x"), y = vector("y");
  EXPECT_THROW(grad(x, x), ShapeError);                         // non-scalar cost
  EXPECT_THROW(grad(sum(cast(x, DType::Int64)), x), TypeError); // integer cost
  Var i = vector("i", DType::Int64);
  EXPECT_THROW(grad(sum(cast(i, DType::Float64)), i), TypeError); // integer wrt
  try {
    grad(sum(x), y);
    FAIL();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("'y'"), std::string::npos);
  }
  GradOptions ignore;
  ignore.disconnected = DisconnectedPolicy::Ignore;
  Var gy = grad(sum(x), y, ignore);
  EXPECT_EQ(evaluate(gy, {{y, Tensor::of({1, 2, 3})}}).str(), "f64[3] [0, 0, 0]");
}

TEST(Grad, ConsiderConstantAndKnownGrads) {
  Var x = vector("x");
  Var h = exp(x);
  GradOptions o;
  o.consider_constant = {h};
  Var g = grad(sum(h * x), x, o); // h treated as a constant: d/dx = h
  Tensor v = Tensor::of({0, 1});
  EXPECT_TRUE(allclose(evaluate(g, {{x, v}}), Tensor::of({1, std::exp(1.0)})));
  Var u = vector("u");
  GradOptions k;
  k.known_grads = {{h, u}};
  Var gk = grad(Var(), x, k); // u * exp(x)
  EXPECT_TRUE(allclose(evaluate(gk, {{x, v}, {u, Tensor::of({2, 3})}}),
                       Tensor::of({2, 3 * std::exp(1.0)})));
}

TEST(Grad, JacobianAndHessian) {
  Var x = tensor(DType::Float64, {3}, "x");
  Var j = jacobian(sqr(x) * 2.0, x);
  EXPECT_EQ(j.type().str(), "f64[3,3]");
  EXPECT_EQ(evaluate(j, {{x, Tensor::of({1, 2, 3})}}).str(),
            "f64[3,3] [[4, 0, 0], [0, 8, 0], [0, 0, 12]]");
  // f = x0^2 x1 + x2^3
  Var f = sqr(x(0)) * x(1) + pow(x(2), 3.0);
  Var h = hessian(f, x);
  Tensor hv = evaluate(h, {{x, Tensor::of({1, 2, 3})}});
  EXPECT_TRUE(allclose(hv, Tensor::of({{4, 2, 0}, {2, 0, 0}, {0, 0, 18}}))) << hv.str();
  // Unknown dims are fine (JacobianUnknownDimsTest.cpp); a wrt the expression does not read is
  // grad's error.
  EXPECT_THROW(jacobian(vector("v") * 2.0, vector("w")), ValueError);
}

TEST(Grad, SecondDerivativeMatchesFiniteDifferences) {
  // d/dx of grad(sum(sin(x) * x)) checked numerically through verify_grad.
  verify_grad([](auto v) { return grad(sum(sin(v[0]) * v[0] * v[0]), v[0]); },
              {Tensor::of({0.3, -1.2, 2.0})});
  verify_grad([](auto v) { return grad(sum(softplus(matmul(v[0], v[1]))), v[1]); },
              {Tensor::of({{0.1, 0.2}, {-0.3, 0.4}}), Tensor::of({0.5, -0.6})});
}

TEST(Grad, RopMatchesReverseMode) {
  Var x = tensor(DType::Float64, {3}, "x");
  Var v = tensor(DType::Float64, {3}, "v");
  Var y = sin(x) * sum(sqr(x));
  Var jv = Rop({y}, {x}, {v})[0];
  Var J = jacobian(y, x);
  Bindings at = {{x, Tensor::of({0.1, 0.5, -0.7})}, {v, Tensor::of({1, -2, 0.5})}};
  Tensor expected = evaluate(matmul(J, v), at);
  EXPECT_TRUE(allclose(evaluate(jv, at), expected, 1e-12, 1e-12));
  // Lop is J^T u.
  Var u = tensor(DType::Float64, {3}, "u");
  Var ju = Lop({y}, {x}, {u})[0];
  at.emplace_back(u, Tensor::of({0.3, 0.2, 0.1}));
  EXPECT_TRUE(allclose(evaluate(ju, at), evaluate(matmul(u, J), at), 1e-12, 1e-12));
  EXPECT_THROW(Rop({y}, {x}, {}), ValueError);
}

TEST(Grad, OriginalGraphUntouched) {
  Var x = vector("x");
  Var y = sum(exp(x));
  size_t before = toposort({y}).size();
  grad(y, x);
  EXPECT_EQ(toposort({y}).size(), before);
}
