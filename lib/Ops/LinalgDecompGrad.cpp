// Gradients of eigh, svd (values, U and Vh), qr (tall and wide), pinv and expm, as graphs of
// existing ops (so gradients of gradients work and stacks batch through Blockwise).
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Diagonal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/LinalgDecomp.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Registry.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgs.h"
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

/// Reduced SVD A = U diag(s) Vh (k = min(m, n)), real case, as PyTorch's svd_backward:
///   Abar = U [(skew(U^T Ubar) s_row + s_col skew(V^T Vbar)) / E + diag(sbar)] Vh
///        + (I - U U^T) Ubar diag(1/s) Vh + U diag(1/s) Vhbar (I - V V^T),
/// skew(X) = X - X^T, E_jk = s_k^2 - s_j^2 off the diagonal (1 on it). The last two terms vanish
/// when U (or V) is square, and are left out when the static shape says so.
Var svdGrad(const Var &a, const Var &u, const Var &s, const Var &vh, const Var &gu, const Var &gs,
            const Var &gvh) {
  Var row = dimshuffle(s, {-1, 0}), col = dimshuffle(s, {0, -1}), s2 = s * s;
  Var e = dimshuffle(s2, {-1, 0}) - dimshuffle(s2, {0, -1}) + diag(ones_like(s));
  Var skewU, skewV;
  if (gu) {
    Var x = matmul(t(u), gu);
    skewU = x - t(x);
  }
  if (gvh) {
    Var x = matmul(vh, t(gvh)); // V^T Vbar with Vbar = Vhbar^T
    skewV = x - t(x);
  }
  Var inner = skewU && skewV ? (skewU * row + col * skewV) / e
              : skewU        ? (skewU / e) * row
                             : col * (skewV / e);
  if (gs) inner = inner + diag(gs);
  Var ga = matmul(matmul(u, inner), vh);
  int64_t m = a.type().shape[0], n = a.type().shape[1];
  bool known = m != kUnknownDim && n != kUnknownDim;
  if (gu && !(known && m <= n)) { // U has more rows than columns
    Var scaled = gu / row;
    ga = ga + matmul(scaled - matmul(u, matmul(t(u), scaled)), vh);
  }
  if (gvh && !(known && n <= m)) { // Vh has more columns than rows
    Var scaled = gvh / col;
    ga = ga + matmul(u, scaled - matmul(matmul(scaled, t(vh)), vh));
  }
  return ga;
}

/// Square or tall A (m >= n) = Q R: M = R Rbar^T - Qbar^T Q, Abar = (Qbar + Q copyltu(M)) R^-T.
Var qrGradTall(const Var &q, const Var &r, const Var &gq, const Var &gr) {
  Var mm;
  if (gr) mm = matmul(r, t(gr));
  if (gq) mm = mm ? mm - matmul(t(gq), q) : -matmul(t(gq), q);
  Var copyltu = tril(mm) + t(tril(mm, -1));
  Var b = matmul(q, copyltu);
  if (gq) b = b + gq;
  return t(solve_triangular(r, t(b), false, false));
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
  case DecompKind::Svd: {
    if (!uv_) {
      if (!g[0]) return {Var()};
      auto [u, s, vh] = svd(a, false); // ds = diag(U^T dA V): Abar = U diag(sbar) Vh
      return {matmul(scaleColumns(u, g[0]), vh)};
    }
    const Var &gu = g[0], &gs = g[1], &gvh = g[2];
    if (!gu && !gs && !gvh) return {Var()};
    if (!gu && !gvh) { // values only (U and Vh may be the full ones)
      auto [u, s, vh] = svd(a, false);
      return {matmul(scaleColumns(u, gs), vh)};
    }
    if (full_)
      throw NotImplementedError("svd: the gradient through U and Vh needs full_matrices=False "
                                "(the extra columns of the full U or Vh are not unique)");
    return {svdGrad(a, outputs[0], outputs[1], outputs[2], gu, gs, gvh)};
  }
  case DecompKind::Qr: {
    const Var &q = outputs[0], &r = outputs[1];
    if (!g[0] && !g[1]) return {Var()};
    int64_t m = a.type().shape[0], n = a.type().shape[1];
    if (m != kUnknownDim && n != kUnknownDim && m >= n) return {qrGradTall(q, r, g[0], g[1])};
    // Wide A = [X | Y] (X m x m): A = Q [U | V] with X = Q U, Y = Q V. X's gradient is the
    // square case with Qbar + Y Vbar^T, Y's is Q Vbar (Roberts & Roberts 2020; PyTorch). Split
    // at k = rows of R, this also holds for a tall A (Y and Vbar empty), so a shape known only at
    // run time takes this form.
    Var tail = zeros(Sizes{constant(1.0, DType::Int64), shape_i(a, 1) - shape_i(r, 0)});
    std::vector<Var> xy = splitLike(a, q, tail, 1);
    std::vector<Var> gr = g[1] ? splitLike(g[1], q, tail, 1) : std::vector<Var>{Var(), Var()};
    Var gq = g[0];
    if (gr[1]) gq = gq ? gq + matmul(xy[1], t(gr[1])) : matmul(xy[1], t(gr[1]));
    Var gx = qrGradTall(q, splitLike(r, q, tail, 1)[0], gq, gr[0]);
    Var gy = gr[1] ? matmul(q, gr[1]) : full_like(xy[1], 0.0);
    return {concatenate({gx, gy}, 1)};
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
