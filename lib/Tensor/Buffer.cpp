// Tensor buffers: a per-thread cache of small blocks by size class, a shared pool of large
// ones, and huge-page alignment for the largest. A call's small outputs must not pay for
// malloc's memalign each time (about half of a one-element call, issue 24).
#include "Buffer.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace graphjit {

namespace {
/// Large buffers are kept for reuse when released: writing into fresh pages
/// costs far more than the computation (80 MB: ~50 ms fresh, ~4 ms reused).
/// Everything past the small-block cache (64 KiB) is pooled: from glibc's mmap
/// threshold up, whether malloc hands back fresh pages depends on its trim
/// heuristic and the order of allocations (measured: the logreg step's 800 KB
/// vectors took 0 or ~370 page faults per call; a 512 KiB output of 1000 8x8
/// inverses made a call 1.4x slower when fresh).
class BufferPool {
public:
  static BufferPool &get() {
    static BufferPool *pool = new BufferPool(); // never destroyed: buffers may be released at exit
    return *pool;
  }
  void *take(size_t bytes) {
    if (bytes < kMinPooled) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(bytes);
    if (it == free_.end()) return nullptr;
    void *p = it->second;
    free_.erase(it);
    cached_ -= bytes;
    return p;
  }
  void give(void *p, size_t bytes) {
    if (bytes >= kMinPooled) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + bytes <= kMaxCached) {
        free_.emplace(bytes, p);
        cached_ += bytes;
        return;
      }
    }
    std::free(p);
  }

private:
  static constexpr size_t kMinPooled = size_t(64) << 10, kMaxCached = size_t(1) << 30;
  std::mutex mutex_;
  std::multimap<size_t, void *> free_;
  size_t cached_ = 0;
};

/// Buffers from this size up are mappings that start on a 2 MiB boundary and span whole huge
/// pages, so that madvise(MADV_HUGEPAGE) applies (it fails on an address that is not
/// page-aligned). The data starts a few cache lines past a 4 KiB step into the mapping, a
/// different step for each buffer: arrays that all start at offset 0 of a huge page make a
/// streaming kernel's loads and stores collide in the same cache sets (measured: the fused chain
/// over four such arrays ran at 0.57x the speed of the staggered ones).
constexpr size_t kHugePage = size_t(2) << 20, kHugeFrom = size_t(4) << 20;
constexpr size_t kStagger = 4096 + 3 * 64, kColors = 16;

[[noreturn]] void outOfMemory(size_t bytes) {
  // The size asked for, not the rounded one the allocator tried.
  throw Error("Tensor: out of memory: cannot allocate " + std::to_string(bytes) + " bytes");
}

std::shared_ptr<void> allocateLarge(size_t bytes) {
  if (bytes > std::numeric_limits<size_t>::max() / 2) outOfMemory(bytes); // rounding would wrap
  size_t rounded = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  bool huge = rounded >= kHugeFrom;
  if (huge) rounded = (rounded + kColors * kStagger + kHugePage - 1) / kHugePage * kHugePage;
  void *p = BufferPool::get().take(rounded);
  if (!p) {
    p = std::aligned_alloc(huge ? kHugePage : 64, rounded);
    if (!p) outOfMemory(bytes);
    // First touch of 4 KiB pages is slow on these VMs: ask for huge pages.
    if (huge) madvise(p, rounded, MADV_HUGEPAGE);
  }
  std::shared_ptr<void> base(p, [rounded](void *q) { BufferPool::get().give(q, rounded); });
  if (!huge) return base;
  static std::atomic<size_t> color{0};
  size_t offset = (color.fetch_add(1, std::memory_order_relaxed) % kColors) * kStagger;
  return std::shared_ptr<void>(base, static_cast<char *>(p) + offset); // frees the mapping
}

/// Freed small blocks of this thread by size class (64 B << c), bounded per class: 16 blocks, or
/// 256 KiB of them for the small classes (a long schedule holds hundreds of small values at once;
/// with 16 per class its calls went back to malloc for most of them). A block released on another
/// thread joins that thread's cache (any block of the class will do).
constexpr int kSmallClasses = 11; // up to 64 KiB
constexpr size_t kSmallMin = 64, kMinPerClass = 16, kClassBudget = 256 << 10;
size_t classCapacity(int c) { return std::max(kMinPerClass, kClassBudget / (kSmallMin << c)); }
struct SmallCache {
  std::vector<void *> blocks[kSmallClasses]; // reserved to capacity at first use
  ~SmallCache();
};
thread_local bool smallCacheGone = false; // trivially destructible: readable during thread exit
SmallCache::~SmallCache() {
  smallCacheGone = true;
  for (int c = 0; c < kSmallClasses; ++c)
    for (void *p : blocks[c])
      std::free(p);
}
SmallCache &smallCache() {
  thread_local SmallCache cache;
  return cache;
}

int smallClass(size_t bytes) {
  int c = 0;
  while ((kSmallMin << c) < bytes)
    ++c;
  return c;
}

/// A block of class `c` from this thread's cache, else from malloc.
void *takeSmall(int c) {
  if (!smallCacheGone) {
    std::vector<void *> &spare = smallCache().blocks[c];
    if (!spare.empty()) {
      void *p = spare.back();
      spare.pop_back();
      return p;
    }
  }
  return std::aligned_alloc(64, kSmallMin << c);
}
void giveSmall(int c, void *p) {
  if (!smallCacheGone) {
    std::vector<void *> &spare = smallCache().blocks[c];
    if (spare.capacity() == 0) {
      try { // called by deleters: a failed reserve just frees the block
        spare.reserve(classCapacity(c));
      } catch (const std::bad_alloc &) {
      }
    }
    if (spare.size() < spare.capacity()) {
      spare.push_back(p);
      return;
    }
  }
  std::free(p);
}

/// The control blocks of small buffers' shared_ptrs come from the same cache.
template <typename T> struct SmallAllocator {
  using value_type = T;
  SmallAllocator() = default;
  template <typename U> SmallAllocator(const SmallAllocator<U> &) {}
  T *allocate(size_t n) {
    void *p = takeSmall(smallClass(n * sizeof(T)));
    if (!p) throw std::bad_alloc();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t n) { giveSmall(smallClass(n * sizeof(T)), p); }
  template <typename U> bool operator==(const SmallAllocator<U> &) const { return true; }
};

struct SmallRelease {
  int cls;
  void operator()(void *p) const { giveSmall(cls, p); }
};

std::shared_ptr<void> allocateSmall(size_t bytes) {
  int c = smallClass(std::max<size_t>(bytes, 1));
  void *p = takeSmall(c);
  if (!p) outOfMemory(bytes);
  return std::shared_ptr<void>(p, SmallRelease{c}, SmallAllocator<char>());
}
} // namespace

std::shared_ptr<void> allocateBuffer(size_t bytes) {
  if (bytes <= (kSmallMin << (kSmallClasses - 1))) return allocateSmall(bytes);
  return allocateLarge(bytes);
}

} // namespace graphjit
