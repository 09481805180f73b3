// Walks y = T(x) back to the random variable x, inverting each op (see the header).
#include "graphjit/Prob/ChangeOfVariables.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Prob/RandomVariable.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

namespace graphjit {

namespace {
[[noreturn]] void notInvertible(const Apply &node, const std::string &why) {
  throw ValueError("logp: cannot derive the density through '" + node.op().str() + "': " + why);
}

/// A point of the walk: forward variable `u`, its value `v` (a graph of the
/// value), and `lj` = log|d x/d u| accumulated so far, elementwise in u's layout.
struct State {
  Var u, v, lj;
};

class Walker {
public:
  /// Does `x` depend on a random variable other than through a `known` variable?
  bool dependent(const Var &x) {
    if (known_.count(x.get())) return false;
    auto it = memo_.find(x.get());
    if (it != memo_.end()) return it->second;
    bool d = false;
    if (asRandomVariable(x))
      d = true;
    else if (auto node = x.owner())
      for (const Var &in : node->inputs())
        d = d || dependent(in);
    memo_[x.get()] = d;
    return d;
  }
  /// `c` (independent of the random variable given the known slices) in the value domain.
  Var lift(const Var &c) {
    if (known_.empty()) return c;
    Replacements r;
    for (auto &[k, v] : knownList_)
      r.push_back({k, v});
    return graph_replace(c, r, false);
  }
  void learn(const Var &forward, const Var &value) {
    known_[forward.get()] = value;
    knownList_.push_back({forward, value});
    memo_.clear();
  }

  /// Inverts down to the random variable: returns its state.
  State walk(State s) {
    while (!asRandomVariable(s.u)) {
      auto node = s.u.owner();
      if (!node)
        throw ValueError("logp: the graph reaches the input '" + s.u.name() + "' (" +
                         s.u.type().str() + ") before any random variable");
      s = step(*node, s);
    }
    return s;
  }

private:
  std::unordered_map<const Variable *, Var> known_;
  std::vector<std::pair<Var, Var>> knownList_;
  std::unordered_map<const Variable *, bool> memo_;

  /// The one input of `node` that depends on the random variable.
  int dependentInput(Apply &node) {
    int which = -1;
    for (int i = 0; i < static_cast<int>(node.inputs().size()); ++i)
      if (dependent(node.input(i))) {
        if (which >= 0) notInvertible(node, "more than one operand depends on the random variable");
        which = i;
      }
    if (which < 0) notInvertible(node, "no operand depends on the random variable");
    const Var &in = node.input(which);
    const TensorType &out = node.output(0).type();
    if (in.ndim() != out.ndim())
      notInvertible(node, "it broadcasts the random variable to a higher rank");
    for (int d = 0; d < in.ndim(); ++d)
      // A static 1 against an unknown output dim is taken not to stretch (it cannot be known here).
      if (in.type().shape[d] == 1 && out.shape[d] != 1 && out.shape[d] != kUnknownDim)
        notInvertible(node, "it broadcasts the random variable along axis " + std::to_string(d));
    return which;
  }

  /// log|c| for a scale c, written as z when c = exp(z) (no overflow).
  Var logAbs(const Var &c) {
    if (auto n = c.owner())
      if (auto *e = dynamic_cast<const Elemwise *>(&n->op()); e && e->fn() == ScalarFn::Exp)
        return lift(n->input(0));
    return log(abs(lift(c)));
  }

  State step(Apply &node, const State &s) {
    if (auto *e = dynamic_cast<const Elemwise *>(&node.op())) return elemwiseStep(node, *e, s);
    if (dynamic_cast<const Concatenate *>(&node.op())) return concatStep(node, s);
    notInvertible(
        node,
        "it is not an invertible op (invertible: neg, exp, log, expm1, log1p, sqrt, reciprocal, "
        "sigmoid, tanh, softplus, add/sub/mul/true_div by an independent operand, coupling "
        "concatenations)");
  }

