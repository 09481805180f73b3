// Both cores: graphjit with 2 threads against 1, next to what hand-written OpenMP
// loops get on the same machine in the same run (and the 2-thread STREAM triad,
// the memory-bandwidth cap). Medians of several runs; run by `make bench`.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace baseline::omp {
void fused(const double *x, const double *y, const double *z, double *out, int64_t n, int threads);
void triad(double *a, const double *b, const double *c, double s, int64_t n, int threads);
} // namespace baseline::omp

using namespace graphjit;

namespace {
double medianSeconds(int runs, const std::function<void()> &f) {
  f(); // warm up: pages, caches, pool threads
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

Tensor random(const Shape &shape, double lo, double hi, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<size_t>(shapeSize(shape)));
  for (double &e : v)
    e = u(rng);
  return Tensor::fromVector(v, shape);
}

Function withThreads(const std::vector<Var> &in, const std::vector<Var> &out, const Updates &up,
                     int t) {
  CompileOptions o;
  o.numThreads = t;
  return compile(in, out, up, o);
}

/// t(1 thread) / t(2 threads) of `run(threads)`.
double speedup(int runs, const std::function<void(int)> &run) {
  double one = medianSeconds(runs, [&] { run(1); }), two = medianSeconds(runs, [&] { run(2); });
  return one / two;
}
} // namespace

int main() {
  const int64_t n = 10'000'000;
  Tensor xv = random({n}, -2, 2, 1), yv = random({n}, -2, 2, 2), zv = random({n}, -2, 2, 3);
  Tensor out = Tensor::empty(DType::Float64, {n});
  std::printf("== both cores (medians; speedup = time on 1 thread / time on 2) ==\n");

  double triad = speedup(9, [&](int t) {
    baseline::omp::triad(out.data<double>(), xv.data<double>(), yv.data<double>(), 3.0, n, t);
  });
  std::printf("STREAM triad 1e7, OpenMP: %.2fx (the memory-bandwidth cap)\n", triad);

  Var x = vector("x"), y = vector("y"), z = vector("z");
  Var fusedOut = exp(x) * y + log1p(z * z);
  Function f1 = withThreads({x, y, z}, {fusedOut}, {}, 1),
           f2 = withThreads({x, y, z}, {fusedOut}, {}, 2);
  double fusedJit = speedup(7, [&](int t) { (t == 1 ? f1 : f2)({xv, yv, zv}); });
  double fusedOmp = speedup(7, [&](int t) {
    baseline::omp::fused(xv.data<double>(), yv.data<double>(), zv.data<double>(),
                         out.data<double>(), n, t);
  });
  std::printf(
      "fused exp(x)*y + log1p(z*z) 1e7 f64: JIT %.2fx, OpenMP loop %.2fx, JIT/OpenMP %.2f (target: "
      ">= 1.8x, or >= 0.9 of OpenMP)\n",
      fusedJit, fusedOmp, fusedJit / fusedOmp);

  Var m = matrix("m");
  Tensor mv = random({1000, 10000}, -5, 5, 4);
  Function l1 = withThreads({m}, {logsumexp(m, 1)}, {}, 1),
           l2 = withThreads({m}, {logsumexp(m, 1)}, {}, 2);
  double lse = speedup(7, [&](int t) { (t == 1 ? l1 : l2)({mv}); });
  std::printf("row logsumexp 1000x10000: JIT %.2fx (target >= 1.8x)\n", lse);

  // The logistic-regression step as grad builds it; OpenBLAS gets the same thread count.
  Var X = matrix("X"), lab = vector("y");
  Var w = shared(Tensor::zeros(DType::Float64, {100}), "w"), b = shared(Tensor::scalar(0.0), "b");
  Var p = sigmoid(dot(X, w) + b);
  Var loss = -mean(lab * log(p) + (1.0 - lab) * log(1.0 - p));
  auto g = grad(loss, {w, b});
  Updates up{{w, w - 0.1 * g[0]}, {b, b - 0.1 * g[1]}};
  Function s1 = withThreads({X, lab}, {loss}, up, 1), s2 = withThreads({X, lab}, {loss}, up, 2);
  Tensor Xv = random({100000, 100}, -1, 1, 5), labv = random({100000}, 0, 1, 6);
  double step = speedup(9, [&](int t) {
    openblas_set_num_threads(t);
    (t == 1 ? s1 : s2)({Xv, labv});
  });
  std::printf("logistic-regression step N=1e5 D=100: %.2fx (target >= 1.8x or >= 0.9 of the "
              "triad's %.2fx)\n",
              step, triad);

  // Small kernels must not get slower when more threads are allowed.
  Tensor small = random({1000}, -2, 2, 7);
  double smallRatio = speedup(201, [&](int t) {
    for (int i = 0; i < 100; ++i)
      (t == 1 ? f1 : f2)({small, small, small});
  });
  std::printf("fused on 1e3 elements: time(2 threads allowed) / time(1) = %.3f (target <= 1.05)\n",
              1.0 / smallRatio);
  return 0;
}
