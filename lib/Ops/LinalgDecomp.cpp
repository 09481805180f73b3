// Decompositions (eigh, svd, qr), pinv and expm: type rules, LAPACK-backed perform, batching
// (Blockwise), builders and registration. Gradients are in LinalgDecompGrad.cpp.
#include "graphjit/Ops/LinalgDecomp.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Blockwise.h"
#include "graphjit/Ops/MatMul.h"

#include <algorithm>
#include <cmath>

extern "C" {
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work,
             const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
             double *work, const int *lwork, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
            const int *ldb, int *info);
}

namespace graphjit {

namespace {
int64_t minDim(int64_t a, int64_t b) {
  if (a == kUnknownDim || b == kUnknownDim) return kUnknownDim;
  return std::min(a, b);
}

/// Column-major double copy of a row-major matrix.
std::vector<double> colMajor(const Tensor &t) {
  Tensor c = t.astype(DType::Float64).contiguous();
  int64_t r = c.dim(0), n = c.dim(1);
  const double *p = c.data<double>();
  std::vector<double> out(static_cast<size_t>(r * n));
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < n; ++j)
      out[j * r + i] = p[i * n + j];
  return out;
}
/// Row-major tensor (rows x cols) of the top-left block of a column-major buffer with `ld` rows.
Tensor fromColMajor(const double *v, int64_t rows, int64_t cols, int64_t ld, DType dtype) {
  Tensor out = Tensor::empty(DType::Float64, {rows, cols});
  double *o = out.data<double>();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      o[i * cols + j] = v[j * ld + i];
  return dtype == DType::Float64 ? out : out.astype(dtype);
}
Tensor vectorOf(const std::vector<double> &v, int64_t n, DType dtype) {
  Tensor t = Tensor::fromVector(std::vector<double>(v.begin(), v.begin() + n));
  return dtype == DType::Float64 ? t : t.astype(dtype);
}
void check(const std::string &op, int info) {
  if (info < 0) throw ValueError(op + ": LAPACK rejected argument " + std::to_string(-info));
  if (info > 0)
    throw ValueError(op + ": the decomposition did not converge (info " + std::to_string(info) +
                     ")");
}

struct SvdResult {
  std::vector<double> u, s, vt;
  int m, n, k, ucols, vtrows;
};
SvdResult svdOf(const Tensor &a, char jobz) {
  SvdResult r;
  r.m = static_cast<int>(a.dim(0)), r.n = static_cast<int>(a.dim(1));
  r.k = std::min(r.m, r.n);
  r.ucols = jobz == 'A' ? r.m : r.k;
  r.vtrows = jobz == 'A' ? r.n : r.k;
  std::vector<double> x = colMajor(a);
  r.s.assign(static_cast<size_t>(std::max(r.k, 1)), 0.0);
  r.u.assign(static_cast<size_t>(std::max(r.m * r.ucols, 1)), 0.0);
  r.vt.assign(static_cast<size_t>(std::max(r.vtrows * r.n, 1)), 0.0);
  if (r.k == 0) { // an empty matrix: identities for full U, Vh
    if (jobz == 'A') {
      for (int i = 0; i < r.m; ++i)
        r.u[i * r.m + i] = 1;
      for (int i = 0; i < r.n; ++i)
        r.vt[i * r.n + i] = 1;
    }
    return r;
  }
  int lda = r.m, ldu = std::max(r.m, 1), ldvt = std::max(r.vtrows, 1), lwork = -1, info = 0;
  std::vector<int> iwork(static_cast<size_t>(8 * r.k));
  double query = 0;
  dgesdd_(&jobz, &r.m, &r.n, x.data(), &lda, r.s.data(), r.u.data(), &ldu, r.vt.data(), &ldvt,
          &query, &lwork, iwork.data(), &info);
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<size_t>(std::max(lwork, 1)));
  dgesdd_(&jobz, &r.m, &r.n, x.data(), &lda, r.s.data(), r.u.data(), &ldu, r.vt.data(), &ldvt,
          work.data(), &lwork, iwork.data(), &info);
  check("svd", info);
  return r;
}

/// c = a b for n x n row-major buffers.
void matmulSquare(const std::vector<double> &a, const std::vector<double> &b,
                  std::vector<double> &c, int n) {
  std::fill(c.begin(), c.end(), 0.0);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      double aik = a[i * n + k];
      for (int j = 0; j < n; ++j)
        c[i * n + j] += aik * b[k * n + j];
    }
}