  State elemwiseStep(Apply &node, const Elemwise &e, const State &s) {
    int i = dependentInput(node);
    Var x = node.input(i), v = s.v;
    Var c = node.inputs().size() == 2 ? node.input(1 - i) : Var();
    auto next = [&](Var xv, Var logJac) { // logJac = log|dx/du| of this step
      return State{x, xv, logJac ? s.lj + logJac : s.lj};
    };
    // A step whose image is not all of R: values outside it have density 0. The inverse is
    // taken at a safe point there (no NaN) and -inf is added to the log-Jacobian.
    auto guarded = [&](const Var &inImage, double safe, auto inverse, auto logJac) {
      Var w = where(inImage, v, constant(safe));
      return next(inverse(w), logJac(w) + where(inImage, constant(0.0), constant(-INFINITY)));
    };
    Var zero = constant(0.0), one = constant(1.0);
    switch (e.fn()) {
    case ScalarFn::Identity:
      return next(v, Var());
    case ScalarFn::Cast:
      if (!isFloat(x.dtype()) || !isFloat(e.castTo()))
        notInvertible(node, "only float-to-float casts are invertible");
      return next(cast(v, x.dtype()), Var());
    case ScalarFn::Neg:
      return next(-v, Var());
    case ScalarFn::Exp: // x = log v on v > 0
      return guarded(v > zero, 1, [](Var w) { return log(w); }, [](Var w) { return -log(w); });
    case ScalarFn::Log:
      return next(exp(v), v); // x = exp v
    case ScalarFn::Expm1:     // x = log(1 + v) on v > -1
      return guarded(v > -1.0, 0, [](Var w) { return log1p(w); }, [](Var w) { return -log1p(w); });
    case ScalarFn::Log1p:
      return next(expm1(v), v); // x = exp(v) - 1
    case ScalarFn::Sqrt:        // x = v^2 on v >= 0
      return guarded(
          v >= zero, 1, [](Var w) { return sqr(w); }, [](Var w) { return log(2.0 * w); });
    case ScalarFn::Reciprocal:
      return next(reciprocal(v), -2.0 * log(abs(v))); // x = 1/v
    case ScalarFn::Sigmoid:                           // x = logit v on (0, 1)
      return guarded(
          logical_and(v > zero, v < one), 0.5, [](Var w) { return log(w) - log1p(-w); },
          [](Var w) { return -log(w) - log1p(-w); });
    case ScalarFn::Tanh: // x = atanh v on (-1, 1)
      return guarded(
          logical_and(v > -1.0, v < one), 0, [](Var w) { return 0.5 * (log1p(w) - log1p(-w)); },
          [](Var w) { return -log1p(-sqr(w)); });
    case ScalarFn::Softplus: // x = log(exp(v) - 1) on v > 0
      return guarded(
          v > zero, 1, [](Var w) { return w + log(-expm1(-w)); },
          [](Var w) { return -log(-expm1(-w)); });
    case ScalarFn::Add:
      return next(v - lift(c), Var());
    case ScalarFn::Sub:
      return i == 0 ? next(v + lift(c), Var()) : next(lift(c) - v, Var());
    case ScalarFn::Mul:
      return next(v / lift(c), -logAbs(c));
    case ScalarFn::TrueDiv:
      if (i == 0) return next(v * lift(c), logAbs(c));         // x = v c
      return next(lift(c) / v, logAbs(c) - 2.0 * log(abs(v))); // x = c / v
    default:
      break;
    }
    notInvertible(
        node, "the function has no inverse here (e.g. sqr and abs map x and -x to the same value)");
  }

