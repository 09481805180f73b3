// The compiled schedule: small kernels deduplicated, host steps for ops without
// a lowering, the disk cache across processes (cold, warm, concurrent writers,
// corrupt and truncated entries, disabled, eviction), compiling from threads.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include "ProcessEnv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace graphjit;
namespace fs = std::filesystem;
using graphjit::testing::inChild;
using graphjit::testing::ScopedEnv;

namespace {
/// A fresh cache folder for one test.
std::string freshCacheDir(const std::string &name) {
  fs::path dir =
      fs::temp_directory_path() / ("graphjit-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir.string();
}

std::vector<fs::path> cacheFiles(const std::string &dir, const std::string &kind) {
  std::vector<fs::path> r;
  if (!fs::exists(dir)) return r;
  for (auto &e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(kind, 0) == 0) r.push_back(e.path());
  return r;
}

/// `depth` steps of tanh(x * a + b): a chain long enough to split into several kernels.
Var chain(Var x, int depth, double a, double b) {
  for (int i = 0; i < depth; ++i)
    x = tanh(x * a + b);
  return x;
}

/// Compiles the test graph (distinct per `salt`) and checks its value against the interpreter.
int compileAndCheck(double salt, bool expectScheduleFromDisk) {
  Var x = vector("x");
  Var y = chain(x, 40, 1.01, salt);
  size_t before = jitCompileCount();
  Function f = compile({x}, {y});
  const CompileStats &stats = f.compileStats();
  if (expectScheduleFromDisk && (!stats.scheduleFromDisk || jitCompileCount() != before)) return 10;
  Tensor in = Tensor::fromVector(std::vector<double>{-1.0, 0.0, 0.5, 2.0});
  Tensor got = f({in})[0];
  Tensor want = compile({x}, {y}, {}, Mode::Interpret)({in})[0];
  return allclose(got, want, 1e-12, 1e-12) ? 0 : 11;
}
} // namespace

TEST(Schedule, EqualKernelsCompileOnce) {
  ScopedEnv off("GRAPHJIT_CACHE", "off");
  Var x = vector("x"), y = vector("y");
  // Two chains of the same structure on different inputs: equal kernels.
  Var a = chain(x, 10, 1.5, 0.123456), b = chain(y, 10, 1.5, 0.123456);
  size_t before = jitCompileCount();
  Function f = compile({x, y}, {a, b});
  const CompileStats &stats = f.compileStats();
  EXPECT_GE(stats.kernels, 2u);
  EXPECT_LT(stats.uniqueKernels, stats.kernels);
  EXPECT_EQ(jitCompileCount() - before, stats.uniqueKernels);
  Tensor vx = Tensor::fromVector(std::vector<double>{0.1, -0.3}),
         vy = Tensor::fromVector(std::vector<double>{2.0, 1.0});
  auto got = f({vx, vy});
  auto want = compile({x, y}, {a, b}, {}, Mode::Interpret)({vx, vy});
  EXPECT_TRUE(allclose(got[0], want[0], 1e-12, 1e-12));
  EXPECT_TRUE(allclose(got[1], want[1], 1e-12, 1e-12));
}

TEST(Schedule, TwinLayersMergeTogether) {
  ScopedEnv off("GRAPHJIT_CACHE", "off");
  // Four equal layers and their gradients: the layers' kernels have equal twins, so each merges
  // only with its twins' matching neighbours and the merged copies still compile once (before: 44
  // steps, 14 distinct kernels; now 12 and 6).
  Var x = matrix("x");
  Var h = x;
  std::vector<Var> ws;
  for (int l = 0; l < 4; ++l) {
    ws.push_back(shared(Tensor::full(DType::Float64, {3, 3}, 0.1 * (l + 1)), "w"));
    Var z = tanh(dot(h, ws.back()));
    Var a = z(slice(), slice(0, 1));
    Var b = z(slice(), slice(1, 2)) * exp(2.0 * tanh(0.5 * a));
    h = concatenate({b, z(slice(), slice(2, 3)), a}, 1);
  }
  Var loss = sum(h * h);
  std::vector<Var> gs = grad(loss, ws);
  Updates up;
  for (size_t i = 0; i < ws.size(); ++i)
    up.push_back({ws[i], ws[i] - 0.01 * gs[i]});
  Function step = compile({x}, {loss}, up);
  EXPECT_LE(step.compileStats().steps, 16u);
  EXPECT_LE(step.compileStats().uniqueKernels, 8u);
  std::vector<Var> outs{loss};
  outs.insert(outs.end(), gs.begin(), gs.end());
  Tensor in = Tensor::fromVector(std::vector<double>{0.3, -0.2, 0.5, 1.0, 0.1, -0.7}, {2, 3});
  std::vector<Tensor> got = compile({x}, outs)({in}),
                      want = compile({x}, outs, {}, Mode::Interpret)({in});
  for (size_t i = 0; i < outs.size(); ++i)
    EXPECT_TRUE(allclose(got[i], want[i], 1e-12, 1e-12)) << i;
}

TEST(Schedule, LongChainSplitsIntoSmallKernels) {
  ScopedEnv off("GRAPHJIT_CACHE", "off");
  Var x = vector("x");
  Var y = chain(x, 200, 1.01, 0.0987);
  size_t before = jitCompileCount();
  Function f = compile({x}, {y});
  const CompileStats &stats = f.compileStats();
  EXPECT_GE(stats.kernels, 600u / 32);
  // Equal chunks of the chain share code: far fewer compiles than kernels.
  EXPECT_LE(jitCompileCount() - before, 6u);
  Tensor in = Tensor::fromVector(std::vector<double>{-2.0, 0.0, 0.3, 5.0});
  EXPECT_TRUE(allclose(f({in})[0], compile({x}, {y}, {}, Mode::Interpret)({in})[0], 1e-12, 1e-12));
}

namespace {
/// An op with a perform and a gradient but no lowering: x * x.
class HostSquare : public Op {
public:
  std::string name() const override { return "test_host_square"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    return {in.at(0)};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in.at(0)}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    std::vector<double> v = in[0].toDoubles();
    for (double &e : v)
      e *= e;
    return {Tensor::fromVector(v, in[0].shape()).astype(in[0].dtype())};
  }
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                        const std::vector<Var> &g) const override {
    return {g[0] * inputs[0] * 2.0};
  }
};
Var hostSquare(const Var &x) { return applyOp1(std::make_shared<HostSquare>(), {x}); }
} // namespace

