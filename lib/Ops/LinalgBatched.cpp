// LinalgOp::performBatched: a stack of float64 matrices in one loop of LAPACK calls (orders <= 16
// of inv/solve/cholesky go to SmallLinalg.cpp).
//
// Blockwise hands the whole stack, contiguous and row-major. A row-major matrix read as
// column-major is its transpose, which lets most kernels skip the layout copies perform makes:
// inv(A^T) = inv(A)^T, det(A^T) = det(A), and the upper Cholesky factor of the column-major
// A^T = A is the transpose of the lower one. Work buffers are allocated once per stack.
#include "SmallLinalg.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <cstring>

extern "C" {
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dtrtrs_(const char *uplo, const char *trans, const char *diag, const int *n, const int *nrhs,
             const double *a, const int *lda, double *b, const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
            const int *ldb, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info);
}

namespace graphjit {

namespace {
/// dst (cols x rows, column-major of a rows x cols row-major src) = the proper column-major copy.
void toColMajor(const double *src, double *dst, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      dst[j * rows + i] = src[i * cols + j];
}
void fromColMajor(const double *src, double *dst, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      dst[i * cols + j] = src[j * rows + i];
}
std::string element(int64_t e) { return " (batch element " + std::to_string(e) + ")"; }
} // namespace

std::vector<Tensor> LinalgOp::performBatched(const std::vector<Tensor> &in, int batchDims) const {
  // Orders <= 16 of inv/solve/cholesky (float32 too): our own kernels, no LAPACK call overhead.
  if (std::vector<Tensor> small = smalllinalg::perform(kind_, in, batchDims, false); !small.empty())
    return small;
  for (const Tensor &t : in)
    if (t.dtype() != DType::Float64) return {}; // perform's casting path
  const Tensor &a = in[0];
  Shape batch(a.shape().begin(), a.shape().begin() + batchDims);
  int64_t count = shapeSize(batch);
  int64_t rows = a.dim(batchDims), cols = a.dim(batchDims + 1);
  if (rows == 0 || cols == 0) return {};
  if (kind_ != LinalgKind::Tril && rows != cols)
    throw ShapeError(name() + ": expected square matrices, got shape " + shapeStr(a.shape()));
  int n = static_cast<int>(rows), ld = n, info = 0;
  size_t nn = static_cast<size_t>(rows * cols);
  const double *pa = a.data<double>();
  std::vector<double> work(nn);
  std::vector<int> ipiv(static_cast<size_t>(n));
  switch (kind_) {
  case LinalgKind::Tril: {
    Tensor out = a.clone();
    double *o = out.data<double>();
    for (int64_t e = 0; e < count; ++e, o += nn)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = std::max<int64_t>(i + k_ + 1, 0); j < cols; ++j)
          o[i * cols + j] = 0;
    return {out};
  }
  case LinalgKind::Inv: { // dgesv on A^T with an identity right side gives inv(A)^T = inv(A) read
    Tensor out = Tensor::empty(DType::Float64, a.shape());
    double *o = out.data<double>();
    for (int64_t e = 0; e < count; ++e, pa += nn, o += nn) {
      std::memcpy(work.data(), pa, nn * sizeof(double));
      std::memset(o, 0, nn * sizeof(double));
      for (int i = 0; i < n; ++i)
        o[i * n + i] = 1;
      dgesv_(&n, &n, work.data(), &ld, ipiv.data(), o, &ld, &info);
      if (info > 0) throw ValueError("matrix_inverse: the matrix is singular" + element(e));
    }
    return {out};
  }
  case LinalgKind::Cholesky: { // upper factor of column-major A^T = A is L read row-major
    Tensor out = Tensor::empty(DType::Float64, a.shape());
    double *o = out.data<double>();
    for (int64_t e = 0; e < count; ++e, pa += nn, o += nn) {
      std::memcpy(o, pa, nn * sizeof(double));
      dpotrf_("U", &n, o, &ld, &info);
      if (info > 0)
        throw ValueError("cholesky: the matrix is not positive definite (leading minor of order " +
                         std::to_string(info) + " is not positive)" + element(e));
      for (int i = 0; i < n; ++i) // clear the strict upper triangle (row-major)
        for (int j = i + 1; j < n; ++j)
          o[i * n + j] = 0;
    }
    return {out};
  }
  case LinalgKind::Det:
  case LinalgKind::SLogDet: {
    Tensor sign = Tensor::empty(DType::Float64, batch),
           logabs = Tensor::empty(DType::Float64, batch);
    double *ps = sign.data<double>(), *pl = logabs.data<double>();
    for (int64_t e = 0; e < count; ++e, pa += nn) {
      std::memcpy(work.data(), pa, nn * sizeof(double)); // det(A^T) = det(A)
      dgetrf_(&n, &n, work.data(), &ld, ipiv.data(), &info);
      double s = info > 0 ? 0 : 1, l = 0;
      for (int i = 0; i < n && s != 0; ++i) {
        if (ipiv[i] != i + 1) s = -s;
        double d = work[static_cast<size_t>(i) * n + i];
        if (d < 0) s = -s;
        l += std::log(std::fabs(d));
      }
      ps[e] = s;
      pl[e] = s == 0 ? -INFINITY : l;
      if (kind_ == LinalgKind::Det) ps[e] = s * std::exp(pl[e]);
    }
    if (kind_ == LinalgKind::Det) return {sign};
    return {sign, logabs};
  }
  case LinalgKind::Solve:
  case LinalgKind::SolveTriangular: {
    const Tensor &b = in[1];
    bool vec = b.ndim() == batchDims + 1;
    int64_t nrhs64 = vec ? 1 : b.dim(batchDims + 1);
    int nrhs = static_cast<int>(nrhs64);
    size_t nb = static_cast<size_t>(rows * nrhs64);
    Tensor out = Tensor::empty(DType::Float64, b.shape());
    if (nb == 0) return {out};
    const double *pb = b.data<double>();
    double *o = out.data<double>();
    std::vector<double> x(nb);
    for (int64_t e = 0; e < count; ++e, pa += nn, pb += nb, o += nb) {
      // `work` holds A^T (read column-major): solve with the transpose flag flipped, and for a
      // triangular A with the other triangle.
      std::memcpy(work.data(), pa, nn * sizeof(double));
      double *rhs = vec ? o : x.data();
      if (vec)
        std::memcpy(o, pb, nb * sizeof(double));
      else
        toColMajor(pb, x.data(), rows, nrhs64);
      if (kind_ == LinalgKind::Solve) {
        dgetrf_(&n, &n, work.data(), &ld, ipiv.data(), &info);
        if (info == 0) dgetrs_("T", &n, &nrhs, work.data(), &ld, ipiv.data(), rhs, &ld, &info);
      } else {
        dtrtrs_(lower_ ? "U" : "L", trans_ ? "N" : "T", "N", &n, &nrhs, work.data(), &ld, rhs, &ld,
                &info);
      }
      if (info > 0) throw ValueError(name() + ": the matrix is singular" + element(e));
      if (!vec) fromColMajor(x.data(), o, rows, nrhs64);
    }
    return {out};
  }
  }
  return {};
}

} // namespace graphjit
