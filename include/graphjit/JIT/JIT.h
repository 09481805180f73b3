// The JIT: compiles a FunctionGraph to native code for the host CPU through
// MLIR (the lowering of graphjit/Lower/Lower.h, then fusion, bufferization,
// loops, LLVM's vectorizing kernel pipeline with the host's CPU features and glibc's
// vector math).
//
// The compiled form is a schedule of steps over buffers: small kernels (each
// its own function and object, so compile time grows linearly with the graph),
// deduplicated by their IR, compiled in parallel and kept in a cache on disk
// (see docs/compiling.md), and host steps for ops without a lowering.
// No MLIR or LLVM types appear here.
#pragma once

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/JIT/CompileStats.h"
#include "graphjit/JIT/Settings.h"
#include "graphjit/Support/Hash.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graphjit {

/// The levels of code that can be shown (tensorjit-opt --emit=...).
enum class EmitLevel { Graph, Schedule, MLIR, MLIRLowered, LLVM, Asm };
/// Parses "graph|schedule|mlir|mlir-lowered|llvm|asm"; throws ValueError.
EmitLevel parseEmitLevel(const std::string &name);

struct JitOptions;
/// The code for `fg` at `level`, as text, as jitCompile would compile it: `Graph` is the whole
/// graph, `Schedule` the steps as partitioned, and every other level prints each kernel of the
/// schedule (in step order, one module each, headed by a comment naming its step).
std::string emitCode(const FunctionGraph &fg, EmitLevel level, const JitOptions &options);
std::string emitCode(const FunctionGraph &fg, EmitLevel level);

/// A compiled graph: call with one Tensor per graph input (dtypes and ranks of
/// the input types), get one Tensor per output. Shapes are checked per node
/// (Op::checkShapes) before the kernel runs, so it never reads out of bounds.
class JitKernel {
public:
  virtual ~JitKernel() = default;
  virtual std::vector<Tensor> run(const std::vector<Tensor> &inputs) = 0;
  /// The same call over a table of values: reads slots[in[i]] and writes slots[out[o]], which may
  /// hold the previous call's value there (a kernel may write into it again when nothing else
  /// holds it). A schedule runs its steps so, with no vectors per step; the default calls run().
  virtual void runSlots(Tensor *slots, const std::vector<int> &in, const std::vector<int> &out);
  /// Offers old values for the next call's outputs: values[first + v] for each (v, output) of
  /// `updates` is a value that output replaced (a shared variable's old value). A schedule keeps
  /// the small ones, and the step that makes the output writes into the buffer if nothing else
  /// holds it by then. Entries may be moved from. Default: nothing kept.
  virtual void recycle(std::vector<Tensor> &values, size_t first,
                       const std::vector<std::pair<size_t, size_t>> &updates) {
    (void)values, (void)first, (void)updates;
  }
  /// The steps as partitioned (--emit=schedule's text); "" for a kernel that is not a schedule.
  virtual std::string scheduleText() const { return ""; }
};

/// The JIT's knobs. A field left at 0 (or unset) takes its default from the environment
/// (jitSettings(), docs/compiling.md).
struct JitOptions {
  /// Threads compiling kernels at once (GRAPHJIT_NUM_THREADS).
  int compileThreads = 0;
  /// Most nodes in one kernel (GRAPHJIT_KERNEL_NODES).
  int maxKernelNodes = 0;
  /// Whether the disk cache is used (GRAPHJIT_CACHE).
  std::optional<bool> diskCache;
  /// The disk cache's folder (GRAPHJIT_CACHE_DIR) and bound in bytes (GRAPHJIT_CACHE_MAX_BYTES).
  std::string cacheDir;
  uint64_t cacheMaxBytes = 0;

  /// The fields above with every default filled in.
  int resolvedCompileThreads() const {
    return compileThreads > 0 ? compileThreads : jitSettings().numThreads;
  }
  int resolvedMaxKernelNodes() const {
    return maxKernelNodes > 0 ? maxKernelNodes : jitSettings().kernelNodes;
  }
};

/// Compiles `fg` as a schedule of kernels (each served from memory or disk
/// when an equal kernel was compiled before). With `graphKey`, the schedule
/// is also stored on disk under it (see jitLoadCached). Adds what it did to
/// `stats` when given. Throws Error if MLIR or LLVM reject the code.
std::shared_ptr<JitKernel> jitCompile(std::shared_ptr<const FunctionGraph> fg,
                                      const Hash128 *graphKey = nullptr,
                                      const JitOptions &options = {},
                                      CompileStats *stats = nullptr);

/// The schedule an earlier jitCompile (in any process) stored under `graphKey`,
/// with its kernels linked, or null when the disk cache has none (or it is off).
std::shared_ptr<JitKernel> jitLoadCached(const Hash128 &graphKey, const JitOptions &options = {},
                                         CompileStats *stats = nullptr);

/// Number of kernels compiled (not served from a cache) in this process.
size_t jitCompileCount();

/// Compiled modules linked into the process now: kernels no Function uses are unlinked.
size_t jitLinkedModuleCount();

/// Kernel calls that were split across threads (large row-separable kernels).
size_t jitSplitCallCount();

/// Loop nodes (scan) run with all their steps inside one compiled function so far
/// (a body with host steps runs a host loop instead and is not counted).
size_t jitLoopCallCount();

/// Sets how many threads kernels called on this thread may use, and from how many
/// elements a kernel call is split across them, while the object lives (0 keeps
/// the defaults: GRAPHJIT_NUM_THREADS and GRAPHJIT_PARALLEL_MIN). Kernels below
/// the size threshold always run on the calling thread.
class JitThreadsScope {
public:
  explicit JitThreadsScope(int n, int64_t parallelMinElements = 0);
  ~JitThreadsScope();

private:
  int previous_;
  int64_t previousMin_;
};

} // namespace graphjit
