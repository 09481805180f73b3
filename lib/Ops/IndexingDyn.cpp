// dyn_subtensor, dyn_inc_subtensor and dyn_index_shape: basic indexing whose positions are int64
// scalar inputs. The values resolve to a static index list at run time, which the static ops
// (Indexing.cpp) then apply, so both share one definition of NumPy's semantics.
#include "graphjit/Ops/IndexingDyn.h"
#include "OpUtil.h"
#include "ShapeUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit {

namespace {
int countBits(int64_t m) { return (m & 1) + ((m >> 1) & 1) + ((m >> 2) & 1); }

void checkPattern(const IndexList &idx, const IntList &dyn, const std::string &op) {
  if (dyn.size() != idx.size())
    throw ValueError(op + ": dyn has " + std::to_string(dyn.size()) + " masks for " +
                     std::to_string(idx.size()) + " index entries");
  for (size_t d = 0; d < idx.size(); ++d) {
    int64_t limit = idx[d].isSlice ? 7 : 1;
    if (dyn[d] < 0 || dyn[d] > limit)
      throw ValueError(op + ": dyn mask " + std::to_string(dyn[d]) + " of entry " +
                       std::to_string(d) + " is not in [0, " + std::to_string(limit) + "]");
    if (idx[d].isSlice && !(dyn[d] & kDynStep) && idx[d].step && *idx[d].step == 0)
      throw ValueError(op + ": slice step cannot be zero (entry " + std::to_string(d) + ")");
  }
}

int valueCount(const IntList &dyn) {
  int n = 0;
  for (int64_t m : dyn)
    n += countBits(m);
  return n;
}

void checkValueTypes(const std::vector<TensorType> &in, size_t first, const std::string &op) {
  for (size_t i = first; i < in.size(); ++i)
    if (in[i].ndim() != 0 || !isInteger(in[i].dtype))
      throw TypeError(op + ": index input " + std::to_string(i - first) +
                      " must be an integer scalar, got " + in[i].str());
}

std::vector<int64_t> valuesOf(const std::vector<Tensor> &in, size_t first) {
  std::vector<int64_t> v;
  for (size_t i = first; i < in.size(); ++i)
    v.push_back(in[i].getAsInt64(0));
  return v;
}

std::vector<int64_t> valuesOf(const std::vector<const Tensor *> &in, size_t first,
                              const std::string &op) {
  std::vector<int64_t> v;
  for (size_t i = first; i < in.size(); ++i) {
    if (!in[i])
      throw ValueError(op + ": the value of index input " + std::to_string(i - first) +
                       " is needed for the output shape");
    v.push_back(in[i]->getAsInt64(0));
  }
  return v;
}

/// Static type of x[idx] where masked fields are unknown values: an integer entry drops its axis
/// (checked when both it and the dim are static), a slice keeps it (known length only when the
/// slice and the dim are static).
Shape dynIndexedType(const TensorType &x, const IndexList &idx, const IntList &dyn,
                     const std::string &op) {
  if (static_cast<int>(idx.size()) > x.ndim())
    throw IndexError(op + ": too many indices (" + std::to_string(idx.size()) +
                     ") for an input of rank " + std::to_string(x.ndim()));
  Shape out;
  for (int d = 0; d < x.ndim(); ++d) {
    int64_t n = x.shape[d];
    if (d >= static_cast<int>(idx.size())) {
      out.push_back(n);
    } else if (!idx[d].isSlice) {
      if (!dyn[d] && n != kUnknownDim)
        Subtensor({idx[d]}).makeOutputTypes({TensorType(x.dtype, {n})}); // range check
    } else if (dyn[d] || n == kUnknownDim) {
      out.push_back(kUnknownDim);
    } else {
      out.push_back(Subtensor({idx[d]}).makeOutputTypes({TensorType(x.dtype, {n})})[0].shape[0]);
    }
  }
  return out;
}

/// An index field as a number when it is one or a constant scalar; else the int64 Var.
struct Field {
  std::optional<int64_t> number;
  Var var;
};

Field fieldOf(const IndexValue &v, const std::string &op) {
  if (!v.var) return {v.number, Var()};
  const Var &x = v.var;
  if (x.ndim() != 0 || !isInteger(x.dtype()))
    throw TypeError(op + ": an index must be an integer scalar, got " + x.type().str());
  if (x->isConstant()) return {x->constantValue().getAsInt64(0), Var()};
  return {std::nullopt, x.dtype() == DType::Int64 ? x : cast(x, DType::Int64)};
}

/// The static part, the masks and the scalar inputs of a symbolic index list.
struct SplitIndex {
  IndexList idx;
  IntList dyn;
  std::vector<Var> values;
};

SplitIndex splitIndex(const SymIndexList &sym, const std::string &op) {
  SplitIndex s;
  for (const SymEntry &e : sym) {
    int64_t mask = 0;
    auto take = [&](const IndexValue &v, int64_t bit) -> std::optional<int64_t> {
      Field f = fieldOf(v, op);
      if (f.var) {
        mask |= bit;
        s.values.push_back(f.var);
        return std::nullopt;
      }
      return f.number;
    };
    if (!e.isSlice) {
      if (!e.index.present()) throw ValueError(op + ": an integer index entry has no value");
      std::optional<int64_t> i = take(e.index, kDynIndex);
      s.idx.push_back(IndexEntry::at(i.value_or(0)));
    } else {
      std::optional<int64_t> a = take(e.start, kDynStart), b = take(e.stop, kDynStop),
                             c = take(e.step, kDynStep);
      s.idx.push_back(IndexEntry::slice(a, b, c));
    }
    s.dyn.push_back(mask);
  }
  return s;
}

bool isStatic(const SplitIndex &s) { return s.values.empty(); }

std::vector<Var> tail(const std::vector<Var> &v, size_t from) {
  return std::vector<Var>(v.begin() + static_cast<std::ptrdiff_t>(from), v.end());
}

IndexList batchedIdx(const IndexList &idx, int b) {
  IndexList out(b, IndexEntry::slice());
  out.insert(out.end(), idx.begin(), idx.end());
  return out;
}
IntList batchedDyn(const IntList &dyn, int b) {
  IntList out(b, 0);
  out.insert(out.end(), dyn.begin(), dyn.end());
  return out;
}
} // namespace

