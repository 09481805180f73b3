// scan, measured (`make bench`): the per-step cost of a scalar recurrence
// against a hand-written C++ loop, and the compile time of a 100-step
// PageRank as a scan against the same iteration unrolled into one graph.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

using namespace graphjit;

namespace {
using Clock = std::chrono::steady_clock;

double seconds(const std::function<void()> &f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

/// The baseline: x = a*x + sin(x), n times. noinline so the loop is not folded away.
[[gnu::noinline]] double recurrence(double a, double x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    x = a * x + std::sin(x);
  return x;
}

void scalarRecurrence(int64_t steps) {
  Var a = scalar("a"), x0 = scalar("x0"), n = scalar("n", DType::Int64);
  ScanResult r = scan([&](const std::vector<Var> &v) { return StepResult({a * v[0] + sin(v[0])}); },
                      {}, {OutputInfo(x0)}, {}, n);
  Function f = compile({a, x0, n}, {r.last(0)});
  std::vector<Tensor> args{Tensor::scalar(0.5), Tensor::scalar(0.1),
                           Tensor::scalar(static_cast<double>(steps), DType::Int64)};
  double got = f(args)[0].item(), want = recurrence(0.5, 0.1, steps);
  std::vector<double> ts, tb;
  for (int rep = 0; rep < 5; ++rep) { // paired runs
    ts.push_back(seconds([&] { f(args); }));
    volatile double sink = 0;
    tb.push_back(seconds([&] { sink = recurrence(0.5, 0.1, steps); }));
  }
  double s = median(ts), b = median(tb);
  std::printf("scan x = a*x + sin(x), %lld steps: %9.1f ns/step vs C++ loop %6.1f ns/step = "
              "%8.1fx (target <= 1.5x)%s\n",
              static_cast<long long>(steps), s / steps * 1e9, b / steps * 1e9, s / b,
              std::abs(got - want) <= 1e-9 * (1 + std::abs(want)) ? "" : "  VALUES DIFFER");
}

void pagerankCompileTime(int steps) {
  // Each build differs by a constant, so no cache (memory or disk) serves a later repetition.
  auto build = [&](bool unrolled, int rep) {
    Var M = matrix("M"), d = scalar("d"), v0 = vector("v0");
    Var n = cast(subtensor(shape(M), {IndexEntry::at(0)}), DType::Float64);
    double one = 1.0 + 1e-9 * rep;
    auto step = [&](const Var &v) { return d * dot(M, v) + (one - d) / n; };
    Var out;
    if (unrolled) {
      out = v0;
      for (int i = 0; i < steps; ++i)
        out = step(out);
    } else {
      out = scan([&](const std::vector<Var> &a) { return StepResult({step(a[0])}); }, {},
                 {OutputInfo(v0)}, {}, steps)
                .last(0);
    }
    return std::make_pair(std::vector<Var>{M, d, v0}, out);
  };
  std::vector<double> tu, ts;
  for (int rep = 0; rep < 3; ++rep) {
    CompileOptions o;
    o.diskCache = false; // cold compiles
    auto [ui, uo] = build(true, rep);
    std::vector<Tensor> args{Tensor::zeros(DType::Float64, {3, 3}), Tensor::scalar(0.85),
                             Tensor::zeros(DType::Float64, {3})};
    tu.push_back(seconds([&] { compile(ui, {uo}, {}, o)(args); }));
    auto [si, so] = build(false, rep);
    size_t loops = jitLoopCallCount();
    ts.push_back(seconds([&] { compile(si, {so}, {}, o)(args); }));
    if (jitLoopCallCount() == loops) std::printf("(the scan did not run as one loop kernel)\n");
  }
  std::printf("pagerank %d steps, cold compile + first call: unrolled %.3f s vs "
              "scan %.3f s = %.1fx faster (target >= 5x)\n",
              steps, median(tu), median(ts), median(tu) / median(ts));
}
/// Forward + backward of a 1,000-step RNN, hidden 64 (the same computation as
/// benchmarks/rnn_torch.py); `torchSeconds` > 0 is that script's median, for the ratio.
void rnnForwardBackward(int64_t steps, int64_t hidden, double torchSeconds) {
  const int64_t in = hidden;
  Var Wx = matrix("Wx"), Wh = matrix("Wh"), b = vector("b"), xs = matrix("xs");
  ScanResult r = scan(
      [&](const std::vector<Var> &a) {
        return StepResult({tanh(dot(Wx, a[0]) + dot(Wh, a[1]) + b)});
      },
      {xs}, {OutputInfo(zeros_like(b))});
  Var loss = sum(sqr(r.outputs[0]));
  std::vector<Var> g = grad(loss, {Wx, Wh, b});
  Function f = compile({Wx, Wh, b, xs}, {loss, g[0], g[1], g[2]});
  auto fill = [](int64_t n, double scale, uint32_t seed) {
    std::vector<double> v;
    for (int64_t i = 0; i < n; ++i) {
      seed = seed * 1664525u + 1013904223u;
      v.push_back(scale * (2.0 * (seed >> 8) / double(1u << 24) - 1.0));
    }
    return v;
  };
  double w = 1.0 / std::sqrt(static_cast<double>(hidden));
  std::vector<Tensor> args{Tensor::fromVector(fill(hidden * in, w, 1), {hidden, in}),
                           Tensor::fromVector(fill(hidden * hidden, w, 2), {hidden, hidden}),
                           Tensor::fromVector(fill(hidden, 0.1, 3)),
                           Tensor::fromVector(fill(steps * in, 1.0, 4), {steps, in})};
  f(args);
  std::vector<double> t;
  for (int rep = 0; rep < 5; ++rep)
    t.push_back(seconds([&] { f(args); }));
  double s = median(t);
  std::printf("rnn %lld steps, hidden %lld, forward + backward: %.2f ms",
              static_cast<long long>(steps), static_cast<long long>(hidden), s * 1e3);
  if (torchSeconds > 0)
    std::printf(" vs torch eager (1 thread) %.2f ms = %.2fx (target <= 0.5x)", torchSeconds * 1e3,
                s / torchSeconds);
  else
    std::printf(" (give the median of benchmarks/rnn_torch.py in seconds as the second argument "
                "for the ratio)");
  std::printf("\n");
}
} // namespace

int main(int argc, char **argv) {
  int64_t steps = argc > 1 ? std::atoll(argv[1]) : 1000000;
  double torchSeconds = argc > 2 ? std::atof(argv[2]) : 0;
  scalarRecurrence(steps);
  pagerankCompileTime(100);
  rnnForwardBackward(1000, 64, torchSeconds);
  return 0;
}
