// The persistent compile cache (internal to lib/JIT), as JAX's and PyTensor's:
// kernel objects and schedules in files named by their key.
//
// Location, switch and bound come from JitOptions, defaulting to the
// GRAPHJIT_CACHE* settings (docs/compiling.md); least recently used entries go
// first when it outgrows its bound.
// Nothing read from disk is trusted (docs/runtime.md, "The disk cache's trust
// model"): every entry carries its identity (kind, full key, build) and a
// checksum, and is read only as a regular file no larger than its header
// declares; anything else is removed and reported as a miss, never loaded.
// Writes go to a private temporary (O_EXCL | O_NOFOLLOW, 0600) renamed into
// place, so several processes may share the cache; temporaries of writers that
// died are removed by the next eviction scan. The folder must be the user's and
// writable by no one else (created 0700), else the cache is off.
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
  uint64_t hits = 0, misses = 0, corrupt = 0, writes = 0, evictions = 0, staleTemps = 0;
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
  /// Removes dead writers' temporaries, then least recently used entries until the cache (live
  /// temporaries included) fits its bound (one directory scan).
  void evictIfNeeded() const;

  const std::string &dir() const { return dir_; }
  static DiskCacheCounters counters();

private:
  std::string path(const std::string &kind, const Hash128 &key) const;
  /// What an entry must say it is: its kind, its whole key and the build that wrote it.
  static std::string identity(const std::string &kind, const Hash128 &key);
  std::string dir_;
  uint64_t maxBytes_ = 0;
};

/// Mixed into every key: graphjit's build, LLVM's version, the host CPU and its features.
const std::string &cacheEnvironmentTag();

} // namespace graphjit::jit
