// Allocation for compiled kernels: a failed allocation unwinds to the kernel's caller.
#include "KernelMemory.h"

#include "graphjit/Support/Error.h"

#include <csetjmp>
#include <cstdlib>
#include <string>

namespace graphjit::jit {

namespace {
/// The innermost guarded call on this thread (null outside one). Kernels are plain code without
/// destructors between the guard and an allocation, so leaving them by longjmp skips no cleanup
/// but their own buffers.
thread_local std::jmp_buf *guard = nullptr;
thread_local size_t failedBytes = 0;

[[noreturn]] void fail(size_t bytes) {
  failedBytes = bytes == 0 ? 1 : bytes;
  std::longjmp(*guard, 1);
}
} // namespace

size_t callKernelGuarded(void (*entry)(void **), void **args) {
  std::jmp_buf buf;
  std::jmp_buf *outer = guard;
  guard = &buf;
  failedBytes = 0;
  if (setjmp(buf) == 0) entry(args);
  guard = outer;
  return failedBytes;
}

void throwKernelOutOfMemory(size_t bytes) {
  throw Error("Tensor: out of memory: cannot allocate " + std::to_string(bytes) + " bytes");
}

void *kernelAlloc(size_t bytes) {
  void *p = std::malloc(bytes == 0 ? 1 : bytes);
  if (!p && guard) fail(bytes);
  return p;
}

void *kernelAlignedAlloc(size_t alignment, size_t bytes) {
  // aligned_alloc wants a multiple of the alignment.
  size_t rounded = alignment ? (bytes + alignment - 1) / alignment * alignment : bytes;
  if (rounded < bytes) {
    if (guard) fail(bytes);
    return nullptr;
  }
  void *p = std::aligned_alloc(alignment ? alignment : 16, rounded == 0 ? alignment : rounded);
  if (!p && guard) fail(bytes);
  return p;
}

void kernelFree(void *p) { std::free(p); }

} // namespace graphjit::jit
