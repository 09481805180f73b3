// Products at BLAS speed: each dot/matmul form compiled by graphjit against the
// matching single-threaded OpenBLAS call, and the logistic-regression training step
// (the graph exactly as grad builds it) against a hand-written C++ step with two
// cblas_dgemv calls. Ratios of medians, measured in the same run.
#include "BaselineLogreg.h"

#include "graphjit/graphjit.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <regex>

using namespace graphjit;

extern "C" {
void openblas_set_num_threads(int);
double cblas_ddot(int, const double *, int, const double *, int);
float cblas_sdot(int, const float *, int, const float *, int);
void cblas_dgemv(int, int, int, int, double, const double *, int, const double *, int, double,
                 double *, int);
void cblas_sgemv(int, int, int, int, float, const float *, int, const float *, int, float, float *,
                 int);
void cblas_dger(int, int, int, double, const double *, int, const double *, int, double *, int);
void cblas_sger(int, int, int, float, const float *, int, const float *, int, float *, int);
void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *, int,
                 double, double *, int);
void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                 float *, int);
}

namespace {
constexpr int kRow = 101, kN = 111, kT = 112;
constexpr int64_t kVec = 1 << 20;           // dot
constexpr int64_t kMat = 2048;              // gemv, outer: kMat x kMat
constexpr int64_t kGemm = 512;              // gemm: kGemm^3
constexpr int64_t kBatch = 64, kSmall = 96; // batched: kBatch x (kSmall^3)

Tensor randomTensor(const Shape &shape, DType t, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(static_cast<size_t>(shapeSize(shape)));
  for (double &e : v)
    e = u(rng);
  return Tensor::fromVector(v, shape).astype(t);
}

/// Typed views of OpenBLAS so one benchmark body serves float32 and float64.
template <typename T> struct Blas;
template <> struct Blas<double> {
  static constexpr auto dot = cblas_ddot;
  static constexpr auto gemv = cblas_dgemv;
  static constexpr auto ger = cblas_dger;
  static constexpr auto gemm = cblas_dgemm;
};
template <> struct Blas<float> {
  static constexpr auto dot = cblas_sdot;
  static constexpr auto gemv = cblas_sgemv;
  static constexpr auto ger = cblas_sger;
  static constexpr auto gemm = cblas_sgemm;
};

/// One product form: the graph and its inputs, and the OpenBLAS call that computes the same.
struct Form {
  std::function<std::vector<Var>(DType)> inputs;
  std::function<Var(const std::vector<Var> &)> build;
  std::function<std::vector<Shape>()> shapes;
  std::function<void(const std::vector<Tensor> &, Tensor &)>
      blas; // writes into a preallocated result
  Shape resultShape;
};

template <typename T> std::map<std::string, Form> forms() {
  const int M = static_cast<int>(kMat), G = static_cast<int>(kGemm), S = static_cast<int>(kSmall);
  auto mats = [](int n) {
    return [n](DType t) {
      std::vector<Var> v;
      for (int i = 0; i < n; ++i)
        v.push_back(tensor(t, {kUnknownDim, kUnknownDim}, "m" + std::to_string(i)));
      return v;
    };
  };
  auto vecs = [](DType t) { return std::vector<Var>{vector("u", t), vector("v", t)}; };
  auto matVec = [](DType t) {
    return std::vector<Var>{tensor(t, {kUnknownDim, kUnknownDim}, "A"), vector("v", t)};
  };
  auto p = [](const Tensor &x) { return x.data<T>(); };
  std::map<std::string, Form> f;
  f["dot"] = {
      vecs, [](auto &in) { return dot(in[0], in[1]); },
      [] { return std::vector<Shape>{{kVec}, {kVec}}; },
      [=](auto &in, Tensor &out) { *out.data<T>() = Blas<T>::dot(kVec, p(in[0]), 1, p(in[1]), 1); },
      Shape{}};
  f["gemv A@v"] = {matVec, [](auto &in) { return dot(in[0], in[1]); },
                   [] { return std::vector<Shape>{{kMat, kMat}, {kMat}}; },
                   [=](auto &in, Tensor &out) {
                     Blas<T>::gemv(kRow, kN, M, M, T(1), p(in[0]), M, p(in[1]), 1, T(0),
                                   out.data<T>(), 1);
                   },
                   Shape{kMat}};
  f["gemv v@A"] = {matVec, [](auto &in) { return dot(in[1], in[0]); },
                   [] { return std::vector<Shape>{{kMat, kMat}, {kMat}}; },
                   [=](auto &in, Tensor &out) {
                     Blas<T>::gemv(kRow, kT, M, M, T(1), p(in[0]), M, p(in[1]), 1, T(0),
                                   out.data<T>(), 1);
                   },
                   Shape{kMat}};
  f["gemv A^T@v"] = {matVec, [](auto &in) { return dot(transpose(in[0]), in[1]); },
                     [] { return std::vector<Shape>{{kMat, kMat}, {kMat}}; },
                     [=](auto &in, Tensor &out) {
                       Blas<T>::gemv(kRow, kT, M, M, T(1), p(in[0]), M, p(in[1]), 1, T(0),
                                     out.data<T>(), 1);
                     },
                     Shape{kMat}};
  f["gemv v@A^T"] = {matVec, [](auto &in) { return dot(in[1], transpose(in[0])); },
                     [] { return std::vector<Shape>{{kMat, kMat}, {kMat}}; },
                     [=](auto &in, Tensor &out) {
                       Blas<T>::gemv(kRow, kN, M, M, T(1), p(in[0]), M, p(in[1]), 1, T(0),
                                     out.data<T>(), 1);
                     },
                     Shape{kMat}};
  auto gemm = [=](int ta, int tb) {
    return [=](auto &in, Tensor &out) {
      Blas<T>::gemm(kRow, ta, tb, G, G, G, T(1), p(in[0]), G, p(in[1]), G, T(0), out.data<T>(), G);
    };
  };
  auto gemmShapes = [] { return std::vector<Shape>{{kGemm, kGemm}, {kGemm, kGemm}}; };
  f["gemm A@B"] = {mats(2),
                   [](auto &in) { return dot(in[0], in[1]); },
                   gemmShapes,
                   gemm(kN, kN),
                   {kGemm, kGemm}};
  f["gemm A^T@B"] = {mats(2),
                     [](auto &in) { return dot(transpose(in[0]), in[1]); },
                     gemmShapes,
                     gemm(kT, kN),
                     {kGemm, kGemm}};
  f["gemm A@B^T"] = {mats(2),
                     [](auto &in) { return dot(in[0], transpose(in[1])); },
                     gemmShapes,
                     gemm(kN, kT),
                     {kGemm, kGemm}};
  f["gemm A^T@B^T"] = {mats(2),
                       [](auto &in) { return dot(transpose(in[0]), transpose(in[1])); },
                       gemmShapes,
                       gemm(kT, kT),
                       {kGemm, kGemm}};
  auto ger = [=](auto &in, Tensor &out) {
    Blas<T>::ger(kRow, M, M, T(1), p(in[0]), 1, p(in[1]), 1, out.data<T>(), M);
  };
  auto outerShapes = [] { return std::vector<Shape>{{kMat}, {kMat}}; };
  f["ger outer(u, v)"] = {
      vecs, [](auto &in) { return outer(in[0], in[1]); }, outerShapes, ger, {kMat, kMat}};
  f["ger u[:,None]@v[None,:]"] = {
      vecs,
      [](auto &in) { return matmul(expand_dims(in[0], 1), expand_dims(in[1], 0)); },
      outerShapes,
      ger,
      {kMat, kMat}};
  f["batched gemm"] = {
      [](DType t) {
        return std::vector<Var>{tensor(t, {kUnknownDim, kUnknownDim, kUnknownDim}, "S"),
                                tensor(t, {kUnknownDim, kUnknownDim, kUnknownDim}, "T")};
      },
      [](auto &in) { return matmul(in[0], in[1]); },
      [] { return std::vector<Shape>{{kBatch, kSmall, kSmall}, {kBatch, kSmall, kSmall}}; },
      [=](auto &in, Tensor &out) {
        for (int64_t i = 0; i < kBatch; ++i)
          Blas<T>::gemm(kRow, kN, kN, S, S, S, T(1), p(in[0]) + i * S * S, S, p(in[1]) + i * S * S,
                        S, T(0), out.data<T>() + i * S * S, S);
      },
      {kBatch, kSmall, kSmall}};
  return f;
}

struct Prepared {
  Function jit;
  std::vector<Tensor> values;
  Tensor blasOut;
  std::function<void(const std::vector<Tensor> &, Tensor &)> blas;
};

template <typename T> Prepared &prepared(const std::string &name) {
  static std::map<std::string, Prepared> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  DType t = std::is_same_v<T, double> ? DType::Float64 : DType::Float32;
  Form f = forms<T>().at(name);
  std::vector<Var> in = f.inputs(t);
  Var out = f.build(in);
  std::vector<Tensor> values;
  uint64_t seed = 1;
  for (const Shape &s : f.shapes())
    values.push_back(randomTensor(s, t, seed++));
  Prepared p{compile(in, {out}), values, Tensor::zeros(t, f.resultShape), f.blas};
  // Same values as OpenBLAS (a wrong kernel would make every ratio meaningless).
  Tensor got = p.jit.call1(values);
  p.blas(values, p.blasOut);
  double tol = t == DType::Float64 ? 1e-9 : 1e-3;
  if (!allclose(got, p.blasOut, tol, tol))
    std::printf("WARNING: %s %s: JIT and OpenBLAS differ\n", name.c_str(), dtypeName(t));
  return cache.emplace(name, std::move(p)).first->second;
}

template <typename T> void BM_Jit(benchmark::State &state, std::string name) {
  Prepared &p = prepared<T>(name);
  for (auto _ : state)
    benchmark::DoNotOptimize(p.jit.call1(p.values));
}
template <typename T> void BM_Blas(benchmark::State &state, std::string name) {
  Prepared &p = prepared<T>(name);
  for (auto _ : state) {
    p.blas(p.values, p.blasOut);
    benchmark::ClobberMemory();
  }
}

/// The logistic-regression step of examples/logreg.cpp at N = 1e5, D = 100.
constexpr int64_t kLogN = 100'000, kLogD = 100;
constexpr double kLr = 0.1;
struct LogregData {
  Tensor X = randomTensor({kLogN, kLogD}, DType::Float64, 11), y;
  LogregData() {
    std::vector<double> labels = randomTensor({kLogN}, DType::Float64, 12).toDoubles();
    for (double &l : labels)
      l = l > 0 ? 1 : 0;
    y = Tensor::fromVector(labels);
  }
};
LogregData &logregData() {
  static LogregData d;
  return d;
}

/// The step exactly as examples/logreg.cpp builds it (grad of the loss), compiled once.
Function &logregJitStep() {
  static Function step = [] {
    LogregData &d = logregData();
    Var X = matrix("X"), y = vector("y");
    Var w = shared(Tensor::zeros(DType::Float64, {kLogD}), "w"),
        b = shared(Tensor::scalar(0.0), "b");
    Var p = sigmoid(dot(X, w) + b);
    Var loss = -mean(y * log(p) + (1.0 - y) * log(1.0 - p));
    auto g = grad(loss, {w, b});
    Function f = compile({X, y}, {loss}, {{w, w - kLr * g[0]}, {b, b - kLr * g[1]}});
    // The first step from w = 0, b = 0 against the hand-written one.
    double jitLoss = f({d.X, d.y})[0].item();
    std::vector<double> wc(kLogD, 0.0), z(kLogN), gw(kLogD);
    double bc = 0;
    double cppLoss = baseline::logregStep(d.X.data<double>(), d.y.data<double>(), wc.data(), bc,
                                          kLogN, kLogD, kLr, z.data(), gw.data());
    double wDiff = 0;
    std::vector<double> wj = getValue(w).toDoubles();
    for (int64_t j = 0; j < kLogD; ++j)
      wDiff = std::max(wDiff, std::fabs(wj[j] - wc[j]));
    std::printf("logreg step: loss JIT %.15g, C++ %.15g; max |w JIT - w C++| after one step %.3g\n",
                jitLoss, cppLoss, wDiff);
    return f;
  }();
  return step;
}

void BM_Logreg_Jit(benchmark::State &state) {
  LogregData &d = logregData();
  Function &step = logregJitStep();
  for (auto _ : state)
    benchmark::DoNotOptimize(step({d.X, d.y}));
}
void BM_Logreg_Cpp(benchmark::State &state) {
  LogregData &d = logregData();
  std::vector<double> w(kLogD, 0.0), z(kLogN), gw(kLogD);
  double b = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(baseline::logregStep(d.X.data<double>(), d.y.data<double>(), w.data(),
                                                  b, kLogN, kLogD, kLr, z.data(), gw.data()));
}

/// Collects medians by name and prints the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs)
      if (r.aggregate_name == "median") {
        std::string name =
            std::regex_replace(r.run_name.str(), std::regex("/(min_time|repeats):[^/]+"), "");
        double unit = benchmark::GetTimeUnitMultiplier(r.time_unit);
        wall_[name] = r.GetAdjustedRealTime() / unit;
        cpu_[name] = r.GetAdjustedCPUTime() / unit;
      }
    ConsoleReporter::ReportRuns(runs);
  }
  void printRatios(const std::vector<std::string> &names) {
    // CPU time is the primary figure: every run here is single-threaded, and on a shared
    // machine wall time also counts the time other processes held the core.
    auto t = [&](const std::string &n) { return cpu_.count(n) ? cpu_[n] : NAN; };
    auto w = [&](const std::string &n) { return wall_.count(n) ? wall_[n] : NAN; };
    std::printf("\n== products: OpenBLAS time / graphjit time, medians of one run, 1 thread "
                "(target >= 0.9) ==\n");
    std::printf("%-26s       cpu   wall   (graphjit cpu ms, OpenBLAS cpu ms)\n", "form");
    for (const char *d : {"f64", "f32"})
      for (const std::string &n : names) {
        std::string j = "JIT/" + n + "/" + d, b = "OpenBLAS/" + n + "/" + d;
        std::printf("%-26s %s: %.2f   %.2f   (%.3f, %.3f)\n", n.c_str(), d, t(b) / t(j),
                    w(b) / w(j), t(j) * 1e3, t(b) * 1e3);
      }
    std::string j = "Logreg/JIT", c = "Logreg/C++ two dgemv";
    std::printf("logreg step N=1e5 D=100 f64: graphjit / (C++ + 2 dgemv) = %.3f cpu, %.3f wall "
                "(target <= 1.05)  "
                "(graphjit %.2f ms, C++ %.2f ms cpu)\n",
                t(j) / t(c), w(j) / w(c), t(j) * 1e3, t(c) * 1e3);
  }

