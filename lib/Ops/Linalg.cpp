// Linear algebra ops: type rules, LAPACK-backed perform, and gradients
// (cholesky's after Murray 2016, "Differentiation of the Cholesky decomposition").
#include "graphjit/Ops/Linalg.h"
#include "OpUtil.h"
#include "SmallLinalg.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Blockwise.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/MatMul.h"

#include <cmath>

// LAPACK (Fortran calling convention, provided by OpenBLAS).
extern "C" {
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dtrtrs_(const char *uplo, const char *trans, const char *diag, const int *n, const int *nrhs,
             const double *a, const int *lda, double *b, const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
            const int *ldb, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
}

namespace graphjit {

namespace {
std::string kindName(LinalgKind k) {
  switch (k) {
  case LinalgKind::Cholesky:
    return "cholesky";
  case LinalgKind::SolveTriangular:
    return "solve_triangular";
  case LinalgKind::Solve:
    return "solve";
  case LinalgKind::Det:
    return "det";
  case LinalgKind::SLogDet:
    return "slogdet";
  case LinalgKind::Inv:
    return "matrix_inverse";
  case LinalgKind::Tril:
    return "tril";
  }
  return "?";
}

bool takesRhs(LinalgKind k) { return k == LinalgKind::SolveTriangular || k == LinalgKind::Solve; }

void checkSquare(const std::string &op, int64_t r, int64_t c, const std::string &what) {
  if (r != kUnknownDim && c != kUnknownDim && r != c)
    throw ShapeError(op + ": expected a square matrix, got " + what);
}

/// Column-major double copy of a 2-d tensor (LAPACK's layout).
std::vector<double> colMajor(const Tensor &t) {
  Tensor c = t.astype(DType::Float64).contiguous();
  int64_t r = c.dim(0), n = c.ndim() == 2 ? c.dim(1) : 1;
  const double *p = c.data<double>();
  std::vector<double> out(static_cast<size_t>(r * n));
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < n; ++j)
      out[j * r + i] = p[i * n + j];
  return out;
}

/// Row-major tensor of `shape` (1-d or 2-d) from a column-major buffer, in `dtype`.
Tensor fromColMajor(const std::vector<double> &v, const Shape &shape, DType dtype) {
  int64_t r = shape[0], n = shape.size() == 2 ? shape[1] : 1;
  Tensor out = Tensor::empty(DType::Float64, shape);
  double *o = out.data<double>();
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < n; ++j)
      o[i * n + j] = v[j * r + i];
  return dtype == DType::Float64 ? out : out.astype(dtype);
}

/// LU factorization in place; returns the permutation's sign, or 0 when a pivot is exactly 0.
double luSign(std::vector<double> &a, int n) {
  std::vector<int> ipiv(static_cast<size_t>(std::max(n, 1)));
  int info = 0, lda = std::max(n, 1);
  dgetrf_(&n, &n, a.data(), &lda, ipiv.data(), &info);
  if (info > 0) return 0;
  double sign = 1;
  for (int i = 0; i < n; ++i) {
    if (ipiv[i] != i + 1) sign = -sign;
    if (a[i * n + i] < 0) sign = -sign;
  }
  return sign;
}

std::vector<double> solveGeneral(const std::string &op, std::vector<double> a,
                                 std::vector<double> b, int n, int nrhs) {
  std::vector<int> ipiv(static_cast<size_t>(std::max(n, 1)));
  int info = 0, ld = std::max(n, 1);
  if (n > 0) dgesv_(&n, &nrhs, a.data(), &ld, ipiv.data(), b.data(), &ld, &info);
  if (info > 0)
    throw ValueError(op + ": the matrix is singular (U(" + std::to_string(info) + "," +
                     std::to_string(info) + ") is exactly zero)");
  return b;
}
} // namespace

std::string LinalgOp::name() const { return kindName(kind_); }

Attrs LinalgOp::attrs() const {
  if (kind_ == LinalgKind::SolveTriangular) return Attrs{{"lower", lower_}, {"trans", trans_}};
  if (kind_ == LinalgKind::Tril) return Attrs{{"k", k_}};
  return {};
}

