// Small-matrix inv/solve/cholesky kernels (n <= 16): at these sizes a LAPACK call's fixed cost
// (dispatch, blocking logic, level-3 kernels sized for large matrices) dominates the arithmetic.
//
// Each kernel is instantiated for every n in 1..16 so its row loops have a compile-time trip
// count and unit stride, which the compiler vectorizes at whatever width the target has. The
// numerics are LAPACK's class: LU with partial pivoting (the first largest |pivot| in the column,
// as idamax picks), the pivot's reciprocal scaling the column, and failure only on an exactly zero
// pivot; Cholesky fails on the first leading minor that is not positive (or NaN), as potrf does.
// Arithmetic is in double for float inputs too, as the LAPACK path's float64 cast is.
#include "SmallLinalg.h"
#include "graphjit/Support/Error.h"

#include <array>
#include <cmath>
#include <memory>
#include <utility>

namespace graphjit::smalllinalg {

namespace {

/// LU-solve of an N x N system with R right-hand sides (R = 0: `nrhs` at run time).
template <int N, int R, class T>
int luSolveN(const T *__restrict pa, const T *__restrict pb, T *__restrict px, int nrhs) {
  const int nr = R > 0 ? R : nrhs;
  double a[N][N];
  double bbuf[N * (R > 0 ? R : kMaxOrder)];
  double *b = nrhs <= (R > 0 ? R : kMaxOrder) ? bbuf : nullptr;
  std::unique_ptr<double[]> big;
  if (!b) big.reset(new double[static_cast<size_t>(N) * nr]), b = big.get();
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      a[i][j] = static_cast<double>(pa[i * N + j]);
  if (pb) {
    for (int i = 0; i < N * nr; ++i)
      b[i] = static_cast<double>(pb[i]);
  } else {
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j)
        b[i * nr + j] = i == j ? 1.0 : 0.0;
  }
  for (int k = 0; k < N; ++k) {
    int p = k;
    double best = std::fabs(a[k][k]);
    for (int i = k + 1; i < N; ++i)
      if (std::fabs(a[i][k]) > best) best = std::fabs(a[i][k]), p = i;
    if (a[p][k] == 0.0) return k + 1;
    if (p != k) {
      for (int j = 0; j < N; ++j)
        std::swap(a[k][j], a[p][j]);
      for (int j = 0; j < nr; ++j)
        std::swap(b[k * nr + j], b[p * nr + j]);
    }
    double r = 1.0 / a[k][k];
    for (int i = k + 1; i < N; ++i) {
      double l = a[i][k] * r;
      for (int j = k + 1; j < N; ++j)
        a[i][j] -= l * a[k][j];
      double *bi = b + i * nr;
      const double *bk = b + k * nr;
      for (int j = 0; j < nr; ++j)
        bi[j] -= l * bk[j];
    }
  }
  for (int i = N - 1; i >= 0; --i) { // back substitution, one row of X at a time
    double *bi = b + i * nr;
    for (int k = i + 1; k < N; ++k) {
      double u = a[i][k];
      const double *xk = b + k * nr;
      for (int j = 0; j < nr; ++j)
        bi[j] -= u * xk[j];
    }
    double d = a[i][i];
    for (int j = 0; j < nr; ++j)
      bi[j] /= d;
  }
  for (int i = 0; i < N * nr; ++i)
    px[i] = static_cast<T>(b[i]);
  return 0;
}

/// Right-looking Cholesky on U = L^T held row-major, so every update runs along a row.
template <int N, class T> int choleskyN(const T *__restrict pa, T *__restrict pl) {
  double u[N][N];
  for (int i = 0; i < N; ++i)
    for (int j = 0; j <= i; ++j)
      u[j][i] = static_cast<double>(pa[i * N + j]); // the lower triangle of A
  for (int j = 0; j < N; ++j) {
    double d = u[j][j];
    if (!(d > 0.0)) return j + 1;
    double s = std::sqrt(d);
    u[j][j] = s;
    double r = 1.0 / s;
    for (int i = j + 1; i < N; ++i)
      u[j][i] *= r;
    for (int k = j + 1; k < N; ++k) {
      double f = u[j][k];
      for (int i = k; i < N; ++i)
        u[k][i] -= f * u[j][i];
    }
  }
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      pl[i * N + j] = j <= i ? static_cast<T>(u[j][i]) : T(0);
  return 0;
}

template <class T> using SolveFn = int (*)(const T *, const T *, T *, int);
template <class T> using CholFn = int (*)(const T *, T *);

template <class T, int... I>
constexpr std::array<SolveFn<T>, sizeof...(I)> solveTable(std::integer_sequence<int, I...>) {
  return {&luSolveN<I + 1, 0, T>...};
}
template <class T, int... I>
constexpr std::array<SolveFn<T>, sizeof...(I)> invTable(std::integer_sequence<int, I...>) {
  return {&luSolveN<I + 1, I + 1, T>...};
}
template <class T, int... I>
constexpr std::array<CholFn<T>, sizeof...(I)> cholTable(std::integer_sequence<int, I...>) {
  return {&choleskyN<I + 1, T>...};
}
using Orders = std::make_integer_sequence<int, kMaxOrder>;

} // namespace

