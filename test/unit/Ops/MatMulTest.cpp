// MatMul and dot: types, values and gradients of every product form.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
Tensor A() { return Tensor::of({{1, 2, 3}, {4, 5, 6}}); }    // 2x3
Tensor B() { return Tensor::of({{1, 0}, {0, 1}, {2, -1}}); } // 3x2
} // namespace

TEST(MatMul, RankCombinations) {
  Var a = matrix("a"), b = matrix("b"), u = vector("u"), v = vector("v");
  EXPECT_EQ(evaluate(matmul(a, b), {{a, A()}, {b, B()}}).str(), "f64[2,2] [[7, -1], [16, -1]]");
  EXPECT_EQ(evaluate(dot(u, v), {{u, Tensor::of({1, 2, 3})}, {v, Tensor::of({4, 5, 6})}}).str(),
            "f64[] 32");
  EXPECT_EQ(evaluate(dot(u, b), {{u, Tensor::of({1, 1, 1})}, {b, B()}}).str(), "f64[2] [3, 0]");
  EXPECT_EQ(evaluate(dot(a, v), {{a, A()}, {v, Tensor::of({1, 0, -1})}}).str(), "f64[2] [-2, -2]");
  EXPECT_EQ(evaluate(outer(u, v), {{u, Tensor::of({1, 2})}, {v, Tensor::of({3, 4, 5})}}).str(),
            "f64[2,3] [[3, 4, 5], [6, 8, 10]]");
  EXPECT_EQ(matmul(a, b).type().str(), "f64[?,?]");
  EXPECT_EQ(matmul(tensor(DType::Float32, {2, 3}), tensor(DType::Float32, {3, 5})).type().str(),
            "f32[2,5]");
}

TEST(MatMul, BatchedAndBroadcast) {
  Var s = tensor(DType::Float64, {2, kUnknownDim, kUnknownDim}, "s");
  Var b = matrix("b");
  std::vector<double> vals = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
  Tensor sv = Tensor::fromVector(vals, {2, 2, 3});
  Tensor r = evaluate(matmul(s, b), {{s, sv}, {b, B()}});
  EXPECT_EQ(r.str(), "f64[2,2,2] [[[7, -1], [16, -1]], [[-7, 1], [-16, 1]]]");
  Var v = vector("v");
  Tensor rv = evaluate(matmul(s, v), {{s, sv}, {v, Tensor::of({1, 0, 0})}});
  EXPECT_EQ(rv.str(), "f64[2,2] [[1, 4], [-1, -4]]");
  Tensor lv = evaluate(matmul(v, transpose(s, {0, 2, 1})), {{s, sv}, {v, Tensor::of({1, 0, 0})}});
  EXPECT_EQ(lv.str(), "f64[2,2] [[1, 4], [-1, -4]]");
  // Batch dim of static 1 broadcasts against 2.
  Var one = tensor(DType::Float64, {1, 2, 2}, "one");
  Tensor ev = Tensor::fromVector(std::vector<double>{1, 0, 0, 1}, {1, 2, 2});
  Tensor bb = evaluate(matmul(one, s), {{one, ev}, {s, sv}});
  EXPECT_TRUE(allclose(bb, sv));
}

TEST(MatMul, DTypesAndEmpty) {
  Var a = matrix("a", DType::Int32), b = matrix("b", DType::Int32);
  EXPECT_EQ(
      evaluate(matmul(a, b), {{a, A().astype(DType::Int32)}, {b, B().astype(DType::Int32)}}).str(),
      "i32[2,2] [[7, -1], [16, -1]]");
  Var f = matrix("f", DType::Float32);
  EXPECT_EQ(matmul(a, f).dtype(), DType::Float32);
  Var x = matrix("x"), y = matrix("y");
  Tensor r = evaluate(matmul(x, y), {{x, Tensor::zeros(DType::Float64, {2, 0})},
                                     {y, Tensor::zeros(DType::Float64, {0, 3})}});
  EXPECT_EQ(r.str(), "f64[2,3] [[0, 0, 0], [0, 0, 0]]");
  Tensor e = evaluate(matmul(x, y), {{x, Tensor::zeros(DType::Float64, {0, 2})},
                                     {y, Tensor::zeros(DType::Float64, {2, 3})}});
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
}

TEST(MatMul, BadInput) {
  Var a = tensor(DType::Float64, {2, 3}, "a"), b = tensor(DType::Float64, {4, 2}, "b");
  try {
    matmul(a, b);
    FAIL();
  } catch (const ShapeError &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("matmul"), std::string::npos);
    EXPECT_NE(m.find("3 vs 4"), std::string::npos) << m;
  }
  Var x = matrix("x"), y = matrix("y");
  EXPECT_THROW(evaluate(matmul(x, y), {{x, A()}, {y, A()}}), ShapeError);
  EXPECT_THROW(matmul(scalar("s"), x), ShapeError);
  EXPECT_THROW(dot(tensor(DType::Float64, {2, 2, 2}), x), ShapeError);
  EXPECT_THROW(outer(x, x), ShapeError);
  EXPECT_THROW(applyOp1(std::make_shared<MatMul>(), {tensor(DType::Float64, {2, 2, 2}), x}),
               ShapeError);
}

TEST(MatMul, DirectGradients) {
  Var a = matrix("a"), b = matrix("b"), g = matrix("g");
  Var c = matmul(a, b);
  auto gr = c.owner()->op().L_op({a, b}, {c}, {g});
  Tensor gv = Tensor::of({{1, 0}, {0, 1}});
  EXPECT_TRUE(allclose(evaluate(gr[0], {{a, A()}, {b, B()}, {g, gv}}),
                       Tensor::of({{1, 0, 2}, {0, 1, -1}})));
  EXPECT_TRUE(allclose(evaluate(gr[1], {{a, A()}, {b, B()}, {g, gv}}),
                       Tensor::of({{1, 4}, {2, 5}, {3, 6}})));
}
