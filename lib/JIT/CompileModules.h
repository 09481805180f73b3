// The compile stage of jitCompile (internal to lib/JIT): kernels nobody has
// compiled yet are packed into modules, compiled to objects in parallel,
// linked, and written to the disk cache.
#pragma once

#include "DiskCache.h"

#include "graphjit/JIT/CompileStats.h"
#include "graphjit/JIT/JIT.h"
#include "graphjit/Lower/Lower.h"

#include <memory>
#include <optional>
#include <vector>

namespace graphjit::jit {

/// One distinct kernel of a compile: its key, lowering and graph; `kernel` is set once found or
/// compiled.
struct UniqueKernel {
  Hash128 key;
  LoweredFunction lowered;
  std::shared_ptr<const FunctionGraph> graph;
  std::shared_ptr<JitKernel> kernel;
};

/// Compiles `kernels[i]` for every i in `which` on up to `threads` threads, links them (setting
/// `.kernel`, remembered in memory) and stores their objects and entries on `disk`. Throws Error if
/// MLIR or LLVM reject a kernel.
void compileModules(std::vector<UniqueKernel> &kernels, const std::vector<size_t> &which,
                    int threads, const std::optional<DiskCache> &disk, CompileStats &stats);

/// Kernels compiled (not served from a cache) in this process.
size_t compiledKernelCount();

} // namespace graphjit::jit
