// vectorize_graph: the driver that walks the graph in order and asks each
// node's op for its batching rule (Op::vectorize). A rule receives the node's
// inputs flagged batched or not (B leading dims) and returns the batched outputs;
// the rules themselves live beside their ops (lib/Ops, helpers in Ops/Batching.h).
#include "graphjit/Transform/Vectorize.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace graphjit {

std::vector<Var> vectorize_graph(const std::vector<Var> &outputs, const Replacements &replace) {
  int b = -1;
  std::unordered_map<Variable *, BatchedVar> mapped;
  for (auto &[oldVar, newVar] : replace) {
    if (!oldVar || !newVar) throw ValueError("vectorize_graph: null variable in replacements");
    int nb = newVar.ndim() - oldVar.ndim();
    TensorType core(newVar.dtype(), Shape(newVar.type().shape.begin() + std::max(nb, 0),
                                          newVar.type().shape.end()));
    if (nb < 0 || !core.isCompatible(oldVar.type()))
      throw TypeError("vectorize_graph: " + newVar.type().str() + " is not a batch of " +
                      oldVar.type().str() +
                      " (expected the same dtype and core dims after the leading batch dims)");
    if (b != -1 && nb != b)
      throw ValueError("vectorize_graph: every replacement needs the same number of batch dims (" +
                       std::to_string(b) + " and " + std::to_string(nb) + ")");
    b = nb;
    mapped[oldVar.get()] = {newVar, true};
  }
  if (b <= 0) return graph_replace(outputs, replace, false);

  auto lookup = [&](const Var &v) {
    auto it = mapped.find(v.get());
    return it == mapped.end() ? BatchedVar{v, false} : it->second;
  };
  // Only the nodes between the outputs and the replacements are rebuilt: a replaced variable
  // that is computed (a random variable given by its draws) keeps its replacement, and what
  // lies above it is not needed.
  std::unordered_set<Apply *> needed;
  std::vector<Var> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    Var v = stack.back();
    stack.pop_back();
    Apply *owner = v->owner();
    if (!owner || mapped.count(v.get()) || !needed.insert(owner).second) continue;
    stack.insert(stack.end(), owner->inputs().begin(), owner->inputs().end());
  }
  for (Apply *node : toposort(outputs)) {
    if (!needed.count(node)) continue;
    std::vector<BatchedVar> ins;
    bool any = false, changed = false;
    for (const Var &in : node->inputs()) {
      ins.push_back(lookup(in));
      any |= ins.back().batched;
      changed |= ins.back().var != in;
    }
    if (!any) {
      if (!changed) continue; // independent of the batch: shared by every batch element
      // Inputs were rebuilt but are the same for every batch element (e.g. a shape).
      std::vector<Var> same;
      for (const BatchedVar &v : ins)
        same.push_back(v.var);
      std::vector<Var> outs = applyOp(node->opPtr(), same);
      for (int i = 0; i < node->numOutputs(); ++i)
        mapped.try_emplace(node->output(i).get(), BatchedVar{outs[i], false});
      continue;
    }
    std::vector<Var> outs = node->op().vectorize(*node, ins, b);
    // Outputs equal for every batch element (the core shape) stay unbatched.
    bool batchInvariant = node->op().isBatchInvariant();
    for (int i = 0; i < node->numOutputs(); ++i) {
      if (!node->output(i).name().empty()) outs[i]->name = node->output(i).name();
      mapped.try_emplace(node->output(i).get(), BatchedVar{outs[i], !batchInvariant});
    }
  }
  std::vector<Var> result;
  for (const Var &o : outputs)
    result.push_back(lookup(o).var); // batch-independent outputs stay as they are
  return result;
}

Var vectorize_graph(const Var &output, const Replacements &replace) {
  return vectorize_graph(std::vector<Var>{output}, replace)[0];
}

} // namespace graphjit