TEST(Schedule, OpWithoutLoweringRunsAsHostStep) {
  Var x = vector("x");
  Var y = sum(exp(hostSquare(x * 0.5) + 1.0));
  Var g = grad(y, x);
  Function f = compile({x}, {y, g});
  EXPECT_GE(f.compileStats().hostSteps, 1u);
  EXPECT_EQ(f.mode(), Mode::JIT);
  Tensor in = Tensor::fromVector(std::vector<double>{-1.0, 0.25, 2.0});
  auto got = f({in});
  auto want = compile({x}, {y, g}, {}, Mode::Interpret)({in});
  EXPECT_TRUE(allclose(got[0], want[0], 1e-12, 1e-12));
  EXPECT_TRUE(allclose(got[1], want[1], 1e-12, 1e-12));
  // d/dx sum(exp(x^2/4 + 1)) = exp(x^2/4 + 1) * x / 2
  for (int64_t i = 0; i < 3; ++i) {
    double v = in.getAsDouble(i);
    EXPECT_NEAR(got[1].getAsDouble(i), std::exp(v * v / 4 + 1) * v / 2, 1e-12);
  }
}

TEST(DiskCache, SecondProcessLoadsTheSchedule) {
  std::string dir = freshCacheDir("warm");
  ScopedEnv env("GRAPHJIT_CACHE_DIR", dir);
  ScopedEnv on("GRAPHJIT_CACHE", "on");
  EXPECT_EQ(inChild([] { return compileAndCheck(0.3141, false); }), 0);
  EXPECT_EQ(cacheFiles(dir, "schedule").size(), 1u);
  EXPECT_GE(cacheFiles(dir, "kernel").size(), 1u);
  EXPECT_EQ(inChild([] { return compileAndCheck(0.3141, true); }), 0);
  fs::remove_all(dir);
}

