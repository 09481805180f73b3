// vectorize_graph: one batching rule per op kind. A rule receives the node's
// inputs in batched form (B leading dims added to every input, broadcastable
// where the input was not batched) and returns the batched outputs.
#include "graphjit/Transform/Vectorize.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/StopGradient.h"
#include "graphjit/Support/Error.h"

#include <functional>
#include <map>
#include <unordered_map>

namespace graphjit {

namespace {
struct Batched {
  Var var;
  bool batched;
};

/// `v` with `b` leading broadcastable dims (when it is not batched yet).
Var withBatchDims(const Batched &v, int b) {
  if (v.batched || b == 0) return v.var;
  IntList order(b, -1);
  for (int d = 0; d < v.var.ndim(); ++d) order.push_back(d);
  return dimshuffle(v.var, order);
}

IntList shifted(const IntList &axes, int b) {
  IntList r;
  for (int64_t a : axes) r.push_back(a + b);
  return r;
}

[[noreturn]] void cannot(const Op &op, const std::string &why) {
  throw NotImplementedError("vectorize_graph: cannot batch " + op.str() + ": " + why);
}

/// The leading batch dims as static sizes, or a failure naming the op.
IntList staticBatchDims(const Op &op, const Var &batchedInput, int b) {
  IntList dims;
  for (int d = 0; d < b; ++d) {
    int64_t s = batchedInput.type().shape[d];
    if (s == kUnknownDim) cannot(op, "its target shape is static but batch dim " + std::to_string(d) + " is unknown");
    dims.push_back(s);
  }
  return dims;
}

using Rule = std::function<std::vector<Var>(const Apply &, const std::vector<Batched> &, int)>;

std::vector<Var> batchedElemwise(const Apply &node, const std::vector<Batched> &in, int b) {
  std::vector<Var> ins;
  for (const Batched &v : in) ins.push_back(withBatchDims(v, b));
  return applyOp(node.opPtr(), ins);
}

std::vector<Var> batchedMatMul(const Apply &node, const std::vector<Batched> &in, int b) {
  int ca = node.input(0).ndim(), cb = node.input(1).ndim();
  Var a = withBatchDims(in[0], b), m = withBatchDims(in[1], b);
  if (ca == 1) a = expand_dims(a, b);     // a row vector
  if (cb == 1) m = expand_dims(m, b + 1); // a column vector
  Var out = applyOp1(std::make_shared<MatMul>(), {a, m});
  IntList drop;
  if (ca == 1) drop.push_back(b);
  if (cb == 1) drop.push_back(b + 1);
  return {drop.empty() ? out : squeeze(out, drop)};
}

const std::map<std::string, Rule> &rules() {
  static const std::map<std::string, Rule> table = [] {
    std::map<std::string, Rule> r;
    for (ScalarFn fn : allScalarFns()) r[scalarFnInfo(fn).name] = batchedElemwise;
    r["stop_gradient"] = batchedElemwise;
    r["full_like"] = batchedElemwise;
    r["dimshuffle"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const DimShuffle &>(n.op());
      IntList order;
      for (int d = 0; d < b; ++d) order.push_back(d);
      for (int64_t o : op.order()) order.push_back(o == -1 ? -1 : o + b);
      return {dimshuffle(withBatchDims(in[0], b), order)};
    };
    auto reduceRule = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const Reduce &>(n.op());
      return {applyOp1(std::make_shared<Reduce>(op.kind(), shifted(op.axes(), b)), {in[0].var})};
    };
    for (const char *k : {"sum", "prod", "max", "min", "all", "any", "mean"}) r[k] = reduceRule;
    auto argRule = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const ArgReduce &>(n.op());
      if (!op.axis()) cannot(op, "an argmax over all axes would cross the batch dims");
      return {applyOp1(std::make_shared<ArgReduce>(op.isMax(), *op.axis() + b), {in[0].var})};
    };
    r["argmax"] = argRule;
    r["argmin"] = argRule;
    auto softmaxRule = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const Softmax &>(n.op());
      return {applyOp1(std::make_shared<Softmax>(op.isLog(), op.axis() + b), {in[0].var})};
    };
    r["softmax"] = softmaxRule;
    r["log_softmax"] = softmaxRule;
    r["matmul"] = batchedMatMul;
    r["shape"] = [](const Apply &, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      return {subtensor(shape(in[0].var), {IndexEntry::slice(b)})}; // the core shape
    };
    r["reshape"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const Reshape &>(n.op());
      IntList target;
      bool targetInfers = false;
      for (int64_t d : op.target()) targetInfers |= d == -1;
      int unknown = 0;
      for (int d = 0; d < b; ++d) unknown += in[0].var.type().shape[d] == kUnknownDim;
      if (unknown > 1 || (unknown == 1 && targetInfers))
        cannot(op, "more than one dim would have to be inferred; give the batch dims static sizes");
      for (int d = 0; d < b; ++d) target.push_back(in[0].var.type().shape[d]); // -1 = unknown = inferred
      target.insert(target.end(), op.target().begin(), op.target().end());
      return {reshape(in[0].var, target)};
    };
    r["broadcast_to"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const BroadcastTo &>(n.op());
      IntList target = staticBatchDims(op, in[0].var, b);
      target.insert(target.end(), op.target().begin(), op.target().end());
      return {broadcast_to(in[0].var, target)};
    };
    r["subtensor"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const Subtensor &>(n.op());
      IndexList idx(b, IndexEntry::slice());
      idx.insert(idx.end(), op.idx().begin(), op.idx().end());
      return {subtensor(in[0].var, idx)};
    };
    r["inc_subtensor"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const IncSubtensor &>(n.op());
      if (!in[0].batched) cannot(op, "the tensor written into is not batched but the values are");
      IndexList idx(b, IndexEntry::slice());
      idx.insert(idx.end(), op.idx().begin(), op.idx().end());
      return {applyOp1(std::make_shared<IncSubtensor>(idx, op.isSet()), {in[0].var, withBatchDims(in[1], b)})};
    };
    r["take"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const Take &>(n.op());
      if (in[1].batched) cannot(op, "batched indices are not supported");
      return {take(in[0].var, in[1].var, op.axis() + b)};
    };
    r["concatenate"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const Concatenate &>(n.op());
      std::vector<Var> parts;
      for (const Batched &v : in) {
        if (!v.batched) cannot(op, "every part must be batched");
        parts.push_back(v.var);
      }
      return {concatenate(parts, op.axis() + b)};
    };
    r["split"] = [](const Apply &n, const std::vector<Batched> &in, int b) -> std::vector<Var> {
      auto &op = static_cast<const Split &>(n.op());
      return split(in[0].var, op.sizes(), op.axis() + b);
    };
    return r;
  }();
  return table;
}
} // namespace

