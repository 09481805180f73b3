// Gradients of eigh, svd (singular values), qr, pinv and expm, as graphs of existing ops (so
// gradients of gradients work and stacks batch through Blockwise).
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/LinalgDecomp.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Registry.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

namespace {
Var t(const Var &x) { return transpose(x); }
/// Row vector v[None, :] times each row of m: m diag(v).
Var scaleColumns(const Var &m, const Var &v) { return m * dimshuffle(v, {-1, 0}); }
/// Pieces of `x` along `axis` as long as `a` and `b` are along that axis (shapes may be unknown).
std::vector<Var> splitLike(const Var &x, const Var &a, const Var &b, int64_t axis) {
  return applyOp(opRegistry().make("split_like", Attrs{{"axis", axis}}), {x, a, b});
}
} // namespace

std::vector<Var> DecompOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                                const std::vector<Var> &g) const {
  const Var &a = inputs[0];
  switch (kind_) {
  case DecompKind::Eigh: {
    // A = V diag(w) V^T: Abar = V (diag(wbar) + F o (V^T Vbar)) V^T, F_ij = 1 / (w_j - w_i) off
    // the diagonal; eigh reads the lower triangle, so the upper part's gradient folds onto it.
    if (!g[0] && !g[1]) return {Var()};
    const Var &w = outputs[0], &v = outputs[1];
    Var inner;
    if (g[1]) {
      Var diff = dimshuffle(w, {-1, 0}) - dimshuffle(w, {0, -1});
      Var zero = eq(diff, 0.0);
      Var f = where(zero, full_like(diff, 0.0), 1.0 / where(zero, full_like(diff, 1.0), diff));
      inner = f * matmul(t(v), g[1]);
    }
    Var left = g[0] ? scaleColumns(v, g[0]) : Var();
    Var full = left ? matmul(left, t(v)) : Var();
    if (inner) full = full ? full + matmul(matmul(v, inner), t(v)) : matmul(matmul(v, inner), t(v));
    return {tril(full) + t(triu(full, 1))};
  }
  case DecompKind::Svd: { // values only: ds = diag(U^T dA V), Abar = U diag(sbar) Vh
    if (uv_ && (g[0] || g[2]))
      throw NotImplementedError("svd: the gradient through U and Vh is not implemented (only "
                                "through the singular values)");
    Var sbar = uv_ ? g[1] : g[0];
    if (!sbar) return {Var()};
    auto [u, s, vh] = svd(a, false);
    return {matmul(scaleColumns(u, sbar), vh)};
  }
  case DecompKind::Qr: {
    // Square or tall A (m >= n): M = R Rbar^T - Qbar^T Q, Abar = (Qbar + Q copyltu(M)) R^-T.
    int64_t m = a.type().shape[0], n = a.type().shape[1];
    if (m != kUnknownDim && n != kUnknownDim && m < n)
      throw NotImplementedError("qr: the gradient of a wide matrix (" + a.type().str() +
                                ") is not implemented (only m >= n)");
    const Var &q = outputs[0], &r = outputs[1];
    if (!g[0] && !g[1]) return {Var()};
    Var mm;
    if (g[1]) mm = matmul(r, t(g[1]));
    if (g[0]) mm = mm ? mm - matmul(t(g[0]), q) : -matmul(t(g[0]), q);
    Var copyltu = tril(mm) + t(tril(mm, -1));
    Var b = matmul(q, copyltu);
    if (g[0]) b = b + g[0];
    return {t(solve_triangular(r, t(b), false, false))};
  }
  case DecompKind::Pinv: {
    // Constant rank (Golub & Pereyra): Abar = -P^T G P^T + (I - A P) G^T P P^T
    //                                         + P^T P G^T (I - P A), with P = pinv(A).
    if (!g[0]) return {Var()};
    const Var &p = outputs[0], &gg = g[0];
    Var gt = t(gg), pt = t(p);
    Var term2 = matmul(matmul(gt, p), pt);
    term2 = term2 - matmul(a, matmul(p, term2));
    Var term3 = matmul(matmul(pt, p), gt);
    term3 = term3 - matmul(matmul(term3, p), a);
    return {-matmul(matmul(pt, gg), pt) + term2 + term3};
  }
  case DecompKind::Expm: {
    // Abar = L(A^T, G), the Frechet derivative: the upper-right block of exp([[A^T, G], [0, A^T]]).
    if (!g[0]) return {Var()};
    Var at = t(a), zero = full_like(a, 0.0);
    Var big = concatenate({concatenate({at, g[0]}, 1), concatenate({zero, at}, 1)}, 0);
    Var top = splitLike(expm(big), a, a, 0)[0];
    return {splitLike(top, a, a, 1)[1]};
  }
  }
  return {Var()};
}

} // namespace graphjit