TEST(DiskCache, ConcurrentWritersAgree) {
  std::string dir = freshCacheDir("concurrent");
  ScopedEnv env("GRAPHJIT_CACHE_DIR", dir);
  ScopedEnv on("GRAPHJIT_CACHE", "on");
  std::vector<pid_t> kids;
  for (int k = 0; k < 3; ++k) {
    pid_t pid = fork();
    if (pid == 0) std::_Exit(compileAndCheck(0.2718, false));
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(cacheFiles(dir, "schedule").size(), 1u);
  EXPECT_EQ(cacheFiles(dir, ".tmp").size(), 0u);
  EXPECT_EQ(inChild([] { return compileAndCheck(0.2718, true); }), 0);
  fs::remove_all(dir);
}

TEST(DiskCache, CorruptAndTruncatedEntriesAreRecompiled) {
  std::string dir = freshCacheDir("corrupt");
  ScopedEnv env("GRAPHJIT_CACHE_DIR", dir);
  ScopedEnv on("GRAPHJIT_CACHE", "on");
  ASSERT_EQ(inChild([] { return compileAndCheck(0.5772, false); }), 0);
  auto kernels = cacheFiles(dir, "kernel"), modules = cacheFiles(dir, "module");
  ASSERT_GE(kernels.size(), 2u);
  ASSERT_GE(modules.size(), 1u);
  // A kernel entry truncated, and a flipped byte in a module's object code.
  fs::resize_file(kernels[0], fs::file_size(kernels[0]) / 2);
  {
    std::fstream f(modules[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(modules[0]) - 100));
    f.put(static_cast<char>(f.peek() ^ 0x5a));
  }
  int code = inChild([] {
    Var x = vector("x");
    Var y = chain(x, 40, 1.01, 0.5772);
    size_t before = jitCompileCount();
    Function f = compile({x}, {y});
    if (jitCompileCount() == before) return 20; // the damaged entries were compiled again
    Tensor in = Tensor::fromVector(std::vector<double>{0.5, -0.5});
    return allclose(f({in})[0], compile({x}, {y}, {}, Mode::Interpret)({in})[0], 1e-12, 1e-12) ? 0
                                                                                               : 21;
  });
  EXPECT_EQ(code, 0);
  fs::remove_all(dir);
}

TEST(DiskCache, OffWritesNothing) {
  std::string dir = freshCacheDir("off");
  ScopedEnv env("GRAPHJIT_CACHE_DIR", dir);
  ScopedEnv off("GRAPHJIT_CACHE", "off");
  EXPECT_EQ(compileAndCheck(0.6931, false), 0);
  EXPECT_TRUE(cacheFiles(dir, "").empty());
  fs::remove_all(dir);
}

TEST(DiskCache, EvictsLeastRecentlyUsedAtTheBound) {
  std::string dir = freshCacheDir("evict");
  ScopedEnv env("GRAPHJIT_CACHE_DIR", dir);
  ScopedEnv on("GRAPHJIT_CACHE", "on");
  const uint64_t bound = 60000;
  ScopedEnv max("GRAPHJIT_CACHE_MAX_BYTES", std::to_string(bound));
  for (int k = 0; k < 8; ++k)
    EXPECT_EQ(compileAndCheck(1.0 + 0.01 * k, false), 0);
  uint64_t total = 0;
  for (auto &p : cacheFiles(dir, ""))
    total += fs::file_size(p);
  EXPECT_LE(total, bound);
  EXPECT_GT(total, 0u);
  fs::remove_all(dir);
}

TEST(Schedule, CompilingFromFourThreadsIsSafe) {
  ScopedEnv off("GRAPHJIT_CACHE", "off");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &failures] {
      // Threads 0 and 1 compile the same graph; 2 and 3 graphs of their own.
      double b = t < 2 ? 0.4242 : 0.5 + t;
      if (compileAndCheck(b, false) != 0) ++failures;
    });
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Schedule, KernelsNoFunctionUsesAreUnlinked) {
  ScopedEnv off("GRAPHJIT_CACHE", "off");
  size_t before = jitLinkedModuleCount();
  {
    std::vector<Function> fs;
    for (int k = 0; k < 60; ++k) {
      Var x = vector("x");
      fs.push_back(compile({x}, {exp(x) * (3.0 + 0.001 * k)}));
    }
    EXPECT_GE(jitLinkedModuleCount(), 60u);
  }
  // Each distinct graph used to keep its code (630 KB) for the life of the process; now only the
  // 16 most recent schedules stay (so a rebuilt graph is still a memory hit), the rest are
  // unlinked.
  EXPECT_LE(jitLinkedModuleCount(), before + 16);
}

TEST(Schedule, ThousandsOfScalarArgumentsCostLinearly) {
  ScopedEnv off("GRAPHJIT_CACHE", "off");
  // 4,000 scalar inputs summed one by one took 22 s and 0.9 GB to compile as one function.
  std::vector<Var> xs;
  Var total;
  for (int i = 0; i < 4000; ++i) {
    xs.push_back(scalar("a" + std::to_string(i)));
    total = i ? total + xs.back() : xs.back();
  }
  Function f = compile(xs, {total}, {}, CompileOptions{Mode::JIT, ""});
  // Small kernels of a bounded size, deduplicated: the work per argument is constant.
  EXPECT_GE(f.compileStats().kernels, 4000u / 32);
  EXPECT_LE(f.compileStats().uniqueKernels, 4u); // equal chunks of the chain share code
  std::vector<Tensor> args;
  for (int i = 0; i < 4000; ++i)
    args.push_back(Tensor::scalar(i * 0.5));
  EXPECT_DOUBLE_EQ(f(args)[0].item(), 0.5 * 3999 * 4000 / 2);
}
