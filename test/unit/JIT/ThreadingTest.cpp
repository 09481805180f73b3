// Large kernels split by rows across threads: results with 1, 2 and 4 threads
// equal the interpreter's, two runs with the same count are bitwise equal, and
// small kernels stay on the calling thread.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace graphjit;

namespace {
Tensor randomVector(int64_t n, double lo, double hi, unsigned seed, Shape shape = {}) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<size_t>(n));
  for (double &e : v)
    e = u(rng);
  return Tensor::fromVector(v, shape.empty() ? Shape{n} : shape);
}

bool bitwiseEqual(const Tensor &a, const Tensor &b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.rawData(), b.rawData(),
                     static_cast<size_t>(a.size()) * dtypeSize(a.dtype())) == 0;
}

Function compileWithThreads(const std::vector<Var> &in, const std::vector<Var> &out, int threads) {
  CompileOptions o;
  o.numThreads = threads;
  return compile(in, out, {}, o);
}
} // namespace

TEST(Threading, FusedChainAgreesForEveryThreadCount) {
  Var x = vector("x"), y = vector("y"), z = vector("z");
  Var out = exp(x) * y + log1p(z * z);
  const int64_t n = 300001; // above the threshold, not a multiple of the thread count
  std::vector<Tensor> args{randomVector(n, -3, 3, 1), randomVector(n, -1, 1, 2),
                           randomVector(n, -5, 5, 3)};
  Tensor want = compile({x, y, z}, {out}, {}, Mode::Interpret)(args)[0];
  for (int threads : {1, 2, 4}) {
    Function f = compileWithThreads({x, y, z}, {out}, threads);
    size_t before = jitSplitCallCount();
    Tensor a = f(args)[0], b = f(args)[0];
    EXPECT_EQ(jitSplitCallCount() - before, threads > 1 ? 2u : 0u) << threads << " threads";
    EXPECT_TRUE(allclose(a, want, 1e-12, 1e-12)) << threads << " threads";
    EXPECT_TRUE(bitwiseEqual(a, b)) << threads << " threads: two runs differ";
  }
}

TEST(Threading, RowLogSumExpAgreesForEveryThreadCount) {
  Var m = matrix("m");
  Var out = logsumexp(m, 1);
  Tensor v = randomVector(2000 * 97, -50, 50, 4, {2000, 97});
  Tensor want = compile({m}, {out}, {}, Mode::Interpret)({v})[0];
  for (int threads : {1, 2, 4}) {
    Function f = compileWithThreads({m}, {out}, threads);
    size_t before = jitSplitCallCount();
    Tensor a = f({v})[0], b = f({v})[0];
    EXPECT_GE(jitSplitCallCount() - before, threads > 1 ? 2u : 0u) << threads << " threads";
    EXPECT_TRUE(allclose(a, want, 1e-12, 1e-12)) << threads << " threads";
    EXPECT_TRUE(bitwiseEqual(a, b)) << threads << " threads";
  }
}

TEST(Threading, SmallKernelsStayOnTheCallingThread) {
  Var x = vector("x");
  Function f = compileWithThreads({x}, {exp(x) * 2.0 + 1.0}, 4);
  size_t before = jitSplitCallCount();
  Tensor small = randomVector(1000, -1, 1, 5);
  Tensor got = f({small})[0];
  EXPECT_EQ(jitSplitCallCount(), before);
  EXPECT_TRUE(allclose(got, compile({x}, {exp(x) * 2.0 + 1.0}, {}, Mode::Interpret)({small})[0],
                       1e-12, 1e-12));
}

TEST(Threading, FullReductionsAreNotSplit) {
  Var x = vector("x");
  Var s = sum(exp(x));
  Function f = compileWithThreads({x}, {s}, 4);
  Tensor big = randomVector(200000, -1, 1, 6);
  size_t before = jitSplitCallCount();
  Tensor got = f({big})[0];
  EXPECT_EQ(jitSplitCallCount(), before); // a sum over axis 0 needs every row: one thread
  EXPECT_NEAR(got.item(), compile({x}, {s}, {}, Mode::Interpret)({big})[0].item(), 1e-9 * 200000);
}
