// Two independent multiply-rotate lanes over 8-byte words, finished with the
// splitmix64 avalanche. Not cryptographic; collisions need ~2^64 keys.
#include "graphjit/Support/Hash.h"

#include <cstring>

namespace graphjit {

namespace {
inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}
} // namespace

Hasher &Hasher::bytes(const void *data, size_t n) {
  const auto *p = static_cast<const unsigned char *>(data);
  n_ += n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    a_ = rotl(a_ ^ (w * 0x9E3779B97F4A7C15ull), 27) * 0xC2B2AE3D27D4EB4Full + 0x165667B19E3779F9ull;
    b_ = rotl(b_ ^ (w * 0xFF51AFD7ED558CCDull), 31) * 0x87C37B91114253D5ull + 0x27D4EB2F165667C5ull;
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    w ^= static_cast<uint64_t>(n) << 59;
    a_ = rotl(a_ ^ (w * 0x9E3779B97F4A7C15ull), 27) * 0xC2B2AE3D27D4EB4Full + 0x165667B19E3779F9ull;
    b_ = rotl(b_ ^ (w * 0xFF51AFD7ED558CCDull), 31) * 0x87C37B91114253D5ull + 0x27D4EB2F165667C5ull;
  }
  return *this;
}

Hasher &Hasher::u64(uint64_t v) { return bytes(&v, sizeof v); }

Hasher &Hasher::str(std::string_view s) {
  u64(s.size());
  return bytes(s.data(), s.size());
}

Hash128 Hasher::finish() const {
  uint64_t a = mix(a_ ^ n_), b = mix(b_ + rotl(n_, 17));
  return {mix(a + b), mix(b ^ rotl(a, 23))};
}

std::string Hash128::hex() const {
  static const char *digits = "0123456789abcdef";
  std::string s(32, '0');
  for (int i = 0; i < 16; ++i) {
    s[15 - i] = digits[(hi >> (4 * i)) & 15];
    s[31 - i] = digits[(lo >> (4 * i)) & 15];
  }
  return s;
}

uint64_t checksum64(const void *data, size_t n) {
  Hasher h;
  h.bytes(data, n);
  return h.finish().lo;
}

} // namespace graphjit
