// The persistent compile cache (internal to lib/JIT), as JAX's and PyTensor's:
// kernel objects and schedules in files named by their key.
//
// Location, switch and bound come from JitOptions, defaulting to the
// GRAPHJIT_CACHE* settings (docs/compiling.md); least recently used entries go
// first when it outgrows its bound.
// Every entry carries a checksum: a truncated or corrupt file is removed and
// reported as a miss, never loaded. Writes go to a temporary file that is
// renamed into place, so several processes may share the cache.
#pragma once

#include "graphjit/Support/Hash.h"

#include <cstdint>
#include <optional>
#include <string>

namespace graphjit {
struct JitOptions;
}

namespace graphjit::jit {

struct DiskCacheCounters {
  uint64_t hits = 0, misses = 0, corrupt = 0, writes = 0, evictions = 0;
};

class DiskCache {
public:
  /// The cache `options` (else the environment's settings) configure, or nullopt when it is
  /// disabled or has no folder.
  static std::optional<DiskCache> open(const JitOptions &options);

  /// The payload stored under (kind, key), verified; nullopt on a miss.
  std::optional<std::string> load(const std::string &kind, const Hash128 &key) const;
  /// Stores atomically (failures to write are ignored: the cache is an optimization).
  void store(const std::string &kind, const Hash128 &key, const std::string &payload) const;
  /// Removes least recently used entries until the cache fits its bound (one directory scan).
  void evictIfNeeded() const;

  const std::string &dir() const { return dir_; }
  static DiskCacheCounters counters();

private:
  std::string path(const std::string &kind, const Hash128 &key) const;
  std::string dir_;
  uint64_t maxBytes_ = 0;
};

/// Mixed into every key: graphjit's build, LLVM's version, the host CPU and its features.
const std::string &cacheEnvironmentTag();

} // namespace graphjit::jit