private:
  std::map<std::string, double> wall_, cpu_;
};
} // namespace

int main(int argc, char **argv) {
  openblas_set_num_threads(1);
  std::vector<std::string> names;
  for (auto &kv : forms<double>())
    names.push_back(kv.first);
  auto configure = [](benchmark::internal::Benchmark *b) {
    b->Unit(benchmark::kMillisecond)->MinTime(0.2)->Repetitions(5)->ReportAggregatesOnly(true);
  };
  for (const std::string &n : names) {
    configure(benchmark::RegisterBenchmark(("JIT/" + n + "/f64").c_str(), BM_Jit<double>, n));
    configure(benchmark::RegisterBenchmark(("OpenBLAS/" + n + "/f64").c_str(), BM_Blas<double>, n));
    configure(benchmark::RegisterBenchmark(("JIT/" + n + "/f32").c_str(), BM_Jit<float>, n));
    configure(benchmark::RegisterBenchmark(("OpenBLAS/" + n + "/f32").c_str(), BM_Blas<float>, n));
  }
  configure(benchmark::RegisterBenchmark("Logreg/JIT", BM_Logreg_Jit));
  configure(benchmark::RegisterBenchmark("Logreg/C++ two dgemv", BM_Logreg_Cpp));
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printRatios(names);
  benchmark::Shutdown();
  return 0;
}
