// verify_grad itself: non-differentiable and stop_gradient flows, composite
// expressions, and that a wrong L_op is caught. The per-op gradient checks
// live in the conformance test (test/unit/Conformance).
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <random>

using namespace graphjit;

namespace {
Tensor rnd(const Shape &s, double lo = -1, double hi = 1, uint64_t seed = 7) {
  std::mt19937_64 rng(seed + s.size() * 131 + static_cast<uint64_t>(shapeSize(s)));
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<size_t>(shapeSize(s)));
  for (double &x : v)
    x = u(rng);
  return Tensor::fromVector(v, s);
}
} // namespace

TEST(VerifyGrad, NonDifferentiableOpsGiveNoGradient) {
  Var x = vector("x");
  EXPECT_THROW(grad(sum(cast(x > 0.0, DType::Float64)), x), ValueError); // disconnected
  Var z = grad(sum(cast(x > 0.0, DType::Float64)) + sum(x), x);
  EXPECT_EQ(evaluate(z, {{x, Tensor::of({1, -1})}}).str(), "f64[2] [1, 1]");
}

TEST(VerifyGrad, StopGradientBlocksTheFlow) {
  Var x = vector("x");
  Var g = grad(sum(x * stop_gradient(x)), x);
  EXPECT_EQ(evaluate(g, {{x, Tensor::of({2, 3})}}).str(), "f64[2] [2, 3]"); // not 2x
  EXPECT_EQ(evaluate(stop_gradient(x), {{x, Tensor::of({2, 3})}}).str(), "f64[2] [2, 3]");
}

TEST(VerifyGrad, CompositeExpressions) {
  verify_grad([](auto v) { return logsumexp(v[0], 1); }, {rnd({3, 4})});
  verify_grad([](auto v) { return sigmoid(matmul(v[0], v[1])) * log1p(exp(v[0](0, 0))); },
              {rnd({2, 3}), rnd({3, 2})});
  verify_grad([](auto v) { return mean(sqr(dot(v[0], v[1]) - 1.0)); }, {rnd({4, 3}), rnd({3})});
  verify_grad([](auto v) { return softmax(v[0] * v[1], 0); }, {rnd({3, 2}), rnd({3, 2})});
  verify_grad([](auto v) { return v[0] * 3.0; }, {rnd({2}).astype(DType::Float32)});
}

TEST(VerifyGrad, DetectsAWrongGradient) {
  // A deliberately wrong L_op must be caught.
  struct WrongSquare : Op {
    std::string name() const override { return "wrong_square"; }
    std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
      return {in[0]};
    }
    std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in[0]}; }
    std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
      std::vector<double> v = in[0].toDoubles();
      for (double &x : v)
        x *= x;
      return {Tensor::fromVector(v, in[0].shape())};
    }
    std::vector<Var> L_op(const std::vector<Var> &in, const std::vector<Var> &,
                          const std::vector<Var> &g) const override {
      return {g[0] * in[0] * 3.0}; // should be 2
    }
  };
  auto op = std::make_shared<WrongSquare>();
  EXPECT_THROW(verify_grad([op](auto v) { return applyOp1(op, {v[0]}); }, {rnd({3}, 1, 2)}), Error);
}
