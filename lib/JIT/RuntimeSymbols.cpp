// Functions compiled kernels may call that MLIR expects from its C runner
// utilities (not linked here: graphjit provides its own).
#include "RuntimeSymbols.h"
#include "LinalgSymbols.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <cstdint>
#include <cstring>
#include <algorithm>
#include <vector>

namespace graphjit::jit {

namespace {
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

/// Pointer fields and strided sizes of a ranked descriptor {allocated, aligned, offset, sizes[r], strides[r]}.
struct View {
  char *base;
  const int64_t *sizes, *strides;
};

View viewOf(const UnrankedMemRef *m, int64_t elemSize) {
  auto *fields = static_cast<char *>(m->descriptor);
  char *aligned = *reinterpret_cast<char **>(fields + sizeof(void *));
  int64_t offset = *reinterpret_cast<int64_t *>(fields + 2 * sizeof(void *));
  auto *sizes = reinterpret_cast<int64_t *>(fields + 2 * sizeof(void *) + sizeof(int64_t));
  return {aligned + offset * elemSize, sizes, sizes + m->rank};
}

/// memref.copy between memrefs of any layout (MLIR's "memrefCopy" contract).
extern "C" void graphjitMemrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  View s = viewOf(src, elemSize), d = viewOf(dst, elemSize);
  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i) total *= s.sizes[i];
  if (total == 0) return;
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  for (int64_t n = 0; n < total; ++n) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i < rank; ++i) {
      so += idx[i] * s.strides[i];
      dof += idx[i] * d.strides[i];
    }
    std::memcpy(d.base + dof * elemSize, s.base + so * elemSize, static_cast<size_t>(elemSize));
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++idx[i] < s.sizes[i]) break;
      idx[i] = 0;
    }
  }
}
// OpenBLAS (declared here to avoid depending on where Debian puts cblas.h).
extern "C" void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *, int, double,
                            double *, int);
extern "C" void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                            float *, int);
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

template <typename T> struct Memref2D {
  T *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

/// Leading dimension and transpose flag of a 2-d view, or false if BLAS cannot read it directly.
template <typename T> bool blasLayout(const Memref2D<T> &m, int &ld, int &trans) {
  if (m.strides[1] == 1 && m.strides[0] >= std::max<int64_t>(m.sizes[1], 1)) {
    ld = static_cast<int>(m.strides[0]), trans = kNoTrans;
    return true;
  }
  if (m.strides[0] == 1 && m.strides[1] >= std::max<int64_t>(m.sizes[0], 1)) {
    ld = static_cast<int>(m.strides[1]), trans = kTrans;
    return true;
  }
  return false;
}

template <typename T, typename Gemm> void gemm(Memref2D<T> *a, Memref2D<T> *b, Memref2D<T> *c, Gemm blas) {
  int64_t m = a->sizes[0], k = a->sizes[1], n = b->sizes[1];
  T *C = c->aligned + c->offset;
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) C[i * c->strides[0] + j] = 0;
    return;
  }
  int lda, ldb, ta, tb;
  std::vector<T> ca, cb;
  const T *A = a->aligned + a->offset, *B = b->aligned + b->offset;
  // Views BLAS cannot describe (e.g. broadcast strides of 0) are copied first.
  auto pack = [](const Memref2D<T> &v, std::vector<T> &buf) {
    buf.resize(static_cast<size_t>(v.sizes[0] * v.sizes[1]));
    for (int64_t i = 0; i < v.sizes[0]; ++i)
      for (int64_t j = 0; j < v.sizes[1]; ++j) buf[i * v.sizes[1] + j] = v.aligned[v.offset + i * v.strides[0] + j * v.strides[1]];
    return buf.data();
  };
  if (!blasLayout(*a, lda, ta)) A = pack(*a, ca), lda = static_cast<int>(k), ta = kNoTrans;
  if (!blasLayout(*b, ldb, tb)) B = pack(*b, cb), ldb = static_cast<int>(n), tb = kNoTrans;
  blas(kRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), T(1), A, lda, B, ldb, T(0),
       C, static_cast<int>(c->strides[0]));
}

extern "C" void graphjitGemmF64(Memref2D<double> *a, Memref2D<double> *b, Memref2D<double> *c) {
  gemm(a, b, c, cblas_dgemm);
}
extern "C" void graphjitGemmF32(Memref2D<float> *a, Memref2D<float> *b, Memref2D<float> *c) {
  gemm(a, b, c, cblas_sgemm);
}
} // namespace

void registerRuntimeSymbols(mlir::ExecutionEngine &engine) {
  engine.registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("memrefCopy")] = {llvm::orc::ExecutorAddr::fromPtr(&graphjitMemrefCopy),
                                       llvm::JITSymbolFlags::Exported};
    symbols[interner("_mlir_ciface_graphjit_gemm_f64")] = {llvm::orc::ExecutorAddr::fromPtr(&graphjitGemmF64),
                                                           llvm::JITSymbolFlags::Exported};
    symbols[interner("_mlir_ciface_graphjit_gemm_f32")] = {llvm::orc::ExecutorAddr::fromPtr(&graphjitGemmF32),
                                                           llvm::JITSymbolFlags::Exported};
    return symbols;
  });
  registerLinalgSymbols(engine);
}

} // namespace graphjit::jit
