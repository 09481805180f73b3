// pushdown (shapes): shape(f(x)) is computed from the shapes of f's inputs, never
// from f(x) itself (PyTensor's local_shape_to_shape_i); a static dim is a
// constant. One op at a time: the rule fires again on the shapes it produces,
// and shape(v)[d] then reaches the inputs through the indexing rules. Where f(x) is
// computed anyway, its own run-time checks (operands agree) are made there, so its
// shape comes from an input's even when that agreement is not proven: reading the
// shape of a computed value would keep the value alive (a buffer written and read
// back, a kernel split) only for its size.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit::rewrite {

namespace {
/// A node other than a shape reads v (or v is a graph output): v is computed, with its checks,
/// whatever becomes of shape(v).
bool computedAnyway(const Var &v) {
  const FunctionGraph *g = rewritingGraph();
  if (!g) return false;
  for (const Client &c : g->clients(v))
    if (!c.node || c.node->op().name() != "shape") return true;
  return false;
}

Var dimVector(int64_t size) {
  return Var::constant(Tensor::fromVector(std::vector<int64_t>{size}));
}

std::vector<Var> shapePushdown(Apply &n) {
  const Var &v = n.input(0);
  if (v->isConstant() || v.ndim() == 0) return {};
  Apply *owner = v->owner();
  // Errors of the values (take's index range) are never answered from shapes (issue 25 item 13).
  if (owner && owner->op().shapeNeedsValues()) return {};
  bool inputsStatic = true;
  if (owner)
    for (const Var &in : owner->inputs())
      inputsStatic &= in.type().isStatic();
  bool proven = true, allStatic = true, staticUnsourced = false;
  std::vector<std::pair<Var, int>> sources;
  for (int d = 0; d < v.ndim(); ++d) {
    bool known = v.type().shape[d] != kUnknownDim;
    allStatic &= known;
    // A static dim of a node with unknown input dims is still checked at run time (f64[?] * f64[3]
    // fails for a length 4): it is a constant only where that check is proven to pass.
    auto s = known && inputsStatic ? std::nullopt : dimSource(v, d, &proven);
    if (known) {
      staticUnsourced |= !inputsStatic && !s;
      sources.emplace_back(Var(), d);
      continue;
    }
    if (!s) return {};
    sources.push_back(*s);
  }
  // A static dim no input gives is one the op makes (a new axis); but when no dim at all was
  // traced, the op is one dimSource does not know, and nothing is proven.
  if (allStatic && staticUnsourced) proven = false;
  // Unproven: the shape-graph rule (lib/ControlFlow/ShapeGraphRules.cpp) keeps the check, unless
  // v's own computation makes it (the logreg gradient's 1/N read shape(y * softplus(-z)), which
  // kept that product in memory for a kernel of its own).
  if (!proven && !computedAnyway(v)) return {};
  if (allStatic) {
    std::vector<int64_t> dims(v.type().shape.begin(), v.type().shape.end());
    return one(Var::constant(Tensor::fromVector(dims)));
  }
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
              "shape(f(x)) -> shape(x) or its dims (static dims: constants); f(x) is not "
              "computed, or its checks run where it is",
              [](Apply &n) { return shapePushdown(n); });
}

} // namespace graphjit::rewrite
