// vectorize_graph against a loop over batch elements of the core graph.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

using namespace graphjit;

namespace {
Tensor rnd(const Shape &s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(static_cast<size_t>(shapeSize(s)));
  for (double &x : v)
    x = u(rng);
  return Tensor::fromVector(v, s);
}

/// Checks vectorize_graph(core(x)) on a batch of `batch` against core applied row by row.
void expectBatchesLikeLoop(const std::function<Var(const Var &)> &core, const Shape &coreShape,
                           int64_t batch) {
  Var x = tensor(DType::Float64, Shape(coreShape.size(), kUnknownDim), "x");
  Var y = core(x);
  Shape batchedShape = {batch};
  batchedShape.insert(batchedShape.end(), coreShape.begin(), coreShape.end());
  Var xb = tensor(DType::Float64, Shape(batchedShape.size(), kUnknownDim), "xb");
  Var yb = vectorize_graph(y, {{x, xb}});
  Tensor data = rnd(batchedShape, 3);
  Tensor got = evaluate(yb, {{xb, data}});
  ASSERT_EQ(got.shape()[0], batch) << got.str();
  for (int64_t i = 0; i < batch; ++i) {
    Tensor row = evaluate(subtensor(constant(data), {IndexEntry::at(i)}));
    Tensor expected = evaluate(y, {{x, row}});
    Tensor gotRow = evaluate(subtensor(constant(got), {IndexEntry::at(i)}));
    EXPECT_TRUE(allclose(gotRow, expected, 1e-12, 1e-12))
        << "batch " << i << ": " << gotRow.str() << " vs " << expected.str() << "\n"
        << yb.owner()->op().str();
  }
}
} // namespace

TEST(Vectorize, ElemwiseReductionsSoftmax) {
  Tensor w = rnd({3}, 5);
  expectBatchesLikeLoop([&](const Var &x) { return exp(x) * constant(w) + 1.0; }, {3}, 4);
  expectBatchesLikeLoop([](const Var &x) { return sum(sqr(x), 1) - max(x); }, {2, 3}, 3);
  expectBatchesLikeLoop([](const Var &x) { return softmax(x) + log_softmax(x, 0); }, {2, 3}, 2);
  expectBatchesLikeLoop([](const Var &x) { return cast(argmax(x, 0), DType::Float64); }, {4, 2}, 3);
  expectBatchesLikeLoop([](const Var &x) { return logsumexp(x, 1); }, {2, 5}, 2);
}

TEST(Vectorize, MatMulShapesIndexing) {
  Tensor W = rnd({2, 3}, 7), v3 = rnd({3}, 8);
  expectBatchesLikeLoop([&](const Var &x) { return matmul(constant(W), x); }, {3},
                        4); // matrix . vector
  expectBatchesLikeLoop([&](const Var &x) { return matmul(x, transpose(constant(W))); }, {3},
                        4); // vector . matrix
  expectBatchesLikeLoop([&](const Var &x) { return dot(x, constant(v3)); }, {3},
                        2); // vector . vector
  expectBatchesLikeLoop([&](const Var &x) { return matmul(x, constant(W)); }, {4, 2},
                        3); // matrix . matrix
  expectBatchesLikeLoop([](const Var &x) { return transpose(x)(0) + x(slice(), 1); }, {3, 3}, 2);
  expectBatchesLikeLoop(
      [](const Var &x) { return set_subtensor(x, {IndexEntry::at(0)}, x(1) * 2.0); }, {2, 3}, 3);
  expectBatchesLikeLoop([](const Var &x) { return take(x, IntList{2, 0}, 0); }, {3}, 2);
  expectBatchesLikeLoop([](const Var &x) { return concatenate({x, x * 2.0}, 0); }, {2}, 3);
  expectBatchesLikeLoop(
      [](const Var &x) {
        auto parts = split(x, {1, 2}, 0);
        return parts[1] - parts[0];
      },
      {3}, 2);
  expectBatchesLikeLoop([](const Var &x) { return x * cast(shape(x)(1), DType::Float64); }, {2, 3},
                        2);
  // shape() of a batched value is the core shape, the same for every batch element.
  Var x = matrix("x"), xb = tensor(DType::Float64, {kUnknownDim, kUnknownDim, kUnknownDim}, "xb");
  Var s = vectorize_graph(shape(x), {{x, xb}});
  EXPECT_EQ(evaluate(s, {{xb, Tensor::zeros(DType::Float64, {4, 2, 3})}}).str(), "i64[2] [2, 3]");
}

TEST(Vectorize, GradientOfACoreGraph) {
  // Per-example gradients: vectorize the gradient graph of a scalar loss.
  Tensor W = rnd({3}, 9);
  expectBatchesLikeLoop([&](const Var &x) { return grad(sum(sigmoid(x * constant(W))), x); }, {3},
                        5);
}

TEST(Vectorize, TypesAndUnsupportedCases) {
  Var x = vector("x");
  Var y = exp(x);
  EXPECT_THROW(vectorize_graph(y, {{x, vector("f", DType::Float32)}}), TypeError);
  EXPECT_THROW(vectorize_graph(y, {{x, scalar("s")}}), TypeError);
  Var m = matrix("m");
  Var xb = vectorize_graph(y, {{x, m}});
  EXPECT_EQ(xb.type().str(), "f64[?,?]");
  // A reshape to static sizes over an unknown batch dim plus -1 cannot be expressed.
  EXPECT_THROW(vectorize_graph(reshape(x, {-1, 1}), {{x, m}}), NotImplementedError);
  // With no batch dims it is graph_replace.
  Var z = vector("z");
  EXPECT_EQ(vectorize_graph(y, {{x, z}}).owner()->input(0), z);
  // Outputs that do not depend on the batch stay as they are.
  Var c = exp(constant(1.0));
  EXPECT_EQ(vectorize_graph(std::vector<Var>{y, c}, {{x, m}})[1], c);
}
