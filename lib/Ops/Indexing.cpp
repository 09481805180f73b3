// Basic indexing (subtensor, inc_subtensor) and integer-array indexing along
// one axis (take, inc_take), with NumPy/Python slice semantics.
#include "graphjit/Ops/Indexing.h"
#include "OpUtil.h"
#include "ShapeUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Shape.h"

#include <cstring>

namespace graphjit {

namespace {
using detail::expectArity;
using detail::normalizeAxis;

/// A slice resolved against a dim of size n (Python's PySlice_AdjustIndices).
struct SliceRange {
  int64_t start, step, len;
};

SliceRange resolveSlice(const IndexEntry &e, int64_t n) {
  int64_t step = e.step.value_or(1);
  int64_t start, stop;
  if (step > 0) {
    auto clamp = [&](int64_t v) { return v < 0 ? std::max<int64_t>(v + n, 0) : std::min(v, n); };
    start = e.start ? clamp(*e.start) : 0;
    stop = e.stop ? clamp(*e.stop) : n;
    // (stop - start - 1) / step + 1 cannot overflow, unlike the textbook ceil.
    return {start, step, stop > start ? (stop - start - 1) / step + 1 : 0};
  }
  // Negative step: positions run from n-1 down to -1 (one before the first).
  auto clamp = [&](int64_t v) { return v < 0 ? std::max<int64_t>(v + n, -1) : std::min(v, n - 1); };
  start = e.start ? clamp(*e.start) : n - 1;
  stop = e.stop ? clamp(*e.stop) : -1;
  uint64_t down = uint64_t(0) - static_cast<uint64_t>(step); // |step|, even for INT64_MIN
  return {start, step,
          start > stop ? static_cast<int64_t>(uint64_t(start - stop - 1) / down) + 1 : 0};
}

/// Normalizes an integer index into [0, n) or throws IndexError naming the op.
int64_t resolveIndex(int64_t i, int64_t n, int axis, const std::string &op) {
  if (i < -n || i >= n)
    throw IndexError(op + ": index " + std::to_string(i) + " is out of bounds for axis " +
                     std::to_string(axis) + " with size " + std::to_string(n));
  return i < 0 ? i + n : i;
}

void checkIndexRank(const IndexList &idx, int ndim, const std::string &op) {
  if (static_cast<int>(idx.size()) > ndim)
    throw IndexError(op + ": too many indices (" + std::to_string(idx.size()) +
                     ") for an input of rank " + std::to_string(ndim));
}

/// Static type of x[idx]: int entries drop their axis (checked against static
/// dims), slices keep it (length known when the dim is).
Shape indexedStaticShape(const TensorType &x, const IndexList &idx, const std::string &op) {
  checkIndexRank(idx, x.ndim(), op);
  Shape out;
  for (int d = 0; d < x.ndim(); ++d) {
    int64_t n = x.shape[d];
    if (d >= static_cast<int>(idx.size())) {
      out.push_back(n);
    } else if (!idx[d].isSlice) {
      if (n != kUnknownDim) resolveIndex(idx[d].index, n, d, op);
    } else {
      out.push_back(n == kUnknownDim ? kUnknownDim : resolveSlice(idx[d], n).len);
    }
  }
  return out;
}

/// A strided region of a tensor: element offset of its first element, shape, strides.
struct Region {
  int64_t offset = 0;
  Shape shape, strides;
};

Region indexedRegion(const Shape &shape, const Shape &strides, const IndexList &idx,
                     const std::string &op) {
  checkIndexRank(idx, static_cast<int>(shape.size()), op);
  Region r;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d >= idx.size()) {
      r.shape.push_back(shape[d]);
      r.strides.push_back(strides[d]);
    } else if (!idx[d].isSlice) {
      r.offset += resolveIndex(idx[d].index, shape[d], static_cast<int>(d), op) * strides[d];
    } else {
      SliceRange s = resolveSlice(idx[d], shape[d]);
      if (s.len > 0) r.offset += s.start * strides[d];
      r.shape.push_back(s.len);
      // The stride matters only between elements (and step*stride could overflow otherwise).
      r.strides.push_back(s.len > 1 ? s.step * strides[d] : 0);
    }
  }
  return r;
}

