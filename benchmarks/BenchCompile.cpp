// Compile-latency benchmarks (issue: compile fast, and only once): cold
// compiles, disk-cache hits, in-memory hits, per-call overhead, and how cold
// compile time grows with the graph. Medians of several runs; run by `make bench`.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

using namespace graphjit;
namespace fs = std::filesystem;

namespace {
using Clock = std::chrono::steady_clock;

double seconds(const std::function<void()> &f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double medianOf(int runs, const std::function<void()> &f) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i)
    t.push_back(seconds(f));
  return median(t);
}

int uniqueCounter = 0;
/// A constant no earlier graph used: the graph is new to every cache.
double fresh() { return 1e-9 * ++uniqueCounter + 0.1; }

struct Graph {
  std::vector<Var> inputs, outputs;
  Updates updates;
};

Graph logregStep(double lr) {
  Var X = matrix("X"), y = vector("y");
  Var w = shared(Tensor::zeros(DType::Float64, {3}), "w"), b = shared(Tensor::scalar(0.0), "b");
  Var p = sigmoid(dot(X, w) + b);
  Var loss = -mean(y * log(p) + (1.0 - y) * log(1.0 - p));
  auto g = grad(loss, {w, b});
  return {{X, y}, {loss}, {{w, w - lr * g[0]}, {b, b - lr * g[1]}}};
}

Graph chain(int ops, bool withGradient, double c) {
  Var x = vector("x");
  Var y = x;
  for (int i = 0; i < ops / 3; ++i)
    y = tanh(y * 1.01 + c);
  if (!withGradient) return {{x}, {y}, {}};
  return {{x}, {grad(sum(y), x)}, {}};
}

Function compileGraph(const Graph &g) { return compile(g.inputs, g.outputs, g.updates); }

/// Total compile milliseconds the `flow` example reports (GRAPHJIT_LOG=compile), run as its own
/// process.
double flowCompileMs(const std::string &flow, const std::string &cacheDir,
                     const std::string &extraEnv) {
  std::string cmd = extraEnv + " GRAPHJIT_LOG=compile GRAPHJIT_CACHE_DIR=" + cacheDir + " " + flow +
                    " --steps 1 --out " + cacheDir +
                    "-out 2>&1 >/dev/null | grep -o '[0-9.]* ms total'";
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) return NAN;
  double total = 0, ms = 0;
  while (std::fscanf(p, "%lf ms total\n", &ms) == 1)
    total += ms;
  pclose(p);
  return total;
}
/// Turns the disk cache on or off for the compiles that follow (the JIT reads its settings once).
void setCache(const char *mode) {
  setenv("GRAPHJIT_CACHE", mode, 1);
  reloadJitSettings();
}
} // namespace

int main(int argc, char **argv) {
  std::string cacheDir =
      (fs::temp_directory_path() / ("graphjit-bench-" + std::to_string(getpid()))).string();
  setenv("GRAPHJIT_CACHE_DIR", cacheDir.c_str(), 1);
  reloadJitSettings();
  std::printf("== compile (medians; disk cache in %s) ==\n", cacheDir.c_str());

  // Logistic-regression step: cold (cache off), disk hit (released, compiled again), memory hit.
  setCache("off");
  std::clock_t c0 = std::clock();
  double cold = medianOf(7, [] { compileGraph(logregStep(fresh())); });
  double coldCpu = double(std::clock() - c0) / CLOCKS_PER_SEC / 7;
  setCache("on");
  double lr = fresh();
  compileGraph(logregStep(lr)); // stored on disk, then released with the Function
  double disk = medianOf(9, [&] { compileGraph(logregStep(lr)); });
  Graph kept = logregStep(lr);
  Function alive = compileGraph(kept);
  std::vector<double> hits;
  for (int r = 0; r < 9; ++r) {
    Graph again = logregStep(lr); // building the graph is the user's code, not compile()
    const int n = 200;
    hits.push_back(seconds([&] {
                     for (int i = 0; i < n; ++i)
                       compileGraph(again);
                   }) /
                   n);
  }
  std::printf("logreg step: cold %.1f ms (target <= 100; CPU %.1f ms summed over threads), disk "
              "hit %.2f ms "
              "(target <= 10), memory hit %.1f us (target <= 20)\n",
              cold * 1e3, coldCpu * 1e3, disk * 1e3, median(hits) * 1e6);

  // Per-call overhead of a 1-element function.
  {
    Var x = vector("x");
    Function f = compile({x}, {x + 1.0});
    Tensor one = Tensor::of({1.0});
    std::vector<double> t;
    for (int r = 0; r < 9; ++r) {
      const int n = 100000;
      t.push_back(seconds([&] {
                    for (int i = 0; i < n; ++i)
                      f.call1({one});
                  }) /
                  n);
    }
    std::printf("per-call overhead, 1 element: %.2f us (target <= 1)\n", median(t) * 1e6);
  }

  // Cold compile of chains and their gradients: linear growth?
  setCache("off");
  for (bool withGrad : {false, true}) {
    std::vector<double> xs, ys;
    for (int ops : {100, 200, 400, 800}) {
      double t = medianOf(3, [&] { compileGraph(chain(ops, withGrad, fresh())); });
      xs.push_back(ops);
      ys.push_back(t);
      std::printf("chain of %d ops%s: cold %.0f ms\n", ops, withGrad ? " (gradient)" : "", t * 1e3);
    }
    // Least-squares line through the points, and the exponent of a power-law fit.
    double n = xs.size(), sx = 0, sy = 0, sxx = 0, sxy = 0, lx = 0, ly = 0, lxx = 0, lxy = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      sx += xs[i], sy += ys[i], sxx += xs[i] * xs[i], sxy += xs[i] * ys[i];
      double a = std::log(xs[i]), b = std::log(ys[i]);
      lx += a, ly += b, lxx += a * a, lxy += a * b;
    }
    double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx), icept = (sy - slope * sx) / n;
    double exponent = (n * lxy - lx * ly) / (n * lxx - lx * lx);
    std::printf("chain%s fit: %.2f ms + %.3f ms/op; growth exponent %.2f (1 = linear; target <= "
                "1.1); 800 ops "
                "%.0f ms (target <= 500)\n",
                withGrad ? " gradient" : "", icept * 1e3, slope * 1e3, exponent, ys.back() * 1e3);
  }

  // The flow example's training step, as a user runs it: cold, then a second process.
  fs::path flow = fs::path(argv[0]).parent_path().parent_path() / "examples" / "flow";
  if (fs::exists(flow)) {
    fs::remove_all(cacheDir);
    setCache("on");
    double flowCold = flowCompileMs(flow.string(), cacheDir, "");
    double flowWarm = flowCompileMs(flow.string(), cacheDir, "");
    std::printf("flow example (training step and density, all its compiles): cold %.0f ms (target "
                "<= 600), second "
                "process %.1f ms (target <= 30)\n",
                flowCold, flowWarm);
    fs::remove_all(cacheDir + "-out");
  }
  fs::remove_all(cacheDir);
  return 0;
}
