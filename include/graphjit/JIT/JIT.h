// The JIT: compiles a FunctionGraph to native code for the host CPU through
// MLIR (the lowering of graphjit/Lower/Lower.h, then fusion, bufferization,
// loops, LLVM at -O3 with the host's CPU features and glibc's vector math).
//
// The compiled form is a schedule of steps over buffers: small kernels (each
// its own function and object, so compile time grows linearly with the graph),
// deduplicated by their IR, compiled in parallel and kept in a cache on disk
// (see docs/compiling.md), and host steps for ops without a lowering.
// No MLIR or LLVM types appear here.
#pragma once

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Support/Hash.h"

#include <memory>
#include <string>
#include <vector>

namespace graphjit {

/// The levels of code that can be shown (tensorjit-opt --emit=...).
enum class EmitLevel { Graph, MLIR, MLIRLowered, LLVM, Asm };
/// Parses "graph|mlir|mlir-lowered|llvm|asm"; throws ValueError.
EmitLevel parseEmitLevel(const std::string &name);

/// The code for `fg` at `level`, as text.
std::string emitCode(const FunctionGraph &fg, EmitLevel level);

/// A compiled graph: call with one Tensor per graph input (dtypes and ranks of
/// the input types), get one Tensor per output. Shapes are checked per node
/// (Op::checkShapes) before the kernel runs, so it never reads out of bounds.
class JitKernel {
public:
  virtual ~JitKernel() = default;
  virtual std::vector<Tensor> run(const std::vector<Tensor> &inputs) = 0;
};

struct JitOptions {
  /// Threads compiling kernels at once (0: GRAPHJIT_NUM_THREADS, else the machine's cores).
  int compileThreads = 0;
  /// Most nodes in one kernel (0: GRAPHJIT_KERNEL_NODES, else 32).
  int maxKernelNodes = 0;
};

/// Compiles `fg` as a schedule of kernels (each served from memory or disk
/// when an equal kernel was compiled before). With `graphKey`, the schedule
/// is also stored on disk under it (see jitLoadCached). Throws Error if MLIR
/// or LLVM reject the code.
std::shared_ptr<JitKernel> jitCompile(std::shared_ptr<const FunctionGraph> fg, const Hash128 *graphKey = nullptr,
                                      const JitOptions &options = {});

/// The schedule an earlier jitCompile (in any process) stored under `graphKey`,
/// with its kernels linked, or null when the disk cache has none (or it is off).
std::shared_ptr<JitKernel> jitLoadCached(const Hash128 &graphKey);

/// Number of kernels compiled (not served from a cache) in this process.
size_t jitCompileCount();

/// Compiled modules linked into the process now: kernels no Function uses are unlinked.
size_t jitLinkedModuleCount();

/// Kernel calls that were split across threads (large row-separable kernels).
size_t jitSplitCallCount();

/// Sets how many threads kernels called on this thread may use while the object
/// lives (0 keeps the default: GRAPHJIT_NUM_THREADS, else the machine's cores).
/// Kernels below a size threshold always run on the calling thread.
class JitThreadsScope {
public:
  explicit JitThreadsScope(int n);
  ~JitThreadsScope();

private:
  int previous_;
};

/// Where the time of one compile went (GRAPHJIT_LOG=compile prints it).
struct CompileStats {
  double rewrite = 0, partition = 0, lower = 0, mlirPasses = 0, translate = 0, llvmOpt = 0, codegen = 0,
         link = 0, total = 0;
  size_t nodes = 0, steps = 0, hostSteps = 0, kernels = 0, uniqueKernels = 0, memoryHits = 0, diskHits = 0,
         compiled = 0, modules = 0;
  bool functionFromMemory = false, scheduleFromDisk = false;
  /// One line per stage, as MLIR's -mlir-timing.
  std::string str() const;
};
/// The stats of this thread's compile under way or last finished.
CompileStats &currentCompileStats();
/// Whether GRAPHJIT_LOG asks for compile logs ("compile" or "all").
bool compileLogEnabled();

} // namespace graphjit