Shape indexedShape(const Shape &shape, const IndexList &idx, const std::string &op) {
  return indexedRegion(shape, contiguousStrides(shape), idx, op).shape;
}

void checkIndexList(const IndexList &idx, const std::string &op) {
  for (auto &e : idx)
    if (e.isSlice && e.step && *e.step == 0)
      throw ValueError(op + ": slice step cannot be zero (in index " + attrValueStr(idx) + ")");
}

/// Run-time version: NumPy broadcasting of a y of shape `y` to `region`.
void checkUpdateShape(const Shape &y, const Shape &region, const std::string &op) {
  bool ok = y.size() <= region.size();
  size_t pad = ok ? region.size() - y.size() : 0;
  for (size_t d = 0; ok && d < y.size(); ++d)
    ok = y[d] == 1 || y[d] == region[pad + d];
  if (!ok)
    throw ShapeError(op + ": cannot broadcast an update of shape " + shapeStr(y) +
                     " to the indexed region of shape " + shapeStr(region));
}

/// Same, with the PyTensor rule that only a static 1 broadcasts.
void checkUpdateBroadcast(const TensorType &yType, const Shape &y, const Shape &region,
                          const std::string &op) {
  checkUpdateShape(y, region, op);
  size_t pad = region.size() - y.size();
  for (size_t d = 0; d < y.size(); ++d)
    if (y[d] != region[pad + d] && yType.shape[d] != 1)
      throw ShapeError(op + ": the update has size " + std::to_string(y[d]) + " at axis " +
                       std::to_string(d) + ", expected " + std::to_string(region[pad + d]) +
                       " (a dim broadcasts only where its type has a static 1, got type " +
                       yType.str() + ")");
}

/// dst[k] = src[k] or dst[k] += src[k] over a strided destination region and a
/// (broadcast) source, elementwise in dtype `dt`.
void writeRegion(DType dt, void *dstBase, const Region &dst, const Tensor &src, bool set) {
  std::vector<Shape> strides{dst.strides, detail::broadcastStrides(src, dst.shape)};
  dispatchDType(dt, [&](auto tag) {
    using T = decltype(tag);
    T *d = static_cast<T *>(dstBase) + dst.offset;
    const T *s = static_cast<const T *>(src.rawData());
    detail::forEachBroadcast(dst.shape, strides, [&](int64_t, const std::vector<int64_t> &off) {
      if (set)
        d[off[0]] = s[off[1]];
      else
        d[off[0]] = detail::wrapAdd(d[off[0]], s[off[1]]); // bool: or, as NumPy
    });
  });
}

int droppedAxes(const IndexList &idx) {
  int n = 0;
  for (auto &e : idx)
    n += !e.isSlice;
  return n;
}

/// Indices as int64 values, checked and wrapped into [0, n).
std::vector<int64_t> resolveIndices(const Tensor &indices, int64_t n, int axis,
                                    const std::string &op) {
  std::vector<int64_t> r = indices.dtype() == DType::Int64
                               ? indices.toVector<int64_t>()
                               : indices.astype(DType::Int64).toVector<int64_t>();
  for (auto &i : r)
    i = resolveIndex(i, n, axis, op);
  return r;
}

int64_t prod(const Shape &s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t d = from; d < to; ++d)
    n *= s[d];
  return n;
}

/// Shape of take(x, indices, axis).
Shape takeShape(const Shape &x, const Shape &indices, int axis) {
  Shape out(x.begin(), x.begin() + axis);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), x.begin() + axis + 1, x.end());
  return out;
}

TensorType takeType(const TensorType &x, const TensorType &indices, int64_t axis,
                    const std::string &op) {
  if (!isInteger(indices.dtype))
    throw TypeError(op + ": indices must be i32 or i64, got " + indices.str());
  if (x.ndim() == 0) throw IndexError(op + ": cannot index a zero-rank input " + x.str());
  int a = normalizeAxis(axis, x.ndim(), op);
  return TensorType(x.dtype, takeShape(x.shape, indices.shape, a));
}
} // namespace

