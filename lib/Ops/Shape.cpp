// shape, reshape, reshape_like, broadcast_to, full_like, arange, eye and the
// builders over them (full, zeros, ones, alloc, *_like). Join ops
// (concatenate, split) live in Join.cpp.
#include "graphjit/Ops/Shape.h"
#include "OpUtil.h"
#include "ShapeUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace graphjit {

namespace detail {

Tensor broadcastMaterialize(const Tensor &y, const Shape &shape) {
  Tensor out = Tensor::empty(y.dtype(), shape);
  size_t es = dtypeSize(y.dtype());
  auto *src = static_cast<const char *>(y.rawData());
  auto *dst = static_cast<char *>(out.rawData());
  forEachBroadcast(shape, {broadcastStrides(y, shape)},
                   [&](int64_t i, const std::vector<int64_t> &off) {
                     std::memcpy(dst + i * es, src + off[0] * es, es);
                   });
  return out;
}

int64_t checkedSize(const Shape &s, const std::string &op) {
  return checkedShapeSize(s, DType::Bool, op); // a 0 does not excuse the other dims
}

Var sumToType(const Var &g, const TensorType &t) {
  int lead = g.ndim() - t.ndim();
  assert(lead >= 0 && "sumToType: the gradient has a lower rank than the type");
  IntList axes; // axes of g to sum, keeping their dims
  for (int d = 0; d < t.ndim(); ++d)
    if (t.shape[d] == 1 && g.type().shape[lead + d] != 1) axes.push_back(lead + d);
  if (lead == 0 && axes.empty()) return g;
  Var r = axes.empty() ? g : sum(g, axes, true);
  if (lead == 0) return r;
  IntList leading;
  for (int d = 0; d < lead; ++d)
    leading.push_back(d);
  return sum(r, leading, false);
}

} // namespace detail

namespace {
using detail::expectArity;

std::string elemsStr(const Shape &s) {
  return shapeStr(s) + " (" + std::to_string(shapeSize(s)) + " elements)";
}
} // namespace

// ---- shape ----

std::vector<TensorType> ShapeOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("shape", in.size(), 1);
  return {TensorType(DType::Int64, {in[0].ndim()})};
}

std::vector<Shape> ShapeOp::inferShape(const std::vector<Shape> &in) const {
  return {Shape{static_cast<int64_t>(in[0].size())}};
}

std::vector<Tensor> ShapeOp::perform(const std::vector<Tensor> &in) const {
  expectArity("shape", in.size(), 1);
  return {Tensor::fromVector(std::vector<int64_t>(in[0].shape()), {in[0].ndim()})};
}

std::vector<Var> ShapeOp::L_op(const std::vector<Var> &, const std::vector<Var> &,
                               const std::vector<Var> &) const {
  return {Var()};
}

// ---- reshape ----

Reshape::Reshape(IntList shape) : shape_(std::move(shape)) {
  int unknown = 0;
  for (int64_t d : shape_) {
    if (d < -1)
      throw ValueError("reshape: invalid dimension " + std::to_string(d) + " in target " +
                       shapeStr(shape_) + " (expected >= 0, or one -1)");
    unknown += d == -1;
  }
  if (unknown > 1)
    throw ValueError("reshape: target " + shapeStr(shape_) + " has more than one -1");
}

Shape Reshape::resolve(const Shape &inShape) const {
  int64_t size = shapeSize(inShape);
  Shape out = shape_;
  int64_t known = 1;
  int unknownAt = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1)
      unknownAt = static_cast<int>(i);
    else
      known *= out[i];
  }
  auto fail = [&] {
    throw ShapeError("reshape: cannot reshape an input of shape " + elemsStr(inShape) +
                     " into shape " + shapeStr(shape_));
  };
  if (unknownAt < 0) {
    if (known != size) fail();
    return out;
  }
  if (known == 0 || size % known != 0) fail();
  out[unknownAt] = size / known;
  return out;
}

std::vector<TensorType> Reshape::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("reshape", in.size(), 1);
  Shape guard = shape_;
  for (auto &d : guard)
    d = d == -1 ? 1 : d;
  detail::checkedSize(guard, "reshape"); // overflow guard
  if (in[0].isStatic()) return {TensorType(in[0].dtype, resolve(in[0].shape))};
  Shape out = shape_; // -1 coincides with kUnknownDim
  // A static 0 in the input makes it empty: then the target must be empty too.
  bool inEmpty = false;
  for (int64_t d : in[0].shape)
    inEmpty |= d == 0;
  bool outEmpty = false;
  for (int64_t d : shape_)
    outEmpty |= d == 0;
  if (inEmpty && !outEmpty && std::find(shape_.begin(), shape_.end(), -1) == shape_.end())
    throw ShapeError("reshape: cannot reshape an empty input of type " + in[0].str() +
                     " into shape " + shapeStr(shape_));
  return {TensorType(in[0].dtype, out)};
}

