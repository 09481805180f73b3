// graphjit benchmarks. Every target is a ratio against a baseline measured in
// the same run (machines differ; absolute times do not carry over).
#include "Baselines.h"

#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <regex>

using namespace graphjit;

extern "C" void openblas_set_num_threads(int);
extern "C" void cblas_dgemm(int, int, int, int, int, int, double, const double *, int,
                            const double *, int, double, double *, int);
extern "C" void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *,
                            int, float, float *, int);

namespace {
constexpr int64_t kN = 10'000'000;

Tensor randomTensor(const Shape &shape, DType dtype, double lo, double hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<size_t>(shapeSize(shape)));
  for (double &e : v)
    e = u(rng);
  return Tensor::fromVector(v, shape).astype(dtype);
}

struct FusedCase {
  Var x, y, z, out;
  Tensor xv, yv, zv;
  explicit FusedCase(DType t) {
    x = vector("x", t), y = vector("y", t), z = vector("z", t);
    out = exp(x) * y + log1p(z * z);
    xv = randomTensor({kN}, t, -2, 2, 1), yv = randomTensor({kN}, t, -2, 2, 2),
    zv = randomTensor({kN}, t, -2, 2, 3);
  }
};
FusedCase &fused(DType t) {
  static FusedCase f64(DType::Float64), f32(DType::Float32);
  return t == DType::Float64 ? f64 : f32;
}

void BM_Fused_JIT(benchmark::State &state, DType t) {
  FusedCase &c = fused(t);
  Function f = compile({c.x, c.y, c.z}, {c.out});
  // Accuracy against the interpreter, reported once.
  static bool reported[2] = {false, false};
  if (!reported[t == DType::Float32]) {
    reported[t == DType::Float32] = true;
    Tensor ref = evaluate(c.out, {{c.x, c.xv}, {c.y, c.yv}, {c.z, c.zv}}).astype(DType::Float64);
    Tensor got = f.call1({c.xv, c.yv, c.zv}).astype(DType::Float64);
    std::vector<double> a = got.toDoubles(), b = ref.toDoubles();
    double tol = t == DType::Float64 ? 1e-12 : 1e-5, maxAbs = 0, worst = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      double err = std::fabs(a[i] - b[i]);
      maxAbs = std::max(maxAbs, err);
      worst =
          std::max(worst, err / (tol + tol * std::fabs(b[i]))); // <= 1: within rtol = atol = tol
    }
    std::printf("fused %s: JIT vs interpreter max abs error %.3g; allclose(rtol = atol = %g): %s "
                "(worst %.3g of the "
                "allowed error)\n",
                dtypeName(t), maxAbs, tol, worst <= 1 ? "yes" : "NO", worst);
  }
  for (auto _ : state)
    benchmark::DoNotOptimize(f.call1({c.xv, c.yv, c.zv}));
}

void BM_Fused_Interp(benchmark::State &state, DType t) {
  FusedCase &c = fused(t);
  Function f = compile({c.x, c.y, c.z}, {c.out}, {}, Mode::Interpret);
  for (auto _ : state)
    benchmark::DoNotOptimize(f.call1({c.xv, c.yv, c.zv}));
}

template <bool Fast> void BM_Fused_Loop(benchmark::State &state, DType t) {
  FusedCase &c = fused(t);
  Tensor out = Tensor::empty(t, {kN});
  for (auto _ : state) {
    if (t == DType::Float64)
      (Fast ? baseline::fast::fused : baseline::plain::fused)(
          c.xv.data<double>(), c.yv.data<double>(), c.zv.data<double>(), out.data<double>(), kN);
    else
      (Fast ? baseline::fast::fusedF : baseline::plain::fusedF)(
          c.xv.data<float>(), c.yv.data<float>(), c.zv.data<float>(), out.data<float>(), kN);
    benchmark::ClobberMemory();
  }
}

/// The bytes-moved bound: read three arrays, write one, no math.
void BM_Fused_MemoryBound(benchmark::State &state, DType t) {
  FusedCase &c = fused(t);
  Tensor out = Tensor::empty(t, {kN});
  for (auto _ : state) {
    if (t == DType::Float64) {
      const double *x = c.xv.data<double>(), *y = c.yv.data<double>(), *z = c.zv.data<double>();
      double *o = out.data<double>();
      for (int64_t i = 0; i < kN; ++i)
        o[i] = x[i] + y[i] + z[i];
    } else {
      const float *x = c.xv.data<float>(), *y = c.yv.data<float>(), *z = c.zv.data<float>();
      float *o = out.data<float>();
      for (int64_t i = 0; i < kN; ++i)
        o[i] = x[i] + y[i] + z[i];
    }
    benchmark::ClobberMemory();
  }
}

