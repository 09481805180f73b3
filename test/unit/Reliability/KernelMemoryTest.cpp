// Issue 25 item 2: a compiled kernel whose intermediate cannot be allocated raises the
// interpreter's "out of memory" error (it once wrote through the null pointer malloc returned).
#include "Both.h"

#include "JIT/ProcessEnv.h"

#include <unistd.h>

using namespace graphjit;
using graphjit::testing::inChild;
using graphjit::testing::modeName;
using graphjit::testing::runIn;

namespace {
/// 0 when running `outputs` in `mode` throws Error starting with the interpreter's message.
int expectOutOfMemory(Mode mode, const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                      const std::vector<Tensor> &args) {
  return inChild([&] {
    alarm(120); // a kernel that ran instead of failing would take hours
    try {
      runIn(mode, inputs, outputs, args);
    } catch (const Error &e) {
      return std::string(e.what()).rfind("Tensor: out of memory: cannot allocate ", 0) == 0 ? 0 : 5;
    }
    return 4;
  });
}
} // namespace

TEST(KernelMemory, HugeIntermediateRaisesOutOfMemoryInBothModes) {
  // 2^40 doubles (8 TiB): no machine has them; the gather keeps the arange materialized.
  Var i = vector("i", DType::Int64);
  Var y = take(arange(0.0, 1099511627776.0, 1.0, DType::Float64), i);
  Tensor vi = Tensor::fromVector(std::vector<int64_t>{0, 5});
  for (Mode mode : {Mode::Interpret, Mode::JIT})
    EXPECT_EQ(expectOutOfMemory(mode, {i}, {y}, {vi}), 0) << modeName(mode);
}

TEST(KernelMemory, HugeEyeInsideAProductRaisesOutOfMemory) {
  // eye(2^20) is 8 TiB of doubles, an operand of the product.
  Var v = vector("v");
  Var y = matmul(eye(int64_t{1} << 20), v);
  Tensor vv = Tensor::zeros(DType::Float64, {int64_t{1} << 20});
  for (Mode mode : {Mode::Interpret, Mode::JIT})
    EXPECT_EQ(expectOutOfMemory(mode, {v}, {y}, {vv}), 0) << modeName(mode);
}
