// Item 8: int64 values above 2^53 stay exact end to end: constants, text IR,
// the kernel cache key, lowering, results, and --arg style literals.
#include "Both.h"

#include <limits>

using namespace graphjit;
using graphjit::testing::modeName;
using graphjit::testing::runIn;

namespace {
const int64_t k53 = int64_t(1) << 53;
Var int64Constant(int64_t v) {
  return constant(Tensor::fromVector(std::vector<int64_t>{v}, Shape{}));
}
} // namespace

class Int64Exact : public ::testing::TestWithParam<Mode> {};

TEST_P(Int64Exact, ConstantAboveTwoToThe53) {
  Var x = scalar("x", DType::Int64);
  Tensor zero = Tensor::fromVector(std::vector<int64_t>{0}, Shape{});
  Tensor r = runIn(GetParam(), {x}, {x + int64Constant(k53 + 1)}, {zero})[0];
  EXPECT_EQ(r.toVector<int64_t>()[0], k53 + 1) << modeName(GetParam());
  // The same through a rank-1 (non-splat) constant.
  Var v = vector("v", DType::Int64);
  Var c = constant(Tensor::fromVector(std::vector<int64_t>{k53 + 1, k53 + 3}));
  Tensor r2 = runIn(GetParam(), {v}, {v + c}, {Tensor::fromVector(std::vector<int64_t>{0, 1})})[0];
  EXPECT_EQ(r2.toVector<int64_t>(), (std::vector<int64_t>{k53 + 1, k53 + 4}));
}

TEST_P(Int64Exact, KernelCacheTellsNearbyConstantsApart) {
  // x + (2^53+3) and x + (2^53+4) were one cache entry when constants passed through a double.
  Var x = scalar("x", DType::Int64);
  Tensor zero = Tensor::fromVector(std::vector<int64_t>{0}, Shape{});
  for (int64_t c : {k53 + 3, k53 + 4, k53 + 3}) {
    Var y = scalar("x", DType::Int64);
    Tensor r = compile({y}, {y + int64Constant(c)}, {}, GetParam())({zero})[0];
    EXPECT_EQ(r.toVector<int64_t>()[0], c) << modeName(GetParam());
  }
  (void)x;
}

INSTANTIATE_TEST_SUITE_P(BothModes, Int64Exact, ::testing::Values(Mode::Interpret, Mode::JIT),
                         [](const auto &info) { return std::string(modeName(info.param)); });

TEST(Int64Text, PrintsAndParsesBackExactly) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  Var x = scalar("x", DType::Int64);
  Var y = x + int64Constant(big) + int64Constant(k53 + 1) +
          int64Constant(std::numeric_limits<int64_t>::min());
  std::string text = printFunction({"f", {x}, {y}});
  EXPECT_NE(text.find("9223372036854775807"), std::string::npos) << text;
  EXPECT_NE(text.find("9007199254740993"), std::string::npos) << text;
  EXPECT_NE(text.find("-9223372036854775808"), std::string::npos) << text;
  EXPECT_EQ(printFunction(parseFunction(text)), text);
  Tensor t = Tensor::fromVector(std::vector<int64_t>{big, k53 + 1});
  EXPECT_EQ(t.str(), "i64[2] [9223372036854775807, 9007199254740993]");
}

TEST(Int64Text, LiteralsAreNeverClampedOrRounded) {
  EXPECT_EQ(parseTensorLiteral("9007199254740993", DType::Int64).toVector<int64_t>()[0], k53 + 1);
  EXPECT_EQ(parseTensorLiteral("-9223372036854775808", DType::Int64).toVector<int64_t>()[0],
            std::numeric_limits<int64_t>::min());
  EXPECT_THROW(parseTensorLiteral("9223372036854775808", DType::Int64), ValueError);
  EXPECT_THROW(parseTensorLiteral("2147483648", DType::Int32), ValueError);
  EXPECT_THROW(parseTensorLiteral("1e19", DType::Int64), ValueError);
  EXPECT_THROW(parseTensorLiteral("1e300", DType::Float32), ValueError);
  EXPECT_THROW(parseTensorLiteral("1.5", DType::Int64), ValueError);
  EXPECT_EQ(parseTensorLiteral("[2.0, 1e3]", DType::Int32).toVector<int32_t>(),
            (std::vector<int32_t>{2, 1000}));
  try {
    parseTensorLiteral("[1, 2147483648]", DType::Int32);
    FAIL();
  } catch (const ValueError &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("out of range for i32"), std::string::npos) << m;
  }
}
