// InnerGraph: a control-flow op's function, kept as canonical text IR and as a graph.
#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/TextIR.h"

#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace graphjit {

namespace {
InnerGraphCompiler &compiler() {
  static InnerGraphCompiler c;
  return c;
}
std::mutex &compilerMutex() {
  static std::mutex m;
  return m;
}
thread_local bool useCompiled = false;
} // namespace

void setInnerGraphCompiler(InnerGraphCompiler c) {
  std::lock_guard<std::mutex> lock(compilerMutex());
  compiler() = std::move(c);
}

CompiledInnerScope::CompiledInnerScope() : previous_(useCompiled) { useCompiled = true; }
CompiledInnerScope::~CompiledInnerScope() { useCompiled = previous_; }

std::shared_ptr<const InnerGraph> InnerGraph::make(const std::vector<Var> &inputs,
                                                   const std::vector<Var> &outputs,
                                                   const std::string &opName) {
  // Fresh inputs, so that the body shares nothing with the caller's graph.
  Replacements repl;
  std::vector<Var> fresh;
  for (const Var &in : inputs) {
    if (!in) throw ValueError(opName + ": an inner input is null");
    fresh.push_back(Var::input(in.type(), in.name()));
    repl.emplace_back(in, fresh.back());
  }
  for (const Var &o : outputs)
    if (!o) throw ValueError(opName + ": an inner output is null");
  std::vector<Var> outs = clone_replace(outputs, repl);
  for (const Var &s : sharedInputs(outs))
    throw ValueError(opName + ": the inner graph reads shared variable '" + s.name() +
                     "', which is not one of its inputs");
  std::string text = printFunction(TextFunction{"body", fresh, outs});
  return parse(text, opName);
}

std::shared_ptr<const InnerGraph> InnerGraph::parse(const std::string &text,
                                                    const std::string &opName) {
  TextFunction fn;
  try {
    fn = parseFunction(text, opName + " body");
  } catch (const ParseError &e) {
    throw ValueError(opName + ": its inner function does not parse: " + e.what());
  }
  auto g = std::make_shared<InnerGraph>();
  g->inputs_ = std::move(fn.inputs);
  g->outputs_ = std::move(fn.outputs);
  // Printed again from the parsed graph, so that equal bodies have equal text however built.
  g->text_ = printFunction(TextFunction{"body", g->inputs_, g->outputs_});
  return g;
}

std::vector<Tensor> InnerGraph::run(const std::vector<Tensor> &values) const {
  if (useCompiled) {
    std::call_once(compileOnce_, [&] {
      InnerGraphCompiler c;
      {
        std::lock_guard<std::mutex> lock(compilerMutex());
        c = compiler();
      }
      if (c) compiled_ = c(inputs_, outputs_); // compiled once, on first use
    });
    if (compiled_) return compiled_(values);
  }
  Bindings b;
  b.reserve(values.size());
  for (size_t i = 0; i < values.size() && i < inputs_.size(); ++i)
    b.emplace_back(inputs_[i], values[i]);
  return evaluate(outputs_, b);
}

std::vector<Shape> InnerGraph::inferShapes(const std::vector<Shape> &inputShapes) const {
  std::unordered_map<Variable *, Shape> shapes;
  for (size_t i = 0; i < inputs_.size() && i < inputShapes.size(); ++i)
    shapes[inputs_[i].get()] = inputShapes[i];
  auto shapeOf = [&](const Var &v) -> Shape {
    auto it = shapes.find(v.get());
    if (it != shapes.end()) return it->second;
    if (v->isConstant()) return v->constantValue().shape();
    return v.type().shape;
  };
  for (Apply *node : toposort(outputs_)) {
    std::vector<Shape> ins;
    for (const Var &in : node->inputs())
      ins.push_back(shapeOf(in));
    std::vector<Shape> outs = node->op().inferShape(ins);
    for (int i = 0; i < node->numOutputs() && i < static_cast<int>(outs.size()); ++i)
      shapes[node->output(i).get()] = outs[i];
  }
  std::vector<Shape> result;
  for (const Var &o : outputs_)
    result.push_back(shapeOf(o));
  return result;
}

std::vector<Var> freeInputs(const std::vector<Var> &outputs, const std::vector<Var> &bound) {
  std::unordered_set<Variable *> isBound;
  for (const Var &b : bound)
    isBound.insert(b.get());
  std::vector<Var> result;
  for (const Var &v : ancestors(outputs))
    if (!v->owner() && !v->isConstant() && !isBound.count(v.get())) result.push_back(v);
  return result;
}

} // namespace graphjit
