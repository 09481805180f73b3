// Items 6, 7 and 10: integer pow with negative exponents, clip with lo > hi and
// float -> integer casts of inf/NaN/out-of-range values follow one rule, the
// same in the interpreter and in the JIT.
#include "Both.h"

#include <cmath>
#include <limits>

using namespace graphjit;
using graphjit::testing::modeName;
using graphjit::testing::runIn;

class ElemwiseRules : public ::testing::TestWithParam<Mode> {};

TEST_P(ElemwiseRules, IntegerPowOfNegativeExponent) {
  // 1 / a^|b| truncated toward zero, with 1 / 0 := 0 as integer division by zero gives.
  for (DType dt : {DType::Int64, DType::Int32}) {
    Var a = vector("a", dt), b = vector("b", dt);
    std::vector<double> as = {0, 0, 2, 1, -1, -1, 3, 0, -2, 5};
    std::vector<double> bs = {-1, -2, -1, -5, -3, -2, 2, 0, 3, 0};
    std::vector<double> want = {0, 0, 0, 1, -1, 1, 9, 1, -8, 1};
    Tensor r = runIn(GetParam(), {a, b}, {pow(a, b)},
                     {Tensor::fromVector(as).astype(dt), Tensor::fromVector(bs).astype(dt)})[0];
    EXPECT_EQ(r.toDoubles(), want) << modeName(GetParam()) << " " << dtypeName(dt);
  }
}

TEST_P(ElemwiseRules, ClipIsMinimumOfMaximum) {
  // NumPy: clip(x, lo, hi) = minimum(maximum(x, lo), hi); lo > hi gives hi.
  Var x = vector("x"), lo = vector("lo"), hi = vector("hi");
  double nan = std::nan("");
  Tensor r = runIn(GetParam(), {x, lo, hi}, {clip(x, lo, hi)},
                   {Tensor::of({0.5, 2, -3, 0.7, nan, 0.5}), Tensor::of({1, 1, 1, 0, 0, nan}),
                    Tensor::of({0.5, 0.5, 0.5, 1, 1, 1})})[0];
  std::vector<double> v = r.toDoubles();
  EXPECT_EQ(v[0], 0.5) << modeName(GetParam());
  EXPECT_EQ(v[1], 0.5);
  EXPECT_EQ(v[2], 0.5);
  EXPECT_EQ(v[3], 0.7);
  EXPECT_TRUE(std::isnan(v[4]));
  EXPECT_TRUE(std::isnan(v[5]));
  Var xi = vector("xi", DType::Int64), li = vector("li", DType::Int64),
      hi2 = vector("hi", DType::Int64);
  Tensor ri = runIn(GetParam(), {xi, li, hi2}, {clip(xi, li, hi2)},
                    {Tensor::of({5, 0, 3}, DType::Int64), Tensor::of({1, 1, 4}, DType::Int64),
                     Tensor::of({3, 3, 2}, DType::Int64)})[0];
  EXPECT_EQ(ri.toVector<int64_t>(), (std::vector<int64_t>{3, 1, 2}));
}

TEST_P(ElemwiseRules, FloatToIntegerCastsSaturate) {
  // One rule for every integer cast: truncate; above the range -> max, below -> min, NaN -> min.
  double inf = INFINITY, nan = std::nan("");
  std::vector<double> in = {inf, 1e300, -inf, -1e300, nan, 3.7, -3.7, 3e9, -3e9};
  const int64_t i64max = std::numeric_limits<int64_t>::max(),
                i64min = std::numeric_limits<int64_t>::min();
  const int64_t i32max = std::numeric_limits<int32_t>::max(),
                i32min = std::numeric_limits<int32_t>::min();
  std::vector<int64_t> want64 = {i64max, i64max, i64min,     i64min,     i64min,
                                 3,      -3,     3000000000, -3000000000};
  std::vector<int64_t> want32 = {i32max, i32max, i32min, i32min, i32min, 3, -3, i32max, i32min};
  for (DType from : {DType::Float64, DType::Float32}) {
    Var x = vector("x", from);
    std::vector<Tensor> r = runIn(GetParam(), {x}, {cast(x, DType::Int64), cast(x, DType::Int32)},
                                  {Tensor::fromVector(in).astype(from)});
    std::vector<int64_t> got64 = r[0].toVector<int64_t>();
    std::vector<int32_t> got32 = r[1].toVector<int32_t>();
    EXPECT_EQ(got64, want64) << modeName(GetParam()) << " from " << dtypeName(from);
    // And printed as such (the maximum used to print as INT64_MIN, through a double).
    EXPECT_EQ(r[0].valuesStr(), "[9223372036854775807, 9223372036854775807, -9223372036854775808, "
                                "-9223372036854775808, -9223372036854775808, 3, -3, 3000000000, "
                                "-3000000000]");
    EXPECT_EQ(std::vector<int64_t>(got32.begin(), got32.end()), want32) << modeName(GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(BothModes, ElemwiseRules, ::testing::Values(Mode::Interpret, Mode::JIT),
                         [](const auto &info) { return std::string(modeName(info.param)); });
