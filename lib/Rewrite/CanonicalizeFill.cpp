// canonicalize (fills): full_like keeps only what it needs, a shape. grad()
// seeds with full_like(loss, 1), so a gradient otherwise keeps the loss's whole
// elementwise graph alive for its shape (issue 22): the input sinks to the
// cheapest value of the same shape, and a static shape needs no input at all.
// Also where() on a constant condition.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit::rewrite {

namespace {
void add(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
         const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn) {
  r.add(NodeRewriter{name, {"canonicalize"}, std::move(ops), algebra, "", std::move(fn)});
}

bool isElemwise(const Apply &n) { return dynamic_cast<const Elemwise *>(&n.op()) != nullptr; }

/// v is computed without a possible run-time error: an input or a constant, or elementwise ops
/// and dimshuffles of such values with static shapes (their broadcasts were checked when built).
bool cannotFail(const Var &v, int depth = 0) {
  Apply *n = v->owner();
  if (!n) return true;
  if (depth > 16 || !v.type().isStatic()) return false;
  if (!isElemwise(*n) && n->op().name() != "dimshuffle") return false;
  for (const Var &in : n->inputs())
    if (!cannotFail(in, depth + 1)) return false;
  return true;
}

/// Another user than `except` computes y anyway.
bool usedBesides(const Var &y, const Apply *except) {
  const FunctionGraph *g = rewritingGraph();
  if (!g) return false;
  for (const Client &c : g->clients(y))
    if (c.node != except) return true;
  return false;
}
} // namespace

void registerCanonicalizeFill(RewriteRegistry &r) {
  // Only when f's operands provably agree (its own broadcast cannot fail), so no check is lost.
  add(r, "local_full_like_sink", {"full_like"},
      "full_like(f(a, b), c) -> full_like(a, c) (f elementwise, a of f's shape)",
      [](Apply &n) -> std::vector<Var> {
        Apply *f = n.input(0)->owner();
        if (!f || !isElemwise(*f) || f->numOutputs() != 1) return {};
        const TensorType &t = f->output(0).type();
        for (int d = 0; d < t.ndim(); ++d)
          if (!dimProven(f->inputs(), t, d)) return {};
        auto &op = static_cast<const FullLike &>(n.op());
        for (const Var &a : f->inputs())
          if (a.type().shape == t.shape && !a->isConstant())
            return one(full_like(a, op.value(), op.dtype()));
        return {};
      });
  add(r, "local_full_like_static", {"full_like"},
      "full_like(y, c) -> broadcast_to(c, shape of y) (static shape; y computed anyway or cannot "
      "fail)",
      [](Apply &n) -> std::vector<Var> {
        const Var &y = n.input(0);
        if (!y.type().isStatic() || (!cannotFail(y) && !usedBesides(y, &n))) return {};
        auto &op = static_cast<const FullLike &>(n.op());
        Var c = constant(op.value(), op.dtype());
        return one(y.ndim() == 0 ? c : broadcast_to(c, y.type().shape));
      });
  // The dropped branch must not carry a check: it is an input, a constant or computed anyway, and
  // the three operands provably agree in shape.
  add(r, "local_useless_where", {"where"},
      "where(true, a, b) -> a; where(false, a, b) -> b (a constant condition)",
      [](Apply &n) -> std::vector<Var> {
        auto c = splatValue(n.input(0));
        if (!c) return {};
        int keep = *c != 0 ? 1 : 2;
        const Var &dropped = n.input(3 - keep), &kept = n.input(keep);
        if (dropped->owner() && !usedBesides(dropped, &n)) return {};
        const TensorType &t = n.output(0).type();
        for (int d = 0; d < t.ndim(); ++d)
          if (!dimProven(n.inputs(), t, d)) return {};
        if (kept.type() == t) return one(kept);
        return {};
      });
}

} // namespace graphjit::rewrite
