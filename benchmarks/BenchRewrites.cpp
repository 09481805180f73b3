// Lazy rewrites, measured (`make bench`, after graphjit-bench): the indexing
// pushdown ratios of issue 11, the linalg rewrites of issue 22 and rewriting time
// against graph size. Each ratio compares two compiled functions of the same graph
// in the same run: fast_run against fast_run with the pushdown (or linalg) rules
// excluded.
#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
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

/// Median seconds per call of f over `reps` calls (after one warm-up call).
double perCall(const Function &f, const std::vector<Tensor> &args, int reps) {
  f(args);
  std::vector<double> t;
  for (int i = 0; i < reps; ++i)
    t.push_back(seconds([&] { f(args); }));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

Tensor randomTensor(const Shape &shape, uint64_t seed) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  uint64_t s = seed;
  for (int64_t i = 0; i < t.size(); ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    p[i] = static_cast<double>(s >> 11) / 9007199254740992.0 - 0.5;
  }
  return t;
}

Function compiled(const std::vector<Var> &ins, const Var &out, const std::string &query) {
  CompileOptions o;
  o.rewrites = query;
  return compile(ins, {out}, {}, o);
}

void pushdownRatio(const char *what, const std::vector<Var> &ins, const Var &out,
                   const std::vector<Tensor> &args, const std::string &query, int repsLazy,
                   int repsFull, double target, const std::string &without = "pushdown") {
  Function lazy = compiled(ins, out, query), full = compiled(ins, out, query + ",-" + without);
  bool same = allclose(lazy(args)[0], full(args)[0], 1e-12, 1e-12);
  double tl = perCall(lazy, args, repsLazy), tf = perCall(full, args, repsFull);
  std::printf("%-44s %-22s %10.3f ms vs %10.4f ms  = %8.0fx (target >= %.0fx)%s\n", what,
              query.c_str(), tf * 1e3, tl * 1e3, tf / tl, target, same ? "" : "  VALUES DIFFER");
}

/// n branches exp(x * c_i) summed (issue 13, item 11), and a chain of n elementwise ops.
Var wide(const Var &x, int n) {
  Var total;
  for (int i = 0; i < n; ++i) {
    Var b = exp(x * (1.0 + i * 1e-3));
    total = total ? total + b : b;
  }
  return total;
}
Var chain(const Var &x, int n) {
  Var v = x;
  for (int i = 0; i < n; ++i)
    v = (i % 3 == 0) ? log(1.0 + exp(v)) : (i % 3 == 1 ? v * 1.0 + 0.5 : sigmoid(v) - 0.25);
  return v;
}

void rewriteTime(const char *what, const std::function<Var(const Var &, int)> &build, int n) {
  Var x = vector("x");
  Var out = build(x, n);
  FunctionGraph fg({x}, {out});
  size_t nodes = fg.numNodes();
  RewriteStats stats;
  double t = seconds([&] { stats = rewriteGraph(fg); });
  std::printf("rewrite %-28s n = %6d: %6zu nodes, %6d rewrites, %8.3f s (%.2f us per node)\n", what,
              n, nodes, stats.applied, t, t / static_cast<double>(nodes) * 1e6);
}
} // namespace

int main() {
  std::printf("== lazy indexing: fast_run vs fast_run,-pushdown (per call, median) ==\n");
  {
    const int64_t n = 2000;
    Var A = matrix("A"), B = matrix("B");
    pushdownRatio("(A @ B)[7], n = 2000, f64", {A, B}, matmul(A, B)(7),
                  {randomTensor({n, n}, 1), randomTensor({n, n}, 2)}, "fast_run", 50, 3, 100);
  }
  {
    const int64_t n = 10000000;
    Var xs = tensor(DType::Float64, {n}, "x"), ys = tensor(DType::Float64, {n}, "y");
    std::vector<Tensor> args{randomTensor({n}, 3), randomTensor({n}, 4)};
    pushdownRatio("(exp(x) + y)[3], 1e7, f64[10000000]", {xs, ys}, (exp(xs) + ys)(3), args,
                  "fast_run", 200, 5, 1000);
    // Unknown lengths: only the run time checks that x and y agree, so the rule is shape_unsafe.
    Var xd = vector("x"), yd = vector("y");
    pushdownRatio("(exp(x) + y)[3], 1e7, f64[?]", {xd, yd}, (exp(xd) + yd)(3), args,
                  "fast_run,shape_unsafe", 200, 5, 1000);
  }
  std::printf("\n== linalg rewrites: fast_run vs fast_run,-linalg (per call, median) ==\n");
  {
    const int64_t n = 2000;
    Var x = vector("x");
    Tensor xv = randomTensor({n}, 5);
    pushdownRatio("inv(diag(x)), n = 2000, f64", {x}, inv(diag(x)), {xv}, "fast_run", 20, 3, 100,
                  "linalg");
    pushdownRatio("inv(eye(n) * diag(x)), n = 2000, f64", {x}, inv(eye(n) * diag(x)), {xv},
                  "fast_run", 20, 3, 100, "linalg");
  }
  std::printf("\n== rewriting time against graph size (fast_run) ==\n");
  for (int n : {1000, 10000})
    rewriteTime("sum of exp(x * c_i)", wide, n);
  for (int n : {1000, 10000})
    rewriteTime("chain of elementwise ops", chain, n);
  return 0;
}