template <class T> int luSolve(const T *a, const T *b, T *x, int n, int nrhs) {
  static constexpr auto solve = solveTable<T>(Orders{});
  static constexpr auto inv = invTable<T>(Orders{});
  return b ? solve[n - 1](a, b, x, nrhs) : inv[n - 1](a, nullptr, x, n);
}

template <class T> int cholesky(const T *a, T *l, int n) {
  static constexpr auto chol = cholTable<T>(Orders{});
  return chol[n - 1](a, l);
}

template int luSolve<float>(const float *, const float *, float *, int, int);
template int luSolve<double>(const double *, const double *, double *, int, int);
template int cholesky<float>(const float *, float *, int);
template int cholesky<double>(const double *, double *, int);

namespace {
template <class T>
std::vector<Tensor> performT(LinalgKind kind, const std::vector<Tensor> &in, int batchDims,
                             bool single) {
  const Tensor &a = in[0];
  int n = static_cast<int>(a.dim(batchDims));
  int64_t count = shapeSize(Shape(a.shape().begin(), a.shape().begin() + batchDims));
  size_t nn = static_cast<size_t>(n) * n;
  const T *pa = a.data<T>();
  auto where = [&](int64_t e, int info) {
    return single
               ? " (U(" + std::to_string(info) + "," + std::to_string(info) + ") is exactly zero)"
               : " (batch element " + std::to_string(e) + ")";
  };
  if (kind == LinalgKind::Cholesky) {
    Tensor out = Tensor::empty(a.dtype(), a.shape());
    T *o = out.data<T>();
    for (int64_t e = 0; e < count; ++e, pa += nn, o += nn)
      if (int info = cholesky(pa, o, n))
        throw ValueError("cholesky: the matrix is not positive definite (leading minor of order " +
                         std::to_string(info) + " is not positive)" +
                         (single ? std::string() : " (batch element " + std::to_string(e) + ")"));
    return {out};
  }
  std::string op = kind == LinalgKind::Inv ? "matrix_inverse" : "solve";
  if (kind == LinalgKind::Inv) {
    Tensor out = Tensor::empty(a.dtype(), a.shape());
    T *o = out.data<T>();
    for (int64_t e = 0; e < count; ++e, pa += nn, o += nn)
      if (int info = luSolve<T>(pa, nullptr, o, n, n))
        throw ValueError(op + ": the matrix is singular" + where(e, info));
    return {out};
  }
  const Tensor &b = in[1];
  int nrhs = b.ndim() == batchDims + 1 ? 1 : static_cast<int>(b.dim(batchDims + 1));
  size_t nb = static_cast<size_t>(n) * nrhs;
  Tensor out = Tensor::empty(a.dtype(), b.shape());
  if (nb == 0) return {Tensor::zeros(a.dtype(), b.shape())};
  const T *pb = b.data<T>();
  T *o = out.data<T>();
  for (int64_t e = 0; e < count; ++e, pa += nn, pb += nb, o += nb)
    if (int info = luSolve<T>(pa, pb, o, n, nrhs))
      throw ValueError(op + ": the matrix is singular" + where(e, info));
  return {out};
}
} // namespace

std::vector<Tensor> perform(LinalgKind kind, const std::vector<Tensor> &in, int batchDims,
                            bool single) {
  if (kind != LinalgKind::Inv && kind != LinalgKind::Solve && kind != LinalgKind::Cholesky)
    return {};
  DType dt = in[0].dtype();
  if (dt != DType::Float64 && dt != DType::Float32) return {};
  for (const Tensor &t : in)
    if (t.dtype() != dt || !t.isContiguous()) return {};
  const Tensor &a = in[0];
  if (a.ndim() != batchDims + 2) return {};
  int64_t n = a.dim(batchDims);
  if (n < 1 || n > kMaxOrder || a.dim(batchDims + 1) != n) return {};
  if (kind == LinalgKind::Solve) {
    const Tensor &b = in[1];
    int r = b.ndim() - batchDims;
    if ((r != 1 && r != 2) || b.dim(batchDims) != n) return {};
    for (int d = 0; d < batchDims; ++d)
      if (b.dim(d) != a.dim(d)) return {};
  }
  if (dt == DType::Float64) return performT<double>(kind, in, batchDims, single);
  return performT<float>(kind, in, batchDims, single);
}

} // namespace graphjit::smalllinalg
