// compile(): turns a graph into a callable Function. Inputs are checked at
// every call (count, dtype, shape); shared variables persist across calls and
// `updates` replace them after each call, computed from the old values.
#pragma once

#include "graphjit/Graph/DefaultUpdate.h"
#include "graphjit/Graph/Variable.h"
#include "graphjit/JIT/CompileStats.h"

namespace graphjit {
class FunctionGraph;
}
#include "graphjit/Rewrite/Rewrite.h"
#include "graphjit/Text/DPrint.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace graphjit {

enum class Mode {
  Interpret, ///< reference interpreter (each Op's perform)
  JIT,       ///< MLIR lowering and native code
};

using Updates = std::vector<std::pair<Var, Var>>;

/// A compiled graph's run-time form: takes values for the FunctionGraph's
/// inputs (user inputs, then shared variables), returns its outputs.
class Executable {
public:
  virtual ~Executable() = default;
  virtual std::vector<Tensor> run(const std::vector<Tensor> &inputs) = 0;
  /// After a call's updates: values[first + v] for each (v, output) of `updates` is the value that
  /// output replaced, no longer needed; the next call may write that output into its buffer (see
  /// JitKernel::recycle). Entries may be moved from.
  virtual void recycle(std::vector<Tensor> &values, size_t first,
                       const std::vector<std::pair<size_t, size_t>> &updates) {
    (void)values, (void)first, (void)updates;
  }
};

class Function {
public:
  /// An empty Function, to be assigned from compile() later (a member, a container slot).
  /// Calling it, or asking it anything, throws ValueError; `valid()` tells.
  Function() = default;
  bool valid() const { return impl_ != nullptr; }
  /// Calls with one Tensor per input; returns one Tensor per output.
  std::vector<Tensor> operator()(const std::vector<Tensor> &args) const;
  /// Convenience for single-output functions.
  Tensor call1(const std::vector<Tensor> &args) const;

  const std::vector<Var> &inputs() const;
  const std::vector<Var> &outputs() const;
  Mode mode() const;
  /// The graph as compiled (rewritten), outputs then updates; rebuilt on demand when the
  /// schedule came from a cache.
  std::shared_ptr<const FunctionGraph> compiledGraph() const;
  /// What compile() did for this Function: stage times, kernel counts and cache hits.
  const CompileStats &compileStats() const;
  /// The steps the JIT runs, as partitioned (kernels with their nodes, host steps, BLAS calls,
  /// slots), as `tensorjit-opt --emit=schedule` prints them; a note for Mode::Interpret.
  std::string scheduleText() const;

  struct Impl;
  explicit Function(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

private:
  std::shared_ptr<Impl> impl_;
};

struct CompileOptions {
  Mode mode = Mode::JIT;
  /// Rewrite query run on the graph before it is compiled ("" for none).
  std::string rewrites = "fast_run";
  // The JIT's knobs: a field left at 0 or unset takes its environment default (the GRAPHJIT_*
  // variables of docs/compiling.md, read once by jitSettings()).
  /// Threads a call may use for large kernels (GRAPHJIT_NUM_THREADS).
  int numThreads = 0;
  /// Elements a kernel call touches before it is split across threads (GRAPHJIT_PARALLEL_MIN).
  int64_t parallelMinElements = 0;
  /// Threads compiling kernels at once (GRAPHJIT_NUM_THREADS).
  int compileThreads = 0;
  /// Most nodes in one kernel (GRAPHJIT_KERNEL_NODES).
  int maxKernelNodes = 0;
  /// Whether the disk cache is used (GRAPHJIT_CACHE), its folder (GRAPHJIT_CACHE_DIR) and bound
  /// in bytes (GRAPHJIT_CACHE_MAX_BYTES).
  std::optional<bool> diskCache;
  std::string cacheDir;
  uint64_t cacheMaxBytes = 0;
  /// Print compileStats() to stderr after compiling (GRAPHJIT_LOG=compile).
  std::optional<bool> logCompile;
  /// Variables substituted before compiling, PyTensor's givens: {{old, new}, ...}
  /// (Runtime/Givens.h).
  std::vector<std::pair<Var, Var>> givens;
  /// Rules of the caller's own, run with the built-in ones; the query can name them. The kernel
  /// cache knows a rule by its name: give different rules different names.
  std::vector<NodeRewriter> extraRules;
  /// Told of every rewrite compile() applies (RewriteOptions::listener), to trace them. Setting it
  /// bypasses the compiled-function caches, so that the rewrites run and are seen.
  std::function<void(const RewriteEvent &)> rewriteListener;
  /// Told of each rule that threw and was skipped (RewriteOptions::onFailure; unset: stderr).
  std::function<void(const std::string &rule, const std::string &message)> onRewriteFailure;
  /// Do not apply the default updates of the shared variables the graph reads (PyTensor's
  /// no_default_updates): generators then keep their state, and calls repeat their draws.
  bool noDefaultUpdates = false;
};

/// Compiles `outputs` as a function of `inputs` (native code by default; Mode::Interpret
/// runs the reference interpreter). Throws NotImplementedError naming an op the JIT cannot lower.
Function compile(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                 const Updates &updates = {}, Mode mode = Mode::JIT);
Function compile(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                 const Updates &updates, const CompileOptions &options);

/// What dprint(f) shows: the graph as rewritten, or that and the JIT's schedule after it.
enum class FunctionView { Graph, GraphAndSchedule };

/// The graph a compiled Function runs, after rewriting, printed as dprint() prints graphs
/// (outputs first, then the update of each shared variable), like PyTensor's dprint(f);
/// with FunctionView::GraphAndSchedule, followed by f.scheduleText().
std::string dprint(const Function &f, FunctionView view = FunctionView::Graph);
/// The same with dprint(var)'s options: dprint(f, {.printTypes = true, .depth = 3}).
std::string dprint(const Function &f, const DPrintOptions &options,
                   FunctionView view = FunctionView::Graph);

/// A shared variable holding a copy of `value` (PyTensor's shared()).
Var shared(const Tensor &value, const std::string &name = "");
/// The current value of a shared variable.
Tensor getValue(const Var &sharedVar);
/// Sets a shared variable's value (dtype and rank must match).
void setValue(const Var &sharedVar, const Tensor &value);

} // namespace graphjit
