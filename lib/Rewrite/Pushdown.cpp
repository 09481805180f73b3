// pushdown (lazy indexing): an index on the result of an op moves to the op's
// inputs, so only the selected part is ever computed: (A @ B)[i] -> A[i] @ B.
//
// Each rule fires only when the indexed value has no other user (otherwise the
// full value is computed anyway and the rule would duplicate work). Rules that
// would index away a dim whose agreement between operands is known only at run
// time exist twice: a safe form (fires when the types prove the agreement) and
// a shape_unsafe form, selected only by name (it drops that check); where the
// types do not prove it, the safe form keeps the check as a check_shapes node.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/ControlFlow/ShapeGraph.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit::rewrite {

namespace {
const IndexList &subIdx(Apply &n) { return static_cast<const Subtensor &>(n.op()).idx(); }

/// The node computing the indexed value when it is an op `name` used only by this index.
Apply *indexedProducer(Apply &n, const char *name) {
  Apply *p = producer(n.input(0), name);
  return p && onlyUse(n.input(0)) ? p : nullptr;
}

/// f(a, b)[idx] -> f(a[idx'], b[idx']); idx' indexes an operand's broadcast dims with 0 or keeps
/// them.
std::vector<Var> elemwiseLift(Apply &n, bool unsafe) {
  Apply *e = n.input(0)->owner();
  if (!e || !dynamic_cast<const Elemwise *>(&e->op()) || !onlyUse(n.input(0))) return {};
  const TensorType &out = n.input(0).type();
  IndexList idx = padded(subIdx(n), out.ndim());
  bool proven = true;
  for (int d = 0; d < out.ndim(); ++d)
    if (!isFullSlice(idx[d])) proven &= dimProven(e->inputs(), out, d);
  if (proven && unsafe) return {};
  std::vector<Var> args;
  for (const Var &v : e->inputs()) {
    IndexList vi = idx;
    for (int d = 0; d < out.ndim(); ++d)
      if (v.type().shape[d] == 1) vi[d] = broadcastEntry(idx[d]);
    args.push_back(indexed(v, vi));
  }
  auto &ew = static_cast<const Elemwise &>(e->op());
  Var lifted = applyOp1(std::make_shared<Elemwise>(ew.fn(), ew.castTo()), args);
  // Unproven agreement: the safe form keeps f's check of the full operands' shapes.
  return one(proven || unsafe ? lifted : keepShapeChecks(lifted, *e));
}

/// dimshuffle(x)[idx] -> dimshuffle'(x[idx']).
std::vector<Var> dimshuffleLift(Apply &n) {
  Apply *ds = indexedProducer(n, "dimshuffle");
  if (!ds) return {};
  const auto &op = static_cast<const DimShuffle &>(ds->op());
  const Var &x = ds->input(0);
  IndexList idx = padded(subIdx(n), static_cast<int>(op.order().size())), xi = padded({}, x.ndim());
  std::vector<bool> keepOut(op.order().size(), true);
  for (size_t k = 0; k < op.order().size(); ++k) {
    int64_t j = op.order()[k];
    const IndexEntry &e = idx[k];
    if (j == -1) { // a new size-1 axis: an int (0 or -1) drops it, a slice must keep it
      if (!e.isSlice)
        keepOut[k] = false;
      else if (resolveSlice(e, 1).len != 1)
        return {};
      continue;
    }
    xi[j] = e;
    if (!e.isSlice) keepOut[k] = false;
  }
  // Surviving x axes, renumbered after the int-indexed ones vanish.
  std::vector<int64_t> newPos(x.ndim(), -1);
  for (int d = 0, p = 0; d < x.ndim(); ++d)
    if (xi[d].isSlice) newPos[d] = p++;
  IntList order;
  for (size_t k = 0; k < op.order().size(); ++k)
    if (keepOut[k]) order.push_back(op.order()[k] == -1 ? -1 : newPos[op.order()[k]]);
  return one(dimshuffle(indexed(x, xi), order));
}

/// (A @ B)[i] -> A[i] @ B, (A @ B)[:, j] -> A @ B[:, j], batch dims indexed on both.
std::vector<Var> matmulLift(Apply &n) {
  Apply *mm = indexedProducer(n, "matmul");
  if (!mm) return {};
  const Var &a = mm->input(0), &b = mm->input(1);
  const TensorType &out = n.input(0).type();
  IndexList idx = padded(subIdx(n), out.ndim()), ai, bi;
  int ra = a.ndim(), rb = b.ndim();
  if (ra <= 2 && rb <= 2) {
    // Output axes: rows of A (when A is a matrix), then columns of B (when B is a matrix).
    size_t k = 0;
    ai = padded({}, ra);
    bi = padded({}, rb);
    if (ra == 2) ai[0] = idx[k++];
    if (rb == 2) bi[1] = idx[k++];
  } else {
    // Stacks of equal rank: batch dims index both (a broadcast one with 0 or whole), then rows,
    // columns.
    ai = padded({}, ra);
    bi = padded({}, rb);
    for (int d = 0; d < out.ndim() - 2; ++d) {
      if (isFullSlice(idx[d])) continue;
      if (!dimProven({a, b}, out, d)) return {};
      ai[d] = a.type().shape[d] == 1 ? broadcastEntry(idx[d]) : idx[d];
      bi[d] = b.type().shape[d] == 1 ? broadcastEntry(idx[d]) : idx[d];
    }
    ai[ra - 2] = idx[out.ndim() - 2];
    bi[rb - 1] = idx[out.ndim() - 1];
  }
  if (allFull(ai) && allFull(bi)) return {};
  return one(matmul(indexed(a, ai), indexed(b, bi)));
}

/// sum(x, axes)[idx] -> sum(x[idx'], axes'): the index moves to the axes the reduction keeps.
std::vector<Var> reduceLift(Apply &n) {
  Apply *r = n.input(0)->owner();
  auto *red = r ? dynamic_cast<const Reduce *>(&r->op()) : nullptr;
  if (!red || !onlyUse(n.input(0))) return {};
  const Var &x = r->input(0);
  IndexList idx = padded(subIdx(n), n.input(0).ndim()), xi = padded({}, x.ndim());
  for (int d = 0, k = 0; d < x.ndim(); ++d)
    if (!red->reducesAxis(d)) xi[d] = idx[k++];
  IntList axes;
  for (int d = 0, dropped = 0; d < x.ndim(); ++d) {
    if (!xi[d].isSlice) ++dropped;
    if (red->reducesAxis(d)) axes.push_back(d - dropped);
  }
  return one(reduce(red->kind(), indexed(x, xi), axes));
}

/// softmax(x, axis)[idx] -> softmax(x[idx], axis') when idx leaves the softmax axis whole.
std::vector<Var> softmaxLift(Apply &n) {
  Apply *s = n.input(0)->owner();
  auto *sm = s ? dynamic_cast<const Softmax *>(&s->op()) : nullptr;
  if (!sm || !onlyUse(n.input(0))) return {};
  const Var &x = s->input(0);
  int axis = static_cast<int>(sm->axis() < 0 ? sm->axis() + x.ndim() : sm->axis());
  IndexList idx = padded(subIdx(n), x.ndim());
  if (!isFullSlice(idx[axis])) return {};
  int dropped = 0;
  for (int d = 0; d < axis; ++d)
    dropped += !idx[d].isSlice;
  Var xi = indexed(x, idx);
  return one(sm->isLog() ? log_softmax(xi, axis - dropped) : softmax(xi, axis - dropped));
}

/// concatenate(xs, axis)[idx]: an index inside one piece selects that piece; an index
/// that leaves the axis whole moves into every piece.
std::vector<Var> concatenateLift(Apply &n) {
  Apply *c = indexedProducer(n, "concatenate");
  if (!c) return {};
  const Var &v = n.input(0);
  int axis = static_cast<int>(static_cast<const Concatenate &>(c->op()).axis());
  if (axis < 0) axis += v.ndim();
  IndexList idx = padded(subIdx(n), v.ndim());
  // Dropping the other pieces drops their run-time check off the axis: only when static there.
  auto offAxisStatic = [&] {
    for (const Var &p : c->inputs())
      for (int d = 0; d < v.ndim(); ++d)
        if (d != axis && p.type().shape[d] == kUnknownDim && !isFullSlice(idx[d])) return false;
    return true;
  };
  if (isFullSlice(idx[axis])) {
    if (!offAxisStatic()) return {};
    int dropped = 0;
    for (int d = 0; d < axis; ++d)
      dropped += !idx[d].isSlice;
    std::vector<Var> pieces;
    for (const Var &p : c->inputs())
      pieces.push_back(indexed(p, idx));
    return one(concatenate(pieces, axis - dropped));
  }
  int64_t total = v.type().shape[axis];
  if (total == kUnknownDim) return {};
  for (const Var &p : c->inputs())
    if (p.type().shape[axis] == kUnknownDim) return {};
  for (const Var &p : c->inputs())
    for (int d = 0; d < v.ndim(); ++d)
      if (d != axis && p.type().shape[d] == kUnknownDim && c->inputs().size() > 1) return {};
  // The positions selected along the axis must fall in one piece.
  int64_t first, last;
  if (!idx[axis].isSlice) {
    first = last = idx[axis].index < 0 ? idx[axis].index + total : idx[axis].index;
  } else {
    SliceRange s = resolveSlice(idx[axis], total);
    if (s.len == 0) return {};
    first = s.start;
    last = s.start + (s.len - 1) * s.step;
  }
  int64_t offset = 0;
  for (const Var &p : c->inputs()) {
    int64_t len = p.type().shape[axis];
    int64_t lo = std::min(first, last), hi = std::max(first, last);
    if (lo >= offset && hi < offset + len) {
      IndexList pi = idx;
      if (!idx[axis].isSlice) {
        pi[axis] = IndexEntry::at(first - offset);
      } else {
        SliceRange s = resolveSlice(idx[axis], total);
        int64_t start = first - offset, stopPos = last - offset + (s.step > 0 ? 1 : -1);
        pi[axis] = IndexEntry::slice(start, stopPos < 0 ? std::optional<int64_t>() : stopPos,
                                     s.step == 1 ? std::optional<int64_t>() : s.step);
      }
      return one(indexed(p, pi));
    }
    offset += len;
  }
  return {};
}

/// broadcast_to(x, shape)[idx] -> broadcast_to(x[idx'], shape of the result).
std::vector<Var> broadcastLift(Apply &n) {
  Apply *b = indexedProducer(n, "broadcast_to");
  if (!b) return {};
  const Var &x = b->input(0), &v = n.input(0);
  IndexList idx = padded(subIdx(n), v.ndim()), xi;
  int lead = v.ndim() - x.ndim();
  for (int j = 0; j < x.ndim(); ++j) {
    int64_t s = x.type().shape[j];
    if (s == kUnknownDim) return {}; // its agreement with the target is checked at run time
    xi.push_back(s == 1 ? broadcastEntry(idx[lead + j]) : idx[lead + j]);
  }
  const Shape &target = n.output(0).type().shape;
  for (int64_t s : target)
    if (s == kUnknownDim) return {};
  return one(broadcast_to(indexed(x, xi), target));
}

/// reshape(x, s)[i] -> reshape(flat(x)[i*K : (i+1)*K], s[1:]) with K = prod(s[1:]); only for x of
/// static shape (then the reshape was checked when built) and i a non-negative row.
std::vector<Var> reshapeLift(Apply &n) {
  Apply *rs = indexedProducer(n, "reshape");
  if (!rs) return {};
  const Var &x = rs->input(0);
  const TensorType &out = n.input(0).type();
  IndexList idx = padded(subIdx(n), out.ndim());
  if (!x.type().isStatic() || !out.isStatic() || idx[0].isSlice || idx[0].index < 0) return {};
  for (size_t d = 1; d < idx.size(); ++d)
    if (!isFullSlice(idx[d])) return {};
  IntList rest(out.shape.begin() + 1, out.shape.end());
  int64_t k = 1;
  for (int64_t s : rest)
    k *= s;
  Var flat = x.ndim() == 1 ? x : reshape(x, {-1});
  Var row = subtensor(flat, {IndexEntry::slice(idx[0].index * k, (idx[0].index + 1) * k)});
  return one(rest.size() == 1 ? row : reshape(row, rest));
}

/// full_like(r, value)[idx] -> full_like(r[idx], value): only r's shape is read.
std::vector<Var> fullLikeLift(Apply &n) {
  Apply *f = indexedProducer(n, "full_like");
  if (!f) return {};
  const auto &op = static_cast<const FullLike &>(f->op());
  return one(full_like(indexed(f->input(0), subIdx(n)), op.value(), op.dtype()));
}
} // namespace

