// A graph holding a random variable through every stage the op registry opens:
// it prints, parses back, compiles, and a second process reloads its schedule
// from the disk cache and draws the same values from the same generator state.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include "ProcessEnv.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sys/wait.h>
#include <unistd.h>

using namespace graphjit;
namespace fs = std::filesystem;
using graphjit::testing::inChild;
using graphjit::testing::ScopedEnv;

namespace {
size_t schedulesIn(const std::string &dir) {
  size_t n = 0;
  if (fs::exists(dir))
    for (auto &e : fs::directory_iterator(dir))
      n += e.path().filename().string().rfind("schedule", 0) == 0;
  return n;
}

/// Parses `text`, compiles it and checks the draws against `want` (exactly: same seed, same draws).
/// Exit codes: 10 the schedule did not come from disk when expected, 11 wrong values.
int parseCompileAndCheck(const std::string &text, const Tensor &in, const Tensor &state,
                         const Tensor &want, bool expectFromDisk) {
  TextFunction fn = parseFunction(text);
  size_t before = jitCompileCount();
  Function f = compile(fn.inputs, fn.outputs);
  const CompileStats &stats = f.compileStats();

  if (expectFromDisk && (!stats.scheduleFromDisk || jitCompileCount() != before)) return 10;
  if (f.mode() != Mode::JIT) return 12;
  return allclose(f({in, state, Tensor::zeros(DType::Int64, {0})})[0], want, 0, 0) ? 0 : 11;
}
} // namespace

TEST(DiskCache, RandomVariableGraphPrintsParsesCompilesAndReloads) {
  std::string dir =
      (fs::temp_directory_path() / ("graphjit-test-rv-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  ScopedEnv env("GRAPHJIT_CACHE_DIR", dir);
  ScopedEnv on("GRAPHJIT_CACHE", "on");

  Var x = vector("x");
  Var g = Var::input(rngType(), "g");
  // The size is an input too: a constant feeding a host step keeps the schedule in memory only.
  Var size = tensor(DType::Int64, {0}, "size");
  // sigma is computed by a kernel: a constant feeding a host step has no text form in a stored
  // schedule yet (lib/JIT keeps such schedules in memory only).
  Var y = exp(normal(g, size, x, abs(x) * 0.5 + 1.0) * 0.5) + x;
  std::string text = printFunction(TextFunction{"draw", {x, g, size}, {y}});
  ASSERT_NE(text.find("rv_normal(%g"), std::string::npos) << text;
  EXPECT_EQ(printFunction(parseFunction(text)), text);

  Tensor in = Tensor::of({-1.0, 0.0, 0.5, 2.0});
  Tensor state = randomGeneratorValue(7, {1, 0, 0, 0});
  Tensor want = evaluate(y, {{x, in}, {g, state}, {size, Tensor::zeros(DType::Int64, {0})}});
  // The draws are real draws: not the mean.
  EXPECT_FALSE(allclose(want, evaluate(exp(x * 0.5) + x, {{x, in}}), 1e-3, 1e-3)) << want.str();

  EXPECT_EQ(inChild([&] { return parseCompileAndCheck(text, in, state, want, false); }), 0);
  EXPECT_EQ(schedulesIn(dir), 1u);
  EXPECT_EQ(inChild([&] { return parseCompileAndCheck(text, in, state, want, true); }), 0);
  fs::remove_all(dir);
}
