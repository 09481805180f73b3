// The interpreter: runs each node's perform in topological order (the reference oracle).
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Support/Error.h"

#include <unordered_map>

namespace graphjit {

namespace {
std::string describe(const Var &v) {
  return v.name().empty() ? v.type().str() : "'" + v.name() + "'";
}
} // namespace

std::vector<Tensor> evaluate(const std::vector<Var> &outputs, const Bindings &bindings) {
  std::unordered_map<Variable *, Tensor> values;
  for (auto &[var, value] : bindings) {
    if (!var) throw ValueError("evaluate: a binding has a null variable");
    // A value that fits is used as is; otherwise the type's filter converts or rejects it.
    values[var.get()] = var.type().accepts(value)
                            ? value
                            : var.type().filter(value, "evaluate: input " + describe(var));
  }
  auto valueOf = [&](const Var &v) -> const Tensor & {
    auto it = values.find(v.get());
    if (it != values.end()) return it->second;
    if (v->isConstant()) return values[v.get()] = v->constantValue();
    if (v->isShared()) return values[v.get()] = v->sharedStorage()->value;
    throw ValueError("evaluate: no value given for input " + describe(v));
  };
  for (Apply *node : toposort(outputs)) {
    bool done = true;
    for (int i = 0; i < node->numOutputs(); ++i)
      if (!values.count(node->output(i).get())) done = false;
    if (done) continue; // every output was bound by the caller
    std::vector<Tensor> ins;
    std::vector<TensorType> inTypes;
    std::vector<Shape> inShapes;
    for (const Var &in : node->inputs()) {
      ins.push_back(valueOf(in));
      inTypes.push_back(in.type());
      inShapes.push_back(ins.back().shape());
    }
    node->op().checkShapes(inTypes, inShapes);
    std::vector<Tensor> outs = node->op().perform(ins);
    if (static_cast<int>(outs.size()) != node->numOutputs())
      throw Error(node->op().str() + ": perform returned " + std::to_string(outs.size()) +
                  " values for " + std::to_string(node->numOutputs()) + " outputs");
    for (int i = 0; i < node->numOutputs(); ++i) {
      Var out = node->output(i);
      // An output the caller bound keeps its value (a random draw fixed to data while its
      // node still runs for the other output, the advanced generator).
      if (values.count(out.get())) continue;
      if (!out.type().accepts(outs[i]))
        throw ShapeError(node->op().str() + ": output " + std::to_string(i) + " has type " +
                         typeOf(outs[i]).str() + ", which does not fit its static type " +
                         out.type().str());
      values[out.get()] = outs[i];
    }
  }
  std::vector<Tensor> result;
  for (const Var &o : outputs)
    result.push_back(valueOf(o));
  return result;
}

Tensor evaluate(const Var &output, const Bindings &bindings) {
  return evaluate(std::vector<Var>{output}, bindings)[0];
}

} // namespace graphjit
