// The one reader of GRAPHJIT_* environment variables (strict parsing, read once).
#include "graphjit/JIT/Settings.h"

#include "graphjit/Support/Error.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace graphjit {

namespace {
/// The value of `name`, or "" when unset (an empty value counts as unset).
std::string env(const char *name) {
  const char *v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

/// A decimal integer in [lo, hi]: digits only, no sign, exponent, spaces or suffix.
template <class T>
T parseInteger(const char *name, const std::string &text, T lo, T hi, T fallback) {
  if (text.empty()) return fallback;
  auto bad = [&] {
    return ValueError(std::string(name) + ": expected an integer in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "], got '" + text + "'");
  };
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      text.size() > 19)
    throw bad();
  unsigned long long v = std::stoull(text);
  if (v < static_cast<unsigned long long>(lo) || v > static_cast<unsigned long long>(hi))
    throw bad();
  return static_cast<T>(v);
}

bool parseSwitch(const char *name, const std::string &text, bool fallback) {
  if (text.empty()) return fallback;
  if (text == "on" || text == "1" || text == "true") return true;
  if (text == "off" || text == "0" || text == "false") return false;
  throw ValueError(std::string(name) + ": expected on or off (1/0, true/false), got '" + text +
                   "'");
}

/// GRAPHJIT_LOG is a comma-separated list of topics; "compile" is the only one, "all" names every
/// topic.
bool parseLog(const std::string &text) {
  bool compile = false;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    size_t comma = text.find(',', start);
    std::string topic =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (topic == "compile" || topic == "all")
      compile = true;
    else if (!topic.empty())
      throw ValueError("GRAPHJIT_LOG: expected a comma-separated list of compile or all, got '" +
                       text + "'");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return compile;
}

JitSettings readEnvironment() {
  JitSettings s;
  int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  s.numThreads = parseInteger<int>("GRAPHJIT_NUM_THREADS", env("GRAPHJIT_NUM_THREADS"), 1, 256,
                                   std::min(cores, 256));
  s.kernelNodes =
      parseInteger<int>("GRAPHJIT_KERNEL_NODES", env("GRAPHJIT_KERNEL_NODES"), 1, 100000, 32);
  s.parallelMinElements = parseInteger<int64_t>(
      "GRAPHJIT_PARALLEL_MIN", env("GRAPHJIT_PARALLEL_MIN"), 1, int64_t{1} << 62, int64_t{1} << 16);
  s.cacheEnabled = parseSwitch("GRAPHJIT_CACHE", env("GRAPHJIT_CACHE"), true);
  s.cacheMaxBytes =
      parseInteger<uint64_t>("GRAPHJIT_CACHE_MAX_BYTES", env("GRAPHJIT_CACHE_MAX_BYTES"), 0,
                             uint64_t{1} << 62, uint64_t{1} << 30);
  std::string home = env("HOME"), xdg = env("XDG_CACHE_HOME"), dir = env("GRAPHJIT_CACHE_DIR");
  std::string base = !xdg.empty() ? xdg : home.empty() ? "" : home + "/.cache";
  s.cacheDir = !dir.empty() ? dir : base.empty() ? "" : base + "/graphjit";
  s.logCompile = parseLog(env("GRAPHJIT_LOG"));
  return s;
}

// Replaced settings stay alive (a caller may still hold a reference to them) and are owned here,
// so they are freed at exit: a few bytes per reload, which only tests do.
std::atomic<const JitSettings *> current{nullptr};
std::mutex ownedMutex;
std::vector<std::unique_ptr<const JitSettings>> &owned() {
  static std::vector<std::unique_ptr<const JitSettings>> all;
  return all;
}
const JitSettings *keep(JitSettings settings) {
  std::lock_guard<std::mutex> lock(ownedMutex);
  owned().push_back(std::make_unique<const JitSettings>(std::move(settings)));
  return owned().back().get();
}
} // namespace

const JitSettings &jitSettings() {
  if (const JitSettings *s = current.load(std::memory_order_acquire)) return *s;
  const JitSettings *fresh = keep(readEnvironment()); // throws on a bad value: nothing is cached
  const JitSettings *expected = nullptr;
  if (!current.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel))
    return *expected; // another thread read it first (ours stays owned, unused)
  return *fresh;
}

void reloadJitSettings() { current.store(keep(readEnvironment()), std::memory_order_release); }

} // namespace graphjit
