// Helpers shared by the ops' batching rules (Op::vectorize).
#include "graphjit/Ops/Batching.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/Blockwise.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Support/Error.h"

#include <unordered_map>
#include <unordered_set>

namespace graphjit {

Var withBatchDims(const BatchedVar &v, int b) {
  if (v.batched || b == 0) return v.var;
  IntList order(b, -1);
  for (int d = 0; d < v.var.ndim(); ++d)
    order.push_back(d);
  return dimshuffle(v.var, order);
}

IntList shifted(const IntList &axes, int b) {
  IntList r;
  for (int64_t a : axes)
    r.push_back(a + b);
  return r;
}

void cannotBatch(const Op &op, const std::string &why) {
  throw NotImplementedError("vectorize_graph: cannot batch " + op.str() + ": " + why);
}

IntList staticBatchDims(const Op &op, const Var &batchedInput, int b) {
  IntList dims;
  for (int d = 0; d < b; ++d) {
    int64_t s = batchedInput.type().shape[d];
    if (s == kUnknownDim)
      cannotBatch(op,
                  "its target shape is static but batch dim " + std::to_string(d) + " is unknown");
    dims.push_back(s);
  }
  return dims;
}

std::vector<Var> batchBroadcasting(const Apply &node, const std::vector<BatchedVar> &inputs,
                                   int b) {
  std::vector<Var> ins;
  for (const BatchedVar &v : inputs)
    ins.push_back(withBatchDims(v, b));
  return applyOp(node.opPtr(), ins);
}

std::vector<Var> batchNode(const Apply &node, const std::vector<BatchedVar> &inputs, int b) {
  try {
    return node.op().vectorize(node, inputs, b);
  } catch (const NotImplementedError &) {
    if (node.op().gufuncSignature().empty()) throw;
  }
  // No rule of its own, but a signature: loop the op over the batch. Blockwise aligns batch
  // dims on the right, so an unbatched input is shared by every element as it is.
  std::vector<Var> ins;
  for (const BatchedVar &v : inputs)
    ins.push_back(v.var);
  return applyOp(std::make_shared<Blockwise>(node.opPtr(), signatureFor(node)), ins);
}

std::vector<BatchedVar> batchGraph(const std::vector<Var> &outputs,
                                   const std::vector<std::pair<Var, BatchedVar>> &replace, int b) {
  std::unordered_map<Variable *, BatchedVar> mapped;
  for (auto &[oldVar, newVar] : replace)
    mapped[oldVar.get()] = newVar;
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
    std::vector<Var> outs = batchNode(*node, ins, b);
    // Outputs equal for every batch element (the core shape) stay unbatched.
    bool batchInvariant = node->op().isBatchInvariant();
    for (int i = 0; i < node->numOutputs(); ++i) {
      if (!node->output(i).name().empty()) outs[i]->name = node->output(i).name();
      mapped.try_emplace(node->output(i).get(), BatchedVar{outs[i], !batchInvariant});
    }
  }
  std::vector<BatchedVar> result;
  for (const Var &o : outputs)
    result.push_back(lookup(o)); // batch-independent outputs stay as they are
  return result;
}

} // namespace graphjit
