// Issue 25 item 13: rewrites that remove a computation do not remove the run-time checks it would
// have made. Each graph fails when run without rewrites; it must fail the same way under fast_run,
// in both modes.
#include "Both.h"

#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/Shape.h"

using namespace graphjit;
using graphjit::testing::modeName;

namespace {
/// The error message running `outputs` gives with `rewrites` in `mode` ("" when it runs).
std::string errorOf(Mode mode, const std::string &rewrites, const std::vector<Var> &inputs,
                    const std::vector<Var> &outputs, const std::vector<Tensor> &args) {
  CompileOptions o;
  o.mode = mode;
  o.rewrites = rewrites;
  try {
    compile(inputs, outputs, {}, o)(args);
  } catch (const Error &e) {
    return e.what();
  }
  return "";
}

void expectSameError(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                     const std::vector<Tensor> &args, const std::string &contains) {
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    std::string raw = errorOf(mode, "", inputs, outputs, args);
    std::string fast = errorOf(mode, "fast_run", inputs, outputs, args);
    EXPECT_NE(raw.find(contains), std::string::npos) << modeName(mode) << ": " << raw;
    EXPECT_NE(fast.find(contains), std::string::npos) << modeName(mode) << " fast_run: " << fast;
  }
}
} // namespace

TEST(RewriteChecks, ZeroSubKeepsTheDroppedOperandsCheck) {
  // local_zero_sub: zeros_like(inv(a)) - x once became -x, and inv never said a is not square.
  Var a = matrix("a"), x = matrix("x");
  Tensor va = Tensor::zeros(DType::Float64, {2, 3}), vx = Tensor::zeros(DType::Float64, {2, 3});
  expectSameError({a, x}, {zeros_like(inv(a)) - x}, {va, vx}, "expected a square matrix");
}

TEST(RewriteChecks, AddAndMulZeroKeepTheSizeCheck) {
  // local_add_zero / local_mul_zero: x + zeros_like(y) and x * zeros_like(y) with len(x) != len(y).
  Var x = vector("x"), y = vector("y");
  Tensor vx = Tensor::zeros(DType::Float64, {3}), vy = Tensor::zeros(DType::Float64, {4});
  expectSameError({x, y}, {x + zeros_like(y)}, {vx, vy}, "3");
  expectSameError({x, y}, {x * zeros_like(y)}, {vx, vy}, "3");
  expectSameError({x, y}, {zeros_like(y) - x}, {vx, vy}, "3");
}

TEST(RewriteChecks, ShapeOfATakeKeepsTheIndexCheck) {
  // local_shape_pushdown: shape(take(x, i)) of static types once became a constant.
  Var x = tensor("x", DType::Float64, {3}), i = tensor("i", DType::Int64, {2});
  Tensor vx = Tensor::zeros(DType::Float64, {3});
  Tensor vi = Tensor::fromVector(std::vector<int64_t>{0, 7});
  expectSameError({x, i}, {shape(take(x, i))}, {vx, vi}, "index 7 is out of");
}