Tensor &sumInput() {
  static Tensor t = randomTensor({kN}, DType::Float64, -1, 1, 4);
  return t;
}
void BM_Sum_JIT(benchmark::State &state) {
  Var x = vector("x");
  Function f = compile({x}, {sum(x)});
  for (auto _ : state)
    benchmark::DoNotOptimize(f.call1({sumInput()}));
}
template <bool Fast> void BM_Sum_Loop(benchmark::State &state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(
        (Fast ? baseline::fast::sum : baseline::plain::sum)(sumInput().data<double>(), kN));
}

constexpr int64_t kRows = 1000, kCols = 10000;
Tensor &lseInput() {
  static Tensor t = randomTensor({kRows, kCols}, DType::Float64, -5, 5, 5);
  return t;
}
void BM_RowLogSumExp_JIT(benchmark::State &state) {
  Var x = matrix("x");
  Function f = compile({x}, {logsumexp(x, 1)});
  for (auto _ : state)
    benchmark::DoNotOptimize(f.call1({lseInput()}));
}
template <bool Fast> void BM_RowLogSumExp_Loop(benchmark::State &state) {
  std::vector<double> out(kRows);
  for (auto _ : state) {
    (Fast ? baseline::fast::rowLogSumExp : baseline::plain::rowLogSumExp)(lseInput().data<double>(),
                                                                          kRows, kCols, out.data());
    benchmark::ClobberMemory();
  }
}

constexpr int64_t kDot = 1024;
void BM_Dot_JIT(benchmark::State &state, DType t) {
  Var a = matrix("a", t), b = matrix("b", t);
  Function f = compile({a, b}, {dot(a, b)});
  Tensor av = randomTensor({kDot, kDot}, t, -1, 1, 6), bv = randomTensor({kDot, kDot}, t, -1, 1, 7);
  for (auto _ : state)
    benchmark::DoNotOptimize(f.call1({av, bv}));
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * kDot * kDot * kDot, benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
}
void BM_Dot_OpenBLAS(benchmark::State &state, DType t) {
  Tensor av = randomTensor({kDot, kDot}, t, -1, 1, 6), bv = randomTensor({kDot, kDot}, t, -1, 1, 7);
  Tensor c = Tensor::empty(t, {kDot, kDot});
  for (auto _ : state) {
    if (t == DType::Float64)
      cblas_dgemm(101, 111, 111, kDot, kDot, kDot, 1.0, av.data<double>(), kDot, bv.data<double>(),
                  kDot, 0.0, c.data<double>(), kDot);
    else
      cblas_sgemm(101, 111, 111, kDot, kDot, kDot, 1.0f, av.data<float>(), kDot, bv.data<float>(),
                  kDot, 0.0f, c.data<float>(), kDot);
    benchmark::ClobberMemory();
  }
}

/// A logistic-regression training step: loss, hand-written gradient, updates.
struct LogregStep {
  std::vector<Var> inputs, outputs;
  Updates updates;
};
LogregStep buildLogregStep(double lr) {
  Var X = matrix("X"), y = vector("y");
  Var w = shared(Tensor::zeros(DType::Float64, {3}), "w"), b = shared(Tensor::scalar(0.0), "b");
  Var p = sigmoid(dot(X, w) + b);
  Var loss = -mean(y * log(p) + (1.0 - y) * log(1.0 - p));
  Var err = p - y;
  Var gw = dot(transpose(X), err) / cast(shape(X)(0), DType::Float64);
  Var gb = mean(err);
  return {{X, y}, {loss}, {{w, w - lr * gw}, {b, b - lr * gb}}};
}
Function compileLogregStep(double lr) {
  LogregStep s = buildLogregStep(lr);
  return compile(s.inputs, s.outputs, s.updates);
}
void BM_CompileCold_LogregStep(benchmark::State &state) {
  static int unique = 0;
  for (auto _ : state)
    compileLogregStep(0.1 + 1e-9 * ++unique); // a new constant: a new graph
}
void BM_CompileCacheHit_LogregStep(benchmark::State &state) {
  compileLogregStep(0.5);
  for (auto _ : state) {
    state
        .PauseTiming(); // building the (structurally equal) graph is the user's code, not compile()
    LogregStep s = buildLogregStep(0.5);
    state.ResumeTiming();
    benchmark::DoNotOptimize(compile(s.inputs, s.outputs, s.updates));
  }
}

void BM_CallOverhead_OneElement(benchmark::State &state) {
  Var x = vector("x");
  Function f = compile({x}, {x + 1.0});
  Tensor one = Tensor::of({1.0});
  for (auto _ : state)
    benchmark::DoNotOptimize(f.call1({one}));
}

