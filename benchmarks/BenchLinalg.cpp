// Batched linear algebra, measured (`make bench`): inv, solve (vector right-hand sides) and
// cholesky of 1000 8x8 and 10 256x256 matrices through compiled Functions (Blockwise: graphjit's
// own kernels for orders <= 16, lib/Ops/SmallLinalg.cpp, else one loop of LAPACK calls), against
// a C++ loop of the LAPACK calls graphjit makes above order 16, on the same layout (timed
// paired with graphjit, alternating passes: benchmarks/Paired.h) and NumPy's batched calls
// timed in the same run by benchmarks/numpy_linalg.py. OpenBLAS runs on one thread in both
// processes, as the other baselines do: on the shared 2-core machine its threads cost 40x on
// 8x8 problems, which would measure the machine's load.
#include "Paired.h"
#include "graphjit/graphjit.h"

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
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info);
void openblas_set_num_threads(int);
}

using namespace graphjit;

namespace {
constexpr int kPasses = 15;

/// NumPy's medians by "<op> <count> <n>", empty when Python or NumPy is missing.
std::map<std::string, double> numpyTimes() {
  std::map<std::string, double> r;
  std::string cmd = std::string("OPENBLAS_NUM_THREADS=1 /usr/bin/python3 ") + GRAPHJIT_BENCH_DIR +
                    "/numpy_linalg.py " + std::to_string(kPasses) + " 2>/dev/null";
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
/// graphjit's calls: LU of the row-major copy (A^T read column-major), then the transposed solve.
void loopSolve(const std::vector<double> &a, const std::vector<double> &b, std::vector<double> &out,
               int count, int n) {
  std::vector<double> work(static_cast<size_t>(n) * n);
  std::vector<int> ipiv(n);
  int info = 0, one = 1;
  size_t nn = work.size();
  for (int e = 0; e < count; ++e) {
    std::memcpy(work.data(), a.data() + e * nn, nn * sizeof(double));
    double *o = out.data() + static_cast<size_t>(e) * n;
    std::memcpy(o, b.data() + static_cast<size_t>(e) * n, n * sizeof(double));
    dgetrf_(&n, &n, work.data(), &n, ipiv.data(), &info);
    dgetrs_("T", &n, &one, work.data(), &n, ipiv.data(), o, &n, &info);
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
    int reps = n <= 8 ? 5 : 1;
    for (Case &c : cases) {
      bench::Paired p = bench::paired(kPasses, reps, [&] { c.f(c.args); }, c.loop);
      std::string key = std::string(c.op) + " " + std::to_string(count) + " " + std::to_string(n);
      std::string work = "batched " + std::string(c.op) + " " + std::to_string(count) + " x " +
                         std::to_string(n) + "x" + std::to_string(n) +
                         " / C++ loop of LAPACK calls";
      bench::printRow(work, p.ratio, "<= 1.0",
                      bench::figure(p.a, 1e6, "us") + " vs " + bench::figure(p.b, 1e6, "us"));
      if (np.count(key)) // another process: the ratio of medians, not a paired one
        std::printf("| %-72s | %6.3f                | %-10s | %.4g us vs %.4g us\n",
                    ("  the same / NumPy's batched call (median / median)"), p.a.median / np[key],
                    "<= 1.1", p.a.median * 1e6, np[key] * 1e6);
    }
  }
}
