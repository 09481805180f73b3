// Functions compiled kernels may call that MLIR expects from its C runner
// utilities (not linked here: graphjit provides its own).
#include "RuntimeSymbols.h"
#include "KernelMemory.h"
#include "LinalgSymbols.h"
#include "RuntimeProducts.h"

#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

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

/// memref.copy between memrefs of any layout (MLIR's "memrefCopy" contract).
extern "C" void graphjitMemrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  View s = viewOf(src, elemSize), d = viewOf(dst, elemSize);
  int64_t total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= s.sizes[i];
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