std::vector<Shape> Reshape::inferShape(const std::vector<Shape> &in) const {
  return {resolve(in[0])};
}

std::vector<Tensor> Reshape::perform(const std::vector<Tensor> &in) const {
  expectArity("reshape", in.size(), 1);
  return {in[0].clone().reshaped(resolve(in[0].shape()))};
}

std::vector<Var> Reshape::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                               const std::vector<Var> &g) const {
  if (!g[0]) return {Var()};
  const TensorType &t = inputs[0].type();
  if (t.isStatic()) return {reshape(g[0], IntList(t.shape.begin(), t.shape.end()))};
  return {reshape_like(g[0], inputs[0])};
}

// ---- reshape_like ----

std::vector<TensorType> ReshapeLike::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("reshape_like", in.size(), 2);
  if (in[0].isStatic() && in[1].isStatic() && shapeSize(in[0].shape) != shapeSize(in[1].shape))
    throw ShapeError("reshape_like: cannot reshape an input of shape " + elemsStr(in[0].shape) +
                     " into shape " + elemsStr(in[1].shape));
  return {TensorType(in[0].dtype, in[1].shape)};
}

std::vector<Shape> ReshapeLike::inferShape(const std::vector<Shape> &in) const {
  if (shapeSize(in[0]) != shapeSize(in[1]))
    throw ShapeError("reshape_like: cannot reshape an input of shape " + elemsStr(in[0]) +
                     " into shape " + elemsStr(in[1]));
  return {in[1]};
}

std::vector<Tensor> ReshapeLike::perform(const std::vector<Tensor> &in) const {
  expectArity("reshape_like", in.size(), 2);
  return {in[0].clone().reshaped(inferShape({in[0].shape(), in[1].shape()})[0])};
}

std::vector<Var> ReshapeLike::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                   const std::vector<Var> &g) const {
  if (!g[0]) return {Var(), Var()};
  return {reshape_like(g[0], inputs[0]), Var()};
}

// ---- broadcast_to ----

BroadcastTo::BroadcastTo(IntList shape) : shape_(std::move(shape)) {
  for (int64_t d : shape_)
    if (d < 0)
      throw ValueError("broadcast_to: invalid dimension " + std::to_string(d) + " in target " +
                       shapeStr(shape_) + " (expected >= 0)");
}

std::vector<TensorType> BroadcastTo::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("broadcast_to", in.size(), 1);
  detail::checkedSize(shape_, "broadcast_to");
  const TensorType &x = in[0];
  if (x.ndim() > static_cast<int>(shape_.size()))
    throw ShapeError("broadcast_to: cannot broadcast an input of type " + x.str() + " to shape " +
                     shapeStr(shape_) + " of lower rank");
  size_t pad = shape_.size() - x.ndim();
  for (int d = 0; d < x.ndim(); ++d) {
    int64_t s = x.shape[d], t = shape_[pad + d];
    if (s != 1 && s != kUnknownDim && s != t)
      throw ShapeError("broadcast_to: cannot broadcast an input of type " + x.str() + " to shape " +
                       shapeStr(shape_) + ": axis " + std::to_string(d) + " has size " +
                       std::to_string(s) + ", expected " + std::to_string(t) + " or 1");
  }
  return {TensorType(x.dtype, shape_)};
}

std::vector<Shape> BroadcastTo::inferShape(const std::vector<Shape> &in) const {
  const Shape &x = in[0];
  if (x.size() > shape_.size())
    throw ShapeError("broadcast_to: cannot broadcast shape " + shapeStr(x) + " to shape " +
                     shapeStr(shape_) + " of lower rank");
  size_t pad = shape_.size() - x.size();
  for (size_t d = 0; d < x.size(); ++d)
    if (x[d] != 1 && x[d] != shape_[pad + d])
      throw ShapeError("broadcast_to: cannot broadcast shape " + shapeStr(x) + " to shape " +
                       shapeStr(shape_) + ": axis " + std::to_string(d) + " has size " +
                       std::to_string(x[d]) + ", expected " + std::to_string(shape_[pad + d]) +
                       " or 1");
  return {shape_};
}

void BroadcastTo::checkShapes(const std::vector<TensorType> &inTypes,
                              const std::vector<Shape> &in) const {
  inferShape(in);
  size_t pad = shape_.size() - in[0].size();
  for (size_t d = 0; d < in[0].size(); ++d)
    if (in[0][d] != shape_[pad + d] && inTypes[0].shape[d] != 1)
      throw ShapeError("broadcast_to: axis " + std::to_string(d) + " has size " +
                       std::to_string(in[0][d]) + ", expected " + std::to_string(shape_[pad + d]) +
                       " (a dim broadcasts only where its type has a static 1, got type " +
                       inTypes[0].str() + ")");
}

