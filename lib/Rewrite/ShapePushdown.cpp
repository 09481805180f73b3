// pushdown (shapes): shape(f(x)) is computed from the shapes of f's inputs, never
// from f(x) itself (PyTensor's local_shape_to_shape_i); a static dim is a
// constant. One op at a time: the rule fires again on the shapes it produces,
// and shape(v)[d] then reaches the inputs through the indexing rules.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit::rewrite {

namespace {
Var dimVector(int64_t size) {
  return Var::constant(Tensor::fromVector(std::vector<int64_t>{size}));
}

std::vector<Var> shapePushdown(Apply &n, bool unsafe) {
  const Var &v = n.input(0);
  if (v->isConstant() || v.ndim() == 0) return {};
  bool proven = true, allStatic = true;
  std::vector<std::pair<Var, int>> sources;
  for (int d = 0; d < v.ndim(); ++d) {
    if (v.type().shape[d] != kUnknownDim) {
      sources.emplace_back(Var(), d);
      continue;
    }
    allStatic = false;
    auto s = dimSource(v, d, &proven);
    if (!s) return {};
    sources.push_back(*s);
  }
  // A take checks its index values at run time, whatever the types say: its static shape is a
  // constant only for the unsafe twin (issue 25 item 13).
  Apply *owner = v->owner();
  bool checksValues = owner && (owner->op().name() == "take" || owner->op().name() == "inc_take");
  if (checksValues && !unsafe) return {};
  if (allStatic) {
    std::vector<int64_t> dims(v.type().shape.begin(), v.type().shape.end());
    return one(Var::constant(Tensor::fromVector(dims)));
  }
  if (proven == unsafe) return {};
  // Every dim from the same input, in order: that input's shape.
  const Var &u = sources[0].first;
  bool whole = u && u.ndim() == v.ndim();
  for (int d = 0; whole && d < v.ndim(); ++d)
    whole = sources[d].first == u && sources[d].second == d;
  if (whole) return one(shape(u));
  std::vector<Var> pieces;
  for (int d = 0; d < v.ndim(); ++d) {
    auto &[src, j] = sources[d];
    pieces.push_back(src ? subtensor(shape(src), {IndexEntry::slice(j, j + 1)})
                         : dimVector(v.type().shape[d]));
  }
  return one(pieces.size() == 1 ? pieces[0] : concatenate(pieces, 0));
}
} // namespace

void registerShapePushdown(RewriteRegistry &r) {
  addPushdown(r, "local_shape_pushdown", {"shape"},
              "shape(f(x)) -> shape(x) or its dims (static dims: constants); f(x) is not computed",
              [](Apply &n) { return shapePushdown(n, false); });
  addPushdown(
      r, "local_shape_pushdown_unsafe", {"shape"},
      "shape(f(x, y)) -> shape(x) where only the run time would check that x and y agree",
      [](Apply &n) { return shapePushdown(n, true); }, true);
}

} // namespace graphjit::rewrite
