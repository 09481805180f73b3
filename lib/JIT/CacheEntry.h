// The byte format of one disk-cache entry (internal to lib/JIT), apart from any
// file: a header, the entry's identity (its kind, full key and the build that
// wrote it) and the payload, all under one checksum. Decoding trusts nothing:
// every size is checked against the bytes at hand before it is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace graphjit::jit {

/// Bytes before the identity: magic, identity size, payload size, checksum.
inline constexpr size_t kCacheEntryHeader = 8 + 8 + 8 + 8;
/// No entry is larger (a bigger file, or a header declaring more, is damaged or planted).
inline constexpr uint64_t kCacheEntryMaxBytes = uint64_t{1} << 30;

std::string encodeCacheEntry(std::string_view identity, std::string_view payload);

/// The total size (header included) `header` declares, or nullopt if it is not a header of this
/// format or declares more than kCacheEntryMaxBytes. `header` holds at least kCacheEntryHeader
/// bytes.
std::optional<uint64_t> cacheEntrySize(std::string_view header);

/// The payload of `bytes` if they are one whole entry whose identity is `identity` and whose
/// checksum holds; nullopt on anything else (another key's entry is a miss, never used).
std::optional<std::string> decodeCacheEntry(std::string_view bytes, std::string_view identity);

} // namespace graphjit::jit