// ---- dyn_subtensor ----

DynSubtensor::DynSubtensor(IndexList idx, IntList dyn)
    : idx_(std::move(idx)), dyn_(std::move(dyn)) {
  checkPattern(idx_, dyn_, "dyn_subtensor");
}

int DynSubtensor::numValues() const { return valueCount(dyn_); }

IndexList DynSubtensor::resolve(const Shape &x, const std::vector<int64_t> &values,
                                const std::string &op) const {
  if (idx_.size() > x.size())
    throw IndexError(op + ": too many indices (" + std::to_string(idx_.size()) +
                     ") for an input of rank " + std::to_string(x.size()));
  IndexList out;
  size_t k = 0;
  auto next = [&](int64_t mask, int64_t bit, std::optional<int64_t> fixed) {
    return (mask & bit) ? std::optional<int64_t>(values.at(k++)) : fixed;
  };
  for (size_t d = 0; d < idx_.size(); ++d) {
    const IndexEntry &e = idx_[d];
    if (!e.isSlice) {
      int64_t i = *next(dyn_[d], kDynIndex, e.index), n = x[d];
      if (i < -n || i >= n)
        throw IndexError(op + ": index " + std::to_string(i) + " is out of bounds for axis " +
                         std::to_string(d) + " with size " + std::to_string(n));
      out.push_back(IndexEntry::at(i));
      continue;
    }
    std::optional<int64_t> a = next(dyn_[d], kDynStart, e.start),
                           b = next(dyn_[d], kDynStop, e.stop), c = next(dyn_[d], kDynStep, e.step);
    if (c && *c == 0)
      throw ValueError(op + ": slice step cannot be zero (axis " + std::to_string(d) + ")");
    out.push_back(IndexEntry::slice(a, b, c));
  }
  return out;
}

