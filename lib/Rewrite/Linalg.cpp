// linalg: the structure-aware rewrites of PyTensor's tensor/rewriting/linalg.py —
// inverse, solve, determinant and Cholesky factor of diagonal and triangular
// matrices, inv(A) @ b -> solve(A, b), log(det(X)) -> slogdet.
//
// Every rule matches the 2-d op and its stack, a blockwise node of that core op (as PyTensor's
// rules match Blockwise(MatrixInverse)): a diagonal is read as a stack d[..., n] of diagonals,
// the replacements are built from ops that batch themselves (alloc_diag, extract_diag,
// elementwise, reductions over the last axis) or from the linalg builders, which build the
// stack again.
//
// A rewrite may not drop a check the original does at run time: a diagonal is
// read from eye(n) * X only when X is a scalar, a diagonal, or has static trailing dims that
// match n, and b's rows must provably match a diagonal's length. What the ops do on
// singular input is unchanged in kind: the JIT's dense ops give inf/NaN there,
// as the elementwise forms do (the interpreter's dense ops throw instead).
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Ops/Blockwise.h"
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

/// The op a node applies per matrix: its own, or the core of a blockwise node.
const Op &coreOf(const Apply &n) {
  if (n.op().name() == "blockwise") return static_cast<const Blockwise &>(n.op()).core();
  return n.op();
}

/// A rule on the linalg op `core` and on its stacks (blockwise nodes of it).
void addLinalg(RewriteRegistry &r, const std::string &name, const std::string &phase,
               const std::string &core, const std::string &algebra,
               std::function<std::vector<Var>(Apply &)> fn) {
  add(r, name, phase, {core, "blockwise"}, algebra,
      [core, fn = std::move(fn)](Apply &n) -> std::vector<Var> {
        if (coreOf(n).name() != core) return {};
        return fn(n);
      });
}

/// The node computing v if it applies `name` to one matrix or to a stack, else null.
Apply *producerOf(const Var &v, const char *name) {
  if (Apply *a = producer(v, name)) return a;
  Apply *b = producer(v, "blockwise");
  return b && coreOf(*b).name() == name ? b : nullptr;
}

/// Core rank of solve's right-hand side: 1 (vectors) or 2 (matrices).
int rhsRank(const Apply &solveNode) {
  if (solveNode.op().name() == "blockwise")
    return static_cast<int>(
        static_cast<const Blockwise &>(solveNode.op()).signature().inputs[1].size());
  return solveNode.input(1).ndim();
}

/// x without leading broadcast dims added by a dimshuffle (how a matrix meets a stack).
Var withoutLeadingBroadcast(const Var &v) {
  Apply *d = producer(v, "dimshuffle");
  if (!d) return v;
  const IntList &order = static_cast<const DimShuffle &>(d->op()).order();
  int in = d->input(0).ndim(), lead = static_cast<int>(order.size()) - in;
  if (lead <= 0) return v;
  for (int i = 0; i < static_cast<int>(order.size()); ++i)
    if (order[i] != (i < lead ? -1 : i - lead)) return v;
  return d->input(0);
}

/// n when the constant c is an identity matrix (with leading dims of 1), else -1: how
/// constant folding leaves an eye broadcast against a stack.
int64_t constantIdentitySize(const Var &c) {
  const Shape &s = c.type().shape;
  int nd = c.ndim();
  if (nd < 2 || s[nd - 1] != s[nd - 2] || s[nd - 1] < 0) return -1;
  for (int d = 0; d < nd - 2; ++d)
    if (s[d] != 1) return -1;
  const Tensor &t = c->constantValue();
  if (t.shape() != s) return -1;
  int64_t n = s[nd - 1];
  if (t.dtype() != DType::Float64 && t.dtype() != DType::Float32) return -1;
  Tensor f = t.astype(DType::Float64).contiguous(); // stops at the first entry that is not I's
  const double *v = f.data<double>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (v[i * n + j] != (i == j ? 1.0 : 0.0)) return -1;
  return n;
}

/// n for eye(n) (square, main diagonal), possibly broadcast to leading dims, else -1.
int64_t identitySize(const Var &v) {
  if (v->isConstant()) return constantIdentitySize(v);
  Apply *e = producer(withoutLeadingBroadcast(v), "eye");
  if (!e) return -1;
  Attrs a = e->op().attrs();
  int64_t n = a.getOr<int64_t>("n", -1), m = a.getOr<int64_t>("m", -1),
          k = a.getOr<int64_t>("k", 1);
  return n == m && k == 0 ? n : -1;
}

/// x without its axis `axis` (a static 1).
Var dropAxis(const Var &x, int axis) {
  IntList order;
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis) order.push_back(d);
  return dimshuffle(x, order);
}