/// exp(A), degree-13 Pade with scaling and squaring (Higham 2005). The buffers hold A row-major;
/// LAPACK reads them as A^T, and exp(A^T) = exp(A)^T, so the result needs no transposition.
std::vector<double> expmOf(std::vector<double> a, int n) {
  static const double b[] = {64764752532480000.0,
                             32382376266240000.0,
                             7771770303897600.0,
                             1187353796428800.0,
                             129060195264000.0,
                             10559470521600.0,
                             670442572800.0,
                             33522128640.0,
                             1323241920.0,
                             40840800.0,
                             960960.0,
                             16380.0,
                             182.0,
                             1.0};
  const double theta13 = 5.371920351148152;
  size_t nn = static_cast<size_t>(n) * n;
  double norm = 0;
  for (int j = 0; j < n; ++j) {
    double col = 0;
    for (int i = 0; i < n; ++i)
      col += std::fabs(a[i * n + j]);
    norm = std::max(norm, col);
  }
  if (!std::isfinite(norm)) return std::vector<double>(nn, NAN);
  int s = norm > theta13 ? static_cast<int>(std::ceil(std::log2(norm / theta13))) : 0;
  for (double &x : a)
    x = std::ldexp(x, -s);
  std::vector<double> a2(nn), a4(nn), a6(nn), t(nn), u(nn), v(nn);
  matmulSquare(a, a, a2, n);
  matmulSquare(a2, a2, a4, n);
  matmulSquare(a4, a2, a6, n);
  for (size_t i = 0; i < nn; ++i)
    t[i] = b[13] * a6[i] + b[11] * a4[i] + b[9] * a2[i];
  matmulSquare(a6, t, u, n); // u = A6 (b13 A6 + b11 A4 + b9 A2) + ...
  for (size_t i = 0; i < nn; ++i)
    u[i] += b[7] * a6[i] + b[5] * a4[i] + b[3] * a2[i];
  for (int i = 0; i < n; ++i)
    u[i * n + i] += b[1];
  matmulSquare(a, u, t, n); // U = A (...)
  std::swap(u, t);
  for (size_t i = 0; i < nn; ++i)
    t[i] = b[12] * a6[i] + b[10] * a4[i] + b[8] * a2[i];
  matmulSquare(a6, t, v, n);
  for (size_t i = 0; i < nn; ++i)
    v[i] += b[6] * a6[i] + b[4] * a4[i] + b[2] * a2[i];
  for (int i = 0; i < n; ++i)
    v[i * n + i] += b[0];
  std::vector<double> p(nn), q(nn); // (V - U) R = (V + U)
  for (size_t i = 0; i < nn; ++i)
    p[i] = v[i] - u[i], q[i] = v[i] + u[i];
  std::vector<int> ipiv(static_cast<size_t>(n));
  int info = 0;
  dgesv_(&n, &n, p.data(), &n, ipiv.data(), q.data(), &n, &info);
  if (info > 0) return std::vector<double>(nn, NAN);
  for (int i = 0; i < s; ++i) {
    matmulSquare(q, q, t, n);
    std::swap(q, t);
  }
  return q;
}
} // namespace

std::string DecompOp::name() const {
  switch (kind_) {
  case DecompKind::Eigh:
    return "eigh";
  case DecompKind::Svd:
    return "svd";
  case DecompKind::Qr:
    return "qr";
  case DecompKind::Pinv:
    return "pinv";
  case DecompKind::Expm:
    return "expm";
  }
  return "?";
}

Attrs DecompOp::attrs() const {
  if (kind_ == DecompKind::Svd) return Attrs{{"full_matrices", full_}, {"compute_uv", uv_}};
  return {};
}