std::vector<TensorType> LinalgOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  std::string op = name();
  detail::expectArity(op, in.size(), takesRhs(kind_) ? 2 : 1);
  const TensorType &a = in[0];
  if (a.ndim() != 2) throw ShapeError(op + ": expected a matrix, got " + a.str());
  if (!isFloat(a.dtype)) throw TypeError(op + ": expected a float matrix, got " + a.str());
  if (kind_ == LinalgKind::Tril) return {a};
  checkSquare(op, a.shape[0], a.shape[1], a.str());
  switch (kind_) {
  case LinalgKind::Cholesky:
  case LinalgKind::Inv:
    return {a};
  case LinalgKind::Det:
    return {TensorType(a.dtype, {})};
  case LinalgKind::SLogDet:
    return {TensorType(a.dtype, {}), TensorType(a.dtype, {})};
  default:
    break;
  }
  const TensorType &b = in[1];
  if (b.ndim() != 1 && b.ndim() != 2)
    throw ShapeError(op + ": right-hand side must be a vector or a matrix, got " + b.str());
  if (b.dtype != a.dtype) throw TypeError(op + ": dtypes differ: " + a.str() + " and " + b.str());
  int64_t n = a.shape[0] != kUnknownDim ? a.shape[0] : a.shape[1];
  if (n != kUnknownDim && b.shape[0] != kUnknownDim && b.shape[0] != n)
    throw ShapeError(op + ": right-hand side has " + std::to_string(b.shape[0]) +
                     " rows, expected " + std::to_string(n) + " (A is " + a.str() + ", b is " +
                     b.str() + ")");
  return {b};
}

std::vector<Shape> LinalgOp::inferShape(const std::vector<Shape> &in) const {
  std::string op = name();
  const Shape &a = in[0];
  if (a.size() != 2) throw ShapeError(op + ": expected a matrix, got shape " + shapeStr(a));
  if (kind_ == LinalgKind::Tril) return {a};
  checkSquare(op, a[0], a[1], "shape " + shapeStr(a));
  switch (kind_) {
  case LinalgKind::Cholesky:
  case LinalgKind::Inv:
    return {a};
  case LinalgKind::Det:
    return {Shape{}};
  case LinalgKind::SLogDet:
    return {Shape{}, Shape{}};
  default:
    break;
  }
  if (in[1].empty() || in[1][0] != a[0])
    throw ShapeError(op + ": right-hand side of shape " + shapeStr(in[1]) +
                     " does not fit A of shape " + shapeStr(a));
  return {in[1]};
}

std::vector<Tensor> LinalgOp::perform(const std::vector<Tensor> &in) const {
  std::string op = name();
  std::vector<Shape> shapes;
  for (auto &t : in)
    shapes.push_back(t.shape());
  Shape outShape = inferShape(shapes)[0];
  DType dt = in[0].dtype();
  int n = static_cast<int>(in[0].dim(0)), ld = std::max(n, 1);
  if (kind_ == LinalgKind::Tril) {
    Tensor a = in[0].astype(DType::Float64).contiguous().clone();
    double *p = a.data<double>();
    int64_t cols = a.dim(1);
    for (int64_t i = 0; i < a.dim(0); ++i)
      for (int64_t j = 0; j < cols; ++j)
        if (j > i + k_) p[i * cols + j] = 0;
    return {dt == DType::Float64 ? a : a.astype(dt)};
  }
  if (n <= smalllinalg::kMaxOrder) { // inv/solve/cholesky of order <= 16: SmallLinalg.cpp
    std::vector<Tensor> c;
    for (const Tensor &t : in)
      c.push_back(t.contiguous());
    if (std::vector<Tensor> small = smalllinalg::perform(kind_, c, 0, true); !small.empty())
      return small;
  }
  std::vector<double> a = colMajor(in[0]);
  switch (kind_) {
  case LinalgKind::Cholesky: {
    int info = 0;
    if (n > 0) dpotrf_("L", &n, a.data(), &ld, &info);
    if (info > 0)
      throw ValueError("cholesky: the matrix is not positive definite (leading minor of order " +
                       std::to_string(info) + " is not positive)");
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < j; ++i)
        a[j * n + i] = 0; // clear the strict upper triangle
    return {fromColMajor(a, outShape, dt)};
  }
  case LinalgKind::SolveTriangular: {
    std::vector<double> b = colMajor(in[1]);
    int nrhs = in[1].ndim() == 2 ? static_cast<int>(in[1].dim(1)) : 1, info = 0;
    if (n > 0 && nrhs > 0)
      dtrtrs_(lower_ ? "L" : "U", trans_ ? "T" : "N", "N", &n, &nrhs, a.data(), &ld, b.data(), &ld,
              &info);
    if (info > 0)
      throw ValueError("solve_triangular: the matrix is singular (diagonal entry " +
                       std::to_string(info) + " is zero)");
    return {fromColMajor(b, outShape, dt)};
  }
  case LinalgKind::Solve: {
    int nrhs = in[1].ndim() == 2 ? static_cast<int>(in[1].dim(1)) : 1;
    if (nrhs == 0) return {Tensor::zeros(dt, outShape)};
    return {fromColMajor(solveGeneral(op, a, colMajor(in[1]), n, nrhs), outShape, dt)};
  }
  case LinalgKind::Inv: {
    std::vector<double> eye(static_cast<size_t>(n * n), 0.0);
    for (int i = 0; i < n; ++i)
      eye[i * n + i] = 1;
    return {fromColMajor(solveGeneral(op, a, eye, n, n), outShape, dt)};
  }
  case LinalgKind::Det:
  case LinalgKind::SLogDet: {
    double sign = luSign(a, n), logabs = 0;
    for (int i = 0; i < n && sign != 0; ++i)
      logabs += std::log(std::fabs(a[i * n + i]));
    if (sign == 0) logabs = -INFINITY;
    if (kind_ == LinalgKind::Det) return {Tensor::scalar(sign * std::exp(logabs), dt)};
    return {Tensor::scalar(sign, dt), Tensor::scalar(logabs, dt)};
  }
  default:
    break;
  }
  throw NotImplementedError(op + ": no perform");
}

