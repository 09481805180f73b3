// Finding compiled kernels and linked modules again, in memory and on disk.
#include "KernelCache.h"

#include "Kernels.h"
#include "ScheduleCodec.h"

#include "graphjit/Support/Error.h"
#include "graphjit/Support/WeakCache.h"

namespace graphjit::jit {

namespace {
WeakCache<Hash128, JitKernel, Hash128Hasher> &kernels() {
  static auto *c = new WeakCache<Hash128, JitKernel,
                                 Hash128Hasher>(); // never destroyed: kernels may outlive main
  return *c;
}
WeakCache<Hash128, LoadedObject, Hash128Hasher> &modules() {
  static auto *c = new WeakCache<Hash128, LoadedObject, Hash128Hasher>();
  return *c;
}

/// The linked module `key`, from memory or disk; null if neither has it.
std::shared_ptr<LoadedObject> moduleFromCache(const std::optional<DiskCache> &disk,
                                              const Hash128 &key) {
  if (auto m = modules().find(key)) return m;
  if (!disk) return nullptr;
  auto object = disk->load("module", key);
  if (!object) return nullptr;
  std::shared_ptr<LoadedObject> m;
  try {
    m = loadObject(*object);
  } catch (const Error &) {
    return nullptr; // an object this process cannot link: compile it again
  }
  modules().insert(key, m);
  return m;
}
} // namespace

Hash128 kernelKey(const std::string &mlirFunction) {
  return Hasher().str("kernel").str(mlirFunction).str(cacheEnvironmentTag()).finish();
}

Hash128 scheduleKey(const Hash128 &graphKey) {
  return Hasher()
      .str("schedule")
      .u64(graphKey.hi)
      .u64(graphKey.lo)
      .str(cacheEnvironmentTag())
      .finish();
}

std::shared_ptr<JitKernel> kernelFromMemory(const Hash128 &key) { return kernels().find(key); }
void rememberKernel(const Hash128 &key, const std::shared_ptr<JitKernel> &kernel) {
  kernels().insert(key, kernel);
}
void rememberModule(const Hash128 &key, const std::shared_ptr<LoadedObject> &module) {
  modules().insert(key, module);
}

std::shared_ptr<JitKernel> kernelFromDisk(const std::optional<DiskCache> &disk, const Hash128 &key,
                                          std::shared_ptr<const FunctionGraph> graph) {
  if (!disk) return nullptr;
  auto stored = disk->load("kernel", key);
  if (!stored) return nullptr;
  std::optional<KernelEntry> entry = decodeKernelEntry(*stored);
  if (!entry) return nullptr;
  auto module = moduleFromCache(disk, entry->module);
  if (!module) return nullptr;
  try {
    return makeCompiledKernel(std::move(graph), module, entry->symbol,
                              std::move(entry->checkMessages));
  } catch (const Error &) {
    return nullptr; // entry missing from the object: compile again
  }
}

} // namespace graphjit::jit