std::vector<TensorType> DecompOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  std::string op = name();
  detail::expectArity(op, in.size(), 1);
  const TensorType &a = in[0];
  if (a.ndim() != 2) throw ShapeError(op + ": expected a matrix, got " + a.str());
  if (!isFloat(a.dtype)) throw TypeError(op + ": expected a float matrix, got " + a.str());
  int64_t m = a.shape[0], n = a.shape[1], k = minDim(m, n);
  DType dt = a.dtype;
  if (kind_ == DecompKind::Eigh || kind_ == DecompKind::Expm) {
    if (m != kUnknownDim && n != kUnknownDim && m != n)
      throw ShapeError(op + ": expected a square matrix, got " + a.str());
    int64_t s = m != kUnknownDim ? m : n;
    if (kind_ == DecompKind::Expm) return {TensorType(dt, {s, s})};
    return {TensorType(dt, {s}), TensorType(dt, {s, s})};
  }
  switch (kind_) {
  case DecompKind::Svd:
    if (!uv_) return {TensorType(dt, {k})};
    return {TensorType(dt, {m, full_ ? m : k}), TensorType(dt, {k}),
            TensorType(dt, {full_ ? n : k, n})};
  case DecompKind::Qr:
    return {TensorType(dt, {m, k}), TensorType(dt, {k, n})};
  default: // pinv
    return {TensorType(dt, {n, m})};
  }
}

std::vector<Shape> DecompOp::inferShape(const std::vector<Shape> &in) const {
  std::vector<Shape> out;
  for (const TensorType &t : makeOutputTypes({TensorType(DType::Float64, in[0])}))
    out.push_back(t.shape);
  return out;
}

std::vector<Tensor> DecompOp::perform(const std::vector<Tensor> &in) const {
  const Tensor &a = in[0];
  inferShape({a.shape()});
  DType dt = a.dtype();
  int m = static_cast<int>(a.dim(0)), n = static_cast<int>(a.dim(1));
  switch (kind_) {
  case DecompKind::Eigh: {
    std::vector<double> x = colMajor(a), w(static_cast<size_t>(std::max(n, 1)));
    if (n == 0) return {Tensor::zeros(dt, {0}), Tensor::zeros(dt, {0, 0})};
    int lwork = -1, info = 0;
    double query = 0;
    dsyev_("V", "L", &n, x.data(), &n, w.data(), &query, &lwork, &info);
    lwork = static_cast<int>(query);
    std::vector<double> work(static_cast<size_t>(std::max(lwork, 1)));
    dsyev_("V", "L", &n, x.data(), &n, w.data(), work.data(), &lwork, &info);
    check("eigh", info);
    return {vectorOf(w, n, dt), fromColMajor(x.data(), n, n, n, dt)};
  }
  case DecompKind::Svd: {
    SvdResult r = svdOf(a, !uv_ ? 'N' : full_ ? 'A' : 'S');
    Tensor s = vectorOf(r.s, r.k, dt);
    if (!uv_) return {s};
    return {fromColMajor(r.u.data(), m, r.ucols, std::max(m, 1), dt), s,
            fromColMajor(r.vt.data(), r.vtrows, n, std::max(r.vtrows, 1), dt)};
  }
  case DecompKind::Qr: {
    int k = std::min(m, n), info = 0, lwork = -1;
    if (k == 0) return {Tensor::zeros(dt, {m, 0}), Tensor::zeros(dt, {0, n})};
    std::vector<double> x = colMajor(a), tau(static_cast<size_t>(k));
    double query = 0;
    dgeqrf_(&m, &n, x.data(), &m, tau.data(), &query, &lwork, &info);
    lwork = std::max(static_cast<int>(query), n);
    std::vector<double> work(static_cast<size_t>(lwork));
    dgeqrf_(&m, &n, x.data(), &m, tau.data(), work.data(), &lwork, &info);
    check("qr", info);
    Tensor r = Tensor::zeros(DType::Float64, {k, n});
    double *pr = r.data<double>();
    for (int i = 0; i < k; ++i)
      for (int j = i; j < n; ++j)
        pr[i * n + j] = x[static_cast<size_t>(j) * m + i];
    lwork = -1;
    dorgqr_(&m, &k, &k, x.data(), &m, tau.data(), &query, &lwork, &info);
    lwork = std::max(static_cast<int>(query), 1);
    work.resize(static_cast<size_t>(lwork));
    dorgqr_(&m, &k, &k, x.data(), &m, tau.data(), work.data(), &lwork, &info);
    check("qr", info);
    return {fromColMajor(x.data(), m, k, m, dt), dt == DType::Float64 ? r : r.astype(dt)};
  }
  case DecompKind::Pinv: { // V diag(1/s) U^T, dropping s <= 1e-15 max(s)
    SvdResult r = svdOf(a, 'S');
    Tensor out = Tensor::zeros(DType::Float64, {n, m});
    double *o = out.data<double>(), cutoff = r.k ? 1e-15 * r.s[0] : 0;
    for (int l = 0; l < r.k; ++l) {
      if (r.s[l] <= cutoff) continue;
      double inv = 1 / r.s[l];
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < m; ++i) // Vh is k x n (ld k), U is m x k (ld m)
          o[j * m + i] += r.vt[static_cast<size_t>(j) * r.k + l] * inv * r.u[l * m + i];
    }
    return {dt == DType::Float64 ? out : out.astype(dt)};
  }
  case DecompKind::Expm: {
    Tensor c = a.astype(DType::Float64).contiguous();
    std::vector<double> x(c.data<double>(), c.data<double>() + static_cast<size_t>(n) * n);
    if (n == 0) return {Tensor::zeros(dt, {0, 0})};
    std::vector<double> e = expmOf(std::move(x), n);
    Tensor out = Tensor::fromVector(e, {n, n});
    return {dt == DType::Float64 ? out : out.astype(dt)};
  }
  }
  throw NotImplementedError(name() + ": no perform");
}