/// Collects times by name and prints the ratios the issues ask for.
class RatioReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs) {
      // Seconds, keyed by the name without "/iterations:N" and "/repeats:N".
      std::string name =
          std::regex_replace(r.benchmark_name(), std::regex("/(iterations|repeats):[0-9]+"), "");
      times_[name] = r.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(r.time_unit);
      if (r.counters.count("GFLOPS")) gflops_[r.benchmark_name()] = r.counters.at("GFLOPS");
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void printRatios() {
    auto t = [&](const std::string &n) { return times_.count(n) ? times_[n] : NAN; };
    std::printf("\n== ratios (same run; lower time ratio is better for graphjit) ==\n");
    for (std::string d : {"f64", "f32"}) {
      std::string j = "BM_Fused_JIT/" + d;
      std::printf(
          "fused %s: JIT / -ffast-math loop = %.2f (target <= 1.2), JIT / plain -O3 loop = %.2f, "
          "interpreter / JIT = %.1f (target >= 3), JIT / memory bound = %.2f\n",
          d.c_str(), t(j) / t("BM_Fused_FastMath/" + d), t(j) / t("BM_Fused_Plain/" + d),
          t("BM_Fused_Interp/" + d) / t(j), t(j) / t("BM_Fused_MemoryBound/" + d));
    }
    std::printf("sum 1e7: JIT / -ffast-math loop = %.2f (target <= 1.3)\n",
                t("BM_Sum_JIT") / t("BM_Sum_FastMath"));
    std::printf("row logsumexp 1000x10000: JIT / -ffast-math loop = %.2f (target <= 1.3)\n",
                t("BM_RowLogSumExp_JIT") / t("BM_RowLogSumExp_FastMath"));
    for (std::string d : {"f64", "f32"})
      std::printf("dot 1024 %s: JIT throughput / OpenBLAS single-thread = %.2f (target >= 0.8)\n",
                  d.c_str(), t("BM_Dot_OpenBLAS/" + d) / t("BM_Dot_JIT/" + d));
    std::printf("logreg step compile: cold median = %.1f ms (target <= 300), cache hit = %.1f us "
                "(target <= 50)\n",
                t("BM_CompileCold_LogregStep_median") * 1e3,
                t("BM_CompileCacheHit_LogregStep") * 1e6);
    std::printf("per-call overhead, 1 element: %.2f us (target <= 2)\n",
                t("BM_CallOverhead_OneElement") * 1e6);
  }

private:
  std::map<std::string, double> times_, gflops_;
};
} // namespace

int main(int argc, char **argv) {
  openblas_set_num_threads(1);
  benchmark::RegisterBenchmark("BM_Fused_JIT/f64", BM_Fused_JIT, DType::Float64)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Fused_JIT/f32", BM_Fused_JIT, DType::Float32)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Fused_FastMath/f64", BM_Fused_Loop<true>, DType::Float64)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Fused_Plain/f64", BM_Fused_Loop<false>, DType::Float64)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Fused_Plain/f32", BM_Fused_Loop<false>, DType::Float32)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Fused_FastMath/f32", BM_Fused_Loop<true>, DType::Float32)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Fused_Interp/f64", BM_Fused_Interp, DType::Float64)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(2);
  benchmark::RegisterBenchmark("BM_Fused_Interp/f32", BM_Fused_Interp, DType::Float32)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(2);
  benchmark::RegisterBenchmark("BM_Fused_MemoryBound/f64", BM_Fused_MemoryBound, DType::Float64)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Fused_MemoryBound/f32", BM_Fused_MemoryBound, DType::Float32)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Sum_JIT", BM_Sum_JIT)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Sum_FastMath", BM_Sum_Loop<true>)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Sum_Plain", BM_Sum_Loop<false>)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_RowLogSumExp_JIT", BM_RowLogSumExp_JIT)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_RowLogSumExp_FastMath", BM_RowLogSumExp_Loop<true>)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Dot_JIT/f64", BM_Dot_JIT, DType::Float64)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Dot_OpenBLAS/f64", BM_Dot_OpenBLAS, DType::Float64)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Dot_JIT/f32", BM_Dot_JIT, DType::Float32)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Dot_OpenBLAS/f32", BM_Dot_OpenBLAS, DType::Float32)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_CompileCold_LogregStep", BM_CompileCold_LogregStep)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(1)
      ->Repetitions(9)
      ->ReportAggregatesOnly(true);
  benchmark::RegisterBenchmark("BM_CompileCacheHit_LogregStep", BM_CompileCacheHit_LogregStep)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("BM_CallOverhead_OneElement", BM_CallOverhead_OneElement)
      ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printRatios();
  benchmark::Shutdown();
  return 0;
}