// ---- subtensor ----

Subtensor::Subtensor(IndexList idx) : idx_(std::move(idx)) { checkIndexList(idx_, "subtensor"); }

std::vector<TensorType> Subtensor::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("subtensor", in.size(), 1);
  return {TensorType(in[0].dtype, indexedStaticShape(in[0], idx_, "subtensor"))};
}

std::vector<Shape> Subtensor::inferShape(const std::vector<Shape> &in) const {
  return {indexedShape(in[0], idx_, "subtensor")};
}

std::vector<Tensor> Subtensor::perform(const std::vector<Tensor> &in) const {
  expectArity("subtensor", in.size(), 1);
  const Tensor &x = in[0];
  Region r = indexedRegion(x.shape(), x.strides(), idx_, "subtensor");
  // A strided view of the same buffer, then a contiguous copy: outputs never alias inputs.
  void *base =
      static_cast<char *>(x.rawData()) + r.offset * static_cast<int64_t>(dtypeSize(x.dtype()));
  std::shared_ptr<void> keep(std::make_shared<Tensor>(x), x.rawData());
  return {Tensor::wrap(keep, base, x.dtype(), r.shape, r.strides).clone()};
}

std::vector<Var> Subtensor::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                 const std::vector<Var> &g) const {
  if (!g[0]) return {Var()};
  return {inc_subtensor(zeros_like(inputs[0], g[0].dtype()), idx_, g[0])};
}

// ---- inc_subtensor ----

IncSubtensor::IncSubtensor(IndexList idx, bool set) : idx_(std::move(idx)), set_(set) {
  checkIndexList(idx_, name());
}

std::vector<TensorType> IncSubtensor::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("inc_subtensor", in.size(), 2);
  Shape region = indexedStaticShape(in[0], idx_, "inc_subtensor");
  detail::checkUpdateType(in[0], in[1], region, "inc_subtensor");
  return {in[0]};
}

std::vector<Shape> IncSubtensor::inferShape(const std::vector<Shape> &in) const {
  checkUpdateShape(in[1], indexedShape(in[0], idx_, "inc_subtensor"), "inc_subtensor");
  return {in[0]};
}

void IncSubtensor::checkShapes(const std::vector<TensorType> &inTypes,
                               const std::vector<Shape> &in) const {
  checkUpdateBroadcast(inTypes[1], in[1], indexedShape(in[0], idx_, "inc_subtensor"),
                       "inc_subtensor");
}

std::vector<Tensor> IncSubtensor::perform(const std::vector<Tensor> &in) const {
  expectArity("inc_subtensor", in.size(), 2);
  if (in[1].dtype() != in[0].dtype())
    throw TypeError(
        std::string("inc_subtensor: the update must have the dtype of the input, expected ") +
        dtypeName(in[0].dtype()) + ", got " + dtypeName(in[1].dtype()));
  Tensor out = in[0].clone();
  Region r = indexedRegion(out.shape(), out.strides(), idx_, "inc_subtensor");
  checkUpdateShape(in[1].shape(), r.shape, "inc_subtensor");
  writeRegion(out.dtype(), out.rawData(), r, in[1], set_);
  return {out};
}

std::vector<Var> IncSubtensor::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                    const std::vector<Var> &g) const {
  if (!g[0]) return {Var(), Var()};
  // d/dx: the gradient passes through, except where a set overwrote x.
  Var gx = set_ ? set_subtensor(g[0], idx_, constant(0, g[0].dtype())) : g[0];
  // d/dy: the region, summed where y was broadcast.
  Var gy = detail::sumToType(subtensor(g[0], idx_), inputs[1].type());
  return {gx, gy};
}

// ---- take ----

Take::Take(int64_t axis) : axis_(detail::storedAxis(axis, "take")) {}