namespace {
/// Lower triangle with its diagonal halved (Murray's Phi).
Var phi(const Var &m) { return 0.5 * (tril(m, 0) + tril(m, -1)); }
/// g x^T for matrices, outer(g, x) for vectors.
Var rhsOuter(const Var &g, const Var &x) {
  return x.ndim() == 1 ? outer(g, x) : matmul(g, transpose(x));
}
} // namespace

std::vector<Var> LinalgOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                                const std::vector<Var> &g) const {
  const Var &a = inputs[0];
  switch (kind_) {
  case LinalgKind::Tril: // d tril(A) = tril(dA)
    return {g[0] ? tril(g[0], k_) : Var()};
  case LinalgKind::Cholesky: { // Abar = Phi(S + S^T), S = L^-T Phi(L^T Lbar) L^-1
    if (!g[0]) return {Var()};
    const Var &l = outputs[0];
    Var p = phi(matmul(transpose(l), g[0]));
    Var s =
        solve_triangular(l, transpose(solve_triangular(l, transpose(p), true, true)), true, true);
    return {phi(s + transpose(s))};
  }
  case LinalgKind::SolveTriangular: { // x = op(A)^-1 b: bbar = op(A)^-T xbar, op(A)bar = -bbar x^T
    if (!g[0]) return {Var(), Var()};
    const Var &x = outputs[0];
    Var gb = solve_triangular(a, g[0], lower_, !trans_);
    Var gOpA = -rhsOuter(gb, x);
    Var gA = trans_ ? transpose(gOpA) : gOpA;
    return {lower_ ? tril(gA) : triu(gA), gb};
  }
  case LinalgKind::Solve: { // x = A^-1 b: bbar = A^-T xbar, Abar = -bbar x^T
    if (!g[0]) return {Var(), Var()};
    Var gb = solve(transpose(a), g[0]);
    return {-rhsOuter(gb, outputs[0]), gb};
  }
  case LinalgKind::Inv: { // X = A^-1: Abar = -X^T Xbar X^T
    if (!g[0]) return {Var()};
    Var xt = transpose(outputs[0]);
    return {-matmul(matmul(xt, g[0]), xt)};
  }
  case LinalgKind::Det: // d det = det A^-T
    if (!g[0]) return {Var()};
    return {g[0] * outputs[0] * transpose(inv(a))};
  case LinalgKind::SLogDet: // d log|det| = A^-T; the sign is piecewise constant
    if (!g[1]) return {Var()};
    return {g[1] * transpose(inv(a))};
  }
  return {Var()};
}

