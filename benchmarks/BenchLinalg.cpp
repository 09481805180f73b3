// Batched linear algebra, measured (`make bench`): inv, solve (vector right-hand sides) and
// cholesky of 1000 8x8 and 10 256x256 matrices through compiled Functions (Blockwise, one loop
// of LAPACK calls), against a C++ loop of the same LAPACK calls (timed paired with graphjit,
// alternating) and NumPy's batched calls timed in the same run by benchmarks/numpy_linalg.py.
// OpenBLAS runs on one thread in both processes, as the other baselines do: on the shared 2-core
// machine its threads cost 40x on 8x8 problems, which would measure the machine's load.
#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

extern "C" {
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
            const int *ldb, int *info);
void openblas_set_num_threads(int);
}

using namespace graphjit;

namespace {
using Clock = std::chrono::steady_clock;
constexpr int kReps = 15;

double seconds(const std::function<void()> &f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
/// Medians of `a` and `b` timed in alternation (paired runs: both see the same machine load).
std::pair<double, double> paired(const std::function<void()> &a, const std::function<void()> &b) {
  a(), b();
  std::vector<double> ta, tb;
  for (int i = 0; i < kReps; ++i)
    ta.push_back(seconds(a)), tb.push_back(seconds(b));
  return {median(ta), median(tb)};
}

/// NumPy's medians by "<op> <count> <n>", empty when Python or NumPy is missing.
std::map<std::string, double> numpyTimes() {
  std::map<std::string, double> r;
  std::string cmd = std::string("OPENBLAS_NUM_THREADS=1 /usr/bin/python3 ") + GRAPHJIT_BENCH_DIR +
                    "/numpy_linalg.py " + std::to_string(kReps) + " 2>/dev/null";
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char op[32];
  long count, n;
  double s;
  while (std::fscanf(p, "%31s %ld %ld %lf", op, &count, &n, &s) == 4)
    r[std::string(op) + " " + std::to_string(count) + " " + std::to_string(n)] = s;
  pclose(p);
  return r;
}

/// The hand-written loop: per matrix, the copy LAPACK needs and one LAPACK call.
void loopInv(const std::vector<double> &a, std::vector<double> &out, int count, int n) {
  std::vector<double> work(static_cast<size_t>(n) * n);
  std::vector<int> ipiv(n);
  int info = 0;
  size_t nn = work.size();
  for (int e = 0; e < count; ++e) { // inv(A^T) = inv(A)^T: the row-major buffers need no transpose
    std::memcpy(work.data(), a.data() + e * nn, nn * sizeof(double));
    double *o = out.data() + e * nn;
    std::memset(o, 0, nn * sizeof(double));
    for (int i = 0; i < n; ++i)
      o[i * n + i] = 1;
    dgesv_(&n, &n, work.data(), &n, ipiv.data(), o, &n, &info);
  }
}
void loopSolve(const std::vector<double> &a, const std::vector<double> &b, std::vector<double> &out,
               int count, int n) {
  std::vector<double> work(static_cast<size_t>(n) * n);
  std::vector<int> ipiv(n);
  int info = 0, one = 1;
  size_t nn = work.size();
  for (int e = 0; e < count; ++e) {
    const double *pa = a.data() + e * nn;
    for (int i = 0; i < n; ++i) // column-major A
      for (int j = 0; j < n; ++j)
        work[j * n + i] = pa[i * n + j];
    double *o = out.data() + static_cast<size_t>(e) * n;
    std::memcpy(o, b.data() + static_cast<size_t>(e) * n, n * sizeof(double));
    dgesv_(&n, &one, work.data(), &n, ipiv.data(), o, &n, &info);
  }
}
void loopCholesky(const std::vector<double> &a, std::vector<double> &out, int count, int n) {
  size_t nn = static_cast<size_t>(n) * n;
  int info = 0;
  for (int e = 0; e < count; ++e) {
    double *o = out.data() + e * nn;
    std::memcpy(o, a.data() + e * nn, nn * sizeof(double));
    dpotrf_("U", &n, o, &n, &info);
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        o[i * n + j] = 0;
  }
}
} // namespace

int main() {
  openblas_set_num_threads(1);
  std::map<std::string, double> np = numpyTimes();
  std::printf("%-9s %6s %4s %12s %12s %12s %9s %9s\n", "op", "count", "n", "graphjit_s",
              "cpp_loop_s", "numpy_s", "vs_loop", "vs_numpy");
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-1, 1);
  for (auto [count, n] : {std::pair{1000, 8}, std::pair{10, 256}}) {
    size_t nn = static_cast<size_t>(n) * n;
    std::vector<double> a(count * nn), b(static_cast<size_t>(count) * n);
    for (size_t i = 0; i < a.size(); ++i)
      a[i] = u(rng) + ((i % nn) % (n + 1) == 0 ? n : 0);
    for (double &x : b)
      x = u(rng);
    Tensor at = Tensor::fromVector(a, {count, n, n}), bt = Tensor::fromVector(b, {count, n});
    Var x = tensor(DType::Float64, {count, n, n}, "x"), r = tensor(DType::Float64, {count, n}, "r");
    Tensor spd = evaluate(matmul(x, transpose(x, {0, 2, 1})), {{x, at}});
    std::vector<double> spdv = spd.toDoubles(), out(a.size());
    struct Case {
      const char *op;
      Function f;
      std::vector<Tensor> args;
      std::function<void()> loop;
    };
    std::vector<Case> cases;
    cases.push_back({"inv", compile({x}, {inv(x)}), {at}, [&] { loopInv(a, out, count, n); }});
    cases.push_back({"solve", compile({x, r}, {solve(x, r, 1)}), {at, bt}, [&] {
                       loopSolve(a, b, out, count, n);
                     }});
    cases.push_back({"cholesky", compile({x}, {cholesky(x)}), {spd}, [&] {
                       loopCholesky(spdv, out, count, n);
                     }});
    for (Case &c : cases) {
      auto [ours, loop] = paired([&] { c.f(c.args); }, c.loop);
      std::string key = std::string(c.op) + " " + std::to_string(count) + " " + std::to_string(n);
      double npS = np.count(key) ? np[key] : 0;
      std::printf("%-9s %6d %4d %12.3e %12.3e %12.3e %9.3f %9s\n", c.op, count, n, ours, loop, npS,
                  ours / loop, npS > 0 ? std::to_string(ours / npS).substr(0, 5).c_str() : "n/a");
    }
  }
}
