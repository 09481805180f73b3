// vectorize_graph: the driver that walks the graph in order and asks each
// node's op for its batching rule (Op::vectorize). A rule receives the node's
// inputs flagged batched or not (B leading dims) and returns the batched outputs;
// the rules themselves live beside their ops (lib/Ops, helpers in Ops/Batching.h),
// and so does the walk (batchGraph), which Blockwise's gradient reuses. An op
// with no rule but a gufunc signature batches through Blockwise.
#include "graphjit/Transform/Vectorize.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Support/Error.h"

#include <algorithm>

namespace graphjit {

std::vector<Var> vectorize_graph(const std::vector<Var> &outputs, const Replacements &replace) {
  int b = -1;
  std::vector<std::pair<Var, BatchedVar>> batched;
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
    batched.push_back({oldVar, BatchedVar{newVar, true}});
  }
  if (b <= 0) return graph_replace(outputs, replace, false);
  std::vector<Var> result;
  for (const BatchedVar &v : batchGraph(outputs, batched, b))
    result.push_back(v.var);
  return result;
}

Var vectorize_graph(const Var &output, const Replacements &replace) {
  return vectorize_graph(std::vector<Var>{output}, replace)[0];
}

} // namespace graphjit
