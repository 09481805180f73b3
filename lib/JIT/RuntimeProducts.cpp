// Products at BLAS speed: every matmul form the compiled code meets (vector.vector,
// matrix.vector, vector.matrix, matrix.matrix, stacks of them) becomes an OpenBLAS
// dot, gemv, ger or gemm call, or a loop of them over the batch dims.
//
// The compiled code passes its operands as strided views (a transposed or
// dimshuffled operand is the untouched buffer of its source with permuted
// strides), so BLAS's transpose flags do the work a copy would. Only a view that
// BLAS cannot describe (two non-unit strides, a zero stride) is packed first.
#include "RuntimeProducts.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

// OpenBLAS (declared here to avoid depending on where Debian puts cblas.h; the
// CBLAS enums are passed as ints, which is how the C ABI passes them).
extern "C" {
double cblas_ddot(int, const double *, int, const double *, int);
float cblas_sdot(int, const float *, int, const float *, int);
void cblas_dgemv(int, int, int, int, double, const double *, int, const double *, int, double,
                 double *, int);
void cblas_sgemv(int, int, int, int, float, const float *, int, const float *, int, float, float *,
                 int);
void cblas_dger(int, int, int, double, const double *, int, const double *, int, double *, int);
void cblas_sger(int, int, int, float, const float *, int, const float *, int, float *, int);
void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *, int,
                 double, double *, int);
void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                 float *, int);
}

namespace graphjit::jit {

namespace {
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

template <typename T> struct Blas;
template <> struct Blas<double> {
  static constexpr auto dot = cblas_ddot;
  static constexpr auto gemv = cblas_dgemv;
  static constexpr auto ger = cblas_dger;
  static constexpr auto gemm = cblas_dgemm;
};
template <> struct Blas<float> {
  static constexpr auto dot = cblas_sdot;
  static constexpr auto gemv = cblas_sgemv;
  static constexpr auto ger = cblas_sger;
  static constexpr auto gemm = cblas_sgemm;
};

struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

/// A ranked strided view read from a memref descriptor {allocated, aligned, offset, sizes[r],
/// strides[r]}.
template <typename T> struct View {
  T *data;
  int rank;
  const int64_t *sizes, *strides;
};

template <typename T> View<T> viewOf(const UnrankedMemRef *m) {
  auto *fields = static_cast<char *>(m->descriptor);
  T *aligned = *reinterpret_cast<T **>(fields + sizeof(void *));
  int64_t offset = *reinterpret_cast<int64_t *>(fields + 2 * sizeof(void *));
  auto *sizes = reinterpret_cast<int64_t *>(fields + 2 * sizeof(void *) + sizeof(int64_t));
  return {aligned + offset, static_cast<int>(m->rank), sizes, sizes + m->rank};
}

/// A 2-d strided view: element (i, j) at p[i * rs + j * cs].
template <typename T> struct Mat {
  const T *p;
  int64_t rows, cols, rs, cs;
  T at(int64_t i, int64_t j) const { return p[i * rs + j * cs]; }
  Mat transposed() const { return {p, cols, rows, cs, rs}; }
};

bool fitsInt(int64_t v) { return v >= 0 && v <= INT_MAX; }

/// How BLAS reads a matrix: row-major with leading dimension `ld`, transposed or not.
struct Layout {
  int trans, ld;
};

/// The BLAS layout of `a`, packing it into `buf` when no layout describes it.
template <typename T> Layout layoutOf(Mat<T> &a, std::vector<T> &buf) {
  int64_t r = a.rows, c = a.cols;
  if ((a.cs == 1 || c <= 1) && (r <= 1 || a.rs >= std::max<int64_t>(c, 1))) {
    int64_t ld = r <= 1 ? std::max<int64_t>(c, 1) : a.rs;
    if (fitsInt(ld)) return {kNoTrans, static_cast<int>(ld)};
  }
  if ((a.rs == 1 || r <= 1) && (c <= 1 || a.cs >= std::max<int64_t>(r, 1))) {
    int64_t ld = c <= 1 ? std::max<int64_t>(r, 1) : a.cs;
    if (fitsInt(ld)) return {kTrans, static_cast<int>(ld)};
  }
  buf.resize(static_cast<size_t>(r * c));
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j)
      buf[static_cast<size_t>(i * c + j)] = a.at(i, j);
  a = {buf.data(), r, c, c, 1};
  return {kNoTrans, static_cast<int>(std::max<int64_t>(c, 1))};
}

/// The BLAS increment of a vector of `n` elements `stride` apart, packing it into `buf` if BLAS
/// cannot step it.
template <typename T> int incOf(const T *&p, int64_t n, int64_t stride, std::vector<T> &buf) {
  if (n <= 1) return 1;
  if (stride >= 1 && fitsInt(stride)) return static_cast<int>(stride);
  buf.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    buf[static_cast<size_t>(i)] = p[i * stride];
  p = buf.data();
  return 1;
}

template <typename T> void zero(T *c, int64_t m, int64_t n, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    std::fill(c + i * ldc, c + i * ldc + n, T(0));
}

/// OpenBLAS threads every gemv past 9216 elements; up to this size the handoff between its threads
/// costs more than it saves (a 10000 x 10 GLM's loss-and-gradient call, two such gemv: 130 us with
/// OpenBLAS's threads, 96 us on one), so such products run as the plain loops below.
constexpr int64_t kSmallGemv = int64_t{1} << 17;

/// y(m) += a(m, k) x(k) for a small a with contiguous rows or columns: false for other layouts.
template <typename T> bool smallGemv(Mat<T> a, const T *x, int incx, T *y, int incy) {
  int64_t m = a.rows, k = a.cols;
  if (m * k > kSmallGemv) return false;
  if (a.cs == 1) { // a dot per row, four rows at a time so their sums overlap
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) {
      const T *r0 = a.p + i * a.rs, *r1 = r0 + a.rs, *r2 = r1 + a.rs, *r3 = r2 + a.rs;
      T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int64_t j = 0; j < k; ++j) {
        T xj = x[j * incx];
        s0 += r0[j] * xj, s1 += r1[j] * xj, s2 += r2[j] * xj, s3 += r3[j] * xj;
      }
      y[i * incy] += s0, y[(i + 1) * incy] += s1, y[(i + 2) * incy] += s2, y[(i + 3) * incy] += s3;
    }
    for (; i < m; ++i) {
      const T *r = a.p + i * a.rs;
      T s = 0;
      for (int64_t j = 0; j < k; ++j)
        s += r[j] * x[j * incx];
      y[i * incy] += s;
    }
    return true;
  }
  if (a.rs == 1 && incy == 1) { // an axpy per column into y
    for (int64_t j = 0; j < k; ++j) {
      const T *c = a.p + j * a.cs;
      T xj = x[j * incx];
      for (int64_t i = 0; i < m; ++i)
        y[i] += c[i] * xj;
    }
    return true;
  }
  return false;
}