/// The diagonals d[..., n] of eye(n) * x, or null. x a scalar or a stack of them (trailing dims
/// static 1): d = x * ones(n). A vector, or a (stack of) row or column vector(s), of static
/// length n: d = that vector. A (stack of) diagonal matrices: its diagonals (times ones(n) unless
/// of static length n: the product's own check that they have length n or 1). A (stack of) square
/// matrices of static size n: their diagonals. Anything else would lose the product's shape check.
Var diagonalOfProduct(const Var &x, int64_t n, DType dtype);

/// d with v = diag(d) (v[..., i, j] = d[..., i] where i = j, else 0), or null: alloc_diag(d),
/// eye(n) (d = ones), eye(n) * x (diagonalOfProduct).
Var diagonalOf(const Var &v) {
  if (v.ndim() < 2) return {};
  if (Apply *a = producer(v, "alloc_diag");
      a && a->inputs().size() == 1 && a->op().attrs().getOr<int64_t>("offset", 1) == 0)
    return a->input(0);
  if (int64_t n = identitySize(v); n >= 0 && v.ndim() == 2) return ones({n}, v.dtype());
  Apply *m = producer(v, "mul");
  if (!m || m->inputs().size() != 2) return {};
  for (int k = 0; k < 2; ++k) {
    int64_t n = identitySize(m->input(k));
    if (n < 0) continue;
    if (Var d = diagonalOfProduct(m->input(1 - k), n, v.dtype())) return d;
  }
  return {};
}

Var diagonalOfProduct(const Var &x, int64_t n, DType dtype) {
  int nd = x.ndim();
  const Shape &s = x.type().shape;
  if (nd == 0) return reshape(x, {1}) * ones({n}, dtype);
  if (nd == 1) return s[0] == 1 ? x * ones({n}, dtype) : s[0] == n ? x : Var{}; // a row
  int64_t rows = s[nd - 2], cols = s[nd - 1];
  if (rows == 1 && cols == 1) return dropAxis(x, nd - 1) * ones({n}, dtype);
  if (rows == 1 && cols == n) return dropAxis(x, nd - 2);
  if (rows == n && cols == 1) return dropAxis(x, nd - 1);
  if (Var d = diagonalOf(x)) return d.type().shape.back() == n ? d : d * ones({n}, dtype);
  if (rows == n && cols == n && n != kUnknownDim) return diagonal(x, 0, -2, -1);
  return {};
}

/// The stack of diagonal matrices with diagonals d[..., n].
Var diagMatrix(const Var &d) { return applyOp1(std::make_shared<AllocDiag>(0), {d}); }
/// The diagonals of a (stack of) matrices.
Var diagonals(const Var &v) { return diagonal(v, 0, -2, -1); }

/// L when v is computed by cholesky (lower triangular with a positive diagonal), else null.
bool isCholesky(const Var &v) { return producerOf(v, "cholesky") != nullptr; }
/// Lower triangular and square by construction: a Cholesky factor, or tril(x) (k <= 0) of a
/// static square shape (a dynamic one would lose det's and solve's check that it is square).
bool isLowerTriangular(const Var &v) {
  if (isCholesky(v)) return true;
  Apply *t = producerOf(v, "tril");
  const Shape &s = v.type().shape;
  int nd = v.ndim();
  return t && nd >= 2 && coreOf(*t).attrs().getOr<int64_t>("k", 1) <= 0 &&
         s[nd - 2] != kUnknownDim && s[nd - 2] == s[nd - 1];
}

/// b / d, rows of b divided (b[..., n] vectors or b[..., n, k] matrices, `rank` its core rank)
/// when b's rows provably number len(d).
Var divideRows(const Var &b, int rank, const Var &d) {
  int rows = b.ndim() - rank;
  if (rows < 0 || !(dimOrigin(b, rows) == dimOrigin(d, d.ndim() - 1))) return {};
  if (rank == 1) return b / d;
  if (rank == 2) return b / expand_dims(d, -1);
  return {};
}

std::vector<Var> sameType(Apply &n, const Var &v) {
  return v && v.type() == n.output(0).type() ? one(v) : std::vector<Var>{};
}

/// True for dimshuffle(l) swapping the last two axes of l and keeping the others.
bool isTransposeOf(const Var &t, const Var &l) {
  Apply *d = producer(t, "dimshuffle");
  if (!d || d->input(0) != l) return false;
  const IntList &order = static_cast<const DimShuffle &>(d->op()).order();
  int nd = l.ndim();
  if (nd < 2 || static_cast<int>(order.size()) != nd) return false;
  for (int i = 0; i < nd - 2; ++i)
    if (order[i] != i) return false;
  return order[nd - 2] == nd - 1 && order[nd - 1] == nd - 2;
}
} // namespace

