// canonicalize: algebraic simplifications that put graphs in one normal form.
// Every rule keeps the output type exactly (the engine refuses any that does not),
// so a rule like x + 0 -> x only fires where broadcasting does not change the shape.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Rewrite/Pattern.h"
#include "graphjit/Rewrite/Rewrite.h"

#include "graphjit/ControlFlow/ShapeGraph.h"
#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/StopGradient.h"

#include <algorithm>

namespace graphjit::rewrite {

namespace {
Var out(Apply &n) { return n.output(0); }
const Var &in(Apply &n, int i) { return n.input(i); }
/// x itself when it already has the output's type (so dropping the op changes nothing).
std::vector<Var> ifSameType(Apply &n, const Var &x) {
  return x.type() == out(n).type() ? one(x) : std::vector<Var>{};
}
/// A tensor of `value` shaped like the output (via full_like of an operand with the output's
/// shape).
std::vector<Var> filledLike(Apply &n, double value) {
  for (const Var &v : n.inputs())
    if (v.type().shape == out(n).type().shape && !v->isConstant())
      return one(full_like(v, value, out(n).dtype()));
  return {};
}

/// y is computed anyway without `except` (another node or a graph output uses it), so dropping
/// `except` drops none of y's checks.
bool usedBesides(const Var &y, const Apply *except) {
  const FunctionGraph *g = rewritingGraph();
  if (!g) return false;
  for (const Client &c : g->clients(y))
    if (c.node != except) return true;
  return false;
}

/// Broadcasting `t` against the output type `out` can never fail at run time: each dim of `t` is a
/// static 1 or the output's own static size.
bool broadcastCannotFail(const TensorType &t, const TensorType &out) {
  if (t.ndim() > out.ndim()) return false;
  for (int d = 0; d < t.ndim(); ++d) {
    int64_t td = t.shape[d], od = out.shape[out.ndim() - t.ndim() + d];
    if (td != 1 && (td == kUnknownDim || td != od)) return false;
  }
  return true;
}

/// Operand k of n is a splat of `value` that a rule may drop without dropping a run-time check: a
/// constant (nothing to check), or full_like(y) where y is another operand of n (it stays in the
/// replacement, its computation and shape with it), or y is computed anyway and the splat's
/// broadcast cannot fail. Otherwise it is not droppable: zeros_like(inv(a)) - x must still say
/// inv needs a square matrix, and x + zeros_like(y) that x and y differ in size (issue 25 item 13).
bool droppableSplat(Apply &n, int k, double value) {
  if (!isSplat(in(n, k), value)) return false;
  Var v = in(n, k);
  while (Apply *d = producer(v, "dimshuffle"))
    v = d->input(0);
  if (v->isConstant()) return true;
  Apply *f = producer(v, "full_like");
  if (!f || f->inputs().empty()) return false;
  const Var &y = f->input(0);
  for (int j = 0; j < static_cast<int>(n.inputs().size()); ++j)
    if (j != k && in(n, j) == y) return true;
  if (!usedBesides(y, f)) return false;
  if (broadcastCannotFail(in(n, k).type(), out(n).type())) return true;
  // Or every dim of equal-rank operands has one origin (grad(x * w) multiplies values that all
  // come from x's length): they agree whatever the sizes.
  for (const Var &o : n.inputs())
    if (o.ndim() != out(n).ndim()) return false;
  for (int d = 0; d < out(n).ndim(); ++d)
    if (!dimProven(n.inputs(), out(n).type(), d)) return false;
  return true;
}

const char *const kKeptCheck = "a check_shapes node keeps the shape check of the op it removes";

/// The replacement `x` of a rule that drops operand k of n, a splat of `value`: x itself where the
/// splat is droppable, else x behind n's shape checks (check_shapes keeps the error n would have
/// raised); nothing when x does not have n's type.
std::vector<Var> dropSplat(Apply &n, int k, double value, const Var &x) {
  if (!x || !isSplat(in(n, k), value) || x.type() != out(n).type()) return {};
  if (droppableSplat(n, k, value)) return one(x);
  return one(keepShapeChecks(x, n));
}

/// Largest output (elements) constant folding materializes from a splat input.
constexpr int64_t kMaxLargeFold = int64_t{1} << 22;

/// broadcast_to(constant, static shape) of at most kMaxLargeFold elements.
bool foldableSplat(const Var &v) {
  Apply *b = producer(v, "broadcast_to");
  return b && b->inputs().size() == 1 && b->input(0)->isConstant() && v.type().isStatic() &&
         shapeSize(v.type().shape) <= kMaxLargeFold;
}

void add(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
         const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn,
         std::string grows = "") {
  r.add(NodeRewriter{
      name, {"canonicalize"}, std::move(ops), algebra, std::move(grows), std::move(fn)});
}
} // namespace

void registerCanonicalize(RewriteRegistry &r) {
  add(r, "constant_folding", {}, "op(constants) -> constant (evaluated with perform)",
      [](Apply &n) -> std::vector<Var> {
        // A draw is not a function of its inputs; an input-less op folds only when it says it may.
        if (!n.op().isPure() || (n.inputs().empty() && !n.op().isFoldableWithoutInputs()))
          return {};
        // A splat (broadcast_to of a constant) or eye stays lazy: folding it only costs memory.
        // An op reading splats and constants folds up to kMaxLargeFold elements: tril(ones(n, n))
        // is a constant the kernels read, not a mask computed on every call.
        bool large = n.op().name() != "broadcast_to" && !n.inputs().empty(); // eye(n) stays lazy
        for (const Var &v : n.inputs())
          if (!v->isConstant() && !(large && foldableSplat(v))) return {};
        for (int i = 0; i < n.numOutputs(); ++i) {
          const TensorType &t = n.output(i).type();
          if (!t.isStatic() || shapeSize(t.shape) > (large ? kMaxLargeFold : 4096)) return {};
        }
        std::vector<Tensor> ins;
        for (const Var &v : n.inputs())
          ins.push_back(v->isConstant()
                            ? v->constantValue()
                            : v->owner()->op().perform({v->owner()->input(0)->constantValue()})[0]);
        std::vector<Tensor> vals = n.op().perform(ins);
        std::vector<Var> r;
        for (const Tensor &t : vals)
          r.push_back(Var::constant(t));
        return r;
      });
  add(
      r, "local_add_zero", {"add"}, "x + 0 -> x",
      [](Apply &n) -> std::vector<Var> {
        if (auto x = dropSplat(n, 1, 0, in(n, 0)); !x.empty()) return x;
        return dropSplat(n, 0, 0, in(n, 1));
      },
      kKeptCheck);
  add(
      r, "local_sub_zero", {"sub"}, "x - 0 -> x",
      [](Apply &n) { return dropSplat(n, 1, 0, in(n, 0)); }, kKeptCheck);
  add(
      r, "local_mul_one", {"mul"}, "x * 1 -> x",
      [](Apply &n) -> std::vector<Var> {
        if (auto x = dropSplat(n, 1, 1, in(n, 0)); !x.empty()) return x;
        return dropSplat(n, 0, 1, in(n, 1));
      },
      kKeptCheck);
  add(
      r, "local_div_one", {"true_div"}, "x / 1 -> x",
      [](Apply &n) { return dropSplat(n, 1, 1, in(n, 0)); }, kKeptCheck);
  // Valid for finite x (PyTensor makes the same assumption).
  add(
      r, "local_mul_zero", {"mul"}, "x * 0 -> zeros",
      [](Apply &n) -> std::vector<Var> {
        for (int k = 0; k < 2; ++k)
          if (isSplat(in(n, k), 0)) {
            std::vector<Var> z = filledLike(n, 0);
            if (!z.empty()) return dropSplat(n, k, 0, z[0]);
          }
        return {};
      },
      kKeptCheck);
  add(
      r, "local_mul_minus_one", {"mul"}, "x * -1 -> -x",
      [](Apply &n) -> std::vector<Var> {
        if (isSplat(in(n, 1), -1) && in(n, 0).type() == out(n).type())
          return dropSplat(n, 1, -1, -in(n, 0));
        if (isSplat(in(n, 0), -1) && in(n, 1).type() == out(n).type())
          return dropSplat(n, 0, -1, -in(n, 1));
        return {};
      },
      kKeptCheck);
  add(
      r, "local_zero_sub", {"sub"}, "0 - x -> -x",
      [](Apply &n) -> std::vector<Var> {
        if (!isSplat(in(n, 0), 0) || in(n, 1).type() != out(n).type()) return {};
        return dropSplat(n, 0, 0, -in(n, 1));
      },
      kKeptCheck);
  r.add(
      patternRule("local_add_self", "canonicalize", "add(x, x) -> mul(2, x)",
                  [](const std::map<std::string, Var> &b) { return isFloat(b.at("x").dtype()); }));
  add(r, "local_sub_self", {"sub"}, "x - x -> zeros (shape and dtype of x)",
      [](Apply &n) -> std::vector<Var> {
        if (in(n, 0) != in(n, 1)) return {};
        return one(full_like(in(n, 0), 0, out(n).dtype()));
      });
  r.add(patternRule("local_neg_neg", "canonicalize", "neg(neg(x)) -> x"));
  add(r, "local_add_neg", {"add"}, "x + (-y) -> x - y", [](Apply &n) -> std::vector<Var> {
    if (Apply *ng = producer(in(n, 1), "neg")) return one(in(n, 0) - ng->input(0));
    if (Apply *ng = producer(in(n, 0), "neg")) return one(in(n, 1) - ng->input(0));
    return {};
  });
  r.add(patternRule("local_sub_neg", "canonicalize", "sub(x, neg(y)) -> add(x, y)"));
  add(r, "local_mul_div_cancel", {"true_div"}, "(x * y) / x -> y",
      [](Apply &n) -> std::vector<Var> {
        Apply *m = producer(in(n, 0), "mul");
        if (!m) return {};
        if (m->input(0) == in(n, 1)) return ifSameType(n, m->input(1));
        if (m->input(1) == in(n, 1)) return ifSameType(n, m->input(0));
        return {};
      });
  add(r, "local_div_mul_cancel", {"mul"}, "(x / y) * y -> x", [](Apply &n) -> std::vector<Var> {
    for (int k = 0; k < 2; ++k)
      if (Apply *d = producer(in(n, k), "true_div"); d && d->input(1) == in(n, 1 - k))
        return ifSameType(n, d->input(0));
    return {};
  });
  add(r, "local_div_self", {"true_div"}, "x / x -> ones (x != 0)",
      [](Apply &n) -> std::vector<Var> {
        return in(n, 0) == in(n, 1) ? filledLike(n, 1) : std::vector<Var>{};
      });
  r.add(patternRule("local_exp_mul", "canonicalize", "mul(exp(a), exp(b)) -> exp(add(a, b))"));
  add(r, "local_pow_one", {"pow"}, "x ** 1 -> x", [](Apply &n) {
    return droppableSplat(n, 1, 1) ? ifSameType(n, in(n, 0)) : std::vector<Var>{};
  });
  add(r, "local_pow_zero", {"pow"}, "x ** 0 -> ones",
      [](Apply &n) { return droppableSplat(n, 1, 0) ? filledLike(n, 1) : std::vector<Var>{}; });
  add(r, "local_pow_minus_one", {"pow"}, "x ** -1 -> 1 / x", [](Apply &n) -> std::vector<Var> {
    if (!droppableSplat(n, 1, -1) || !isFloat(out(n).dtype()) || in(n, 0).type() != out(n).type())
      return {};
    return one(reciprocal(in(n, 0)));
  });
  // Also a size-1 axis dropped and put back in the same place: order [0, -1] of an [n, 1] value.
  add(r, "local_useless_dimshuffle", {"dimshuffle"}, "dimshuffle{identity}(x) -> x",
      [](Apply &n) -> std::vector<Var> {
        auto &op = static_cast<const DimShuffle &>(n.op());
        const IntList &order = op.order();
        for (size_t i = 0; i < order.size(); ++i) {
          if (order[i] == static_cast<int64_t>(i)) continue;
          bool listed =
              std::find(order.begin(), order.end(), static_cast<int64_t>(i)) != order.end();
          if (order[i] != -1 || listed || i >= static_cast<size_t>(op.inputNdim()) ||
              in(n, 0).type().shape[i] != 1)
            return {};
        }
        return op.inputNdim() == static_cast<int>(order.size()) ? ifSameType(n, in(n, 0))
                                                                : std::vector<Var>{};
      });
  add(r, "local_dimshuffle_dimshuffle", {"dimshuffle"},
      "dimshuffle(dimshuffle(x)) -> one dimshuffle", [](Apply &n) -> std::vector<Var> {
        Apply *inner = producer(in(n, 0), "dimshuffle");
        if (!inner) return {};
        auto &o = static_cast<const DimShuffle &>(n.op());
        auto &i = static_cast<const DimShuffle &>(inner->op());
        IntList order;
        for (int64_t k : o.order())
          order.push_back(k == -1 ? -1 : i.order()[k]);
        return one(dimshuffle(inner->input(0), order));
      });
  add(r, "local_useless_cast", {"cast"}, "cast(x, dtype of x) -> x",
      [](Apply &n) { return ifSameType(n, in(n, 0)); });
  add(r, "local_cast_cast", {"cast"},
      "cast(cast(x, wider), t) -> cast(x, t) when the inner cast is exact",
      [](Apply &n) -> std::vector<Var> {
        Apply *inner = producer(in(n, 0), "cast");
        if (!inner) return {};
        DType from = inner->input(0).dtype(), mid = in(n, 0).dtype();
        // Exact when mid can hold every value of `from` (e.g. i32 -> i64 -> f64, f32 -> f64 ->
        // ...).
        bool exact = (from == DType::Float32 && mid == DType::Float64) ||
                     (from == DType::Int32 && (mid == DType::Int64 || mid == DType::Float64)) ||
                     (from == DType::Bool && mid != DType::Bool);
        return exact ? one(cast(inner->input(0), out(n).dtype())) : std::vector<Var>{};
      });
  add(r, "local_useless_reshape", {"reshape", "broadcast_to"}, "reshape(x, shape of x) -> x",
      [](Apply &n) {
        return in(n, 0).type().isStatic() ? ifSameType(n, in(n, 0)) : std::vector<Var>{};
      });
  // Only when x's shape is static: the inner reshape was then checked when built, so removing
  // it cannot turn a run-time error (e.g. reshape{[0,-1]} of a [1,1] value) into a value.
  add(r, "local_reshape_reshape", {"reshape"},
      "reshape(reshape(x, a), b) -> reshape(x, b) (x of static shape)",
      [](Apply &n) -> std::vector<Var> {
        Apply *inner = producer(in(n, 0), "reshape");
        if (!inner || !inner->input(0).type().isStatic()) return {};
        return one(applyOp1(n.opPtr(), {inner->input(0)}));
      });
  add(r, "local_sum_sum", {"sum"}, "sum(sum(x, a), b) -> sum(x, a + b)",
      [](Apply &n) -> std::vector<Var> {
        Apply *inner = producer(in(n, 0), "sum");
        if (!inner) return {};
        const auto &io = static_cast<const Reduce &>(inner->op());
        const auto &oo = static_cast<const Reduce &>(n.op());
        // Map the outer axes (numbered after the inner reduction) back to axes of x.
        IntList kept, axes(io.axes());
        for (int d = 0; d < inner->input(0).ndim(); ++d)
          if (!io.reducesAxis(d)) kept.push_back(d);
        for (int64_t a : oo.axes())
          axes.push_back(kept[a]);
        std::sort(axes.begin(), axes.end());
        return one(sum(inner->input(0), axes));
      });
  add(r, "local_remove_identity", {"identity", "stop_gradient"},
      "identity(x) -> x (after differentiation)", [](Apply &n) { return ifSameType(n, in(n, 0)); });
  add(r, "local_fill_add", {"add", "mul"}, "fill(y, a) + c -> fill(y, a + c) (a and c constants)",
      [](Apply &n) -> std::vector<Var> {
        for (int k = 0; k < 2; ++k) {
          Apply *f = producer(in(n, k), "full_like");
          auto c = splatValue(in(n, 1 - k));
          if (!f || !c || in(n, k).type() != out(n).type()) continue;
          double a = f->op().attrs().getOr<double>("value", 0);
          bool isAdd = static_cast<const Elemwise &>(n.op()).fn() == ScalarFn::Add;
          return one(full_like(f->input(0), isAdd ? a + *c : a * *c, out(n).dtype()));
        }
        return {};
      });
  // grad(exp(x) + x**2) multiplies x by full_like(loss, 2): 2 * x needs neither the fill nor
  // the loss (droppableSplat: the fill's shape check survives in the other operands).
  add(r, "local_fill_operand", {},
      "f(full_like(y, c), x) -> f(c, x) (y computed anyway or x's shape; f elementwise)",
      [](Apply &n) -> std::vector<Var> {
        if (!dynamic_cast<const Elemwise *>(&n.op())) return {};
        for (int k = 0; k < static_cast<int>(n.inputs().size()); ++k) {
          Apply *f = producer(in(n, k), "full_like");
          if (!f) continue;
          auto &fl = static_cast<const FullLike &>(f->op());
          if (!droppableSplat(n, k, fl.value())) continue;
          std::vector<Var> ins = n.inputs();
          ins[k] = dimshuffle(constant(fl.value(), fl.dtype()), IntList(in(n, k).ndim(), -1));
          Var r = applyOp1(n.opPtr(), ins);
          if (r.type() == out(n).type()) return one(r);
        }
        return {};
      });
  add(r, "local_not_not", {"not"}, "not(not(x)) -> x", [](Apply &n) -> std::vector<Var> {
    Apply *inner = producer(in(n, 0), "not");
    return inner ? ifSameType(n, inner->input(0)) : std::vector<Var>{};
  });
}

} // namespace graphjit::rewrite
