// DimShuffle: types, values and gradients of transpose, expand_dims and squeeze.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(DimShuffle, TransposeExpandSqueeze) {
  Var m = matrix("m");
  Tensor mv = Tensor::of({{1, 2, 3}, {4, 5, 6}});
  Var t = transpose(m);
  EXPECT_EQ(t.type().str(), "f64[?,?]");
  Tensor r = evaluate(t, {{m, mv}});
  EXPECT_EQ(r.str(), "f64[3,2] [[1, 4], [2, 5], [3, 6]]");
  EXPECT_TRUE(r.isContiguous());
  EXPECT_EQ(t.owner()->op().inferShape({{2, 3}})[0], (Shape{3, 2}));

  Var e = expand_dims(m, 1);
  EXPECT_EQ(e.type().str(), "f64[?,1,?]");
  EXPECT_EQ(evaluate(e, {{m, mv}}).shape(), (Shape{2, 1, 3}));
  Var e2 = expand_dims(m, -1);
  EXPECT_EQ(e2.type().str(), "f64[?,?,1]");

  Var s = squeeze(e);
  EXPECT_EQ(s.type().str(), "f64[?,?]");
  EXPECT_TRUE(allclose(evaluate(s, {{m, mv}}), mv));
}

TEST(DimShuffle, PermutationsOf3dAndScalars) {
  Var x = tensor(DType::Int32, {2, 3, 4}, "x");
  std::vector<int32_t> vals(24);
  for (int i = 0; i < 24; ++i)
    vals[i] = i;
  Tensor xv = Tensor::fromVector(vals, {2, 3, 4});
  Var p = dimshuffle(x, {2, 0, 1});
  EXPECT_EQ(p.type().str(), "i32[4,2,3]");
  Tensor r = evaluate(p, {{x, xv}});
  // r[k, i, j] == x[i, j, k]
  EXPECT_EQ(r.getAsDouble(1 * 6 + 1 * 3 + 2), 1 * 12 + 2 * 4 + 1);
  Var s = scalar("s");
  Var s2 = dimshuffle(s, {-1, -1});
  EXPECT_EQ(s2.type().str(), "f64[1,1]");
  EXPECT_EQ(evaluate(s2, {{s, Tensor::scalar(4)}}).str(), "f64[1,1] [[4]]");
  // Size-0 dims pass through.
  Var z = matrix("z");
  EXPECT_EQ(evaluate(transpose(z), {{z, Tensor::zeros(DType::Float64, {0, 2})}}).shape(),
            (Shape{2, 0}));
}

TEST(DimShuffle, BadInput) {
  Var m = matrix("m");
  EXPECT_THROW(dimshuffle(m, {0, 0}), ValueError);
  EXPECT_THROW(dimshuffle(m, {2, 0}), IndexError);
  // Dropping a dim that is not statically 1.
  try {
    dimshuffle(m, {0});
    FAIL();
  } catch (const ShapeError &e) {
    EXPECT_NE(std::string(e.what()).find("dimshuffle"), std::string::npos);
  }
  EXPECT_THROW(transpose(m, {0}), ValueError);
  EXPECT_THROW(expand_dims(m, 5), IndexError);
  EXPECT_THROW(squeeze(m, {0}), ShapeError);
  // Op built for rank 2 applied to rank 1.
  EXPECT_THROW(applyOp1(std::make_shared<DimShuffle>(2, IntList{1, 0}), {vector("v")}), ShapeError);
}
