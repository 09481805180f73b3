#include "graphjit/graphjit.h"
#include <gtest/gtest.h>
#include <cmath>
using namespace graphjit;
TEST(Smoke, AddExp) {
  Var x = vector("x");
  Var y = exp(x) + 1.0;
  Tensor r = evaluate(y, {{x, Tensor::of({0.0, 1.0})}});
  EXPECT_TRUE(allclose(r, Tensor::of({2.0, std::exp(1.0) + 1})));
}