/// y(m) = a(m, k) x(k), or y += a x with `acc`; y `incy` apart. Without `acc`, y is zeroed first
/// (BLAS's beta = 0 may scale NaN garbage) and then accumulated into with beta = 1: OpenBLAS's gemv
/// always adds into y, after a pass that scales y by beta unless beta is 1, so the result is the
/// same and that second pass over y is saved (the logreg step's X w: 800 KB).
template <typename T> void gemv(Mat<T> a, const T *x, int incx, T *y, int incy, bool acc) {
  if (!acc)
    for (int64_t i = 0; i < a.rows; ++i)
      y[i * incy] = T(0);
  if (smallGemv(a, x, incx, y, incy)) return;
  std::vector<T> buf;
  Layout l = layoutOf(a, buf);
  int m = static_cast<int>(a.rows), k = static_cast<int>(a.cols);
  if (l.trans == kNoTrans)
    Blas<T>::gemv(kRowMajor, kNoTrans, m, k, T(1), a.p, l.ld, x, incx, T(1), y, incy);
  else
    Blas<T>::gemv(kRowMajor, kTrans, k, m, T(1), a.p, l.ld, x, incx, T(1), y, incy);
}

/// Up to this many elements an outer product is a plain loop: zeroing c and calling dger cost
/// 1.5-5x more (paired, one thread: 32 x 2 147 vs 27 ns, 64 x 64 1.12 vs 0.65 us, 256 x 256 14 vs
/// 9.3 us); the backward pass of a dense layer on one row is such products.
constexpr int64_t kSmallOuter = int64_t{1} << 16;

