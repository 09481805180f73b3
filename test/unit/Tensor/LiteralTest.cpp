// Tensor::of literals, including the single-row and single-column forms.
#include "graphjit/Tensor/Tensor.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(TensorLiteral, OneByOneAndSingleRowsAreMatrices) {
  Tensor a = Tensor::of({{7}});
  EXPECT_EQ(a.shape(), (Shape{1, 1}));
  EXPECT_EQ(a.item(), 7.0);
  Tensor row = Tensor::of({{1, 2, 3}});
  EXPECT_EQ(row.shape(), (Shape{1, 3}));
  Tensor col = Tensor::of({{1}, {2}});
  EXPECT_EQ(col.shape(), (Shape{2, 1}));
  EXPECT_EQ(col.getAsDouble(1), 2.0);
}

TEST(TensorLiteral, VectorsFromMixedOrListVariables) {
  Tensor v = Tensor::of({1, 2.5, 3});
  EXPECT_EQ(v.shape(), (Shape{3}));
  EXPECT_EQ(v.getAsDouble(1), 2.5);
  std::initializer_list<double> values = {4, 5};
  Tensor w = Tensor::of(values, DType::Int32);
  EXPECT_EQ(w.dtype(), DType::Int32);
  EXPECT_EQ(w.toVector<int32_t>(), (std::vector<int32_t>{4, 5}));
  EXPECT_EQ(Tensor::of({9}).shape(), (Shape{1}));
  EXPECT_THROW(Tensor::of({{1, 2}, {3}}), ShapeError);
}