std::vector<TensorType> DynSubtensor::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("dyn_subtensor", in.size(), 1 + numValues());
  checkValueTypes(in, 1, "dyn_subtensor");
  return {TensorType(in[0].dtype, dynIndexedType(in[0], idx_, dyn_, "dyn_subtensor"))};
}

std::vector<Shape> DynSubtensor::inferShape(const std::vector<Shape> &in) const {
  throw ShapeError("dyn_subtensor: the output shape needs the index values (" +
                   std::to_string(in.size() - 1) + " index inputs), not only the shapes");
}

std::vector<int> DynSubtensor::shapeValueInputs(size_t) const {
  std::vector<int> v;
  for (int i = 0; i < numValues(); ++i)
    v.push_back(1 + i);
  return v;
}

std::vector<Shape>
DynSubtensor::inferShapeFromValues(const std::vector<Shape> &in,
                                   const std::vector<const Tensor *> &values) const {
  IndexList idx = resolve(in[0], valuesOf(values, 1, "dyn_subtensor"), "dyn_subtensor");
  return Subtensor(idx).inferShape({in[0]});
}

std::vector<Tensor> DynSubtensor::perform(const std::vector<Tensor> &in) const {
  detail::expectArity("dyn_subtensor", in.size(), 1 + numValues());
  IndexList idx = resolve(in[0].shape(), valuesOf(in, 1), "dyn_subtensor");
  return Subtensor(idx).perform({in[0]});
}

std::vector<Var> DynSubtensor::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                    const std::vector<Var> &g) const {
  std::vector<Var> out(inputs.size());
  if (!g[0]) return out;
  // The output gradient added back at the same symbolic position.
  std::vector<Var> ins{zeros_like(inputs[0], g[0].dtype()), g[0]};
  for (size_t i = 1; i < inputs.size(); ++i)
    ins.push_back(inputs[i]);
  out[0] = applyOp1(std::make_shared<DynIncSubtensor>(idx_, dyn_, false), ins);
  return out;
}

std::vector<Var> DynSubtensor::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                         int batchDims) const {
  for (size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i].batched) cannotBatch(*this, "a batched index value (one position per element)");
  std::vector<Var> ins{inputs[0].var};
  for (size_t i = 1; i < inputs.size(); ++i)
    ins.push_back(inputs[i].var);
  return {applyOp1(
      std::make_shared<DynSubtensor>(batchedIdx(idx_, batchDims), batchedDyn(dyn_, batchDims)),
      ins)};
}

std::vector<Var> DynSubtensor::shapeGraph(const Apply &node,
                                          const std::vector<Var> &inShapes) const {
  std::vector<Var> ins{inShapes[0]};
  for (size_t i = 1; i < node.inputs().size(); ++i)
    ins.push_back(node.input(static_cast<int>(i)));
  return {applyOp1(std::make_shared<DynIndexShape>(idx_, dyn_), ins)};
}

// ---- dyn_inc_subtensor ----

DynIncSubtensor::DynIncSubtensor(IndexList idx, IntList dyn, bool set)
    : idx_(std::move(idx)), dyn_(std::move(dyn)), set_(set) {
  checkPattern(idx_, dyn_, "dyn_inc_subtensor");
}

std::vector<TensorType> DynIncSubtensor::makeOutputTypes(const std::vector<TensorType> &in) const {
  const std::string op = "dyn_inc_subtensor";
  detail::expectArity(op, in.size(), 2 + valueCount(dyn_));
  checkValueTypes(in, 2, op);
  const TensorType &x = in[0], &y = in[1];
  Shape region = dynIndexedType(x, idx_, dyn_, op);
  detail::checkUpdateType(x, y, region, op);
  return {x};
}

std::vector<Shape> DynIncSubtensor::inferShape(const std::vector<Shape> &in) const {
  // The output has x's shape; the region check needs the values (inferShapeFromValues).
  return {in[0]};
}

std::vector<int> DynIncSubtensor::shapeValueInputs(size_t) const {
  std::vector<int> v;
  for (int i = 0; i < valueCount(dyn_); ++i)
    v.push_back(2 + i);
  return v;
}

