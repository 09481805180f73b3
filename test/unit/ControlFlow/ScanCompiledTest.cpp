// scan compiled as one loop kernel (scf.for / scf.while): values equal the interpreter's,
// and the steps run inside one compiled call (jitLoopCallCount), or as a host loop when
// the body has host steps.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
/// Runs `outputs` interpreted and JIT-compiled; expects equal shapes and values.
/// Returns the JIT's loop calls during the run.
size_t expectSameInBothModes(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                             const std::vector<Tensor> &values) {
  Function interp = compile(inputs, outputs, {}, Mode::Interpret);
  Function jit = compile(inputs, outputs, {}, Mode::JIT);
  std::vector<Tensor> want = interp(values);
  size_t before = jitLoopCallCount();
  std::vector<Tensor> got = jit(values);
  size_t loops = jitLoopCallCount() - before;
  EXPECT_EQ(got.size(), want.size());
  for (size_t o = 0; o < want.size() && o < got.size(); ++o) {
    EXPECT_EQ(got[o].shape(), want[o].shape()) << "output " << o;
    if (got[o].shape() != want[o].shape()) continue;
    std::vector<double> g = got[o].toDoubles(), w = want[o].toDoubles();
    for (size_t k = 0; k < w.size(); ++k)
      EXPECT_NEAR(g[k], w[k], 1e-12 * (1 + std::abs(w[k]))) << "output " << o << " element " << k;
  }
  return loops;
}
} // namespace

TEST(ScanCompiled, SequenceStateAndPerStepOutput) {
  Var xs = vector("xs");
  ScanResult r =
      scan([](const std::vector<Var> &a) { return StepResult({a[0] + a[1], a[0] * a[1]}); }, {xs},
           {OutputInfo(constant(0.0)), OutputInfo()});
  size_t loops = expectSameInBothModes({xs}, {r.outputs[0], r.outputs[1]},
                                       {Tensor::of({1.0, -2.0, 3.5, 4.0, 0.25})});
  EXPECT_EQ(loops, 1u);
}

TEST(ScanCompiled, PastTapsWithSymbolicSteps) {
  Var init = vector("init"), n = scalar("n", DType::Int64);
  ScanResult r = scan([](const std::vector<Var> &a) { return StepResult({a[0] + 0.5 * a[1]}); }, {},
                      {OutputInfo(init, {-2, -1})}, {}, n);
  for (int64_t steps : {0, 1, 7}) {
    size_t loops = expectSameInBothModes(
        {init, n}, {r.outputs[0]},
        {Tensor::of({0.0, 1.0, 2.0}), Tensor::scalar(static_cast<double>(steps), DType::Int64)});
    EXPECT_EQ(loops, 1u) << steps;
  }
  Tensor v = compile({init, n}, {r.outputs[0]}, {},
                     Mode::JIT)({Tensor::of({0.0, 1.0}), Tensor::scalar(4, DType::Int64)})[0];
  EXPECT_EQ(v.toDoubles(), (std::vector<double>{0.5, 1.25, 1.125, 1.8125}));
}

TEST(ScanCompiled, UntilStopsInsideTheKernel) {
  Var x0 = scalar("x0"), limit = scalar("limit");
  ScanResult r = scan(
      [&](const std::vector<Var> &v) {
        Var next = v[0] * 2.0;
        return StepResult({next, next - 1.0}, next > limit);
      },
      {}, {OutputInfo(x0), OutputInfo()}, {}, 1000);
  size_t loops = expectSameInBothModes({x0, limit}, {r.outputs[0], r.outputs[1], r.last(0)},
                                       {Tensor::scalar(1), Tensor::scalar(100)});
  EXPECT_EQ(loops, 1u);
  Tensor v = compile({x0, limit}, {r.outputs[0]}, {},
                     Mode::JIT)({Tensor::scalar(1), Tensor::scalar(100)})[0];
  EXPECT_EQ(v.toDoubles(), (std::vector<double>{2, 4, 8, 16, 32, 64, 128}));
  // Stopped by n_steps before the condition holds.
  expectSameInBothModes({x0, limit}, {r.outputs[0]}, {Tensor::scalar(1), Tensor::scalar(1e300)});
}