std::vector<TensorType> Take::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("take", in.size(), 2);
  return {takeType(in[0], in[1], axis_, "take")};
}

std::vector<Shape> Take::inferShape(const std::vector<Shape> &in) const {
  if (in[0].empty()) throw IndexError("take: cannot index a zero-rank input");
  return {takeShape(in[0], in[1], normalizeAxis(axis_, static_cast<int>(in[0].size()), "take"))};
}

std::vector<Tensor> Take::perform(const std::vector<Tensor> &in) const {
  expectArity("take", in.size(), 2);
  takeType(typeOf(in[0]), typeOf(in[1]), axis_, "take");
  Tensor x = in[0].contiguous();
  int axis = normalizeAxis(axis_, x.ndim(), "take");
  std::vector<int64_t> idx = resolveIndices(in[1], x.shape()[axis], axis, "take");
  Tensor out = Tensor::empty(x.dtype(), takeShape(x.shape(), in[1].shape(), axis));
  int64_t outer = prod(x.shape(), 0, axis), inner = prod(x.shape(), axis + 1, x.shape().size());
  int64_t n = x.shape()[axis], k = static_cast<int64_t>(idx.size());
  size_t bytes = inner * dtypeSize(x.dtype());
  auto *src = static_cast<const char *>(x.rawData());
  auto *dst = static_cast<char *>(out.rawData());
  if (bytes > 0)
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < k; ++j)
        std::memcpy(dst + (o * k + j) * bytes, src + (o * n + idx[j]) * bytes, bytes);
  return {out};
}

std::vector<Var> Take::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                            const std::vector<Var> &g) const {
  if (!g[0]) return {Var(), Var()};
  return {inc_take(zeros_like(inputs[0], g[0].dtype()), inputs[1], g[0], axis_), Var()};
}

// ---- inc_take ----

IncTake::IncTake(int64_t axis, bool set) : axis_(detail::storedAxis(axis, "inc_take")), set_(set) {}

std::vector<TensorType> IncTake::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("inc_take", in.size(), 3);
  TensorType region = takeType(in[0], in[1], axis_, "inc_take");
  detail::checkUpdateType(in[0], in[2], region.shape, "inc_take");
  return {in[0]};
}

std::vector<Shape> IncTake::inferShape(const std::vector<Shape> &in) const {
  if (in[0].empty()) throw IndexError("inc_take: cannot index a zero-rank input");
  int axis = normalizeAxis(axis_, static_cast<int>(in[0].size()), "inc_take");
  checkUpdateShape(in[2], takeShape(in[0], in[1], axis), "inc_take");
  return {in[0]};
}

void IncTake::checkShapes(const std::vector<TensorType> &inTypes,
                          const std::vector<Shape> &in) const {
  inferShape(in);
  int axis = normalizeAxis(axis_, static_cast<int>(in[0].size()), "inc_take");
  checkUpdateBroadcast(inTypes[2], in[2], takeShape(in[0], in[1], axis), "inc_take");
}

std::vector<Tensor> IncTake::perform(const std::vector<Tensor> &in) const {
  expectArity("inc_take", in.size(), 3);
  takeType(typeOf(in[0]), typeOf(in[1]), axis_, "inc_take");
  if (in[2].dtype() != in[0].dtype())
    throw TypeError(
        std::string("inc_take: the update must have the dtype of the input, expected ") +
        dtypeName(in[0].dtype()) + ", got " + dtypeName(in[2].dtype()));
  Tensor out = in[0].clone();
  int axis = normalizeAxis(axis_, out.ndim(), "inc_take");
  std::vector<int64_t> idx = resolveIndices(in[1], out.shape()[axis], axis, "inc_take");
  Shape region = takeShape(out.shape(), in[1].shape(), axis);
  checkUpdateShape(in[2].shape(), region, "inc_take");
  Tensor y = detail::broadcastMaterialize(in[2], region);
  int64_t outer = prod(out.shape(), 0, axis),
          inner = prod(out.shape(), axis + 1, out.shape().size());
  int64_t n = out.shape()[axis], k = static_cast<int64_t>(idx.size());
  dispatchDType(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T *d = static_cast<T *>(out.rawData());
    const T *s = static_cast<const T *>(y.rawData());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < k; ++j) {
        T *dr = d + (o * n + idx[j]) * inner;
        const T *sr = s + (o * k + j) * inner;
        for (int64_t i = 0; i < inner; ++i)
          dr[i] = set_ ? sr[i] : detail::wrapAdd(dr[i], sr[i]); // bool: or, as NumPy
      }
  });
  return {out};
}

