// Issue 24: what a repeated call costs. With the same input shapes, a call allocates nothing per
// schedule step (each kernel's plan, layouts and argument descriptors are made once per shape
// signature, the table of values is reused, small buffers come from the per-thread cache), and
// what it returns stays the caller's across later calls. This binary counts malloc calls: its own
// malloc family forwards to glibc's (not under sanitizers, which own malloc).
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <set>

using namespace graphjit;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GRAPHJIT_COUNT_MALLOC 0
#else
#define GRAPHJIT_COUNT_MALLOC 1
#endif

namespace {
std::atomic<long> mallocCalls{0};
thread_local bool counting = false; // only the test's own thread, only while measuring
void count() {
  if (counting) mallocCalls.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

#if GRAPHJIT_COUNT_MALLOC
extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);

void *malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) {
  count();
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void *memalign(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
void *aligned_alloc(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
int posix_memalign(void **out, size_t align, size_t n) {
  count();
  void *p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void *p) { __libc_free(p); }
}
#endif

namespace {
/// malloc calls per call of `f` on `args`, averaged over `calls` calls after a warm-up.
double mallocsPerCall(const Function &f, const std::vector<Tensor> &args, int calls = 200) {
  for (int i = 0; i < 20; ++i)
    f(args);
  mallocCalls = 0;
  counting = true;
  for (int i = 0; i < calls; ++i)
    f(args);
  counting = false;
  return static_cast<double>(mallocCalls.load()) / calls;
}

CompileOptions oneThreadSteps(int maxKernelNodes) {
  CompileOptions o;
  o.numThreads = 1;
  o.maxKernelNodes = maxKernelNodes;
  return o;
}
} // namespace

TEST(CallCost, NoAllocationPerScheduleStep) {
  if (!GRAPHJIT_COUNT_MALLOC) GTEST_SKIP() << "malloc belongs to the sanitizer here";
  Var x = matrix("x");
  Function one = compile({x}, {x + 1.0}, {}, oneThreadSteps(0));
  // 24 steps: one node per kernel (no rewrites, so the chain stays as written).
  CompileOptions o = oneThreadSteps(1);
  o.rewrites = "";
  Var y = x;
  for (int i = 0; i < 12; ++i)
    y = tanh(y * 0.5);
  Function many = compile({x}, {y}, {}, o);
  ASSERT_GE(many.compileStats().steps, 24u);
  Tensor a = Tensor::full(DType::Float64, {4, 3}, 0.25);
  double perCallOne = mallocsPerCall(one, {a}), perCallMany = mallocsPerCall(many, {a});
  // The fixed cost of a call: its argument and result vectors (measured: 2).
  EXPECT_LE(perCallOne, 4.0);
  EXPECT_EQ(perCallMany, perCallOne) << "a step allocates on the steady-state path";
  EXPECT_NEAR(
      many.call1({a}).getAsDouble(11),
      [] {
        double v = 0.25;
        for (int i = 0; i < 12; ++i)
          v = std::tanh(v * 0.5);
        return v;
      }(),
      1e-15);
}

TEST(CallCost, NewShapesArePlannedAndThenReused) {
  if (!GRAPHJIT_COUNT_MALLOC) GTEST_SKIP() << "malloc belongs to the sanitizer here";
  Var x = matrix("x");
  CompileOptions o = oneThreadSteps(1);
  o.rewrites = "";
  Function f = compile({x}, {sum(exp(x) * 2.0, 1)}, {}, o);
  Tensor small = Tensor::full(DType::Float64, {2, 3}, 1.0);
  Tensor large = Tensor::full(DType::Float64, {5, 3}, 0.0);
  // Each shape's own steady state (a kernel may allocate scratch inside for some shapes).
  double steady = (mallocsPerCall(f, {small}) + mallocsPerCall(f, {large})) / 2;
  // Alternating between two shapes: each kernel keeps a plan for both.
  const std::vector<Tensor> argsLarge{large}, argsSmall{small}; // not counted: made once
  for (int i = 0; i < 3; ++i)
    f(argsLarge), f(argsSmall);
  mallocCalls = 0;
  counting = true;
  for (int i = 0; i < 50; ++i)
    f(argsLarge), f(argsSmall);
  counting = false;
  EXPECT_EQ(static_cast<double>(mallocCalls.load()) / 100, steady);
  EXPECT_EQ(f.call1({large}).toDoubles(), std::vector<double>(5, 6.0));
  EXPECT_NEAR(f.call1({small}).getAsDouble(1), 6 * std::exp(1.0), 1e-12);
}

TEST(CallCost, ReturnedOutputsStayTheCallersAcrossCalls) {
  Var x = vector("x");
  CompileOptions o = oneThreadSteps(1);
  o.rewrites = "";
  Var h = exp(x) * 2.0;
  // An intermediate that is also an output, an output twice, and an input returned as is.
  Function f = compile({x}, {h, h + 1.0, h, x}, {}, o);
  Tensor in1 = Tensor::of({0.0, 1.0}), in2 = Tensor::of({2.0, 3.0});
  std::vector<Tensor> first = f({in1});
  std::vector<Tensor> second = f({in2});
  EXPECT_EQ(first[0].toDoubles(), (std::vector<double>{2.0, 2 * std::exp(1.0)}));
  EXPECT_EQ(first[1].toDoubles(), (std::vector<double>{3.0, 2 * std::exp(1.0) + 1}));
  EXPECT_EQ(first[2].toDoubles(), first[0].toDoubles());
  EXPECT_FALSE(first[2].sharesBuffer(first[0]));
  EXPECT_FALSE(first[3].sharesBuffer(in1));
  EXPECT_EQ(second[0].toDoubles(), (std::vector<double>{2 * std::exp(2.0), 2 * std::exp(3.0)}));
  // Writing into a result changes neither the next call nor the other results.
  first[0].data<double>()[0] = -1;
  std::vector<Tensor> third = f({in1});
  EXPECT_EQ(third[0].getAsDouble(0), 2.0);
  EXPECT_EQ(first[2].getAsDouble(0), 2.0);
  EXPECT_EQ(in1.toDoubles(), (std::vector<double>{0.0, 1.0}));
}

TEST(CallCost, SharedUpdatesKeepEarlierResults) {
  // The updated value goes to the shared variable; the output the caller holds is its own.
  Var w = shared(Tensor::of({1.0, 2.0}), "w");
  Var g = vector("g");
  CompileOptions o = oneThreadSteps(1);
  Function step = compile({g}, {w * 1.0}, {{w, w - g}}, o);
  std::vector<Tensor> seen;
  for (int i = 0; i < 4; ++i)
    seen.push_back(step.call1({Tensor::of({1.0, 1.0})}));
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(seen[i].toDoubles(), (std::vector<double>{1.0 - i, 2.0 - i})) << i;
  EXPECT_EQ(getValue(w).toDoubles(), (std::vector<double>{-3.0, -2.0}));
}

TEST(CallCost, UpdatesWriteIntoTheValuesTheyReplace) {
  // After a call's updates the replaced values go back to the schedule: the next call writes its
  // updates into them, so a training step's parameters live in two buffers that alternate.
  Var w = shared(Tensor::of({1.0, 2.0, 3.0}), "w");
  Var g = vector("g");
  Var next = w * 0.5 + g;
  Function step = compile({g}, {sum(w)}, {{w, next}}, oneThreadSteps(0));
  Tensor one = Tensor::of({1.0, 1.0, 1.0});
  std::set<const void *> buffers;
  std::vector<double> expect{1.0, 2.0, 3.0};
  for (int i = 0; i < 8; ++i) {
    step({one});
    for (double &e : expect)
      e = e * 0.5 + 1.0;
    if (i >= 2) buffers.insert(w->sharedStorage()->value.rawData()); // not held: no copy kept
  }
  EXPECT_EQ(getValue(w).toDoubles(), expect);
  EXPECT_EQ(buffers.size(), 2u);
  if (GRAPHJIT_COUNT_MALLOC) EXPECT_LE(mallocsPerCall(step, {one}), 4.0);

  // An updated value the caller also holds (returned as an output) is never written again.
  Var grown = w + g; // no fixed point: every call's value differs
  Function returning = compile({g}, {grown}, {{w, grown}}, oneThreadSteps(0));
  std::vector<Tensor> seen;
  std::vector<std::vector<double>> values;
  for (int i = 0; i < 4; ++i) {
    seen.push_back(returning.call1({one}));
    values.push_back(seen.back().toDoubles());
  }
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(seen[i].toDoubles(), values[i]) << i;
  EXPECT_NE(values[3], values[2]);
  EXPECT_EQ(getValue(w).toDoubles(), values[3]);
}