std::vector<Tensor> BroadcastTo::perform(const std::vector<Tensor> &in) const {
  expectArity("broadcast_to", in.size(), 1);
  return {detail::broadcastMaterialize(in[0], inferShape({in[0].shape()})[0])};
}

std::vector<Var> BroadcastTo::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                   const std::vector<Var> &g) const {
  if (!g[0]) return {Var()};
  return {detail::sumToType(g[0], inputs[0].type())};
}

// ---- full_like ----

std::vector<TensorType> FullLike::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("full_like", in.size(), 1);
  return {TensorType(dtype_, in[0].shape)};
}

std::vector<Shape> FullLike::inferShape(const std::vector<Shape> &in) const { return {in[0]}; }

std::vector<Tensor> FullLike::perform(const std::vector<Tensor> &in) const {
  expectArity("full_like", in.size(), 1);
  return {Tensor::full(dtype_, in[0].shape(), value_)};
}

std::vector<Var> FullLike::L_op(const std::vector<Var> &, const std::vector<Var> &,
                                const std::vector<Var> &) const {
  return {Var()};
}

// ---- arange ----

Arange::Arange(double start, double stop, double step, DType dtype)
    : start_(start), stop_(stop), step_(step), dtype_(dtype) {
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    throw ValueError("arange: start, stop and step must be finite");
  if (step == 0) throw ValueError("arange: step must not be 0");
  if (dtype == DType::Bool)
    throw TypeError("arange: dtype b1 is not supported, expected a number type");
  double n = std::ceil((stop - start) / step);
  if (n > 1e15) throw ValueError("arange: too many elements (" + std::to_string(n) + ")");
}

int64_t Arange::length() const {
  double n = std::ceil((stop_ - start_) / step_);
  return n > 0 ? static_cast<int64_t>(n) : 0;
}

std::vector<TensorType> Arange::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("arange", in.size(), 0);
  return {TensorType(dtype_, {length()})};
}

std::vector<Shape> Arange::inferShape(const std::vector<Shape> &) const { return {{length()}}; }

std::vector<Tensor> Arange::perform(const std::vector<Tensor> &in) const {
  expectArity("arange", in.size(), 0);
  Tensor out = Tensor::empty(dtype_, {length()});
  dispatchDType(dtype_, [&](auto tag) {
    using T = decltype(tag);
    T *o = static_cast<T *>(out.rawData());
    for (int64_t i = 0, n = out.size(); i < n; ++i)
      o[i] = detail::saturatingCast<T>(start_ + static_cast<double>(i) * step_);
  });
  return {out};
}

std::vector<Var> Arange::L_op(const std::vector<Var> &, const std::vector<Var> &,
                              const std::vector<Var> &) const {
  return {};
}

// ---- eye ----

Eye::Eye(int64_t n, int64_t m, int64_t k, DType dtype) : n_(n), m_(m), k_(k), dtype_(dtype) {
  if (n < 0 || m < 0)
    throw ValueError("eye: n and m must be >= 0, got n=" + std::to_string(n) +
                     ", m=" + std::to_string(m));
  detail::checkedSize({n, m}, "eye");
}

std::vector<TensorType> Eye::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("eye", in.size(), 0);
  return {TensorType(dtype_, {n_, m_})};
}

std::vector<Shape> Eye::inferShape(const std::vector<Shape> &) const { return {{n_, m_}}; }

std::vector<Tensor> Eye::perform(const std::vector<Tensor> &in) const {
  expectArity("eye", in.size(), 0);
  Tensor out = Tensor::zeros(dtype_, {n_, m_});
  dispatchDType(dtype_, [&](auto tag) {
    using T = decltype(tag);
    T *o = static_cast<T *>(out.rawData());
    for (int64_t i = 0; i < n_; ++i) {
      int64_t j = i + k_;
      if (j >= 0 && j < m_) o[i * m_ + j] = T(1);
    }
  });
  return {out};
}

std::vector<Var> Eye::L_op(const std::vector<Var> &, const std::vector<Var> &,
                           const std::vector<Var> &) const {
  return {};
}

// ---- builders ----

Var shape(const Var &x) { return applyOp1(std::make_shared<ShapeOp>(), {x}); }

Var reshape(const Var &x, const IntList &shape) {
  return applyOp1(std::make_shared<Reshape>(shape), {x});
}

Var reshape_like(const Var &x, const Var &like) {
  return applyOp1(std::make_shared<ReshapeLike>(), {x, like});
}

Var broadcast_to(const Var &x, const Shape &shape) {
  return applyOp1(std::make_shared<BroadcastTo>(shape), {x});
}

Var alloc(const Var &value, const Shape &shape) { return broadcast_to(value, shape); }