std::string LinalgOp::gufuncSignature() const {
  switch (kind_) {
  case LinalgKind::Solve:
  case LinalgKind::SolveTriangular:
    return "(m,m),(m,n)->(m,n)";
  case LinalgKind::Det:
    return "(m,m)->()";
  case LinalgKind::SLogDet:
    return "(m,m)->(),()";
  case LinalgKind::Tril:
    return "(m,n)->(m,n)";
  default:
    return "(m,m)->(m,m)";
  }
}

std::vector<Var> LinalgOp::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                     int batchDims) const {
  (void)batchDims;
  std::vector<Var> ins;
  for (const BatchedVar &v : inputs)
    ins.push_back(v.var); // Blockwise broadcasts batch dims on the right: shared inputs fit
  return applyOp(std::make_shared<Blockwise>(node.opPtr(), signatureFor(node)), ins);
}

namespace {
Var applyLinalg1(LinalgKind kind, const Var &a, const char *sig, int64_t k = 0) {
  return applyBlockwise(std::make_shared<LinalgOp>(kind, true, false, k), {a}, sig)[0];
}
/// A solve's signature: b's core rank is 1 or 2 (PyTensor's b_ndim; default min(b.ndim, 2)).
std::string solveSignature(const std::string &op, const Var &b, int bNdim) {
  if (bNdim == 0) bNdim = std::min(b.ndim(), 2);
  if (bNdim != 1 && bNdim != 2)
    throw ValueError(op + ": bNdim must be 1 (vector right-hand sides) or 2 (matrices), got " +
                     std::to_string(bNdim));
  return bNdim == 1 ? "(m,m),(m)->(m)" : "(m,m),(m,n)->(m,n)";
}
} // namespace

Var cholesky(const Var &a) { return applyLinalg1(LinalgKind::Cholesky, a, "(m,m)->(m,m)"); }
Var solve_triangular(const Var &a, const Var &b, bool lower, bool trans, int bNdim) {
  return applyBlockwise(std::make_shared<LinalgOp>(LinalgKind::SolveTriangular, lower, trans),
                        {a, b}, solveSignature("solve_triangular", b, bNdim))[0];
}
Var solve(const Var &a, const Var &b, int bNdim) {
  return applyBlockwise(std::make_shared<LinalgOp>(LinalgKind::Solve), {a, b},
                        solveSignature("solve", b, bNdim))[0];
}
Var det(const Var &a) { return applyLinalg1(LinalgKind::Det, a, "(m,m)->()"); }
std::pair<Var, Var> slogdet(const Var &a) {
  auto outs = applyBlockwise(std::make_shared<LinalgOp>(LinalgKind::SLogDet), {a}, "(m,m)->(),()");
  return {outs[0], outs[1]};
}
Var inv(const Var &a) { return applyLinalg1(LinalgKind::Inv, a, "(m,m)->(m,m)"); }
Var tril(const Var &a, int64_t k) { return applyLinalg1(LinalgKind::Tril, a, "(m,n)->(m,n)", k); }
Var triu(const Var &a, int64_t k) { return a - tril(a, k - 1); }

void registerLinalgOps(OpRegistry &registry) {
  auto noAttrs = [&](LinalgKind kind) {
    std::string n = kindName(kind);
    registry.add(n, [kind, n](const Attrs &a) -> OpPtr {
      if (!a.empty()) throw ValueError(n + ": takes no attributes, got " + a.str());
      return std::make_shared<LinalgOp>(kind);
    });
  };
  for (LinalgKind k : {LinalgKind::Cholesky, LinalgKind::Solve, LinalgKind::Det,
                       LinalgKind::SLogDet, LinalgKind::Inv})
    noAttrs(k);
  registry.add(
      "solve_triangular",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<LinalgOp>(LinalgKind::SolveTriangular,
                                          a.get<bool>("lower", "solve_triangular"),
                                          a.get<bool>("trans", "solve_triangular"));
      },
      Attrs{{"lower", true}, {"trans", false}});
  registry.add(
      "tril",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<LinalgOp>(LinalgKind::Tril, true, false,
                                          a.get<int64_t>("k", "tril"));
      },
      Attrs{{"k", int64_t(0)}});
}

} // namespace graphjit
