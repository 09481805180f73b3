// Allocation for compiled kernels: a failed allocation unwinds to the kernel's caller; large
// intermediates are reused across calls.
#include "KernelMemory.h"

#include "graphjit/Support/Error.h"

#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdlib>
#include <cstring>
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

namespace {
/// Each block carries its size and alignment just below the pointer handed out, in a header of
/// `alignment` bytes (so the data keeps that alignment).
struct Header {
  size_t total;     ///< bytes of the underlying allocation
  size_t alignment; ///< of the data, also the header's size
};

/// Freed blocks from kReuseFrom bytes up stay in a small per-thread cache and serve the next
/// allocation of the same size: a kernel's intermediates are allocated and freed in every call,
/// and from glibc's mmap threshold up each one was fresh pages (the logreg step's 800 KB product
/// of X and w: 156 page faults per call, written and zeroed by the kernel).
constexpr size_t kReuseFrom = size_t(64) << 10, kMaxCachedBytes = size_t(128) << 20;
constexpr int kMaxCachedBlocks = 8;

struct BlockCache {
  void *blocks[kMaxCachedBlocks] = {};
  Header headers[kMaxCachedBlocks] = {};
  int count = 0;
  size_t bytes = 0;
  ~BlockCache() {
    for (int i = 0; i < count; ++i)
      std::free(blocks[i]);
  }
  void *take(const Header &h) {
    for (int i = 0; i < count; ++i)
      if (headers[i].total == h.total && headers[i].alignment == h.alignment) {
        void *b = blocks[i];
        --count;
        blocks[i] = blocks[count], headers[i] = headers[count];
        bytes -= h.total;
        return b;
      }
    return nullptr;
  }
  bool give(void *base, const Header &h) {
    if (h.total < kReuseFrom || count == kMaxCachedBlocks || bytes + h.total > kMaxCachedBytes)
      return false;
    blocks[count] = base, headers[count] = h;
    ++count;
    bytes += h.total;
    return true;
  }
};
thread_local BlockCache cache;

void *allocate(size_t alignment, size_t bytes) {
  // A power of two of at least a Header; aligned_alloc wants a multiple of it.
  size_t a = sizeof(Header);
  while (a < alignment)
    a *= 2;
  size_t rounded = (bytes + a - 1) / a * a;
  if (rounded < bytes || rounded > ~size_t(0) - a) {
    if (guard) fail(bytes);
    return nullptr;
  }
  Header h{a + std::max(rounded, a), a};
  void *base = cache.take(h);
  if (!base) base = std::aligned_alloc(a, h.total);
  if (!base) {
    if (guard) fail(bytes);
    return nullptr;
  }
  char *p = static_cast<char *>(base) + a;
  std::memcpy(p - sizeof(Header), &h, sizeof(Header));
  return p;
}
} // namespace

void *kernelAlloc(size_t bytes) { return allocate(alignof(std::max_align_t), bytes); }

void *kernelAlignedAlloc(size_t alignment, size_t bytes) { return allocate(alignment, bytes); }

void kernelFree(void *p) {
  if (!p) return;
  Header h;
  std::memcpy(&h, static_cast<char *>(p) - sizeof(Header), sizeof(Header));
  void *base = static_cast<char *>(p) - h.alignment;
  if (!cache.give(base, h)) std::free(base);
}

} // namespace graphjit::jit