std::vector<Shape>
DynIncSubtensor::inferShapeFromValues(const std::vector<Shape> &in,
                                      const std::vector<const Tensor *> &values) const {
  IndexList idx =
      DynSubtensor(idx_, dyn_)
          .resolve(in[0], valuesOf(values, 2, "dyn_inc_subtensor"), "dyn_inc_subtensor");
  return IncSubtensor(idx, set_).inferShape({in[0], in[1]});
}

std::vector<Tensor> DynIncSubtensor::perform(const std::vector<Tensor> &in) const {
  detail::expectArity("dyn_inc_subtensor", in.size(), 2 + valueCount(dyn_));
  IndexList idx =
      DynSubtensor(idx_, dyn_).resolve(in[0].shape(), valuesOf(in, 2), "dyn_inc_subtensor");
  return IncSubtensor(idx, set_).perform({in[0], in[1]});
}

std::vector<Var> DynIncSubtensor::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                       const std::vector<Var> &g) const {
  std::vector<Var> out(inputs.size());
  if (!g[0]) return out;
  std::vector<Var> values = tail(inputs, 2);
  // d/dx: passes through, except where a set overwrote x.
  out[0] = g[0];
  if (set_) {
    std::vector<Var> ins{g[0], detail::alignUpdate(g[0], constant(0, g[0].dtype()),
                                                   inputs[1].ndim(), "dyn_set_subtensor")};
    ins.insert(ins.end(), values.begin(), values.end());
    out[0] = applyOp1(std::make_shared<DynIncSubtensor>(idx_, dyn_, true), ins);
  }
  // d/dy: the region, summed where y was broadcast.
  std::vector<Var> ins{g[0]};
  ins.insert(ins.end(), values.begin(), values.end());
  out[1] = detail::sumToType(applyOp1(std::make_shared<DynSubtensor>(idx_, dyn_), ins),
                             inputs[1].type());
  return out;
}

std::vector<Var> DynIncSubtensor::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                            int batchDims) const {
  if (!inputs[0].batched)
    cannotBatch(*this, "the tensor written into is not batched but the values are");
  for (size_t i = 2; i < inputs.size(); ++i)
    if (inputs[i].batched) cannotBatch(*this, "a batched index value (one position per element)");
  std::vector<Var> ins{inputs[0].var, withBatchDims(inputs[1], batchDims)};
  for (size_t i = 2; i < inputs.size(); ++i)
    ins.push_back(inputs[i].var);
  return {applyOp1(std::make_shared<DynIncSubtensor>(batchedIdx(idx_, batchDims),
                                                     batchedDyn(dyn_, batchDims), set_),
                   ins)};
}

// ---- dyn_index_shape ----

std::vector<TensorType> DynIndexShape::makeOutputTypes(const std::vector<TensorType> &in) const {
  const std::string op = "dyn_index_shape";
  detail::expectArity(op, in.size(), 1 + sub_.numValues());
  if (in[0].ndim() != 1 || in[0].dtype != DType::Int64 || in[0].shape[0] == kUnknownDim)
    throw TypeError(op + ": the shape input must be an i64 vector of static length, got " +
                    in[0].str());
  checkValueTypes(in, 1, op);
  Shape x(in[0].shape[0], kUnknownDim);
  Shape out = dynIndexedType(TensorType(DType::Int64, x), sub_.idx(), sub_.dyn(), op);
  return {TensorType(DType::Int64, {static_cast<int64_t>(out.size())})};
}

std::vector<Shape> DynIndexShape::inferShape(const std::vector<Shape> &in) const {
  int64_t dropped = 0;
  for (const IndexEntry &e : sub_.idx())
    dropped += !e.isSlice;
  return {{in[0][0] - dropped}};
}

