// Where compiled kernels are found again (internal to lib/JIT): in memory, held
// weakly (a kernel no schedule uses is unlinked), then on disk (a kernel entry
// naming a module object, linked once per process).
#pragma once

#include "DiskCache.h"
#include "ObjectLoader.h"

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/JIT/JIT.h"

#include <memory>
#include <optional>

namespace graphjit::jit {

/// The cache key of a kernel (its canonical MLIR) and of a graph's schedule.
Hash128 kernelKey(const std::string &mlirFunction);
Hash128 scheduleKey(const Hash128 &graphKey);

std::shared_ptr<JitKernel> kernelFromMemory(const Hash128 &key);
void rememberKernel(const Hash128 &key, const std::shared_ptr<JitKernel> &kernel);
void rememberModule(const Hash128 &key, const std::shared_ptr<LoadedObject> &module);

/// The kernel stored on disk under `key`, linked, running `graph`; null when the entry, its module
/// or its symbol is missing or unreadable (the caller compiles it again).
std::shared_ptr<JitKernel> kernelFromDisk(const std::optional<DiskCache> &disk, const Hash128 &key,
                                          std::shared_ptr<const FunctionGraph> graph);

} // namespace graphjit::jit
