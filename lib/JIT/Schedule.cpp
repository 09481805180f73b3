// jitCompile as a list of named stages: partition, lower, find or compile, link, store.
//
// The compiled form of a graph is a schedule of steps over a table of tensors
// (ScheduleKernel.h). Kernels are found in memory, then on disk, and only then
// compiled (in parallel, once per distinct IR); the schedule itself is stored on
// disk so that a later process skips rewriting and lowering (jitLoadCached).
#include "CompileModules.h"
#include "DiskCache.h"
#include "KernelCache.h"
#include "Kernels.h"
#include "Partition.h"
#include "ScheduleCodec.h"
#include "ScheduleKernel.h"

#include "graphjit/JIT/JIT.h"
#include "graphjit/Lower/Lower.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/TextIR.h"

#include <chrono>
#include <map>

namespace graphjit {

namespace jit {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// The kernels of a partition, deduplicated by their lowered IR.
struct LoweredKernels {
  std::vector<UniqueKernel> uniques;
  std::vector<size_t> uniqueOfStep; // kernel steps only
  std::vector<Hash128> stepKeys;    // kernel steps only
};

// --- the stages
// ------------------------------------------------------------------------------------

Partition partitionStage(const FunctionGraph &fg, const JitOptions &options, CompileStats &stats) {
  auto t0 = Clock::now();
  Partition part = partitionGraph(fg, options.resolvedMaxKernelNodes());
  stats.nodes += fg.numNodes();
  stats.partition += since(t0);
  return part;
}

/// Lowers every kernel under one canonical name: equal IR means one compile.
LoweredKernels lowerStage(const Partition &part, CompileStats &stats) {
  auto t0 = Clock::now();
  LoweredKernels l;
  l.uniqueOfStep.resize(part.steps.size());
  l.stepKeys.resize(part.steps.size());
  std::map<Hash128, size_t> uniqueOf;
  for (size_t s = 0; s < part.steps.size(); ++s) {
    const PartStep &ps = part.steps[s];
    if (ps.host) continue;
    LoweredFunction lowered = lowerFunction(*ps.graph, "kernel");
    Hash128 key = kernelKey(lowered.mlir);
    l.stepKeys[s] = key;
    auto [it, fresh] = uniqueOf.emplace(key, l.uniques.size());
    if (fresh) l.uniques.push_back({key, std::move(lowered), ps.graph, nullptr});
    l.uniqueOfStep[s] = it->second;
    ++stats.kernels;
  }
  stats.uniqueKernels += l.uniques.size();
  stats.lower += since(t0);
  return l;
}

/// Memory, then disk, then compile what is left. Returns whether anything was compiled.
bool findOrCompileStage(LoweredKernels &l, const std::optional<DiskCache> &disk,
                        const JitOptions &options, CompileStats &stats) {
  auto t0 = Clock::now();
  std::vector<size_t> toCompile;
  for (size_t u = 0; u < l.uniques.size(); ++u) {
    UniqueKernel &q = l.uniques[u];
    if ((q.kernel = kernelFromMemory(q.key))) {
      ++stats.memoryHits;
    } else if ((q.kernel = kernelFromDisk(disk, q.key, q.graph))) {
      ++stats.diskHits;
      rememberKernel(q.key, q.kernel);
    } else {
      toCompile.push_back(u);
    }
  }
  stats.link += since(t0);
  compileModules(l.uniques, toCompile, options.resolvedCompileThreads(), disk, stats);
  return !toCompile.empty();
}

/// The schedule that runs: each step's kernel, or a host step for an op without a lowering.
std::shared_ptr<JitKernel> linkStage(const Partition &part, const LoweredKernels &l,
                                     CompileStats &stats) {
  std::vector<Step> steps = stepsOf(part);
  for (size_t s = 0; s < steps.size(); ++s) {
    if (steps[s].host) {
      steps[s].kernel = makeHostStepKernel(part.steps[s].graph);
      ++stats.hostSteps;
    } else {
      steps[s].kernel = l.uniques[l.uniqueOfStep[s]].kernel;
    }
  }
  stats.steps += steps.size();
  return makeScheduleKernel(part, std::move(steps));
}

/// Writes the schedule to disk under the graph's key, so that a later process only links it.
void storeStage(const Partition &part, const LoweredKernels &l, const Hash128 &graphKey,
                const DiskCache &disk) {
  // Constants that are graph outputs or host inputs have no text form here: such schedules stay in
  // memory.
  if (!part.constants.empty()) return;
  try {
    disk.store("schedule", scheduleKey(graphKey), encodeSchedule(part, l.stepKeys));
  } catch (const Error &) {
    // a step that does not print (never expected): the schedule stays in memory only
  }
}

/// Rebuilds a stored schedule, linking its kernels from memory or disk; null if anything is
/// missing.
std::shared_ptr<JitKernel> linkStored(const StoredSchedule &stored,
                                      const std::optional<DiskCache> &disk, CompileStats &stats) {
  std::vector<Step> steps;
  for (const StoredStep &st : stored.steps) {
    Step step;
    step.host = st.host;
    step.inputs = st.inputs;
    step.outputs = st.outputs;
    step.text = st.text;
    if (!st.host && (step.kernel = kernelFromMemory(st.key))) {
      ++stats.memoryHits;
    } else {
      std::shared_ptr<FunctionGraph> graph;
      try {
        TextFunction fn = parseFunction(st.text, "<cached schedule>");
        graph = std::make_shared<FunctionGraph>(fn.inputs, fn.outputs, false);
      } catch (const Error &) {
        return nullptr; // e.g. an op no longer registered
      }
      step.graph = graph;
      if (st.host) {
        step.kernel = makeHostStepKernel(graph);
        ++stats.hostSteps;
      } else {
        step.kernel = kernelFromDisk(disk, st.key, graph);
        if (!step.kernel) return nullptr;
        rememberKernel(st.key, step.kernel);
        ++stats.diskHits;
      }
    }
    ++stats.steps;
    steps.push_back(std::move(step));
  }
  return makeScheduleKernel(stored.layout, std::move(steps));
}
} // namespace
} // namespace jit

