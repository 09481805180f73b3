// nn: activations, reproducible initialization, dense layers and MLPs.
#include "graphjit/NN/NN.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

TEST(NN, Activations) {
  Var x = vector("x");
  Tensor v = Tensor::of({-2, -0.5, 0, 1.5});
  auto at = [&](const Var &y, int i) { return evaluate(y, {{x, v}}).getAsDouble(i); };
  EXPECT_EQ(at(nn::relu(x), 0), 0);
  EXPECT_EQ(at(nn::relu(x), 3), 1.5);
  EXPECT_DOUBLE_EQ(at(nn::leaky_relu(x, 0.1), 0), -0.2);
  EXPECT_DOUBLE_EQ(at(nn::leaky_relu(x, 0.1), 3), 1.5);
  EXPECT_NEAR(at(nn::gelu(x), 3), 0.5 * 1.5 * (1 + std::erf(1.5 / std::sqrt(2.0))), 1e-15);
  EXPECT_NEAR(at(nn::gelu(x), 0), -2 * 0.5 * (1 + std::erf(-2 / std::sqrt(2.0))), 1e-15);
  EXPECT_NEAR(at(nn::softplus(x), 1), std::log1p(std::exp(-0.5)), 1e-15);
  EXPECT_NEAR(at(nn::sigmoid(x), 3), 1 / (1 + std::exp(-1.5)), 1e-15);
  EXPECT_NEAR(at(nn::tanh(x), 1), std::tanh(-0.5), 1e-15);
}

TEST(NN, InitializationIsReproducibleWithTheRightScale) {
  Tensor a = nn::initWeights(nn::Init::Glorot, 200, 300, 5),
         b = nn::initWeights(nn::Init::Glorot, 200, 300, 5);
  EXPECT_TRUE(allclose(a, b, 0, 0));
  EXPECT_FALSE(allclose(a, nn::initWeights(nn::Init::Glorot, 200, 300, 6), 0, 0));
  double limit = std::sqrt(6.0 / 500), m2 = 0;
  for (double v : a.toDoubles()) {
    EXPECT_LE(std::fabs(v), limit);
    m2 += v * v / a.size();
  }
  EXPECT_NEAR(m2, limit * limit / 3, 0.03 * limit * limit / 3); // variance of U(-l, l)
  Tensor h = nn::initWeights(nn::Init::He, 400, 100, 1);
  double s2 = 0;
  for (double v : h.toDoubles())
    s2 += v * v / h.size();
  EXPECT_NEAR(s2, 2.0 / 400, 0.03 * 2.0 / 400);
  EXPECT_THROW(nn::initWeights(nn::Init::He, 0, 3, 1), ValueError);
}

TEST(NN, DenseAndMlp) {
  nn::Dense d = nn::dense(2, 3, "enc", nn::relu, nn::Init::Glorot, 3);
  EXPECT_EQ(d.W.name(), "enc.W");
  EXPECT_EQ(d.b.name(), "enc.b");
  setValue(d.W, Tensor::of({{1, -1, 0.5}, {2, 0, -1}}));
  setValue(d.b, Tensor::of({0.5, 0.25, -3}));
  Var x = matrix("x");
  Var y = d(x);
  EXPECT_EQ(y.type().shape[1], 3); // static width
  Tensor out = evaluate(y, {{x, Tensor::of({{1, 1}, {-1, 2}})}});
  // [1,1] W + b = [3.5, -0.75, -3.5] -> relu; [-1,2] W + b = [3.5, 1.25, -5.5] -> relu.
  EXPECT_TRUE(allclose(out, Tensor::of({{3.5, 0, 0}, {3.5, 1.25, 0}}), 0, 1e-15)) << out.str();
  EXPECT_THROW(d(tensor(DType::Float64, {4, 5})), ShapeError);

  nn::MLP m = nn::mlp({2, 16, 16, 1}, "net", nn::tanh, nn::identity, nn::Init::Glorot, 1);
  ASSERT_EQ(m.layers.size(), 3u);
  std::vector<Var> ps = m.params();
  ASSERT_EQ(ps.size(), 6u);
  EXPECT_EQ(ps[2].name(), "net.1.W");
  EXPECT_EQ(getValue(ps[2]).shape(), (Shape{16, 16}));
  Var o = m(x);
  EXPECT_EQ(o.type().shape[1], 1);
  Tensor r = evaluate(o, {{x, Tensor::of({{0.3, -0.2}, {1, 2}, {0, 0}})}});
  EXPECT_EQ(r.shape(), (Shape{3, 1}));
  EXPECT_EQ(r.getAsDouble(2), 0); // zero biases, zero input
  EXPECT_THROW(nn::mlp({3}, "bad"), ValueError);
  // The same seed gives the same network.
  nn::MLP m2 = nn::mlp({2, 16, 16, 1}, "net2", nn::tanh, nn::identity, nn::Init::Glorot, 1);
  EXPECT_TRUE(allclose(getValue(m2.params()[2]), getValue(ps[2]), 0, 0));
}
