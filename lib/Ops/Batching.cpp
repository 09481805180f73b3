// Helpers shared by the ops' batching rules (Op::vectorize).
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Support/Error.h"

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

} // namespace graphjit