Var full(const Shape &shape, double value, DType dtype) {
  return broadcast_to(constant(value, dtype), shape);
}
Var zeros(const Shape &shape, DType dtype) { return full(shape, 0, dtype); }
Var ones(const Shape &shape, DType dtype) { return full(shape, 1, dtype); }

Var full_like(const Var &x, double value, std::optional<DType> dtype) {
  return applyOp1(std::make_shared<FullLike>(value, dtype.value_or(x.dtype())), {x});
}
Var zeros_like(const Var &x, std::optional<DType> dtype) { return full_like(x, 0, dtype); }
Var ones_like(const Var &x, std::optional<DType> dtype) { return full_like(x, 1, dtype); }

Var arange(int64_t stop, DType dtype) { return arange(0, static_cast<double>(stop), 1, dtype); }

Var arange(double start, double stop, double step, std::optional<DType> dtype) {
  auto integral = [](double v) { return std::isfinite(v) && v == std::floor(v); };
  DType t = dtype.value_or(integral(start) && integral(stop) && integral(step) ? DType::Int64
                                                                               : DType::Float64);
  return applyOp1(std::make_shared<Arange>(start, stop, step, t), {});
}

Var eye(int64_t n, std::optional<int64_t> m, int64_t k, DType dtype) {
  return applyOp1(std::make_shared<Eye>(n, m.value_or(n), k, dtype), {});
}

// ---- batching rules ----

// The core shape: the batched x's shape without its batch dims (isBatchInvariant
// keeps it unbatched).
std::vector<Var> ShapeOp::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                    int batchDims) const {
  return {subtensor(shape(inputs[0].var), {IndexEntry::slice(batchDims)})};
}

// The batch dims lead the target; an unknown one is the target's inferred (-1) dim.
std::vector<Var> Reshape::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                    int batchDims) const {
  const Var &x = inputs[0].var;
  bool targetInfers = false;
  for (int64_t d : shape_)
    targetInfers |= d == -1;
  int unknown = 0;
  for (int d = 0; d < batchDims; ++d)
    unknown += x.type().shape[d] == kUnknownDim;
  if (unknown > 1 || (unknown == 1 && targetInfers))
    cannotBatch(*this,
                "more than one dim would have to be inferred; give the batch dims static sizes");
  IntList target;
  for (int d = 0; d < batchDims; ++d)
    target.push_back(x.type().shape[d]); // -1 = unknown = inferred
  target.insert(target.end(), shape_.begin(), shape_.end());
  return {reshape(x, target)};
}

std::vector<Var> BroadcastTo::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                        int batchDims) const {
  IntList target = staticBatchDims(*this, inputs[0].var, batchDims);
  target.insert(target.end(), shape_.begin(), shape_.end());
  return {broadcast_to(inputs[0].var, target)};
}

// full_like of a batched reference is already batched.
std::vector<Var> FullLike::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                     int batchDims) const {
  return batchBroadcasting(node, inputs, batchDims);
}

void registerShapeOps(OpRegistry &r) {
  r.add("shape", [](const Attrs &) { return std::make_shared<ShapeOp>(); });
  r.add(
      "reshape",
      [](const Attrs &a) { return std::make_shared<Reshape>(a.get<IntList>("shape", "reshape")); },
      Attrs{{"shape", IntList{-1, 2}}});
  r.add("reshape_like", [](const Attrs &) { return std::make_shared<ReshapeLike>(); });
  r.add(
      "broadcast_to",
      [](const Attrs &a) {
        return std::make_shared<BroadcastTo>(a.get<IntList>("shape", "broadcast_to"));
      },
      Attrs{{"shape", IntList{2, 3}}});
  r.add(
      "full_like",
      [](const Attrs &a) {
        return std::make_shared<FullLike>(a.get<double>("value", "full_like"),
                                          a.get<DType>("dtype", "full_like"));
      },
      Attrs{{"value", 0.0}, {"dtype", DType::Float64}});
  r.add(
      "arange",
      [](const Attrs &a) {
        return std::make_shared<Arange>(
            a.get<double>("start", "arange"), a.get<double>("stop", "arange"),
            a.get<double>("step", "arange"), a.get<DType>("dtype", "arange"));
      },
      Attrs{{"start", 0.0}, {"stop", 5.0}, {"step", 1.0}, {"dtype", DType::Int64}});
  r.add(
      "eye",
      [](const Attrs &a) {
        return std::make_shared<Eye>(a.get<int64_t>("n", "eye"), a.get<int64_t>("m", "eye"),
                                     a.get<int64_t>("k", "eye"), a.get<DType>("dtype", "eye"));
      },
      Attrs{{"n", int64_t(3)}, {"m", int64_t(4)}, {"k", int64_t(1)}, {"dtype", DType::Float64}});
  registerJoinOps(r);
}

} // namespace graphjit
