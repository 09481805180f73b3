// Issue 25 item 3: an op without a lowering whose perform returns its input (a view of the
// caller's buffer) runs as a host step; its output must still be a buffer of its own in both
// modes, so writing into it never changes the caller's tensor.
#include "Both.h"

using namespace graphjit;
using graphjit::testing::modeName;
using graphjit::testing::runIn;

namespace {
class HostIdentity : public Op {
public:
  std::string name() const override { return "test_host_identity"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    return {in.at(0)};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in.at(0)}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override { return {in[0]}; }
};
Var hostIdentity(const Var &x) { return applyOp1(std::make_shared<HostIdentity>(), {x}); }
} // namespace

TEST(HostAlias, OutputsNeverShareTheCallersBuffer) {
  Var x = vector("x");
  // Once directly, once as two outputs of the same value, once beside a computed output.
  std::vector<Var> outs = {hostIdentity(x), hostIdentity(x), x * 2.0};
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    Tensor arg = Tensor::fromVector(std::vector<double>{1.0, 2.0});
    std::vector<Tensor> got = runIn(mode, {x}, outs, {arg});
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_FALSE(got[k].sharesBuffer(arg)) << modeName(mode) << " output " << k;
      for (size_t j = 0; j < k; ++j)
        EXPECT_FALSE(got[k].sharesBuffer(got[j]))
            << modeName(mode) << " outputs " << j << ", " << k;
    }
    got[0].data<double>()[0] = 99.0;
    EXPECT_EQ(arg.getAsDouble(0), 1.0) << modeName(mode);
    EXPECT_EQ(got[1].getAsDouble(0), 1.0) << modeName(mode);
  }
}