TEST(ScanCompiled, MatrixRowsAndAMatrixNonSequence) {
  Var W = matrix("W"), xs = matrix("xs"), h0 = vector("h0");
  ScanResult r =
      scan([&](const std::vector<Var> &a) { return StepResult({tanh(dot(W, a[1]) + a[0])}); }, {xs},
           {OutputInfo(h0)}, {});
  std::vector<double> w, x;
  for (int k = 0; k < 9; ++k)
    w.push_back(0.1 * (k % 4) - 0.15);
  for (int k = 0; k < 15; ++k)
    x.push_back(0.3 * ((k * 7) % 5) - 0.5);
  size_t loops = expectSameInBothModes(
      {W, xs, h0}, {r.outputs[0], r.last(0)},
      {Tensor::fromVector(w, {3, 3}), Tensor::fromVector(x, {5, 3}), Tensor::of({0.1, 0.2, -0.3})});
  EXPECT_GE(loops, 1u);
}

TEST(ScanCompiled, ReverseScanOfTheGradient) {
  Var a = scalar("a"), x0 = scalar("x0"), n = scalar("n", DType::Int64);
  ScanResult r = scan([&](const std::vector<Var> &v) { return StepResult({a * v[0] + sin(v[0])}); },
                      {}, {OutputInfo(x0)}, {}, n);
  Var loss = sum(r.outputs[0]);
  std::vector<Var> g = grad(loss, {a, x0});
  size_t loops = expectSameInBothModes(
      {a, x0, n}, {loss, g[0], g[1]},
      {Tensor::scalar(0.5), Tensor::scalar(0.3), Tensor::scalar(20, DType::Int64)});
  EXPECT_GE(loops, 2u); // the forward and the reverse scan
}

TEST(ScanCompiled, BodyWithAHostStepKeepsTheHostLoop) {
  // A nested scan is a host step of the outer body: the outer loop stays on the host.
  Var xs = vector("xs");
  ScanResult r = scan(
      [](const std::vector<Var> &a) {
        ScanResult inner = scan([](const std::vector<Var> &b) { return StepResult({b[0] * 1.5}); },
                                {}, {OutputInfo(a[0])}, {}, 3);
        return StepResult({inner.last(0) + a[1]});
      },
      {xs}, {OutputInfo(constant(1.0))});
  expectSameInBothModes({xs}, {r.outputs[0]}, {Tensor::of({1.0, 2.0, 3.0})});
  Tensor v = compile({xs}, {r.outputs[0]}, {}, Mode::JIT)({Tensor::of({1.0, 2.0})})[0];
  EXPECT_EQ(v.toDoubles(), (std::vector<double>{4.375, 11.125}));
}

TEST(ScanCompiled, VectorStatesWithTapsAndUntilUseTheTensorLoop) {
  // Vector states: the loop carries tensors (not scalars) between steps.
  Var init = matrix("init"), xs = matrix("xs"), limit = scalar("limit");
  ScanResult r = scan(
      [&](const std::vector<Var> &a) {
        Var next = a[1] * 0.5 + a[2] + a[0];
        return StepResult({next, sum(next)}, sum(next) > limit);
      },
      {xs}, {OutputInfo(init, {-2, -1}), OutputInfo()});
  std::vector<double> x;
  for (int k = 0; k < 12; ++k)
    x.push_back(0.25 * k - 1.0);
  Tensor initV = Tensor::of({{1.0, 0.0, -1.0}, {0.5, 0.5, 0.5}});
  for (double stop : {1e9, 3.0}) {
    size_t loops =
        expectSameInBothModes({init, xs, limit}, {r.outputs[0], r.outputs[1], r.last(0)},
                              {initV, Tensor::fromVector(x, {4, 3}), Tensor::scalar(stop)});
    EXPECT_EQ(loops, 1u) << stop;
  }
}

TEST(ScanCompiled, ReverseVectorScanOfTheGradient) {
  Var W = matrix("W"), h0 = vector("h0");
  ScanResult r = scan([&](const std::vector<Var> &a) { return StepResult({tanh(dot(W, a[0]))}); },
                      {}, {OutputInfo(h0)}, {}, 6);
  Var loss = sum(sqr(r.outputs[0]));
  std::vector<Var> g = grad(loss, {W, h0});
  size_t loops =
      expectSameInBothModes({W, h0}, {loss, g[0], g[1]},
                            {Tensor::of({{0.5, -0.2}, {0.3, 0.8}}), Tensor::of({0.4, -0.7})});
  EXPECT_GE(loops, 2u);
}