std::string DecompOp::gufuncSignature() const {
  switch (kind_) {
  case DecompKind::Eigh:
    return "(m,m)->(m),(m,m)";
  case DecompKind::Svd:
    if (!uv_) return "(m,n)->(k)";
    return full_ ? "(m,n)->(m,m),(k),(n,n)" : "(m,n)->(m,k),(k),(k,n)";
  case DecompKind::Qr:
    return "(m,n)->(m,k),(k,n)";
  case DecompKind::Pinv:
    return "(m,n)->(n,m)";
  case DecompKind::Expm:
    return "(m,m)->(m,m)";
  }
  return "";
}

std::vector<Var> DecompOp::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                     int batchDims) const {
  (void)batchDims;
  return applyOp(std::make_shared<Blockwise>(node.opPtr(), signatureFor(node)), {inputs[0].var});
}

namespace {
std::vector<Var> apply(std::shared_ptr<DecompOp> op, const Var &a) {
  std::string sig = op->gufuncSignature();
  return applyBlockwise(std::move(op), {a}, sig);
}
} // namespace

std::pair<Var, Var> eigh(const Var &a) {
  auto o = apply(std::make_shared<DecompOp>(DecompKind::Eigh), a);
  return {o[0], o[1]};
}
Var eigvalsh(const Var &a) { return eigh(a).first; }
std::tuple<Var, Var, Var> svd(const Var &a, bool fullMatrices) {
  auto o = apply(std::make_shared<DecompOp>(DecompKind::Svd, fullMatrices, true), a);
  return {o[0], o[1], o[2]};
}
Var svdvals(const Var &a) {
  return apply(std::make_shared<DecompOp>(DecompKind::Svd, false, false), a)[0];
}
std::pair<Var, Var> qr(const Var &a) {
  auto o = apply(std::make_shared<DecompOp>(DecompKind::Qr), a);
  return {o[0], o[1]};
}
Var pinv(const Var &a) { return apply(std::make_shared<DecompOp>(DecompKind::Pinv), a)[0]; }
Var lstsq(const Var &a, const Var &b) { return matmul(pinv(a), b); }
Var expm(const Var &a) { return apply(std::make_shared<DecompOp>(DecompKind::Expm), a)[0]; }

void registerLinalgDecompOps(OpRegistry &registry) {
  for (DecompKind kind : {DecompKind::Eigh, DecompKind::Qr, DecompKind::Pinv, DecompKind::Expm}) {
    std::string n = DecompOp(kind).name();
    registry.add(n, [kind, n](const Attrs &a) -> OpPtr {
      if (!a.empty()) throw ValueError(n + ": takes no attributes, got " + a.str());
      return std::make_shared<DecompOp>(kind);
    });
  }
  registry.add(
      "svd",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<DecompOp>(DecompKind::Svd, a.get<bool>("full_matrices", "svd"),
                                          a.get<bool>("compute_uv", "svd"));
      },
      Attrs{{"full_matrices", false}, {"compute_uv", true}});
}

} // namespace graphjit
