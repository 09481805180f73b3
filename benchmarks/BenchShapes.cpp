// Shapes without the data (issue 21), measured (`make bench`): the compiled shape of
// a concatenated matrix product and prod(shape(x * y)) under the default rewrites,
// against the same functions with the shape rules excluded (which compute the data),
// in the same run; and one compiled PageRank step on two sizes.
#include "Paired.h"

#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

using namespace graphjit;

namespace {
using Clock = std::chrono::steady_clock;

/// Median seconds per call of f over `reps` calls (after one warm-up call).
double perCall(const Function &f, const std::vector<Tensor> &args, int reps) {
  f(args);
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    f(args);
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

Tensor randomTensor(const Shape &shape, uint64_t seed) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  uint64_t s = seed;
  for (int64_t i = 0; i < t.size(); ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    p[i] = static_cast<double>(s >> 11) / 9007199254740992.0;
  }
  return t;
}

Function compiled(const std::vector<Var> &ins, const Var &out, const std::string &query,
                  Mode mode) {
  CompileOptions o;
  o.rewrites = query;
  o.mode = mode;
  return compile(ins, {out}, {}, o);
}

void shapeRatio(const char *what, const std::vector<Var> &ins, const Var &out,
                const std::vector<Tensor> &args, int repsFull, double target,
                Mode mode = Mode::JIT) {
  Function lazy = compiled(ins, out, "fast_run", mode),
           full = compiled(ins, out, "fast_run,-pushdown", mode);
  bool same = allclose(lazy(args)[0], full(args)[0]);
  double tl = perCall(lazy, args, 2000), tf = perCall(full, args, repsFull);
  std::printf("%-52s %10.3f ms vs %8.4f ms = %9.0fx (target >= %.0fx)%s\n", what, tf * 1e3,
              tl * 1e3, tf / tl, target, same ? "" : "  VALUES DIFFER");
}

/// Positions as graph values: one compiled x[i:j] / x[i] / x[i] = v for every position, against the
/// static op compiled for the same numbers (and take, the old way to index with a graph value).
void symbolicPositions() {
  std::printf("\n== symbolic positions (JIT): dynamic op / static op, paired passes ==\n");
  const int64_t n = 2000;
  Var x = matrix("x"), i = scalar("i", DType::Int64), j = scalar("j", DType::Int64);
  Tensor xv = randomTensor({n, n}, 7);
  auto i64 = [](int64_t v) { return Tensor::scalar(static_cast<double>(v), DType::Int64); };
  std::vector<Tensor> args{xv, i64(500), i64(1000)};
  struct Row {
    const char *what;
    Var dynamic, fixed;
  };
  for (const Row &row :
       {Row{"x[i:j] (500 of 2000 rows), f64[?,?]", x(slice(i, j)), x(slice(500, 1000))},
        Row{"x[i] (one row of 2000), f64[?,?]", x[i], x[500]},
        Row{"x[i] vs take(x, i) (0-d index)", x[i], take(x, i)},
        Row{"set_subtensor(x, {i}, 0) (2000x2000 copy)", set_subtensor(x, {i}, constant(0.0)),
            set_subtensor(x, {IndexEntry::at(500)}, constant(0.0))}}) {
    Function fd = compile({x, i, j}, {row.dynamic});
    std::vector<Var> ins{x, i, j};
    Function fs = compile(ins, {row.fixed});
    bool same = allclose(fd(args)[0], fs(args)[0], 0, 0);
    int reps = row.dynamic.ndim() == 1 ? 2000 : 20;
    bench::Paired p = bench::paired(7, reps, [&] { fd(args); }, [&] { fs(args); });
    bench::printRow(row.what, p.ratio, "<= 1.2",
                    bench::figure(p.a, 1e3, "ms") + " vs " + bench::figure(p.b, 1e3, "ms") +
                        (same ? "" : "  VALUES DIFFER"));
  }
}
} // namespace

int main() {
  std::printf("== shape(f(x)) without computing f: fast_run vs fast_run,-pushdown (median) ==\n");
  {
    const int64_t n = 1500;
    Var A = matrix("A"), B = matrix("B");
    Var out = shape(concatenate({reshape(matmul(A, B), {-1}), reshape(A, {-1}), reshape(B, {-1})}));
    shapeRatio("shape(concatenate([ravel(A @ B), ...])), 1500, f64[?,?]", {A, B}, out,
               {randomTensor({n, n}, 1), randomTensor({n, n}, 2)}, 5, 10000);
  }
  {
    // A symbolic reshape target (issue 21 part A): size_shape answers from k and shape(A @ B).
    const int64_t n = 1500;
    Var A = matrix("A"), B = matrix("B"), k = scalar("k", DType::Int64);
    Var out = shape(reshape(matmul(A, B), {k, -1}));
    shapeRatio(
        "shape(reshape(A @ B, (k, -1))), 1500, k symbolic", {A, B, k}, out,
        {randomTensor({n, n}, 1), randomTensor({n, n}, 2), Tensor::scalar(750, DType::Int64)}, 5,
        10000);
  }
  {
    const int64_t n = 3000;
    Var x = matrix("x"), y = matrix("y");
    std::vector<Tensor> args{randomTensor({n, n}, 3), randomTensor({n, n}, 4)};
    // The JIT's kernel for shape(x * y) already drops the dead product (MLIR folds tensor.dim of
    // it), so there the figure compares two kernels; the interpreter computes the product.
    shapeRatio("prod(shape(x * y)), 3000x3000, f64[?,?], JIT", {x, y}, prod(shape(x * y)), args, 5,
               0);
    // Paired: the shape graph (infer_shape lowered into the kernel, no host step) against the
    // unrewritten shape(x * y) kernel; target: no slower (ratio <= 1.05 on a quiet machine).
    Function lazy = compiled({x, y}, prod(shape(x * y)), "fast_run", Mode::JIT),
             fused = compiled({x, y}, prod(shape(x * y)), "fast_run,-pushdown", Mode::JIT);
    bench::Paired pr = bench::paired(15, 20000, [&] { lazy(args); }, [&] { fused(args); });
    bench::printRow("prod(shape(x * y)) JIT: shape graph / fused kernel (paired)", pr.ratio,
                    "<= 1.05",
                    bench::figure(pr.a, 1e6, "us") + " vs " + bench::figure(pr.b, 1e6, "us") +
                        ", " + std::to_string(lazy.compileStats().hostSteps) + " host steps");
    shapeRatio("prod(shape(x * y)), 3000x3000, f64[?,?], interpreter", {x, y}, prod(shape(x * y)),
               args, 5, 1000, Mode::Interpret);
  }
  std::printf("\n== a size-agnostic program: one compiled PageRank step, eye(M.shape[0]) ==\n");
  {
    Var M = matrix("M"), r = vector("r");
    Var next = matmul(0.85 * M + 0.15 * eye(shape_i(M, 0)), r);
    auto t0 = Clock::now();
    Function f = compile({M, r}, {next / sum(next)});
    double tc = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("compiled once in %.3f s (%zu kernels, %zu host steps)\n", tc,
                f.compileStats().kernels, f.compileStats().hostSteps);
    for (int64_t n : {80, 2000}) {
      std::vector<Tensor> args{randomTensor({n, n}, 5), randomTensor({n}, 6)};
      std::printf("n = %5lld: %10.3f ms per step\n", static_cast<long long>(n),
                  perCall(f, args, n < 1000 ? 200 : 10) * 1e3);
    }
  }
  symbolicPositions();
  return 0;
}
