// Functions compiled kernels may call that MLIR expects from its C runner
// utilities (not linked here: graphjit provides its own).
#include "RuntimeSymbols.h"
#include "KernelMemory.h"
#include "LinalgSymbols.h"
#include "RuntimeProducts.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace graphjit::jit {

namespace {
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

/// Pointer fields and strided sizes of a ranked descriptor {allocated, aligned, offset, sizes[r],
/// strides[r]}.
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

/// Whether a view's elements are one row-major block (dims of size 1 may have any stride).
bool isRowMajor(const View &v, int64_t rank) {
  int64_t expected = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (v.sizes[i] != 1 && v.strides[i] != expected) return false;
    expected *= v.sizes[i];
  }
  return true;
}

/// n elements of `T`'s size, `ss` and `ds` elements apart (a fixed-size memcpy is one move).
template <typename T> void copyStrided(char *d, int64_t ds, const char *s, int64_t ss, int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    std::memcpy(d + j * ds * int64_t(sizeof(T)), s + j * ss * int64_t(sizeof(T)), sizeof(T));
}

/// One innermost row: a memcpy when both sides are contiguous, else a loop by element size.
void copyRow(int64_t elemSize, char *d, int64_t ds, const char *s, int64_t ss, int64_t n) {
  if (ds == 1 && ss == 1) {
    std::memcpy(d, s, static_cast<size_t>(n * elemSize));
    return;
  }
  switch (elemSize) {
  case 8:
    return copyStrided<uint64_t>(d, ds, s, ss, n);
  case 4:
    return copyStrided<uint32_t>(d, ds, s, ss, n);
  case 2:
    return copyStrided<uint16_t>(d, ds, s, ss, n);
  case 1:
    return copyStrided<uint8_t>(d, ds, s, ss, n);
  default:
    for (int64_t j = 0; j < n; ++j)
      std::memcpy(d + j * ds * elemSize, s + j * ss * elemSize, static_cast<size_t>(elemSize));
  }
}

/// memref.copy between memrefs of any layout (MLIR's "memrefCopy" contract): one memcpy when both
/// are row-major blocks, else row by row over the dims of size above 1 (a [n, 1] column is one row
/// of n). Element by element, with an index vector allocated per call, it was 18% of the flow step
/// at 1e4 rows (concatenations and splits of [n, 1] columns).
extern "C" void graphjitMemrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  View s = viewOf(src, elemSize), d = viewOf(dst, elemSize);
  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= s.sizes[i];
  if (total == 0) return;
  if (isRowMajor(s, rank) && isRowMajor(d, rank)) {
    std::memcpy(d.base, s.base, static_cast<size_t>(total * elemSize));
    return;
  }
  llvm::SmallVector<int64_t, 8> sizes, sStrides, dStrides; // the dims of size above 1
  for (int64_t i = 0; i < rank; ++i)
    if (s.sizes[i] != 1) {
      sizes.push_back(s.sizes[i]);
      sStrides.push_back(s.strides[i]);
      dStrides.push_back(d.strides[i]);
    }
  int64_t n = static_cast<int64_t>(sizes.size()); // >= 1: else the views were row-major
  int64_t inner = sizes[n - 1], rows = total / inner;
  llvm::SmallVector<int64_t, 8> idx(static_cast<size_t>(n - 1), 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t so = 0, dof = 0;
    for (int64_t i = 0; i + 1 < n; ++i) {
      so += idx[i] * sStrides[i];
      dof += idx[i] * dStrides[i];
    }
    copyRow(elemSize, d.base + dof * elemSize, dStrides[n - 1], s.base + so * elemSize,
            sStrides[n - 1], inner);
    for (int64_t i = n - 2; i >= 0; --i) {
      if (++idx[i] < sizes[i]) break;
      idx[i] = 0;
    }
  }
}
} // namespace

llvm::orc::SymbolMap runtimeSymbolMap(llvm::orc::MangleAndInterner &interner) {
  llvm::orc::SymbolMap symbols;
  symbols[interner("memrefCopy")] = {llvm::orc::ExecutorAddr::fromPtr(&graphjitMemrefCopy),
                                     llvm::JITSymbolFlags::Exported};
  // Kernels allocate through these (Pipeline.cpp asks for MLIR's generic functions).
  symbols[interner("_mlir_memref_to_llvm_alloc")] = {llvm::orc::ExecutorAddr::fromPtr(&kernelAlloc),
                                                     llvm::JITSymbolFlags::Exported};
  symbols[interner("_mlir_memref_to_llvm_aligned_alloc")] = {
      llvm::orc::ExecutorAddr::fromPtr(&kernelAlignedAlloc), llvm::JITSymbolFlags::Exported};
  symbols[interner("_mlir_memref_to_llvm_free")] = {llvm::orc::ExecutorAddr::fromPtr(&kernelFree),
                                                    llvm::JITSymbolFlags::Exported};
  for (auto [name, address] : productSymbols()) // OpenBLAS products (RuntimeProducts.cpp)
    symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                               llvm::JITSymbolFlags::Exported};
  addLinalgSymbols(interner, symbols); // LAPACK and special functions (LinalgSymbols.cpp)
  return symbols;
}

} // namespace graphjit::jit
