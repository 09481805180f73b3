// The persistent compile cache: checksummed entries in files named by their key, written
// atomically.
#include "DiskCache.h"

#include "graphjit/JIT/JIT.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace graphjit::jit {

namespace fs = std::filesystem;

namespace {
constexpr char kMagic[8] = {'G', 'J', 'C', 'A', 'C', 'H', 'E', '1'};
constexpr size_t kHeader = 8 + 8 + 8; // magic, payload size, checksum

std::atomic<uint64_t> hits{0}, misses{0}, corrupt{0}, writes{0}, evictions{0};
std::atomic<uint64_t> tmpCounter{0};

void putU64(std::string &s, uint64_t v) { s.append(reinterpret_cast<const char *>(&v), 8); }
uint64_t getU64(const char *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
} // namespace

const std::string &cacheEnvironmentTag() {
  static const std::string tag = [] {
    std::string t =
        "graphjit-0.1 llvm-" LLVM_VERSION_STRING " cpu=" + llvm::sys::getHostCPUName().str() +
        " features=";
    for (auto &f : llvm::sys::getHostCPUFeatures())
      t += (f.second ? "+" : "-") + f.first().str() + ",";
    // The library's own identity: a rebuilt libgraphjit may lower or link differently.
    Dl_info info;
    struct stat st;
    if (dladdr(reinterpret_cast<void *>(&cacheEnvironmentTag), &info) && info.dli_fname &&
        stat(info.dli_fname, &st) == 0)
      t += " lib=" + std::to_string(st.st_size) + "@" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
    return t;
  }();
  return tag;
}

std::optional<DiskCache> DiskCache::open(const JitOptions &options) {
  const JitSettings &env = jitSettings();
  if (!options.diskCache.value_or(env.cacheEnabled)) return std::nullopt;
  DiskCache c;
  c.dir_ = !options.cacheDir.empty() ? options.cacheDir : env.cacheDir;
  if (c.dir_.empty()) return std::nullopt;
  c.maxBytes_ = options.cacheMaxBytes > 0 ? options.cacheMaxBytes : env.cacheMaxBytes;
  std::error_code ec;
  fs::create_directories(c.dir_, ec);
  if (ec && !fs::is_directory(c.dir_)) return std::nullopt;
  return c;
}

std::string DiskCache::path(const std::string &kind, const Hash128 &key) const {
  return dir_ + "/" + kind + "-" + key.hex() + ".gjc";
}

std::optional<std::string> DiskCache::load(const std::string &kind, const Hash128 &key) const {
  std::string p = path(kind, key);
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    ++misses;
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  bool ok = bytes.size() >= kHeader && std::memcmp(bytes.data(), kMagic, 8) == 0 &&
            getU64(bytes.data() + 8) == bytes.size() - kHeader &&
            getU64(bytes.data() + 16) == checksum64(bytes.data() + kHeader, bytes.size() - kHeader);
  if (!ok) {
    ++corrupt;
    ++misses;
    std::remove(p.c_str());
    return std::nullopt;
  }
  ++hits;
  utimensat(AT_FDCWD, p.c_str(), nullptr, 0); // recently used: last to be evicted
  return bytes.substr(kHeader);
}

void DiskCache::store(const std::string &kind, const Hash128 &key,
                      const std::string &payload) const {
  std::string entry(kMagic, 8);
  putU64(entry, payload.size());
  putU64(entry, checksum64(payload.data(), payload.size()));
  entry += payload;
  std::ostringstream tmpName;
  tmpName << dir_ << "/.tmp-" << getpid() << "-"
          << std::hash<std::thread::id>()(std::this_thread::get_id()) << "-" << tmpCounter++;
  std::string tmp = tmpName.str();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out.write(entry.data(), static_cast<std::streamsize>(entry.size()));
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), path(kind, key).c_str()) != 0) {
    std::remove(tmp.c_str());
    return;
  }
  ++writes;
}

void DiskCache::evictIfNeeded() const {
  struct Entry {
    fs::path path;
    uint64_t size;
    fs::file_time_type time;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().extension() != ".gjc") continue;
    std::error_code e1, e2;
    uint64_t size = it->file_size(e1);
    auto time = it->last_write_time(e2);
    if (e1 || e2) continue;
    entries.push_back({it->path(), size, time});
    total += size;
  }
  if (total <= maxBytes_) return;
  std::sort(entries.begin(), entries.end(),
            [](const Entry &a, const Entry &b) { return a.time < b.time; });
  for (const Entry &e : entries) {
    if (total <= maxBytes_) break;
    std::error_code e1;
    if (fs::remove(e.path, e1)) {
      total -= e.size;
      ++evictions;
    }
  }
}

DiskCacheCounters DiskCache::counters() {
  return {hits.load(), misses.load(), corrupt.load(), writes.load(), evictions.load()};
}

} // namespace graphjit::jit