void registerLinalgRewrites(RewriteRegistry &r) {
  addLinalg(r, "local_inv_diag", "canonicalize", "matrix_inverse",
            "inv(diag(d)) -> diag(1 / d); inv(eye(n) * c) -> eye(n) / c (also over stacks)",
            [](Apply &n) {
              Var d = diagonalOf(n.input(0));
              return d ? sameType(n, diagMatrix(reciprocal(d))) : std::vector<Var>{};
            });
  addLinalg(r, "local_solve_diag", "canonicalize", "solve",
            "solve(diag(d), b) -> b / d (row-wise; also over stacks)", [](Apply &n) {
              Var d = diagonalOf(n.input(0));
              return d ? sameType(n, divideRows(n.input(1), rhsRank(n), d)) : std::vector<Var>{};
            });
  addLinalg(r, "local_det_diag", "canonicalize", "det",
            "det(diag(d)) -> prod(d); det(T) -> prod(diagonal(T)) for T triangular (also over "
            "stacks)",
            [](Apply &n) {
              if (Var d = diagonalOf(n.input(0))) return sameType(n, prod(d, -1));
              if (isLowerTriangular(n.input(0)))
                return sameType(n, prod(diagonals(n.input(0)), -1));
              return std::vector<Var>{};
            });
  addLinalg(r, "local_slogdet_triangular", "canonicalize", "slogdet",
            "slogdet(L) -> (1, sum(log(diagonal(L)))) for L a Cholesky factor (also over stacks)",
            [](Apply &n) {
              if (!isCholesky(n.input(0))) return std::vector<Var>{};
              Var logabs = sum(log(diagonals(n.input(0))), -1);
              Var sign = full_like(logabs, 1);
              if (sign.type() != n.output(0).type() || logabs.type() != n.output(1).type())
                return std::vector<Var>{};
              return std::vector<Var>{sign, logabs};
            });
  add(r, "local_log_det", "stabilize", {"log"},
      "log(det(X)) -> log(sign) + logabsdet of slogdet(X); log(abs(det(X))) -> logabsdet (also "
      "over stacks)",
      [](Apply &n) -> std::vector<Var> {
        Var x = n.input(0);
        bool absolute = false;
        if (Apply *a = producer(x, "abs")) {
          x = a->input(0);
          absolute = true;
        }
        Apply *d = producerOf(x, "det");
        if (!d) return {};
        auto [sign, logabs] = slogdet(d->input(0));
        return sameType(n, absolute ? logabs : log(sign) + logabs);
      });
  add(r, "local_inv_matmul", "specialize", {"matmul"},
      "inv(A) @ b -> solve(A, b) (inv(A) used only here; also over stacks)", [](Apply &n) {
        Apply *i = producerOf(n.input(0), "matrix_inverse");
        if (!i || !onlyUse(n.input(0))) return std::vector<Var>{};
        return sameType(n, solve(i->input(0), n.input(1)));
      });
  addLinalg(r, "local_solve_eye", "specialize", "solve",
            "solve(A, eye(n)) -> inv(A) (one inverse instead of n solves; also over stacks)",
            [](Apply &n) {
              if (rhsRank(n) != 2 || identitySize(n.input(1)) < 0) return std::vector<Var>{};
              return sameType(n, inv(n.input(0)));
            });
  addLinalg(r, "local_solve_triangular", "specialize", "solve",
            "solve(L, b) -> solve_triangular(L, b, lower) for L a Cholesky factor or tril(x) "
            "(also over stacks)",
            [](Apply &n) {
              if (!isLowerTriangular(n.input(0))) return std::vector<Var>{};
              return sameType(n, solve_triangular(n.input(0), n.input(1), true, false, rhsRank(n)));
            });
  addLinalg(r, "local_cholesky_diag", "canonicalize", "cholesky",
            "cholesky(diag(d)) -> diag(sqrt(d)) (also over stacks)", [](Apply &n) {
              Var d = diagonalOf(n.input(0));
              return d ? sameType(n, diagMatrix(sqrt(d))) : std::vector<Var>{};
            });
  addLinalg(r, "local_cholesky_llt", "canonicalize", "cholesky",
            "cholesky(L @ L.T) -> L for L a Cholesky factor (lower, positive diagonal; also over "
            "stacks)",
            [](Apply &n) {
              Apply *m = producer(n.input(0), "matmul");
              if (!m || !isCholesky(m->input(0)) || !isTransposeOf(m->input(1), m->input(0)))
                return std::vector<Var>{};
              return sameType(n, m->input(0));
            });
}

} // namespace graphjit::rewrite
