// A 128-bit non-cryptographic hash for cache keys (in memory and on disk):
// stable across processes and machines, wide enough that distinct graphs or
// kernels never share a key in practice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace graphjit {

struct Hash128 {
  uint64_t hi = 0, lo = 0;
  bool operator==(const Hash128 &o) const { return hi == o.hi && lo == o.lo; }
  bool operator!=(const Hash128 &o) const { return !(*this == o); }
  bool operator<(const Hash128 &o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  /// 32 lowercase hex digits (file names, logs).
  std::string hex() const;
};

struct Hash128Hasher {
  size_t operator()(const Hash128 &h) const {
    return static_cast<size_t>(h.lo ^ (h.hi * 0x9E3779B97F4A7C15ull));
  }
};

/// Streaming hasher: add bytes, integers and strings, then finish().
class Hasher {
public:
  Hasher &bytes(const void *data, size_t n);
  Hasher &u64(uint64_t v);
  /// Length-prefixed, so ("ab","c") and ("a","bc") differ.
  Hasher &str(std::string_view s);
  Hash128 finish() const;

private:
  uint64_t a_ = 0x243F6A8885A308D3ull, b_ = 0x13198A2E03707344ull;
  uint64_t n_ = 0;
};

/// 64-bit checksum of a byte range (cache entry integrity).
uint64_t checksum64(const void *data, size_t n);

} // namespace graphjit