using namespace jit;

size_t jitCompileCount() { return compiledKernelCount(); }

std::shared_ptr<JitKernel> jitLoadCached(const Hash128 &graphKey, const JitOptions &options,
                                         CompileStats *stats) {
  CompileStats local;
  CompileStats &st = stats ? *stats : local;
  auto disk = DiskCache::open(options);
  if (!disk) return nullptr;
  auto payload = disk->load("schedule", scheduleKey(graphKey));
  if (!payload) return nullptr;
  auto t0 = Clock::now();
  std::optional<StoredSchedule> stored = decodeSchedule(*payload);
  std::shared_ptr<JitKernel> k = stored ? linkStored(*stored, disk, st) : nullptr;
  st.link += since(t0);
  if (k) st.scheduleFromDisk = true;
  return k;
}

std::shared_ptr<JitKernel> jitCompile(std::shared_ptr<const FunctionGraph> fg,
                                      const Hash128 *graphKey, const JitOptions &options,
                                      CompileStats *stats) {
  CompileStats local;
  CompileStats &st = stats ? *stats : local;
  auto disk = DiskCache::open(options);
  Partition part = partitionStage(*fg, options, st);
  LoweredKernels lowered = lowerStage(part, st);
  bool compiled = findOrCompileStage(lowered, disk, options, st);
  std::shared_ptr<JitKernel> schedule = linkStage(part, lowered, st);
  if (disk && graphKey) storeStage(part, lowered, *graphKey, *disk);
  if (disk && (compiled || graphKey)) disk->evictIfNeeded(); // once per compile, after its writes
  return schedule;
}

} // namespace graphjit
