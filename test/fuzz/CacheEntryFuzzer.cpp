// Feeds arbitrary bytes to the disk cache's decoders (the entry header and
// identity check, then the kernel-entry and schedule payload formats), as a
// hostile cache folder would: nothing but nullopt or a value may come out.
#include "CacheEntry.h"
#include "ScheduleCodec.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char *>(data), size);
  using namespace graphjit::jit;
  // The identity is the input's first line, so the fuzzer can reach the payload decoders.
  size_t nl = bytes.find('\n');
  std::string_view identity = nl == std::string_view::npos ? bytes : bytes.substr(0, nl);
  std::string_view entry = nl == std::string_view::npos ? std::string_view() : bytes.substr(nl + 1);
  if (bytes.size() >= kCacheEntryHeader) (void)cacheEntrySize(bytes);
  std::optional<std::string> payload = decodeCacheEntry(entry, identity);
  // What decodes must be what was encoded.
  if (payload && encodeCacheEntry(identity, *payload) != entry) std::abort();
  std::string text(entry);
  (void)decodeKernelEntry(text);
  (void)decodeSchedule(text);
  return 0;
}
