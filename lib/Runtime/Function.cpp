#include "graphjit/Runtime/Function.h"
#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/JIT/JIT.h"
#include "graphjit/Rewrite/Rewrite.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/TextIR.h"

#include <map>
#include <mutex>

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
    for (size_t i = 0; i < inputs.size(); ++i) b.emplace_back(fg_->inputs()[i], inputs[i]);
    return evaluate(fg_->outputs(), b);
  }

private:
  std::shared_ptr<FunctionGraph> fg_;
};

/// Runs the native kernel the JIT compiled for the FunctionGraph.
class JitExecutable : public Executable {
public:
  explicit JitExecutable(std::shared_ptr<JitKernel> kernel) : kernel_(std::move(kernel)) {}
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) override { return kernel_->run(inputs); }

private:
  std::shared_ptr<JitKernel> kernel_;
};

// Kernels by (rewrite query, graph before rewriting). Never destroyed, like the JIT's own cache.
std::mutex kernelsMutex;
std::map<std::string, std::shared_ptr<JitKernel>> &kernelsByGraph() {
  static auto *m = new std::map<std::string, std::shared_ptr<JitKernel>>();
  return *m;
}
std::shared_ptr<JitKernel> cachedKernel(const std::string &key) {
  std::lock_guard<std::mutex> lock(kernelsMutex);
  auto it = kernelsByGraph().find(key);
  return it == kernelsByGraph().end() ? nullptr : it->second;
}
void rememberKernel(const std::string &key, std::shared_ptr<JitKernel> kernel) {
  std::lock_guard<std::mutex> lock(kernelsMutex);
  kernelsByGraph()[key] = std::move(kernel);
}
} // namespace

struct Function::Impl {
  std::vector<Var> inputs, outputs;
  std::vector<Var> sharedVars;              // read by the graph, passed after the inputs
  std::vector<std::pair<size_t, size_t>> updateSlots; // (shared index, fgraph output index)
  std::shared_ptr<FunctionGraph> fgraph;
  std::unique_ptr<Executable> exec;
  Mode mode;
};

Function compile(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                 const Updates &updates, Mode mode) {
  CompileOptions o;
  o.mode = mode;
  return compile(inputs, outputs, updates, o);
}

Function compile(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                 const Updates &updates, const CompileOptions &options) {
  auto impl = std::make_shared<Function::Impl>();
  impl->inputs = inputs;
  impl->outputs = outputs;
  impl->mode = options.mode;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) throw ValueError("compile: input " + std::to_string(i) + " is null");
    if (inputs[i]->owner() || inputs[i]->isConstant() || inputs[i]->isShared())
      throw ValueError("compile: " + describeArg(i, inputs[i]) +
                       " is not a root input variable (it is computed, constant or shared)");
  }
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
  impl->sharedVars = sharedInputs(allOutputs);
  for (auto &[target, expr] : updates) {
    size_t slot = impl->sharedVars.size();
    for (size_t s = 0; s < impl->sharedVars.size(); ++s)
      if (impl->sharedVars[s] == target) slot = s;
    if (slot == impl->sharedVars.size()) impl->sharedVars.push_back(target);
    impl->updateSlots.emplace_back(slot, impl->outputs.size() + impl->updateSlots.size());
  }
  std::vector<Var> fgInputs = inputs;
  fgInputs.insert(fgInputs.end(), impl->sharedVars.begin(), impl->sharedVars.end());
  // Shared variables become ordinary inputs of the compiled graph.
  // A cache hit must be cheap: look the kernel up by the graph as given (printed text names every op,
  // attribute, constant and input type), before copying or rewriting it.
  std::string key;
  if (options.mode == Mode::JIT) {
    key = options.rewrites + "\n" + printFunction({"f", fgInputs, allOutputs});
    for (const NodeRewriter &r : options.extraRules) key += "\nextra rule " + r.name; // rules are known by name
    if (auto kernel = cachedKernel(key)) {
      impl->exec = std::make_unique<JitExecutable>(kernel);
      return Function(impl);
    }
  }
  impl->fgraph = std::make_shared<FunctionGraph>(fgInputs, allOutputs, true);
  if (!options.rewrites.empty()) {
    RewriteOptions ro;
    ro.query = options.rewrites;
    ro.extraRules = options.extraRules;
    rewriteGraph(*impl->fgraph, ro);
  }
  if (options.mode == Mode::Interpret) {
    impl->exec = std::make_unique<InterpretedExecutable>(impl->fgraph);
  } else {
    auto kernel = jitCompile(impl->fgraph);
    rememberKernel(key, kernel);
    impl->exec = std::make_unique<JitExecutable>(kernel);
  }
  return Function(impl);
}

std::vector<Tensor> Function::operator()(const std::vector<Tensor> &args) const {
  const Impl &f = *impl_;
  if (args.size() != f.inputs.size())
    throw ValueError("Function call: expected " + std::to_string(f.inputs.size()) +
                     " arguments, got " + std::to_string(args.size()));
  std::vector<Tensor> all;
  for (size_t i = 0; i < args.size(); ++i) {
    const TensorType &t = f.inputs[i].type();
    if (!t.accepts(args[i].dtype(), args[i].shape()))
      throw TypeError("Function call: " + describeArg(i, f.inputs[i]) + " expects " + t.str() +
                      ", got " + typeOf(args[i]).str());
    all.push_back(args[i]);
  }
  for (const Var &s : f.sharedVars) all.push_back(s->sharedStorage()->value);
  std::vector<Tensor> outs = f.exec->run(all);
  // All updates are computed from the old values before any is written.
  for (auto &[slot, out] : f.updateSlots) f.sharedVars[slot]->sharedStorage()->value = outs[out];
  outs.resize(f.outputs.size());
  return outs;
}

Tensor Function::call1(const std::vector<Tensor> &args) const {
  if (impl_->outputs.size() != 1)
    throw ValueError("Function::call1: the function has " + std::to_string(impl_->outputs.size()) +
                     " outputs, expected 1");
  return (*this)(args)[0];
}

const std::vector<Var> &Function::inputs() const { return impl_->inputs; }
const std::vector<Var> &Function::outputs() const { return impl_->outputs; }
Mode Function::mode() const { return impl_->mode; }

Var shared(const Tensor &value, const std::string &name) { return Var::shared(value, name); }

Tensor getValue(const Var &v) {
  if (!v || !v->isShared()) throw ValueError("getValue: not a shared variable");
  return v->sharedStorage()->value;
}

void setValue(const Var &v, const Tensor &value) {
  if (!v || !v->isShared()) throw ValueError("setValue: not a shared variable");
  if (!v.type().accepts(value.dtype(), value.shape()))
    throw TypeError("setValue: '" + v.name() + "' expects " + v.type().str() + ", got " +
                    typeOf(value).str());
  v->sharedStorage()->value = value.clone();
}

} // namespace graphjit
