// compile() and the Function it returns: argument checks, the compiled-schedule cache, calls.
#include "graphjit/Runtime/Function.h"
#include "CompileChecks.h"
#include "CompileMemo.h"
#include "InnerCompile.h"
#include "graphjit/Graph/EditCount.h"
#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Graph/StructuralHash.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/JIT/JIT.h"
#include "graphjit/Ops/Random.h"
#include "graphjit/Rewrite/Rewrite.h"
#include "graphjit/Runtime/Givens.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Support/WeakCache.h"
#include "graphjit/Text/DPrint.h"
#include "graphjit/Text/TextIR.h"

#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace graphjit {

namespace {
std::string describeArg(size_t i, const Var &v) {
  return "argument " + std::to_string(i) + (v.name().empty() ? "" : " ('" + v.name() + "')");
}

/// Runs the FunctionGraph with the reference interpreter.
class InterpretedExecutable : public Executable {
public:
  explicit InterpretedExecutable(std::shared_ptr<FunctionGraph> fg) : fg_(std::move(fg)) {}
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) override {
    Bindings b;
    for (size_t i = 0; i < inputs.size(); ++i)
      b.emplace_back(fg_->inputs()[i], inputs[i]);
    return runtime::freshOutputs(evaluate(fg_->outputs(), b));
  }

private:
  std::shared_ptr<FunctionGraph> fg_;
};

/// Runs the native kernel the JIT compiled for the FunctionGraph.
class JitExecutable : public Executable {
public:
  explicit JitExecutable(std::shared_ptr<JitKernel> kernel) : kernel_(std::move(kernel)) {}
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) override {
    return kernel_->run(inputs);
  }
  void recycle(std::vector<Tensor> &values, size_t first,
               const std::vector<std::pair<size_t, size_t>> &updates) override {
    kernel_->recycle(values, first, updates);
  }

private:
  std::shared_ptr<JitKernel> kernel_;
};

// Compiled schedules by structural hash of (rewrite query, graph as given), held
// weakly: a schedule no Function uses is released.
constexpr size_t kRecentSchedules = 16;
WeakCache<Hash128, JitKernel, Hash128Hasher> &kernelsByGraph() {
  static auto *c = new WeakCache<Hash128, JitKernel,
                                 Hash128Hasher>(); // never destroyed: Functions may outlive main
  return *c;
}
std::shared_ptr<JitKernel> cachedKernel(const Hash128 &key) { return kernelsByGraph().find(key); }
void rememberKernel(const Hash128 &key, const std::shared_ptr<JitKernel> &kernel) {
  kernelsByGraph().insert(key, kernel);
  // The most recently compiled schedules stay alive even when no Function holds them, so that
  // compiling a graph again and again (a loop that rebuilds its step) stays a memory hit; older
  // ones are released with their machine code.
  static std::mutex recentMutex;
  static auto *recent = new std::deque<std::shared_ptr<JitKernel>>();
  std::lock_guard<std::mutex> lock(recentMutex);
  recent->push_back(kernel);
  if (recent->size() > kRecentSchedules) recent->pop_front();
}

JitOptions jitOptionsOf(const CompileOptions &o) {
  JitOptions j;
  j.compileThreads = o.compileThreads;
  j.maxKernelNodes = o.maxKernelNodes;
  j.diskCache = o.diskCache;
  j.cacheDir = o.cacheDir;
  j.cacheMaxBytes = o.cacheMaxBytes;
  return j;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Names the first root the outputs need that the caller did not list.
void checkAllInputsGiven(const std::vector<Var> &inputs, const std::vector<Var> &outputs) {
  for (const Var &root : graphInputs(outputs)) {
    bool given = false;
    for (const Var &in : inputs)
      given |= in == root;
    if (!given)
      throw ValueError("compile: the outputs depend on input " +
                       (root.name().empty() ? std::string("of type ") + root.type().str()
                                            : "'" + root.name() + "'") +
                       ", which is not among the inputs given to compile(); add it to the inputs");
  }
}
/// The caller's updates followed by the default updates (PyTensor's default_update) of
/// the shared variables the graph reads that the caller does not update; a default
/// update's own shared inputs are visited too.
Updates withDefaultUpdates(const std::vector<Var> &outputs, const Updates &updates) {
  Updates all = updates;
  std::vector<Var> roots = outputs;
  for (auto &[target, expr] : updates)
    if (expr) roots.push_back(expr);
  for (bool grew = true; grew;) {
    grew = false;
    for (const Var &v : sharedInputs(roots)) {
      bool updated = false;
      for (auto &u : all)
        updated |= u.first == v;
      Var d = updated ? Var() : defaultUpdate(v);
      if (!d) continue;
      all.emplace_back(v, d);
      roots.push_back(d);
      grew = true;
    }
  }
  return all;
}
} // namespace