std::vector<Var> IncTake::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                               const std::vector<Var> &g) const {
  if (!g[0]) return {Var(), Var(), Var()};
  Var gx = set_ ? set_take(g[0], inputs[1], constant(0, g[0].dtype()), axis_) : g[0];
  Var gy = detail::sumToType(take(g[0], inputs[1], axis_), inputs[2].type());
  return {gx, Var(), gy};
}

// ---- builders ----

IndexEntry slice() { return IndexEntry::slice(); }
IndexEntry slice(std::optional<int64_t> stop) { return IndexEntry::slice(std::nullopt, stop); }
IndexEntry slice(std::optional<int64_t> start, std::optional<int64_t> stop,
                 std::optional<int64_t> step) {
  return IndexEntry::slice(start, stop, step);
}

Var subtensor(const Var &x, const IndexList &idx) {
  return applyOp1(std::make_shared<Subtensor>(idx), {x});
}

Var Var::operator[](int64_t i) const { return subtensor(*this, {IndexEntry::at(i)}); }

namespace {
Var incSubtensor(const Var &x, const IndexList &idx, const Var &y, bool set) {
  const char *op = set ? "set_subtensor" : "inc_subtensor";
  checkIndexRank(idx, x.ndim(), op);
  Var v = detail::alignUpdate(x, y, x.ndim() - droppedAxes(idx), op);
  return applyOp1(std::make_shared<IncSubtensor>(idx, set), {x, v});
}

Var incTake(const Var &x, const Var &indices, const Var &y, int64_t axis, bool set) {
  const char *op = set ? "set_take" : "inc_take";
  if (!indices) throw ValueError(std::string(op) + ": null indices");
  Var v = detail::alignUpdate(x, y, x.ndim() - 1 + indices.ndim(), op);
  if (x.ndim() == 0) throw IndexError(std::string(op) + ": cannot index a zero-rank input");
  int a = normalizeAxis(axis, x.ndim(), op);
  return applyOp1(std::make_shared<IncTake>(a, set), {x, indices, v});
}
} // namespace

Var set_subtensor(const Var &x, const IndexList &idx, const Var &y) {
  return incSubtensor(x, idx, y, true);
}
Var inc_subtensor(const Var &x, const IndexList &idx, const Var &y) {
  return incSubtensor(x, idx, y, false);
}

Var take(const Var &x, const Var &indices, int64_t axis) {
  if (x.ndim() == 0) throw IndexError("take: cannot index a zero-rank input " + x.type().str());
  int a = normalizeAxis(axis, x.ndim(), "take");
  return applyOp1(std::make_shared<Take>(a), {x, indices});
}

Var take(const Var &x, const IntList &indices, int64_t axis) {
  if (x.ndim() == 0) throw IndexError("take: cannot index a zero-rank input " + x.type().str());
  int a = normalizeAxis(axis, x.ndim(), "take");
  if (int64_t n = x.type().shape[a]; n != kUnknownDim)
    for (int64_t i : indices)
      resolveIndex(i, n, a, "take");
  return take(
      x,
      Var::constant(Tensor::fromVector(std::vector<int64_t>(indices), {int64_t(indices.size())})),
      a);
}

Var inc_take(const Var &x, const Var &indices, const Var &y, int64_t axis) {
  return incTake(x, indices, y, axis, false);
}
Var set_take(const Var &x, const Var &indices, const Var &y, int64_t axis) {
  return incTake(x, indices, y, axis, true);
}

