// The JIT's knobs: GRAPHJIT_* variables parsed strictly in one place, CompileOptions carrying
// each knob down, compile statistics returned per Function, and the schedule shown from C++.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include "ProcessEnv.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>
#include <unistd.h>

using namespace graphjit;
namespace fs = std::filesystem;
using graphjit::testing::ScopedEnv;

namespace {
/// The message reloadJitSettings() throws under the current environment ("" if it accepts it).
std::string settingsError() {
  try {
    reloadJitSettings();
  } catch (const ValueError &e) {
    return e.what();
  }
  return "";
}

/// `n` elementwise ops on x, alternating a scale and tanh.
Var chain(const Var &x, int n, double c) {
  Var y = x;
  for (int i = 0; i < n; ++i)
    y = i % 2 ? tanh(y) : y * c;
  return y;
}

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}
} // namespace

TEST(Settings, BadIntegersNameTheVariableAndWhatWasExpected) {
  {
    ScopedEnv e("GRAPHJIT_NUM_THREADS", "1e9", /*reload=*/false);
    EXPECT_EQ(settingsError(), "GRAPHJIT_NUM_THREADS: expected an integer in [1, 256], got '1e9'");
  }
  {
    ScopedEnv e("GRAPHJIT_KERNEL_NODES", "abc", /*reload=*/false);
    EXPECT_EQ(settingsError(),
              "GRAPHJIT_KERNEL_NODES: expected an integer in [1, 100000], got 'abc'");
  }
  {
    ScopedEnv e("GRAPHJIT_PARALLEL_MIN", "-5", /*reload=*/false);
    EXPECT_NE(settingsError().find("GRAPHJIT_PARALLEL_MIN: expected an integer"),
              std::string::npos);
  }
  {
    ScopedEnv e("GRAPHJIT_CACHE_MAX_BYTES", "1 GiB", /*reload=*/false);
    EXPECT_NE(settingsError().find("got '1 GiB'"), std::string::npos);
  }
  // Issue 25 item 8: once read as 1 byte and as 0 without a word.
  for (const char *bad : {"1e9", "abc", "0x10", "+5", " 5", "5 ", "18446744073709551616"}) {
    ScopedEnv e("GRAPHJIT_CACHE_MAX_BYTES", bad, /*reload=*/false);
    EXPECT_EQ(settingsError(),
              std::string("GRAPHJIT_CACHE_MAX_BYTES: expected an integer in [0, ") +
                  std::to_string(uint64_t{1} << 62) + "], got '" + bad + "'")
        << bad;
  }
  {
    ScopedEnv e("GRAPHJIT_CACHE", "maybe", /*reload=*/false);
    EXPECT_EQ(settingsError(), "GRAPHJIT_CACHE: expected on or off (1/0, true/false), got 'maybe'");
  }
  {
    ScopedEnv e("GRAPHJIT_LOG", "compile,verbose", /*reload=*/false);
    EXPECT_NE(settingsError().find("GRAPHJIT_LOG"), std::string::npos);
  }
  EXPECT_EQ(settingsError(), ""); // restored
}

TEST(Settings, GoodValuesAreRead) {
  ScopedEnv threads("GRAPHJIT_NUM_THREADS", "3");
  ScopedEnv nodes("GRAPHJIT_KERNEL_NODES", "7");
  ScopedEnv min("GRAPHJIT_PARALLEL_MIN", "1000");
  ScopedEnv cache("GRAPHJIT_CACHE", "off");
  ScopedEnv max("GRAPHJIT_CACHE_MAX_BYTES", "12345");
  ScopedEnv dir("GRAPHJIT_CACHE_DIR", "/tmp/graphjit-settings-test");
  ScopedEnv log("GRAPHJIT_LOG", "all");
  reloadJitSettings();
  const JitSettings &s = jitSettings();
  EXPECT_EQ(s.numThreads, 3);
  EXPECT_EQ(s.kernelNodes, 7);
  EXPECT_EQ(s.parallelMinElements, 1000);
  EXPECT_FALSE(s.cacheEnabled);
  EXPECT_EQ(s.cacheMaxBytes, 12345u);
  EXPECT_EQ(s.cacheDir, "/tmp/graphjit-settings-test");
  EXPECT_TRUE(s.logCompile);
}