struct Function::Impl {
  std::vector<Var> inputs, outputs;
  std::vector<Var> sharedVars;                        // read by the graph, passed after the inputs
  std::vector<std::pair<size_t, size_t>> updateSlots; // (shared index, fgraph output index)
  std::shared_ptr<FunctionGraph> fgraph;
  std::unique_ptr<Executable> exec;
  Mode mode;
  int numThreads = 0;
  int64_t parallelMinElements = 0;
  CompileStats stats;
  std::shared_ptr<JitKernel> jitKernel;       // the schedule, Mode::JIT only
  std::vector<Var> graphInputs, graphOutputs; // as given, to rebuild fgraph on demand
  CompileOptions options;
  mutable std::mutex graphMutex;
  /// With updates: the update locks of every shared variable the call reads or writes, taken for
  /// the whole call in this (address) order (docs/runtime.md, "Threads").
  std::vector<std::mutex *> updateLocks;
};

/// Inputs that are computed (not roots), each paired with a fresh root of its type.
static Replacements computedInputs(const std::vector<Var> &inputs) {
  Replacements cut;
  for (const Var &in : inputs)
    if (in && in->owner()) cut.emplace_back(in, Var::input(in.type(), in.name()));
  return cut;
}

Function compile(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                 const Updates &updates, Mode mode) {
  CompileOptions o;
  o.mode = mode;
  return compile(inputs, outputs, updates, o);
}

