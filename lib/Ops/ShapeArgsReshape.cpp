// reshape_n and broadcast_to_n: reshape and broadcast_to to a target shape that is an integer
// vector of the graph.
#include "OpUtil.h"
#include "ShapeArgsUtil.h"
#include "ShapeUtil.h"

#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgsReshape.h"
#include "graphjit/Support/Error.h"

#include <algorithm>

namespace graphjit {

namespace {
std::string knownStr(const IntList &known) {
  std::string out = "(";
  for (size_t i = 0; i < known.size(); ++i)
    out += (i ? ", " : "") + (known[i] >= 0 ? std::to_string(known[i]) : std::string("?"));
  return out + ")";
}

/// `known` checked against a target type of `k` entries.
void checkKnown(const std::string &op, const IntList &known, int64_t k) {
  if (static_cast<int64_t>(known.size()) != k)
    throw TypeError(op + ": the target has " + std::to_string(k) + " entries, known has " +
                    std::to_string(known.size()));
}

/// The target (an integer vector Var, or a scalar: one entry) as an int64 vector.
Var targetVector(const std::string &op, const Var &shape) {
  if (!shape) throw ValueError(op + ": the target shape is null");
  Var t = shape.ndim() == 0 ? reshape(shape, IntList{1}) : shape;
  detail::checkTargetType(op, t.type());
  return t.dtype() == DType::Int64 ? t : cast(t, DType::Int64);
}

/// Entries of a SymShape: the int64 vector of the graph, the static entries (-1 where given at
/// run time), and whether every entry is a constant.
struct Entries {
  Var vector;
  IntList known;
  bool allConstant = true;
};

Entries entriesOf(const std::string &op, const SymShape &shape) {
  Entries e;
  std::vector<Var> vars;
  for (size_t i = 0; i < shape.entries.size(); ++i) {
    Var v = detail::asSize(op, shape.entries[i].var, i);
    bool c = detail::isScalarConstant(v);
    e.allConstant &= c;
    e.known.push_back(c ? v->constantValue().getAsInt64(0) : -1);
    vars.push_back(v);
  }
  if (e.allConstant) return e;
  if (vars.size() == 1) {
    e.vector = expand_dims(vars[0], 0);
    return e;
  }
  // The constant entries plus each symbolic one times its unit vector: {n, -1} is
  // n * [1, 0] + [0, -1]. Elementwise, so a batched entry batches (a concatenate of a batched
  // and an unbatched part would not).
  size_t k = vars.size();
  std::vector<int64_t> base(k, 0);
  for (size_t i = 0; i < k; ++i)
    if (e.known[i] != -1 || vars[i]->isConstant()) base[i] = vars[i]->constantValue().getAsInt64(0);
  Var vec = Var::constant(Tensor::fromVector(base));
  for (size_t i = 0; i < k; ++i) {
    if (vars[i]->isConstant()) continue;
    std::vector<int64_t> unit(k, 0);
    unit[i] = 1;
    vec = vars[i] * Var::constant(Tensor::fromVector(unit)) + vec;
  }
  e.vector = vec;
  return e;
}

IntList values(const Var &constantVector) {
  IntList out;
  for (int64_t i = 0; i < constantVector->constantValue().size(); ++i)
    out.push_back(constantVector->constantValue().getAsInt64(i));
  return out;
}

/// The run-time sizes of the b leading dims of x, as an int64 vector, and their static sizes.
std::pair<Var, IntList> batchDims(const Var &x, int b) {
  IntList known(x.type().shape.begin(), x.type().shape.begin() + b);
  return {subtensor(shape(x), {IndexEntry::slice(0, b)}), known};
}
} // namespace

// ---- reshape_n ----

ReshapeN::ReshapeN(IntList known) : known_(std::move(known)) {
  for (int64_t d : known_)
    if (d < -1)
      throw ValueError("reshape: invalid static entry " + std::to_string(d) + " in " +
                       knownStr(known_) + " (expected >= 0, or -1 for one given at run time)");
}

std::vector<TensorType> ReshapeN::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("reshape_n", in.size(), 2);
  detail::checkTargetType("reshape", in[1]);
  checkKnown("reshape_n", known_, in[1].shape[0]);
  Shape out(known_.begin(), known_.end()); // -1 coincides with kUnknownDim
  // A static input whose target has every entry known but one: that one is the -1 or its value.
  int unknown = static_cast<int>(std::count(out.begin(), out.end(), kUnknownDim));
  if (in[0].isStatic() && unknown <= 1) {
    int64_t size = shapeSize(in[0].shape), rest = 1;
    for (int64_t d : out)
      if (d != kUnknownDim) rest *= d;
    bool fits = unknown == 0 ? rest == size : rest != 0 && size % rest == 0;
    if (!fits)
      throw ValueError("reshape: cannot reshape an input of type " + in[0].str() + " into shape " +
                       knownStr(known_));
    for (int64_t &d : out)
      if (d == kUnknownDim) d = size / rest;
  }
  return {TensorType(in[0].dtype, out)};
}