// ---- batching rules: the index keeps every batch dim whole ----

std::vector<Var> Subtensor::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                      int batchDims) const {
  IndexList idx(batchDims, IndexEntry::slice());
  idx.insert(idx.end(), idx_.begin(), idx_.end());
  return {subtensor(inputs[0].var, idx)};
}

std::vector<Var> IncSubtensor::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                         int batchDims) const {
  if (!inputs[0].batched)
    cannotBatch(*this, "the tensor written into is not batched but the values are");
  IndexList idx(batchDims, IndexEntry::slice());
  idx.insert(idx.end(), idx_.begin(), idx_.end());
  return {applyOp1(std::make_shared<IncSubtensor>(idx, set_),
                   {inputs[0].var, withBatchDims(inputs[1], batchDims)})};
}

std::vector<Var> Take::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                 int batchDims) const {
  if (inputs[1].batched) cannotBatch(*this, "batched indices are not supported");
  return {take(inputs[0].var, inputs[1].var, axis_ + batchDims)};
}

void registerIndexingOps(OpRegistry &r) {
  IndexList example{IndexEntry::at(1), IndexEntry::slice(0, -1, 2)};
  r.add(
      "subtensor",
      [](const Attrs &a) {
        return std::make_shared<Subtensor>(a.get<IndexList>("idx", "subtensor"));
      },
      Attrs{{"idx", example}});
  r.add(
      "inc_subtensor",
      [](const Attrs &a) {
        return std::make_shared<IncSubtensor>(a.get<IndexList>("idx", "inc_subtensor"),
                                              a.get<bool>("set", "inc_subtensor"));
      },
      Attrs{{"idx", example}, {"set", false}});
  r.add(
      "take", [](const Attrs &a) { return std::make_shared<Take>(a.get<int64_t>("axis", "take")); },
      Attrs{{"axis", int64_t(0)}});
  r.add(
      "inc_take",
      [](const Attrs &a) {
        return std::make_shared<IncTake>(a.get<int64_t>("axis", "inc_take"),
                                         a.get<bool>("set", "inc_take"));
      },
      Attrs{{"axis", int64_t(0)}, {"set", true}});
}

namespace detail {
void checkUpdateType(const TensorType &x, const TensorType &y, const Shape &region,
                     const std::string &op) {
  if (y.dtype != x.dtype)
    throw TypeError(op + ": the update must have the dtype of the input, expected " +
                    dtypeName(x.dtype) + ", got " + y.str());
  if (y.ndim() != static_cast<int>(region.size()))
    throw ShapeError(op + ": the update must have the rank of the indexed region " +
                     TensorType(x.dtype, region).str() + ", got " + y.str());
  for (size_t d = 0; d < region.size(); ++d) {
    int64_t s = y.shape[d];
    if (s != 1 && s != kUnknownDim && region[d] != kUnknownDim && s != region[d])
      throw ShapeError(op + ": cannot broadcast the update " + y.str() + " to the indexed region " +
                       TensorType(x.dtype, region).str() + " at axis " + std::to_string(d));
  }
}

Var alignUpdate(const Var &x, const Var &y, int rank, const std::string &op) {
  if (!y) throw ValueError(op + ": null update");
  if (y.ndim() > rank)
    throw ShapeError(op + ": the update " + y.type().str() +
                     " has a higher rank than the region (" + std::to_string(rank) + ")");
  Var v = y;
  if (v.dtype() != x.dtype()) {
    if (promoteTypes(x.dtype(), v.dtype()) != x.dtype())
      throw TypeError(op + ": cannot write values of dtype " + dtypeName(v.dtype()) +
                      " into an input of dtype " + dtypeName(x.dtype()) + " without loss");
    v = cast(v, x.dtype());
  }
  if (v.ndim() < rank) {
    IntList order(rank - v.ndim(), -1);
    for (int d = 0; d < v.ndim(); ++d)
      order.push_back(d);
    v = dimshuffle(v, order);
  }
  return v;
}
} // namespace detail

} // namespace graphjit
