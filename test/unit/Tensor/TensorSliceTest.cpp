// Host-side Tensor indexing (issue 22 papercut): t[i] and t.slice(start, stop, step, axis) are
// NumPy basic-indexing views that share the buffer.
#include "graphjit/Support/Error.h"
#include "graphjit/Tensor/Tensor.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(TensorSlice, IndexTakesARowAsAView) {
  Tensor m = Tensor::of({{1, 2, 3}, {4, 5, 6}});
  Tensor row = m[1];
  EXPECT_EQ(row.shape(), (Shape{3}));
  EXPECT_EQ(row.toDoubles(), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(m[-2].toDoubles(), (std::vector<double>{1, 2, 3}));
  EXPECT_DOUBLE_EQ(m[1][2].item(), 6);
  EXPECT_TRUE(row.sharesBuffer(m));
  row.data<double>()[0] = 40; // a view: the write shows in m
  EXPECT_DOUBLE_EQ(m.getAsDouble(3), 40);
  EXPECT_THROW(m[2], IndexError);
  EXPECT_THROW(m[-3], IndexError);
  EXPECT_THROW(Tensor::scalar(1.0)[0], IndexError);
}

TEST(TensorSlice, SliceFollowsNumPy) {
  Tensor m = Tensor::of({{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}});
  EXPECT_EQ(m.slice(1, 3).toDoubles(), (std::vector<double>{5, 6, 7, 8, 9, 10, 11, 12}));
  Tensor cols = m.slice(0, 4, 2, 1); // m[:, ::2]
  EXPECT_EQ(cols.shape(), (Shape{3, 2}));
  EXPECT_EQ(cols.toDoubles(), (std::vector<double>{1, 3, 5, 7, 9, 11}));
  EXPECT_FALSE(cols.isContiguous());
  EXPECT_EQ(cols.clone().toDoubles(), cols.toDoubles());
  EXPECT_EQ(m.slice(-1, 100).toDoubles(), (std::vector<double>{9, 10, 11, 12})); // clamped
  EXPECT_EQ(m.slice(2, 1).shape(), (Shape{0, 4}));
  EXPECT_EQ(m.slice(-3, -1, 1, -1)[0].toDoubles(), (std::vector<double>{2, 3}));
  EXPECT_THROW(m.slice(0, 2, 0), ValueError);
  EXPECT_THROW(m.slice(0, 2, 1, 2), IndexError);
}