std::vector<Shape> ReshapeN::inferShape(const std::vector<Shape> &) const {
  throw ShapeError("reshape_n: the output shape is the target's value, not known from shapes");
}

std::vector<Tensor> ReshapeN::perform(const std::vector<Tensor> &in) const {
  detail::expectArity("reshape_n", in.size(), 2);
  Shape out = detail::reshapeTarget("reshape", in[0].shape(), in[1], known_);
  return {in[0].clone().reshaped(out)};
}

std::vector<Var> ReshapeN::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                const std::vector<Var> &g) const {
  if (!g[0]) return {Var(), Var()};
  const TensorType &t = inputs[0].type();
  if (t.isStatic()) return {reshape(g[0], IntList(t.shape.begin(), t.shape.end())), Var()};
  return {reshape_like(g[0], inputs[0]), Var()};
}

std::vector<Var> ReshapeN::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                     int b) const {
  if (inputs[1].batched)
    cannotBatch(*this, "a batched target would give each batch element its own shape");
  const Var &x = inputs[0].var;
  auto [lead, known] = batchDims(x, b);
  known.insert(known.end(), known_.begin(), known_.end());
  Var target = concatenate({lead, targetVector("reshape", inputs[1].var)}, 0);
  return {applyOp1(std::make_shared<ReshapeN>(known), {x, target})};
}

std::vector<Var> ReshapeN::shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const {
  return {applyOp1(std::make_shared<SizeShapeOp>("reshape", "reshape", known_),
                   {inShapes[0], node.input(1)})};
}

// ---- broadcast_to_n ----

BroadcastToN::BroadcastToN(IntList known, IntList stretch)
    : known_(std::move(known)), stretch_(std::move(stretch)) {
  for (int64_t d : known_)
    if (d < -1)
      throw ValueError("broadcast_to: invalid static entry " + std::to_string(d) + " in " +
                       knownStr(known_) + " (expected >= 0, or -1 for one given at run time)");
}

std::vector<TensorType> BroadcastToN::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("broadcast_to_n", in.size(), 2);
  detail::checkTargetType("broadcast_to", in[1]);
  int64_t k = in[1].shape[0];
  checkKnown("broadcast_to_n", known_, k);
  const TensorType &x = in[0];
  if (x.ndim() > k)
    throw ValueError("broadcast_to: cannot broadcast an input of type " + x.str() +
                     " to a shape of rank " + std::to_string(k));
  for (int64_t d : stretch_)
    if (d < 0 || d >= x.ndim() || x.shape[d] != 1)
      throw TypeError("broadcast_to_n: stretch dim " + std::to_string(d) +
                      " is not a static 1 of the input type " + x.str());
  Shape out(known_.begin(), known_.end());
  size_t pad = static_cast<size_t>(k - x.ndim());
  for (int d = 0; d < x.ndim(); ++d) {
    int64_t s = x.shape[d], &t = out[pad + d];
    bool stretches = std::find(stretch_.begin(), stretch_.end(), d) != stretch_.end();
    if (s == kUnknownDim || (stretches && s == 1)) continue;
    if (t != kUnknownDim && t != s)
      throw ValueError("broadcast_to: cannot broadcast an input of type " + x.str() + " to shape " +
                       knownStr(known_) + ": axis " + std::to_string(d) + " has size " +
                       std::to_string(s) + ", expected " + std::to_string(t));
    t = s; // a static dim that does not stretch is the output's
  }
  return {TensorType(x.dtype, out)};
}

std::vector<Shape> BroadcastToN::inferShape(const std::vector<Shape> &) const {
  throw ShapeError("broadcast_to_n: the output shape is the target's value, not known from shapes");
}

std::vector<Tensor> BroadcastToN::perform(const std::vector<Tensor> &in) const {
  detail::expectArity("broadcast_to_n", in.size(), 2);
  Shape out = detail::broadcastTarget("broadcast_to", in[0].shape(), in[1], known_, stretch_);
  return {detail::broadcastMaterialize(in[0], out)};
}

