// The heap of compiled kernels (internal to lib/JIT): kernels allocate their
// intermediates through graphjit's functions (MLIR's generic allocation
// functions), so an allocation that fails ends the kernel call with the
// interpreter's "out of memory" error instead of a write through null.
#pragma once

#include <cstddef>

namespace graphjit::jit {

/// Calls `entry(args)`; returns 0, or the size of the allocation that failed (the call was
/// abandoned: what it had allocated is lost, as after any failed allocation in C).
size_t callKernelGuarded(void (*entry)(void **), void **args);

/// Throws the interpreter's error for a failed allocation of `bytes`.
[[noreturn]] void throwKernelOutOfMemory(size_t bytes);

/// The allocation functions by the names MLIR's generic lowering calls.
void *kernelAlloc(size_t bytes);
void *kernelAlignedAlloc(size_t alignment, size_t bytes);
void kernelFree(void *p);

} // namespace graphjit::jit
