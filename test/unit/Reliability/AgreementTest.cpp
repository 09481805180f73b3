// Issue 25 items 4, 9, 10, 11: where the interpreter and the JIT disagreed (or the interpreter
// overflowed a signed integer), both now give NumPy's answer. Reference values from NumPy.
#include "Both.h"

#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Reduce.h"

#include <cmath>

using namespace graphjit;
using graphjit::testing::modeName;
using graphjit::testing::runIn;

namespace {
Tensor bools(const std::vector<int64_t> &v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return Tensor::fromVector(v, shape).astype(DType::Bool);
}
std::vector<int64_t> asInts(const Tensor &t) {
  std::vector<int64_t> r;
  for (int64_t k = 0; k < t.size(); ++k)
    r.push_back(t.getAsInt64(k));
  return r;
}
} // namespace

// Item 4: int64 products wrap (UBSan flagged the interpreter's signed overflow).
TEST(Agreement, Int64MatmulWraps) {
  Var a = matrix("a", DType::Int64), b = matrix("b", DType::Int64);
  int64_t big = int64_t{1} << 62, lowest = std::numeric_limits<int64_t>::min();
  Tensor va = Tensor::fromVector(std::vector<int64_t>{big, big, 3, lowest}, {2, 2}),
         vb = Tensor::fromVector(std::vector<int64_t>{2, 5, 2, 7}, {2, 2});
  for (Mode mode : {Mode::Interpret, Mode::JIT})
    EXPECT_EQ(asInts(runIn(mode, {a, b}, {matmul(a, b)}, {va, vb})[0]),
              (std::vector<int64_t>{0, 0, 6, -9223372036854775793}))
        << modeName(mode);
}

// Item 9: bool orders false < true: min is all, max is any.
TEST(Agreement, BoolMinMaxAreAllAndAny) {
  Var x = matrix("x", DType::Bool);
  Tensor vx = bools({0, 1, 1, 1, 0, 0}, {3, 2});
  std::vector<Var> outs = {min(x),
                           max(x),
                           min(x, int64_t{1}),
                           max(x, int64_t{1}),
                           min(x, int64_t{0}),
                           max(x, int64_t{0})};
  std::vector<std::vector<int64_t>> want = {{0}, {1}, {0, 1, 0}, {1, 1, 0}, {0, 0}, {1, 1}};
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    auto got = runIn(mode, {x}, outs, {vx});
    for (size_t k = 0; k < outs.size(); ++k) {
      EXPECT_EQ(got[k].dtype(), DType::Bool);
      EXPECT_EQ(asInts(got[k]), want[k]) << modeName(mode) << " output " << k;
    }
  }
}

// Item 10: increments of bool are or (true + true is true), never xor.
TEST(Agreement, BoolIncrementsAreOr) {
  Var x = vector("x", DType::Bool), y = vector("y", DType::Bool), i = vector("i", DType::Int64);
  std::vector<Var> outs = {inc_subtensor(x, {IndexEntry::slice(0, 2)}, y), inc_take(x, i, y)};
  Tensor vx = bools({1, 0, 0}), vy = bools({1, 1});
  Tensor vi = Tensor::fromVector(std::vector<int64_t>{0, 0}); // repeated: two trues into x[0]
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    auto got = runIn(mode, {x, y, i}, outs, {vx, vy, vi});
    EXPECT_EQ(asInts(got[0]), (std::vector<int64_t>{1, 1, 0})) << modeName(mode);
    EXPECT_EQ(asInts(got[1]), (std::vector<int64_t>{1, 0, 0})) << modeName(mode);
  }
}

// Item 11: log1p of huge x is log(x), not inf.
TEST(Agreement, Log1pOfHugeValuesIsFinite) {
  Var x = vector("x"), xf = vector("xf", DType::Float32);
  Tensor vx = Tensor::fromVector(std::vector<double>{1e306, 1.7e308, 1e-300, -0.5, INFINITY});
  Tensor vf = Tensor::fromVector(std::vector<double>{1e37, 3e38}).astype(DType::Float32);
  std::vector<double> want = {704.591038456178, 709.7268368932282, 1e-300, std::log1p(-0.5),
                              INFINITY};
  std::vector<double> wantF = {85.19565, 88.59685};
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    auto got = runIn(mode, {x, xf}, {log1p(x), log1p(xf)}, {vx, vf});
    for (size_t k = 0; k < want.size(); ++k)
      EXPECT_DOUBLE_EQ(got[0].getAsDouble(static_cast<int64_t>(k)), want[k])
          << modeName(mode) << " " << k;
    for (size_t k = 0; k < wantF.size(); ++k)
      EXPECT_FLOAT_EQ(static_cast<float>(got[1].getAsDouble(static_cast<int64_t>(k))),
                      static_cast<float>(wantF[k]))
          << modeName(mode) << " f32 " << k;
  }
}