std::vector<Var> vectorize_graph(const std::vector<Var> &outputs, const Replacements &replace) {
  int b = -1;
  std::unordered_map<Variable *, Batched> mapped;
  for (auto &[oldVar, newVar] : replace) {
    if (!oldVar || !newVar) throw ValueError("vectorize_graph: null variable in replacements");
    int nb = newVar.ndim() - oldVar.ndim();
    TensorType core(newVar.dtype(), Shape(newVar.type().shape.begin() + std::max(nb, 0), newVar.type().shape.end()));
    if (nb < 0 || !core.isCompatible(oldVar.type()))
      throw TypeError("vectorize_graph: " + newVar.type().str() + " is not a batch of " + oldVar.type().str() +
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
    return it == mapped.end() ? Batched{v, false} : it->second;
  };
  for (Apply *node : toposort(outputs)) {
    std::vector<Batched> ins;
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
      for (const Batched &v : ins) same.push_back(v.var);
      std::vector<Var> outs = applyOp(node->opPtr(), same);
      for (int i = 0; i < node->numOutputs(); ++i) mapped[node->output(i).get()] = {outs[i], false};
      continue;
    }
    auto rule = rules().find(node->op().name());
    if (rule == rules().end()) cannot(node->op(), "the op has no batching rule");
    std::vector<Var> outs = rule->second(*node, ins, b);
    // Every batch element has the same core shape: shape() stays unbatched.
    bool batchInvariant = node->op().name() == "shape";
    for (int i = 0; i < node->numOutputs(); ++i) {
      if (!node->output(i).name().empty()) outs[i]->name = node->output(i).name();
      mapped[node->output(i).get()] = {outs[i], !batchInvariant};
    }
  }
  std::vector<Var> result;
  for (const Var &o : outputs) result.push_back(lookup(o).var); // batch-independent outputs stay as they are
  return result;
}

Var vectorize_graph(const Var &output, const Replacements &replace) {
  return vectorize_graph(std::vector<Var>{output}, replace)[0];
}

} // namespace graphjit