Function compile(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                 const Updates &givenUpdates, const CompileOptions &options) {
  if (!options.givens.empty()) { // substituted first, then compiled as if written so (Givens.cpp)
    GivenGraph g = applyGivens(inputs, outputs, givenUpdates, options.givens);
    CompileOptions rest = options;
    rest.givens.clear();
    return compile(inputs, g.outputs, g.updates, rest);
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i]) throw ValueError("compile: output " + std::to_string(i) + " is null");
  // A graph compiled before (the same variables) skips the walks that derive its default
  // updates, shared variables and structural hash (CompileMemo.h).
  JitOptions jitOptions = jitOptionsOf(options);
  std::string salt;
  if (options.mode == Mode::JIT) {
    // The kernel size changes the schedule: it is part of the key (threads and cache place do not).
    salt = "jit\n" + options.rewrites + "\nkernel nodes " +
           std::to_string(jitOptions.resolvedMaxKernelNodes());
    for (const NodeRewriter &r : options.extraRules)
      salt += "\nextra rule " + r.name; // rules are known by name
    for (const std::string &name : registeredRewriteNames())
      salt += "\nregistered rule " + name;
  }
  const std::string memoSalt = salt + (options.noDefaultUpdates ? "\nno default updates" : "");
  const uint64_t editsBefore = graphEditCount();
  Replacements cut = computedInputs(inputs);
  std::optional<runtime::CompileFront> front;
  if (options.mode == Mode::JIT && cut.empty())
    front = runtime::findCompileFront(inputs, outputs, givenUpdates, memoSalt);
  const Updates updates = front                      ? front->updates
                          : options.noDefaultUpdates ? givenUpdates
                                                     : withDefaultUpdates(outputs, givenUpdates);
  if (!cut.empty()) {
    // A computed input (a random variable fixed to data: PyTensor takes any variable as an
    // input) cuts the graph there: a fresh root takes its place in the outputs and updates.
    std::vector<Var> all = outputs, fresh = inputs;
    for (auto &[target, expr] : updates)
      all.push_back(expr);
    std::vector<Var> replaced = graph_replace(all, cut);
    for (Var &in : fresh)
      for (auto &[old, root] : cut)
        if (in == old) in = root;
    Updates freshUpdates;
    for (size_t i = 0; i < updates.size(); ++i)
      freshUpdates.emplace_back(updates[i].first, replaced[outputs.size() + i]);
    return compile(fresh, std::vector<Var>(replaced.begin(), replaced.begin() + outputs.size()),
                   freshUpdates, options);
  }
  if (options.mode == Mode::JIT) runtime::installInnerGraphCompiler();
  auto impl = std::make_shared<Function::Impl>();
  impl->inputs = inputs;
  impl->outputs = outputs;
  impl->mode = options.mode;
  impl->numThreads = options.numThreads;
  impl->parallelMinElements = options.parallelMinElements;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) throw ValueError("compile: input " + std::to_string(i) + " is null");
    if (inputs[i]->isConstant() || inputs[i]->isShared())
      throw ValueError("compile: " + describeArg(i, inputs[i]) +
                       " is not an input variable (it is constant or shared)");
  }
  runtime::checkCompileArguments(inputs, updates);
  std::vector<Var> allOutputs = outputs;
  for (auto &[target, expr] : updates) {
    if (!target || !target->isShared())
      throw ValueError("compile: an update target must be a shared variable");
    if (!expr) throw ValueError("compile: update of '" + target.name() + "' is null");
    if (!expr.type().isCompatible(target.type()))
      throw TypeError("compile: update of '" + target.name() + "' has type " + expr.type().str() +
                      ", expected " + target.type().str());
    allOutputs.push_back(expr);
  }
  impl->sharedVars = front ? front->sharedVars : sharedInputs(allOutputs);
  for (auto &[target, expr] : updates) {
    size_t slot = impl->sharedVars.size();
    for (size_t s = 0; s < impl->sharedVars.size(); ++s)
      if (impl->sharedVars[s] == target) slot = s;
    if (slot == impl->sharedVars.size()) impl->sharedVars.push_back(target);
    impl->updateSlots.emplace_back(slot, impl->outputs.size() + impl->updateSlots.size());
  }
  std::vector<Var> fgInputs = inputs;
  fgInputs.insert(fgInputs.end(), impl->sharedVars.begin(), impl->sharedVars.end());
  if (!impl->updateSlots.empty()) impl->updateLocks = runtime::updateLockOrder(impl->sharedVars);
  impl->graphInputs = fgInputs;
  impl->graphOutputs = allOutputs;
  impl->options = options;
  // Shared variables become ordinary inputs of the compiled graph.
  // A cache hit must be cheap: look the schedule up by a structural hash of the graph as given,
  // before copying or rewriting it; a second process finds it on disk.
  auto started = std::chrono::steady_clock::now();
  CompileStats &stats = impl->stats;
  Hash128 key;
  auto finish = [&] {
    stats.total = secondsSince(started);
    if (options.mode == Mode::JIT && options.logCompile.value_or(jitSettings().logCompile))
      std::fputs(stats.str().c_str(), stderr);
    return Function(impl);
  };
  if (options.mode == Mode::JIT) {
    if (front) {
      key = front->key;
    } else {
      key = structuralHash(fgInputs, allOutputs, salt);
      runtime::rememberCompileFront(inputs, outputs, givenUpdates, memoSalt,
                                    {updates, impl->sharedVars, key}, editsBefore);
    }
  }
  if (options.mode == Mode::JIT && !options.rewriteListener) {
    if (auto kernel = cachedKernel(key)) {
      stats.functionFromMemory = true;
      impl->jitKernel = kernel;
      impl->exec = std::make_unique<JitExecutable>(kernel);
      return finish();
    }
    if (auto kernel = jitLoadCached(key, jitOptions, &stats)) {
      rememberKernel(key, kernel);
      impl->jitKernel = kernel;
      impl->exec = std::make_unique<JitExecutable>(kernel);
      return finish();
    }
  }
  // Only on a miss: a graph with a root the caller did not give never reaches a cache (its hash
  // names the unbound root), so hits need not walk the graph for it.
  checkAllInputsGiven(fgInputs, allOutputs);
  impl->fgraph = std::make_shared<FunctionGraph>(fgInputs, allOutputs, true);
  if (!options.rewrites.empty()) {
    RewriteOptions ro;
    ro.query = options.rewrites;
    ro.extraRules = options.extraRules;
    ro.listener = options.rewriteListener;
    ro.onFailure = options.onRewriteFailure;
    auto t0 = std::chrono::steady_clock::now();
    rewriteGraph(*impl->fgraph, ro);
    stats.rewrite = secondsSince(t0);
  }
  if (options.mode == Mode::Interpret) {
    impl->exec = std::make_unique<InterpretedExecutable>(impl->fgraph);
  } else {
    auto kernel = jitCompile(impl->fgraph, &key, jitOptions, &stats);
    rememberKernel(key, kernel);
    impl->jitKernel = kernel;
    impl->exec = std::make_unique<JitExecutable>(kernel);
  }
  return finish();
}

namespace {
/// Refuses a default-constructed Function, naming what was asked of it.
void requireCompiled(const void *impl, const char *what) {
  if (!impl)
    throw ValueError(std::string("Function::") + what +
                     ": this Function is empty (default-constructed); assign it from compile()");
}
} // namespace