void registerIndexPushdown(RewriteRegistry &r) {
  addPushdown(
      r, "local_subtensor_elemwise", {"subtensor"},
      "f(a, b)[i] -> f(a[i], b[i]) (a broadcast dim indexed with 0 or kept whole)",
      [](Apply &n) { return elemwiseLift(n, false); }, false,
      "a check_shapes node keeps the agreement check of the operands it no longer reads whole");
  addPushdown(
      r, "local_subtensor_elemwise_unsafe", {"subtensor"},
      "f(a, b)[i] -> f(a[i], b[i]) where only the run time would check that a and b agree",
      [](Apply &n) { return elemwiseLift(n, true); }, true);
  addPushdown(r, "local_subtensor_dimshuffle", {"subtensor"},
              "dimshuffle(x)[i] -> dimshuffle'(x[i'])", dimshuffleLift);
  addPushdown(
      r, "local_subtensor_matmul", {"subtensor"},
      "(A @ B)[i] -> A[i] @ B; (A @ B)[:, j] -> A @ B[:, j]; (A @ B)[i, j] -> dot(A[i], B[:, j])",
      matmulLift);
  addPushdown(r, "local_subtensor_reduce", {"subtensor"},
              "sum(x, 1)[i] -> sum(x[i], 0) (any reduction)", reduceLift);
  addPushdown(r, "local_subtensor_softmax", {"subtensor"},
              "softmax(x, axis)[i] -> softmax(x[i], axis') (i off the axis)", softmaxLift);
  addPushdown(r, "local_subtensor_concatenate", {"subtensor"},
              "concatenate(a, b)[i] -> a[i] or b[i - len(a)] (i in one piece); [:, j] -> "
              "concatenate(a[:, j], b[:, j])",
              concatenateLift);
  addPushdown(
      r, "local_subtensor_broadcast_to", {"subtensor"},
      "broadcast_to(x, s)[i] -> broadcast_to(x[i'], s') (a stretched dim of x indexed with 0)",
      broadcastLift);
  addPushdown(r, "local_subtensor_reshape", {"subtensor"},
              "reshape(x, s)[i] -> reshape(flat(x)[i*K:(i+1)*K], s[1:]) (x of static shape, K = "
              "prod(s[1:]))",
              reshapeLift);
  addPushdown(r, "local_subtensor_full_like", {"subtensor"},
              "full_like(r, c)[i] -> full_like(r[i], c)", fullLikeLift);
}

} // namespace graphjit::rewrite
