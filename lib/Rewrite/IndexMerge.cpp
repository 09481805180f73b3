// pushdown (index algebra): two indexings become one, indexing that selects
// everything goes away, and integer-array indexing (take) moves through
// elementwise ops and dimshuffles like basic indexing does.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/ControlFlow/ShapeGraph.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"

namespace graphjit::rewrite {

namespace {
const IndexList &subIdx(Apply &n) { return static_cast<const Subtensor &>(n.op()).idx(); }

/// take(f(a, b), i, axis) -> f(take(a, i, axis), take(b, i, axis)); an operand that broadcasts
/// along axis stays.
std::vector<Var> takeElemwise(Apply &n, bool unsafe) {
  Apply *e = n.input(0)->owner();
  if (!e || !dynamic_cast<const Elemwise *>(&e->op()) || !onlyUse(n.input(0))) return {};
  const Var &ind = n.input(1);
  int nd = n.input(0).ndim();
  int axis = static_cast<int>(static_cast<const Take &>(n.op()).axis());
  if (axis < 0) axis += nd;
  bool proven = dimProven(e->inputs(), n.input(0).type(), axis);
  if (proven && unsafe) return {};
  std::vector<Var> args;
  for (const Var &v : e->inputs()) {
    if (v.type().shape[axis] == 1) {
      if (ind.ndim() != 1) return {}; // a size-1 dim would have to become indices.shape
      args.push_back(v);
    } else {
      args.push_back(take(v, ind, axis));
    }
  }
  auto &ew = static_cast<const Elemwise &>(e->op());
  Var lifted = applyOp1(std::make_shared<Elemwise>(ew.fn(), ew.castTo()), args);
  // Unproven agreement: the safe form keeps f's check of the full operands' shapes.
  return one(proven || unsafe ? lifted : keepShapeChecks(lifted, *e));
}
} // namespace

void registerIndexMerge(RewriteRegistry &r) {
  addPushdown(r, "local_subtensor_merge", {"subtensor"},
              "x[a][b] -> x[c] (c composed from a and b)", [](Apply &n) -> std::vector<Var> {
                Apply *inner = producer(n.input(0), "subtensor");
                if (!inner) return {};
                auto c = composeIndex(inner->input(0).type(), subIdx(*inner), subIdx(n));
                return c ? one(indexed(inner->input(0), *c)) : std::vector<Var>{};
              });
  addPushdown(
      r, "local_useless_subtensor", {"subtensor"},
      "x[:] -> x; x[0:n] -> x (static n); x[0] on a static size-1 dim -> dimshuffle dropping it",
      [](Apply &n) -> std::vector<Var> {
        const Var &x = n.input(0);
        IndexList idx = padded(subIdx(n), x.ndim());
        IntList order;
        for (int d = 0; d < x.ndim(); ++d) {
          const IndexEntry &e = idx[d];
          int64_t len = x.type().shape[d];
          if (!e.isSlice) {
            if (len != 1) return {};
            continue; // int on a size-1 dim: checked when built, only drops the dim
          }
          order.push_back(d);
          if (isFullSlice(e)) continue;
          if (len == kUnknownDim) return {};
          SliceRange s = resolveSlice(e, len);
          if (!(s.start == 0 && s.len == len && (s.step == 1 || len <= 1))) return {};
        }
        return one(static_cast<int>(order.size()) == x.ndim() ? x : dimshuffle(x, order));
      });
  addPushdown(
      r, "local_take_elemwise", {"take"}, "take(f(a, b), i) -> f(take(a, i), take(b, i))",
      [](Apply &n) { return takeElemwise(n, false); }, false,
      "a check_shapes node keeps the agreement check of the operands it no longer reads whole");
  addPushdown(
      r, "local_take_elemwise_unsafe", {"take"},
      "take(f(a, b), i) -> f(take(a, i), take(b, i)) where only the run time would check that a "
      "and b agree",
      [](Apply &n) { return takeElemwise(n, true); }, true);
  addPushdown(r, "local_take_dimshuffle", {"take"},
              "take(dimshuffle(x), i, axis) -> dimshuffle(take(x, i, axis')) (i a vector)",
              [](Apply &n) -> std::vector<Var> {
                Apply *ds = producer(n.input(0), "dimshuffle");
                if (!ds || !onlyUse(n.input(0)) || n.input(1).ndim() != 1) return {};
                const auto &op = static_cast<const DimShuffle &>(ds->op());
                int axis = static_cast<int>(static_cast<const Take &>(n.op()).axis());
                if (axis < 0) axis += n.input(0).ndim();
                int64_t j = op.order()[axis];
                if (j == -1) return {};
                // The dropped size-1 axes of x stay where they are and are dropped again.
                return one(dimshuffle(take(ds->input(0), n.input(1), j), op.order()));
              });
}

} // namespace graphjit::rewrite