std::vector<Tensor> Function::operator()(const std::vector<Tensor> &args) const {
  requireCompiled(impl_.get(), "operator()");
  const Impl &f = *impl_;
  if (args.size() != f.inputs.size())
    throw ValueError("Function call: expected " + std::to_string(f.inputs.size()) +
                     " arguments, got " + std::to_string(args.size()));
  // Read, compute and write back as one step for every Function updating these variables.
  runtime::SharedUpdateLocks updating(f.updateLocks);
  std::vector<Tensor> all;
  all.reserve(args.size() + f.sharedVars.size());
  for (size_t i = 0; i < args.size(); ++i) {
    // A value that fits passes as is (by reference); otherwise the type's filter converts or
    // rejects it.
    const TensorType &t = f.inputs[i].type();
    all.push_back(t.accepts(args[i])
                      ? args[i]
                      : t.filter(args[i], "Function call: " + describeArg(i, f.inputs[i])));
  }
  JitThreadsScope threads(f.numThreads, f.parallelMinElements);
  RandomThreadsScope randomThreads(f.numThreads); // host draws split as kernels do
  runtime::appendSharedValues(f.sharedVars, all);
  std::vector<Tensor> outs = f.exec->run(all);
  // All updates are computed from the old values before any is written.
  runtime::applyUpdates(f.sharedVars, f.updateSlots, outs);
  // The replaced values' buffers serve the next call's updates (a training step's parameters and
  // optimizer state: no allocation and no free per update).
  if (!f.updateSlots.empty()) f.exec->recycle(all, args.size(), f.updateSlots);
  outs.resize(f.outputs.size());
  return outs;
}

Tensor Function::call1(const std::vector<Tensor> &args) const {
  requireCompiled(impl_.get(), "call1");
  if (impl_->outputs.size() != 1)
    throw ValueError("Function::call1: the function has " + std::to_string(impl_->outputs.size()) +
                     " outputs, expected 1");
  return (*this)(args)[0];
}

const std::vector<Var> &Function::inputs() const {
  requireCompiled(impl_.get(), "inputs");
  return impl_->inputs;
}
const std::vector<Var> &Function::outputs() const {
  requireCompiled(impl_.get(), "outputs");
  return impl_->outputs;
}
Mode Function::mode() const {
  requireCompiled(impl_.get(), "mode");
  return impl_->mode;
}

std::shared_ptr<const FunctionGraph> Function::compiledGraph() const {
  requireCompiled(impl_.get(), "compiledGraph");
  std::lock_guard<std::mutex> lock(impl_->graphMutex);
  if (!impl_->fgraph) { // the schedule came from a cache: rewrite a copy again (cheap next to
                        // compiling)
    auto fg = std::make_shared<FunctionGraph>(impl_->graphInputs, impl_->graphOutputs, true);
    if (!impl_->options.rewrites.empty()) {
      RewriteOptions ro;
      ro.query = impl_->options.rewrites;
      ro.extraRules = impl_->options.extraRules;
      ro.onFailure = [](const std::string &, const std::string &) {}; // reported when compiled
      rewriteGraph(*fg, ro);
    }
    impl_->fgraph = fg;
  }
  return impl_->fgraph;
}

const CompileStats &Function::compileStats() const {
  requireCompiled(impl_.get(), "compileStats");
  return impl_->stats;
}

std::string Function::scheduleText() const {
  requireCompiled(impl_.get(), "scheduleText");
  if (impl_->jitKernel) return impl_->jitKernel->scheduleText();
  return "interpreted: no schedule (Mode::Interpret runs each node's perform)\n";
}

std::string dprint(const Function &f, FunctionView view) { return dprint(f, {}, view); }

std::string dprint(const Function &f, const DPrintOptions &options, FunctionView view) {
  std::string text = dprint(f.compiledGraph()->outputs(), options);
  if (view == FunctionView::GraphAndSchedule) text += f.scheduleText();
  return text;
}

Var shared(const Tensor &value, const std::string &name) { return Var::shared(value, name); }

Tensor getValue(const Var &v) {
  if (!v || !v->isShared()) throw ValueError("getValue: not a shared variable");
  Tensor value;
  {
    std::lock_guard<std::mutex> lock(runtime::sharedStateMutex());
    value = v->sharedStorage()->value;
  }
  return value.clone(); // a copy: writing into it never changes the shared state
}

void setValue(const Var &v, const Tensor &value) {
  if (!v || !v->isShared()) throw ValueError("setValue: not a shared variable");
  Tensor copy = v.type().filter(value, "setValue: '" + v.name() + "'").clone();
  // Not in the middle of an update's read-compute-write: the update would overwrite this value.
  std::lock_guard<std::mutex> updating(runtime::sharedUpdateMutex(v->sharedStorage().get()));
  std::lock_guard<std::mutex> lock(runtime::sharedStateMutex());
  v->sharedStorage()->value = std::move(copy);
}

} // namespace graphjit