  /// y = concatenate(parts): split the value, recover each part's column slice of a
  /// common tensor h (in an order where each part's coefficients are already known), reassemble h.
  State concatStep(Apply &node, const State &s) {
    const auto &op = static_cast<const Concatenate &>(node.op());
    int rank = s.u.ndim();
    int64_t axis = op.axis() < 0 ? op.axis() + rank : op.axis();
    size_t np = node.inputs().size();
    std::vector<Var> pv(np), pl(np);
    // Part widths along the axis; one may be unknown (its slice is then open-ended or counted
    // from the end, so the value's width need not be known).
    std::vector<int64_t> width(np);
    int unknown = -1;
    for (size_t i = 0; i < np; ++i) {
      width[i] = node.input(static_cast<int>(i)).type().shape[axis];
      if (width[i] != kUnknownDim) continue;
      if (unknown >= 0)
        notInvertible(node, "more than one part has an unknown size along the axis");
      unknown = static_cast<int>(i);
    }
    int64_t front = 0, back = 0; // known widths before / after the unknown part
    for (size_t i = 0; i < np; ++i)
      if (unknown >= 0 && static_cast<int>(i) > unknown) back += width[i];
    for (size_t i = 0; i < np; ++i) {
      IndexList idx(static_cast<size_t>(axis), IndexEntry::slice());
      if (unknown < 0 || static_cast<int>(i) < unknown) {
        idx.push_back(IndexEntry::slice(front, front + width[i]));
        front += width[i];
      } else if (static_cast<int>(i) == unknown) {
        idx.push_back(back ? IndexEntry::slice(front, -back)
                           : IndexEntry::slice(front, std::nullopt));
      } else {
        int64_t stop = back - width[i];
        idx.push_back(stop ? IndexEntry::slice(-back, -stop)
                           : IndexEntry::slice(-back, std::nullopt));
        back = stop;
      }
      pv[i] = subtensor(s.v, idx);
      pl[i] = subtensor(s.lj, idx);
    }
    // Each part leads back to a slice h[..., start:stop] of one tensor h.
    struct Piece {
      int64_t start, stop;
      Var v, lj;
    };
    std::vector<Piece> pieces;
    Var h;
    std::vector<bool> done(np, false);
    for (size_t round = 0; round < np; ++round) {
      bool progress = false;
      for (size_t i = 0; i < np; ++i) {
        if (done[i]) continue;
        State ps{node.input(static_cast<int>(i)), pv[i], pl[i]};
        Var slice;
        try {
          ps = walkToSlice(ps, axis, slice);
        } catch (const ValueError &) {
          if (round + 1 == np) throw;
          continue; // its coefficients may depend on a part not recovered yet
        }
        auto sub = slice.owner();
        const Var &src = sub->input(0);
        if (h && src != h) notInvertible(node, "its parts are slices of different tensors");
        h = src;
        const auto &ix = static_cast<const Subtensor &>(sub->op()).idx()[axis];
        int64_t size = h.type().shape[axis];
        const int64_t end =
            std::numeric_limits<int64_t>::max(); // "to the end" when the width is unknown
        int64_t start = ix.start.value_or(0),
                stop = ix.stop.value_or(size == kUnknownDim ? end : size);
        if ((start < 0 || stop < 0) && size == kUnknownDim)
          notInvertible(node, "a part slices from the end of a tensor of unknown width");
        if (start < 0) start += size;
        if (stop < 0) stop += size;
        if (size != kUnknownDim) stop = std::min(stop, size);
        pieces.push_back({start, stop, ps.v, ps.lj});
        learn(slice, ps.v);
        done[i] = progress = true;
      }
      if (std::all_of(done.begin(), done.end(), [](bool b) { return b; })) break;
      if (!progress) notInvertible(node, "no part can be inverted from the others");
    }
    std::sort(pieces.begin(), pieces.end(),
              [](const Piece &a, const Piece &b) { return a.start < b.start; });
    int64_t expect = 0;
    for (auto &p : pieces) {
      if (p.start != expect)
        notInvertible(node, "its parts do not tile the source tensor along the axis");
      expect = p.stop;
    }
    int64_t size = h.type().shape[axis];
    if (expect != (size == kUnknownDim ? std::numeric_limits<int64_t>::max() : size))
      notInvertible(node, "its parts do not cover the source tensor");
    std::vector<Var> vs, ls;
    for (auto &p : pieces)
      vs.push_back(p.v), ls.push_back(p.lj);
    return State{h, pieces.size() == 1 ? vs[0] : concatenate(vs, axis),
                 pieces.size() == 1 ? ls[0] : concatenate(ls, axis)};
  }

  /// Walks a part back until it is a subtensor that slices only `axis` (with step 1).
  State walkToSlice(State s, int64_t axis, Var &slice) {
    for (;;) {
      auto node = s.u.owner();
      if (!node) throw ValueError("logp: a concatenated part reaches an input before a slice");
      if (auto *sub = dynamic_cast<const Subtensor *>(&node->op())) {
        const IndexList &idx = sub->idx();
        bool ok = static_cast<int64_t>(idx.size()) == axis + 1 && idx[axis].isSlice &&
                  idx[axis].step.value_or(1) == 1 && node->input(0).ndim() == s.u.ndim();
        for (int64_t d = 0; ok && d < axis; ++d)
          ok = idx[d].isSlice && !idx[d].start && !idx[d].stop && !idx[d].step;
        if (!ok) notInvertible(*node, "only slices along the concatenation axis are invertible");
        slice = s.u;
        return s;
      }
      if (asRandomVariable(s.u))
        throw ValueError("logp: a concatenated part is the random variable itself");
      s = step(*node, s);
    }
  }
};
} // namespace

std::pair<Var, Var> invertToRandomVariable(const Var &y, const Var &value) {
  Walker w;
  if (!w.dependent(y))
    throw ValueError("logp: '" + y.type().str() + "' does not depend on a random variable");
  State s = w.walk(State{y, value, zeros_like(value)});
  return {s.u, s.v};
}

Var transformedLogp(const Var &y, const Var &value) {
  if (y.type().ndim() != value.type().ndim())
    throw ShapeError("logp: the value " + value.type().str() + " does not have the rank of " +
                     y.type().str());
  Walker w;
  if (!w.dependent(y))
    throw ValueError("logp: '" + y.type().str() + "' does not depend on a random variable");
  Var v = isFloat(value.dtype()) ? value : cast(value, DType::Float64);
  State s = w.walk(State{y, v, zeros_like(v)});
  const RandomVariableOp *rv = asRandomVariable(s.u);
  if (isDiscrete(rv->dist()))
    throw ValueError(
        std::string("logp: the change of variables needs a continuous random variable, got ") +
        distName(rv->dist()));
  Var base = logp(s.u, s.v);
  return base + (isMultivariate(rv->dist()) ? sum(s.lj, -1) : s.lj);
}

} // namespace graphjit