TEST(CompileOptions, KernelSizeReachesThePartition) {
  Var x = vector("x");
  Var y = chain(x, 40, 1.0009);
  CompileOptions small;
  small.diskCache = false;
  small.maxKernelNodes = 8;
  Function f8 = compile({x}, {y}, {}, small);
  CompileOptions usual;
  usual.diskCache = false;
  Function f32 = compile({x}, {y}, {}, usual);
  EXPECT_EQ(f8.compileStats().kernels, 5u);
  EXPECT_EQ(f32.compileStats().kernels, 2u);
  // Each Function keeps its own compile's statistics: the second compile did not overwrite the
  // first.
  EXPECT_FALSE(f8.compileStats().functionFromMemory);
  EXPECT_EQ(count(f8.scheduleText(), ": kernel, "), 5u);
  EXPECT_EQ(count(f32.scheduleText(), ": kernel, "), 2u);
  Tensor in = Tensor::of({0.5, -2.0});
  EXPECT_TRUE(allclose(f8.call1({in}), f32.call1({in}), 1e-12, 1e-12));
}

TEST(CompileOptions, CacheFolderAndSwitchReachTheDiskCache) {
  fs::path dir = fs::temp_directory_path() / ("graphjit-options-" + std::to_string(getpid()));
  fs::remove_all(dir);
  Var x = vector("x");
  CompileOptions off;
  off.cacheDir = dir.string();
  off.diskCache = false;
  compile({x}, {chain(x, 6, 1.0001234)}, {}, off);
  EXPECT_FALSE(fs::exists(dir) && !fs::is_empty(dir));
  CompileOptions on = off;
  on.diskCache = true;
  Function f = compile({x}, {chain(x, 6, 1.0004321)}, {}, on);
  EXPECT_EQ(f.compileStats().compiled + f.compileStats().diskHits + f.compileStats().memoryHits,
            1u);
  size_t schedules = 0;
  for (auto &e : fs::directory_iterator(dir))
    schedules += e.path().filename().string().rfind("schedule-", 0) == 0;
  EXPECT_EQ(schedules, 1u);
  fs::remove_all(dir);
}

TEST(CompileStats, ReturnedToTheFunctionCompiledOnAnyThread) {
  Var x = vector("x");
  Var y = exp(x) * 1.2345678;
  std::optional<Function> f;
  std::thread t([&] { f = compile({x}, {y}); });
  t.join();
  const CompileStats &s = f->compileStats();
  EXPECT_TRUE(s.functionFromMemory || s.steps == 1u) << s.str();
  EXPECT_GT(s.total, 0.0);
  Function g = compile({x}, {y});
  EXPECT_TRUE(g.compileStats().functionFromMemory);
  EXPECT_EQ(f->compileStats().functionFromMemory, s.functionFromMemory); // untouched by g's compile
}

TEST(Dprint, ShowsTheScheduleOnRequest) {
  Var x = vector("x");
  Function f = compile({x}, {chain(x, 40, 1.0007)});
  std::string plain = dprint(f), both = dprint(f, FunctionView::GraphAndSchedule);
  EXPECT_EQ(plain.find("schedule:"), std::string::npos);
  EXPECT_EQ(both.rfind(plain, 0), 0u);
  EXPECT_NE(both.find("schedule: 2 steps (2 kernels, 0 host)"), std::string::npos) << both;
  Function i = compile({x}, {exp(x)}, {}, Mode::Interpret);
  EXPECT_NE(i.scheduleText().find("interpreted"), std::string::npos);
}