/// c = a(:, 0) b(0, :)^T, or c += with `acc`: written in one pass, rows of c contiguous.
template <typename T> void outer(Mat<T> a, Mat<T> b, T *c, int64_t ldc, bool acc) {
  auto rows = [&](auto y) { // y(j): element j of b's row; inlined per stride kind
    for (int64_t i = 0; i < a.rows; ++i) {
      T xi = a.p[i * a.rs], *ci = c + i * ldc;
      if (acc)
        for (int64_t j = 0; j < b.cols; ++j)
          ci[j] += xi * y(j);
      else
        for (int64_t j = 0; j < b.cols; ++j)
          ci[j] = xi * y(j);
    }
  };
  if (b.cs == 1)
    rows([p = b.p](int64_t j) { return p[j]; }); // contiguous: the rows vectorize
  else
    rows([p = b.p, s = b.cs](int64_t j) { return p[j * s]; });
}

/// c(m, n) = a(m, k) b(k, n), or c += a b with `acc`; c's rows `ldc` apart, its elements
/// contiguous.
template <typename T> void product2d(Mat<T> a, Mat<T> b, T *c, int64_t ldc, bool acc) {
  int64_t m = a.rows, k = a.cols, n = b.cols;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!acc) zero(c, m, n, ldc);
    return;
  }
  if (!fitsInt(m) || !fitsInt(n) || !fitsInt(k) ||
      !fitsInt(ldc)) { // past BLAS's int sizes: the plain loop
    if (!acc) zero(c, m, n, ldc);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p)
        for (int64_t j = 0; j < n; ++j)
          c[i * ldc + j] += a.at(i, p) * b.at(p, j);
    return;
  }
  std::vector<T> bufX, bufY;
  if (m == 1 && n == 1) { // dot
    const T *x = a.p, *y = b.p;
    int incx = incOf(x, k, a.cs, bufX), incy = incOf(y, k, b.rs, bufY);
    c[0] = (acc ? c[0] : T(0)) + Blas<T>::dot(static_cast<int>(k), x, incx, y, incy);
  } else if (n == 1) { // c(:, 0) = a b(:, 0)
    const T *x = b.p;
    int incx = incOf(x, k, b.rs, bufX);
    gemv(a, x, incx, c, static_cast<int>(std::max<int64_t>(ldc, 1)), acc);
  } else if (m == 1) { // c(0, :) = b^T a(0, :)
    const T *x = a.p;
    int incx = incOf(x, k, a.cs, bufX);
    gemv(b.transposed(), x, incx, c, 1, acc);
  } else if (k == 1 && m * n <= kSmallOuter) { // outer product, small: one pass, no zeroing
    outer(a, b, c, ldc, acc);
  } else if (k == 1) { // outer product: c = a(:, 0) b(0, :)^T
    const T *x = a.p, *y = b.p;
    int incx = incOf(x, m, a.rs, bufX), incy = incOf(y, n, b.cs, bufY);
    if (!acc) zero(c, m, n, ldc);
    Blas<T>::ger(kRowMajor, static_cast<int>(m), static_cast<int>(n), T(1), x, incx, y, incy, c,
                 static_cast<int>(ldc));
  } else {
    Layout la = layoutOf(a, bufX), lb = layoutOf(b, bufY);
    Blas<T>::gemm(kRowMajor, la.trans, lb.trans, static_cast<int>(m), static_cast<int>(n),
                  static_cast<int>(k), T(1), a.p, la.ld, b.p, lb.ld, T(acc ? 1 : 0), c,
                  static_cast<int>(ldc));
  }
}