std::vector<Var> BroadcastToN::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                    const std::vector<Var> &g) const {
  if (!g[0]) return {Var(), Var()};
  return {detail::sumToType(g[0], inputs[0].type()), Var()};
}

std::vector<Var> BroadcastToN::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                         int b) const {
  if (inputs[1].batched)
    cannotBatch(*this, "a batched target would give each batch element its own shape");
  const Var &x = inputs[0].var;
  int k = static_cast<int>(known_.size()), r = x.ndim() - b, pad = k - r;
  // x as [B..., 1 (pad times), core...]: the new axes are static 1s, so they stretch.
  IntList order, stretch;
  for (int d = 0; d < b; ++d)
    order.push_back(d);
  for (int d = 0; d < pad; ++d) {
    stretch.push_back(b + d);
    order.push_back(-1);
  }
  for (int d = 0; d < r; ++d)
    order.push_back(b + d);
  for (int64_t d : stretch_)
    stretch.push_back(b + pad + d);
  Var xp = pad > 0 ? dimshuffle(x, order) : x;
  auto [lead, known] = batchDims(x, b);
  known.insert(known.end(), known_.begin(), known_.end());
  Var target = concatenate({lead, targetVector("broadcast_to", inputs[1].var)}, 0);
  return {applyOp1(std::make_shared<BroadcastToN>(known, stretch), {xp, target})};
}

std::vector<Var> BroadcastToN::shapeGraph(const Apply &node,
                                          const std::vector<Var> &inShapes) const {
  return {applyOp1(std::make_shared<SizeShapeOp>("broadcast", "broadcast_to", known_, stretch_),
                   {inShapes[0], node.input(1)})};
}

// ---- builders ----

Var reshape(const Var &x, const Var &shape) {
  Var t = targetVector("reshape", shape);
  if (t->isConstant()) return reshape(x, values(t)); // today's static op
  return applyOp1(std::make_shared<ReshapeN>(IntList(t.type().shape[0], -1)), {x, t});
}

Var reshape(const Var &x, const SymShape &shape) {
  Entries e = entriesOf("reshape", shape);
  if (e.allConstant) return reshape(x, e.known);
  return applyOp1(std::make_shared<ReshapeN>(e.known), {x, e.vector});
}

namespace {
Var broadcastTo(const Var &x, const Var &target, IntList known) {
  IntList stretch;
  for (int d = 0; d < x.ndim(); ++d)
    if (x.type().shape[d] == 1) stretch.push_back(d);
  for (int64_t d : known)
    if (d < 0 && d != -1)
      throw ValueError("broadcast_to: entry " + std::to_string(d) + " of the target is negative");
  return applyOp1(std::make_shared<BroadcastToN>(std::move(known), std::move(stretch)),
                  {x, target});
}
} // namespace

Var broadcast_to(const Var &x, const Var &shape) {
  Var t = targetVector("broadcast_to", shape);
  if (t->isConstant()) {
    IntList v = values(t);
    return broadcast_to(x, Shape(v.begin(), v.end()));
  }
  return broadcastTo(x, t, IntList(t.type().shape[0], -1));
}

Var broadcast_to(const Var &x, const SymShape &shape) {
  Entries e = entriesOf("broadcast_to", shape);
  if (e.allConstant) return broadcast_to(x, Shape(e.known.begin(), e.known.end()));
  for (size_t i = 0; i < e.known.size(); ++i)
    if (e.known[i] < -1 || (e.known[i] == -1 && shape.entries[i].var->isConstant()))
      throw ValueError("broadcast_to: entry " + std::to_string(i) + " of the target is " +
                       std::to_string(e.known[i]) + "; expected >= 0");
  return broadcastTo(x, e.vector, e.known);
}

void registerShapeArgReshapeOps(OpRegistry &registry) {
  registry.add(
      "reshape_n",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<ReshapeN>(a.get<IntList>("known", "reshape_n"));
      },
      Attrs{{"known", IntList{-1, 3}}});
  registry.add(
      "broadcast_to_n",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<BroadcastToN>(a.get<IntList>("known", "broadcast_to_n"),
                                              a.get<IntList>("stretch", "broadcast_to_n"));
      },
      Attrs{{"known", IntList{-1, 3}}, {"stretch", IntList{}}});
}

} // namespace graphjit
