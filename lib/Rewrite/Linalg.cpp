// linalg: the structure-aware rewrites of PyTensor's tensor/rewriting/linalg.py —
// inverse, solve, determinant and Cholesky factor of diagonal and triangular
// matrices, inv(A) @ b -> solve(A, b), log(det(X)) -> slogdet.
//
// A rewrite may not drop a check the original does at run time: a diagonal is
// read from eye(n) * X only when X is a scalar or a diagonal of static length
// n, and b's rows must provably match a diagonal's length. What the ops do on
// singular input is unchanged in kind: the JIT's dense ops give inf/NaN there,
// as the elementwise forms do (the interpreter's dense ops throw instead).
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Ops/Diagonal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit::rewrite {

namespace {
void add(RewriteRegistry &r, const std::string &name, const std::string &phase,
         std::vector<std::string> ops, const std::string &algebra,
         std::function<std::vector<Var>(Apply &)> fn) {
  r.add(NodeRewriter{name, {phase, "linalg"}, std::move(ops), algebra, "", std::move(fn)});
}

/// n for eye(n) (square, main diagonal), else -1.
int64_t identitySize(const Var &v) {
  Apply *e = producer(v, "eye");
  if (!e) return -1;
  Attrs a = e->op().attrs();
  int64_t n = a.getOr<int64_t>("n", -1), m = a.getOr<int64_t>("m", -1),
          k = a.getOr<int64_t>("k", 1);
  return n == m && k == 0 ? n : -1;
}

/// d with v = diag(d), or null: alloc_diag(d), eye(n) (d = ones), eye(n) * c for a scalar c, and
/// eye(n) * diag(d) (d * ones(n) unless d has static length n: the product's own check that d has
/// length n or 1, and its broadcast of a length 1).
Var diagonalOf(const Var &v) {
  if (v.ndim() != 2) return {};
  if (Apply *a = producer(v, "alloc_diag");
      a && a->inputs().size() == 1 && a->op().attrs().getOr<int64_t>("offset", 1) == 0)
    return a->input(0);
  if (int64_t n = identitySize(v); n >= 0) return ones({n}, v.dtype());
  Apply *m = producer(v, "mul");
  if (!m) return {};
  for (int k = 0; k < 2; ++k) {
    int64_t n = identitySize(m->input(k));
    if (n < 0) continue;
    const Var &x = m->input(1 - k);
    if (x.ndim() == 0 || (x.type().shape == Shape{1, 1}))
      return reshape(x, {1}) * ones({n}, v.dtype());
    Var d = diagonalOf(x);
    if (d) return d.type().shape[0] == n ? d : d * ones({n}, v.dtype());
  }
  return {};
}

/// L when v is computed by cholesky (lower triangular with a positive diagonal), else null.
bool isCholesky(const Var &v) { return producer(v, "cholesky") != nullptr; }
/// Lower triangular and square by construction: a Cholesky factor, or tril(x) (k <= 0) of a
/// static square shape (a dynamic one would lose det's and solve's check that it is square).
bool isLowerTriangular(const Var &v) {
  if (isCholesky(v)) return true;
  Apply *t = producer(v, "tril");
  const Shape &s = v.type().shape;
  return t && t->op().attrs().getOr<int64_t>("k", 1) <= 0 && s[0] != kUnknownDim && s[0] == s[1];
}

/// b / d, rows of b divided (b a vector or a matrix) when b's rows provably number len(d).
Var divideRows(const Var &b, const Var &d) {
  if (!(dimOrigin(b, 0) == dimOrigin(d, 0))) return {};
  if (b.ndim() == 1) return b / d;
  if (b.ndim() == 2) return b / dimshuffle(d, {0, -1});
  return {};
}

std::vector<Var> sameType(Apply &n, const Var &v) {
  return v && v.type() == n.output(0).type() ? one(v) : std::vector<Var>{};
}
} // namespace

void registerLinalgRewrites(RewriteRegistry &r) {
  add(r, "local_inv_diag", "canonicalize", {"matrix_inverse"},
      "inv(diag(d)) -> diag(1 / d); inv(eye(n) * c) -> eye(n) / c", [](Apply &n) {
        Var d = diagonalOf(n.input(0));
        return d ? sameType(n, diag(reciprocal(d))) : std::vector<Var>{};
      });
  add(r, "local_solve_diag", "canonicalize", {"solve"}, "solve(diag(d), b) -> b / d (row-wise)",
      [](Apply &n) {
        Var d = diagonalOf(n.input(0));
        return d ? sameType(n, divideRows(n.input(1), d)) : std::vector<Var>{};
      });
  add(r, "local_det_diag", "canonicalize", {"det"},
      "det(diag(d)) -> prod(d); det(T) -> prod(diagonal(T)) for T triangular", [](Apply &n) {
        if (Var d = diagonalOf(n.input(0))) return sameType(n, prod(d));
        if (isLowerTriangular(n.input(0))) return sameType(n, prod(diagonal(n.input(0))));
        return std::vector<Var>{};
      });
  add(r, "local_slogdet_triangular", "canonicalize", {"slogdet"},
      "slogdet(L) -> (1, sum(log(diagonal(L)))) for L a Cholesky factor", [](Apply &n) {
        if (!isCholesky(n.input(0))) return std::vector<Var>{};
        Var logabs = sum(log(diagonal(n.input(0))));
        Var sign = full_like(logabs, 1);
        if (sign.type() != n.output(0).type() || logabs.type() != n.output(1).type())
          return std::vector<Var>{};
        return std::vector<Var>{sign, logabs};
      });
  add(r, "local_log_det", "stabilize", {"log"},
      "log(det(X)) -> log(sign) + logabsdet of slogdet(X); log(abs(det(X))) -> logabsdet",
      [](Apply &n) -> std::vector<Var> {
        Var x = n.input(0);
        bool absolute = false;
        if (Apply *a = producer(x, "abs")) {
          x = a->input(0);
          absolute = true;
        }
        Apply *d = producer(x, "det");
        if (!d) return {};
        auto [sign, logabs] = slogdet(d->input(0));
        return sameType(n, absolute ? logabs : log(sign) + logabs);
      });
  add(r, "local_inv_matmul", "specialize", {"matmul"},
      "inv(A) @ b -> solve(A, b) (inv(A) used only here)", [](Apply &n) {
        Apply *i = producer(n.input(0), "matrix_inverse");
        if (!i || !onlyUse(n.input(0))) return std::vector<Var>{};
        return sameType(n, solve(i->input(0), n.input(1)));
      });
  add(r, "local_solve_eye", "specialize", {"solve"},
      "solve(A, eye(n)) -> inv(A) (one inverse instead of n solves)", [](Apply &n) {
        int64_t k = identitySize(n.input(1));
        return k >= 0 ? sameType(n, inv(n.input(0))) : std::vector<Var>{};
      });
  add(r, "local_solve_triangular", "specialize", {"solve"},
      "solve(L, b) -> solve_triangular(L, b, lower) for L a Cholesky factor or tril(x)",
      [](Apply &n) {
        if (!isLowerTriangular(n.input(0))) return std::vector<Var>{};
        return sameType(n, solve_triangular(n.input(0), n.input(1), true));
      });
  add(r, "local_cholesky_diag", "canonicalize", {"cholesky"}, "cholesky(diag(d)) -> diag(sqrt(d))",
      [](Apply &n) {
        Var d = diagonalOf(n.input(0));
        return d ? sameType(n, diag(sqrt(d))) : std::vector<Var>{};
      });
  add(r, "local_cholesky_llt", "canonicalize", {"cholesky"},
      "cholesky(L @ L.T) -> L for L a Cholesky factor (lower, positive diagonal)", [](Apply &n) {
        Apply *m = producer(n.input(0), "matmul");
        if (!m || !isCholesky(m->input(0))) return std::vector<Var>{};
        Apply *t = producer(m->input(1), "dimshuffle");
        if (!t || t->input(0) != m->input(0) ||
            static_cast<const DimShuffle &>(t->op()).order() != IntList{1, 0})
          return std::vector<Var>{};
        return sameType(n, m->input(0));
      });
}

} // namespace graphjit::rewrite