std::vector<Tensor> DynIndexShape::perform(const std::vector<Tensor> &in) const {
  std::vector<int64_t> xs = in[0].astype(DType::Int64).toVector<int64_t>();
  Shape x(xs.begin(), xs.end());
  std::vector<const Tensor *> values{nullptr};
  for (size_t i = 1; i < in.size(); ++i)
    values.push_back(&in[i]);
  Shape out = sub_.inferShapeFromValues({x}, values)[0];
  std::vector<int64_t> v(out.begin(), out.end());
  return {Tensor::fromVector(v, {static_cast<int64_t>(v.size())})};
}

std::vector<Var> DynIndexShape::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                     const std::vector<Var> &) const {
  return std::vector<Var>(inputs.size());
}

// ---- builders ----

SymEntry::SymEntry(const IndexEntry &e) : isSlice(e.isSlice) {
  if (!e.isSlice) {
    index = e.index;
    return;
  }
  start = e.start;
  stop = e.stop;
  step = e.step;
}

SymEntry SymEntry::makeSlice(IndexValue start, IndexValue stop, IndexValue step) {
  SymEntry e(IndexEntry::slice());
  e.start = std::move(start);
  e.stop = std::move(stop);
  e.step = std::move(step);
  return e;
}

Var subtensorSym(const Var &x, const SymIndexList &idx) {
  if (!x) throw ValueError("subtensor: null input");
  SplitIndex s = splitIndex(idx, "subtensor");
  if (isStatic(s)) return subtensor(x, s.idx); // constants: today's static op
  std::vector<Var> ins{x};
  ins.insert(ins.end(), s.values.begin(), s.values.end());
  return applyOp1(std::make_shared<DynSubtensor>(s.idx, s.dyn), ins);
}

Var setSubtensorSym(const Var &x, const SymIndexList &idx, const Var &y, bool set) {
  const char *op = set ? "set_subtensor" : "inc_subtensor";
  if (!x) throw ValueError(std::string(op) + ": null input");
  SplitIndex s = splitIndex(idx, op);
  if (isStatic(s)) return set ? set_subtensor(x, s.idx, y) : inc_subtensor(x, s.idx, y);
  if (static_cast<int>(s.idx.size()) > x.ndim())
    throw IndexError(std::string(op) + ": too many indices (" + std::to_string(s.idx.size()) +
                     ") for an input of rank " + std::to_string(x.ndim()));
  int dropped = 0;
  for (auto &e : s.idx)
    dropped += !e.isSlice;
  std::vector<Var> ins{x, detail::alignUpdate(x, y, x.ndim() - dropped, op)};
  ins.insert(ins.end(), s.values.begin(), s.values.end());
  return applyOp1(std::make_shared<DynIncSubtensor>(s.idx, s.dyn, set), ins);
}

Var Var::operator[](const Var &i) const { return subtensorSym(*this, SymIndexList{SymEntry(i)}); }

void registerDynIndexingOps(OpRegistry &r) {
  IndexList example{IndexEntry::at(0), IndexEntry::slice(std::nullopt, -1)};
  IntList dyn{kDynIndex, kDynStart};
  r.add(
      "dyn_subtensor",
      [](const Attrs &a) {
        return std::make_shared<DynSubtensor>(a.get<IndexList>("idx", "dyn_subtensor"),
                                              a.get<IntList>("dyn", "dyn_subtensor"));
      },
      Attrs{{"idx", example}, {"dyn", dyn}});
  r.add(
      "dyn_inc_subtensor",
      [](const Attrs &a) {
        return std::make_shared<DynIncSubtensor>(a.get<IndexList>("idx", "dyn_inc_subtensor"),
                                                 a.get<IntList>("dyn", "dyn_inc_subtensor"),
                                                 a.get<bool>("set", "dyn_inc_subtensor"));
      },
      Attrs{{"idx", example}, {"dyn", dyn}, {"set", false}});
  r.add(
      "dyn_index_shape",
      [](const Attrs &a) {
        return std::make_shared<DynIndexShape>(a.get<IndexList>("idx", "dyn_index_shape"),
                                               a.get<IntList>("dyn", "dyn_index_shape"));
      },
      Attrs{{"idx", example}, {"dyn", dyn}});
}

} // namespace graphjit
