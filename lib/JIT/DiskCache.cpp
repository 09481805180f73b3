// The persistent compile cache: entries that carry their identity, in files named by their key,
// read only as bounded regular files and written through private temporaries.
#include "DiskCache.h"

#include "CacheEntry.h"

#include "graphjit/JIT/JIT.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace graphjit::jit {

namespace fs = std::filesystem;

namespace {
std::atomic<uint64_t> hits{0}, misses{0}, corrupt{0}, writes{0}, evictions{0}, staleTemps{0};

/// A temporary older than this is a dead writer's even if its pid looks alive (pids are reused,
/// and a writer on another host sharing the folder cannot be asked).
constexpr auto kTempMaxAge = std::chrono::hours(1);
/// A temporary of a process that is gone is removed once it is this old (its rename may be racing).
constexpr auto kTempGrace = std::chrono::seconds(10);

/// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
};

/// Reads exactly `n` bytes into `out` (appending); false on a short read or an error.
bool readExactly(int fd, std::string &out, size_t n) {
  size_t start = out.size();
  out.resize(start + n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(fd, out.data() + start + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

bool writeAll(int fd, const std::string &bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

/// A name no other writer (thread, process, host) picks: pid plus 64 random bits.
std::string temporaryName() {
  thread_local std::mt19937_64 rng{
      std::random_device{}() ^ (static_cast<uint64_t>(getpid()) << 32) ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  char buf[64];
  std::snprintf(buf, sizeof buf, ".tmp-%d-%016llx", static_cast<int>(getpid()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

/// The writer's pid in a temporary's name, or -1.
pid_t temporaryOwner(const std::string &name) {
  if (name.rfind(".tmp-", 0) != 0) return -1;
  char *end = nullptr;
  long pid = std::strtol(name.c_str() + 5, &end, 10);
  return end && *end == '-' && pid > 0 ? static_cast<pid_t>(pid) : -1;
}

/// Whether `dir` may hold code this process loads: a directory of ours no one else can write
/// (anyone who can write the cache can make us run their code).
bool trustedDirectory(const std::string &dir) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  return st.st_uid == ::geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
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
  // Parents as the user's umask makes them; the cache folder itself private to its owner.
  std::error_code ec;
  fs::path parent = fs::path(c.dir_).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (::mkdir(c.dir_.c_str(), 0700) != 0 && errno != EEXIST) return std::nullopt;
  if (!trustedDirectory(c.dir_)) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      std::fprintf(stderr,
                   "graphjit: disk cache disabled: %s is not a directory owned by this user and "
                   "writable by no one else\n",
                   c.dir_.c_str());
    return std::nullopt;
  }
  return c;
}

std::string DiskCache::path(const std::string &kind, const Hash128 &key) const {
  return dir_ + "/" + kind + "-" + key.hex() + ".gjc";
}

std::string DiskCache::identity(const std::string &kind, const Hash128 &key) {
  return kind + " " + key.hex() + " " + cacheEnvironmentTag();
}

std::optional<std::string> DiskCache::load(const std::string &kind, const Hash128 &key) const {
  std::string p = path(kind, key);
  // No symlink is followed, and opening a FIFO does not wait for a writer.
  Fd f(::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (f.fd < 0) {
    ++misses;
    if (errno == ELOOP) { // a symlink planted under an entry's name
      ++corrupt;
      ::unlink(p.c_str());
    }
    return std::nullopt;
  }
  auto reject = [&]() -> std::optional<std::string> {
    ++corrupt;
    ++misses;
    ::unlink(p.c_str());
    return std::nullopt;
  };
  struct stat st;
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
      static_cast<uint64_t>(st.st_size) > kCacheEntryMaxBytes)
    return reject();
  // The header says how much to read; the file must hold exactly that.
  std::string bytes;
  if (!readExactly(f.fd, bytes, kCacheEntryHeader)) return reject();
  std::optional<uint64_t> total = cacheEntrySize(bytes);
  if (!total || *total != static_cast<uint64_t>(st.st_size) ||
      !readExactly(f.fd, bytes, *total - kCacheEntryHeader))
    return reject();
  std::optional<std::string> payload = decodeCacheEntry(bytes, identity(kind, key));
  if (!payload) return reject();
  ++hits;
  ::futimens(f.fd, nullptr); // recently used: last to be evicted
  return payload;
}

void DiskCache::store(const std::string &kind, const Hash128 &key,
                      const std::string &payload) const {
  std::string entry = encodeCacheEntry(identity(kind, key), payload);
  if (entry.size() > kCacheEntryMaxBytes) return;
  std::string tmp = dir_ + "/" + temporaryName();
  // O_EXCL | O_NOFOLLOW: never write through a name someone planted; 0600: the entry is ours.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  bool ok = writeAll(fd, entry);
  ok = ::close(fd) == 0 && ok;
  // rename() replaces whatever has the final name (a planted symlink included) without following
  // it.
  if (!ok || std::rename(tmp.c_str(), path(kind, key).c_str()) != 0) {
    ::unlink(tmp.c_str());
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
  auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool isEntry = it->path().extension() == ".gjc";
    pid_t owner = temporaryOwner(name);
    if (!isEntry && owner < 0) continue;
    std::error_code e1, e2, e3;
    fs::file_status status = it->symlink_status(e1);
    if (e1) continue;
    if (!fs::is_regular_file(status)) { // a link or a FIFO under a cache name: never ours
      if (fs::remove(it->path(), e1)) ++corrupt;
      continue;
    }
    uint64_t size = it->file_size(e2);
    auto time = it->last_write_time(e3);
    if (e2 || e3) continue;
    if (owner >= 0) {
      // A temporary of a writer that died before its rename: removed; a live writer's counts.
      bool dead = owner != ::getpid() && ::kill(owner, 0) != 0 && errno == ESRCH;
      auto age = now - time;
      if ((dead && age > kTempGrace) || age > kTempMaxAge) {
        if (fs::remove(it->path(), e1)) {
          ++staleTemps;
          continue;
        }
      }
      total += size;
      continue;
    }
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
  return {hits.load(),   misses.load(),    corrupt.load(),
          writes.load(), evictions.load(), staleTemps.load()};
}

} // namespace graphjit::jit