/// NumPy matmul on views: ranks (1|2, 1|2), or equal ranks >= 3 whose batch dims of size 1
/// broadcast. With `acc`, the product is added to what c holds.
template <typename T>
void matmul(const UnrankedMemRef *am, const UnrankedMemRef *bm, const UnrankedMemRef *cm,
            bool acc) {
  View<T> a = viewOf<T>(am), b = viewOf<T>(bm), c = viewOf<T>(cm);
  if (a.rank <= 2 && b.rank <= 2) {
    // A vector on the left is a row, on the right a column.
    Mat<T> A = a.rank == 1 ? Mat<T>{a.data, 1, a.sizes[0], 0, a.strides[0]}
                           : Mat<T>{a.data, a.sizes[0], a.sizes[1], a.strides[0], a.strides[1]};
    Mat<T> B = b.rank == 1 ? Mat<T>{b.data, b.sizes[0], 1, b.strides[0], 0}
                           : Mat<T>{b.data, b.sizes[0], b.sizes[1], b.strides[0], b.strides[1]};
    int64_t ldc = c.rank == 2 ? c.strides[0] : a.rank == 1 ? B.cols : 1;
    return product2d(A, B, c.data, ldc, acc);
  }
  int r = c.rank, nb = r - 2;
  int64_t m = c.sizes[r - 2], n = c.sizes[r - 1], k = a.sizes[r - 1], batches = 1;
  for (int d = 0; d < nb; ++d)
    batches *= c.sizes[d];
  std::vector<int64_t> idx(static_cast<size_t>(nb), 0);
  for (int64_t i = 0; i < batches; ++i) {
    int64_t offA = 0, offB = 0, offC = 0;
    for (int d = 0; d < nb; ++d) {
      offA += (a.sizes[d] == 1 ? 0 : idx[d]) * a.strides[d];
      offB += (b.sizes[d] == 1 ? 0 : idx[d]) * b.strides[d];
      offC += idx[d] * c.strides[d];
    }
    product2d(Mat<T>{a.data + offA, m, k, a.strides[r - 2], a.strides[r - 1]},
              Mat<T>{b.data + offB, k, n, b.strides[r - 2], b.strides[r - 1]}, c.data + offC,
              c.strides[r - 2], acc);
    for (int d = nb - 1; d >= 0; --d) {
      if (++idx[d] < c.sizes[d]) break;
      idx[d] = 0;
    }
  }
}

/// out = d broadcast to out's shape (d's dims aligned right; a size-1 dim repeats).
template <typename T> void broadcastInto(const UnrankedMemRef *dm, const UnrankedMemRef *om) {
  View<T> d = viewOf<T>(dm), o = viewOf<T>(om);
  int r = o.rank, pad = r - d.rank;
  int64_t total = 1;
  std::vector<int64_t> dstride(static_cast<size_t>(r), 0);
  for (int k = 0; k < r; ++k) {
    total *= o.sizes[k];
    if (k >= pad && d.sizes[k - pad] != 1) dstride[k] = d.strides[k - pad];
  }
  if (total == 0) return;
  std::vector<int64_t> idx(static_cast<size_t>(r), 0);
  int64_t n = r ? o.sizes[r - 1] : 1, os = r ? o.strides[r - 1] : 0, ds = r ? dstride[r - 1] : 0;
  for (int64_t done = 0; done < total; done += n) {
    int64_t offO = 0, offD = 0;
    for (int k = 0; k + 1 < r; ++k)
      offO += idx[k] * o.strides[k], offD += idx[k] * dstride[k];
    T *op = o.data + offO;
    const T *dp = d.data + offD;
    for (int64_t j = 0; j < n; ++j)
      op[j * os] = dp[j * ds];
    for (int k = r - 2; k >= 0; --k) {
      if (++idx[k] < o.sizes[k]) break;
      idx[k] = 0;
    }
  }
}

extern "C" void graphjitMatmulF64(UnrankedMemRef *a, UnrankedMemRef *b, UnrankedMemRef *c) {
  matmul<double>(a, b, c, false);
}
extern "C" void graphjitMatmulF32(UnrankedMemRef *a, UnrankedMemRef *b, UnrankedMemRef *c) {
  matmul<float>(a, b, c, false);
}
// c = a b + d: d written into c first, the product added by BLAS (beta = 1) instead of a buffer of
// its own read back by an elementwise add.
extern "C" void graphjitMatmulAddF64(UnrankedMemRef *a, UnrankedMemRef *b, UnrankedMemRef *d,
                                     UnrankedMemRef *c) {
  broadcastInto<double>(d, c);
  matmul<double>(a, b, c, true);
}
extern "C" void graphjitMatmulAddF32(UnrankedMemRef *a, UnrankedMemRef *b, UnrankedMemRef *d,
                                     UnrankedMemRef *c) {
  broadcastInto<float>(d, c);
  matmul<float>(a, b, c, true);
}
} // namespace

std::vector<std::pair<const char *, void *>> productSymbols() {
  return {
      {"_mlir_ciface_graphjit_matmul_f64", reinterpret_cast<void *>(&graphjitMatmulF64)},
      {"_mlir_ciface_graphjit_matmul_f32", reinterpret_cast<void *>(&graphjitMatmulF32)},
      {"_mlir_ciface_graphjit_matmul_add_f64", reinterpret_cast<void *>(&graphjitMatmulAddF64)},
      {"_mlir_ciface_graphjit_matmul_add_f32", reinterpret_cast<void *>(&graphjitMatmulAddF32)}};
}

} // namespace graphjit::jit
