// Encoding and checking one disk-cache entry: header, identity, payload, checksum.
#include "CacheEntry.h"

#include "graphjit/Support/Hash.h"

#include <cstring>

namespace graphjit::jit {

namespace {
constexpr char kMagic[8] = {'G', 'J', 'C', 'A', 'C', 'H', 'E', '2'};

void putU64(std::string &s, uint64_t v) { s.append(reinterpret_cast<const char *>(&v), 8); }
uint64_t getU64(const char *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
} // namespace

std::string encodeCacheEntry(std::string_view identity, std::string_view payload) {
  std::string body;
  body.reserve(identity.size() + payload.size());
  body.append(identity);
  body.append(payload);
  std::string entry(kMagic, 8);
  putU64(entry, identity.size());
  putU64(entry, payload.size());
  putU64(entry, checksum64(body.data(), body.size()));
  entry += body;
  return entry;
}

std::optional<uint64_t> cacheEntrySize(std::string_view header) {
  if (header.size() < kCacheEntryHeader || std::memcmp(header.data(), kMagic, 8) != 0)
    return std::nullopt;
  uint64_t idSize = getU64(header.data() + 8), payloadSize = getU64(header.data() + 16);
  // Each part is bounded first, so the sum cannot wrap.
  if (idSize > kCacheEntryMaxBytes || payloadSize > kCacheEntryMaxBytes) return std::nullopt;
  uint64_t total = kCacheEntryHeader + idSize + payloadSize;
  if (total > kCacheEntryMaxBytes) return std::nullopt;
  return total;
}

std::optional<std::string> decodeCacheEntry(std::string_view bytes, std::string_view identity) {
  std::optional<uint64_t> total = cacheEntrySize(bytes);
  if (!total || *total != bytes.size()) return std::nullopt;
  uint64_t idSize = getU64(bytes.data() + 8);
  std::string_view body = bytes.substr(kCacheEntryHeader);
  if (getU64(bytes.data() + 24) != checksum64(body.data(), body.size())) return std::nullopt;
  if (body.substr(0, idSize) != identity) return std::nullopt;
  return std::string(body.substr(idSize));
}

} // namespace graphjit::jit
