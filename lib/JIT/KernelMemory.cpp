// Allocation for compiled kernels: a failed allocation unwinds to the kernel's caller; large
// intermediates are reused across calls.
#include "KernelMemory.h"

#include "graphjit/Support/Error.h"

#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace graphjit::jit {

namespace {
/// The innermost guarded call on this thread (null outside one). Kernels are plain code without
/// destructors between the guard and an allocation, so leaving them by longjmp skips no cleanup
/// but their own buffers.
/// Initial-exec: read at every kernel call, and a shared library's default TLS model makes each
/// read a call of __tls_get_addr (2% of a small training step).
#define GRAPHJIT_FAST_TLS __attribute__((tls_model("initial-exec")))
GRAPHJIT_FAST_TLS thread_local std::jmp_buf *guard = nullptr;
GRAPHJIT_FAST_TLS thread_local size_t failedBytes = 0;

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
// 64 blocks: a fused training step keeps a dozen and more large intermediates inside its kernels
// (the flow step at 1e4 rows: with 8 cached, 5.4 million page faults in 20 calls, 1.5x slower).
constexpr int kMaxCachedBlocks = 64;

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

/// Small blocks (a fused kernel's row of 32 values, a product's 32 x 2 result) are freed in the
/// call that allocates them: a per-thread stack of a few blocks per 64-byte size class serves the
/// next call without malloc (aligned_alloc + free were 14% of the flow step at one row).
constexpr size_t kSmallStep = 64, kSmallClasses = 64, kSmallDepth = 8;
struct SmallBlocks {
  void *blocks[kSmallClasses][kSmallDepth] = {};
  unsigned char count[kSmallClasses] = {};
  ~SmallBlocks() {
    for (size_t c = 0; c < kSmallClasses; ++c)
      for (unsigned k = 0; k < count[c]; ++k)
        std::free(blocks[c][k]);
  }
};
/// This thread's blocks: an initial-exec pointer (static TLS, which a dlopen'ed library must keep
/// small), made at first use and freed with the thread; after that, null and `gone`.
GRAPHJIT_FAST_TLS thread_local SmallBlocks *smallBlocksHere = nullptr;
GRAPHJIT_FAST_TLS thread_local bool smallBlocksGone = false;
SmallBlocks *makeSmallBlocks() {
  struct Owner {
    std::unique_ptr<SmallBlocks> blocks = std::make_unique<SmallBlocks>();
    ~Owner() { smallBlocksHere = nullptr, smallBlocksGone = true; }
  };
  thread_local Owner owner;
  smallBlocksHere = owner.blocks.get();
  return smallBlocksHere;
}
/// Null while the thread exits.
SmallBlocks *smallBlocks() {
  if (smallBlocksHere || smallBlocksGone) return smallBlocksHere;
  return makeSmallBlocks();
}

/// The class of a block of `total` bytes with `alignment`, or -1 when it is not a small block.
int smallClass(size_t total, size_t alignment) {
  if (alignment > kSmallStep || total > kSmallStep * kSmallClasses) return -1;
  return static_cast<int>((total + kSmallStep - 1) / kSmallStep) - 1;
}

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
  void *base = nullptr;
  if (int c = smallClass(h.total, a); c >= 0) {
    h.total = (c + 1) * kSmallStep; // every block of a class has the class's size
    if (SmallBlocks *sb = smallBlocks(); sb && sb->count[c]) base = sb->blocks[c][--sb->count[c]];
    // the class's size is a multiple of 64 and of every alignment up to 64
    if (!base) base = std::aligned_alloc(kSmallStep, h.total);
  } else {
    base = cache.take(h);
    if (!base) base = std::aligned_alloc(a, h.total);
  }
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
  if (int c = smallClass(h.total, h.alignment); c >= 0) {
    if (SmallBlocks *sb = smallBlocks(); sb && sb->count[c] < kSmallDepth)
      sb->blocks[c][sb->count[c]++] = base;
    else
      std::free(base);
    return;
  }
  if (!cache.give(base, h)) std::free(base);
}

} // namespace graphjit::jit
