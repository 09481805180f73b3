// Reductions take braced axis lists: mean(M, {0, 1}).
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(ReduceAxesList, BracedListsNameTheAxes) {
  Var M = tensor(DType::Float64, {2, 3, 2}, "M");
  Tensor v =
      Tensor::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 3, 2});
  Tensor r = mean(M, {0, 1}).eval({{M, v}});
  EXPECT_TRUE(allclose(r, Tensor::of({6, 7}))) << r.str(); // (1+3+5+7+9+11)/6, (2+...+12)/6
  EXPECT_EQ(sum(M, {2}).type().str(), "f64[2,3]");
  EXPECT_EQ(max(M, {0, 2}, true).type().str(), "f64[1,3,1]");
  EXPECT_EQ(prod(M, {-1}).type().str(), "f64[2,3]");
  EXPECT_EQ(min(M, {1}).type().str(), "f64[2,2]");
  EXPECT_EQ(all(M > 0.0, {0, 1, 2}).type().str(), "b1[]");
  EXPECT_EQ(any(M > 0.0, {1}).type().str(), "b1[2,2]");
  EXPECT_THROW(mean(M, {3}), Error);
}
