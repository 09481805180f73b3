// Integer-array indexing on several axes (x[rows, cols]) and its set / inc, with gradients and
// batching rules (batch dims become extra index arrays built from arange).
#include "graphjit/Ops/AdvancedIndexing.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit {

namespace {
/// NumPy broadcast of static shapes (a 1 stretches; unknown stays unknown unless the other is
/// known and not 1).
Shape broadcastTypes(const std::string &op, const std::vector<Shape> &shapes, bool concrete) {
  size_t nd = 0;
  for (auto &s : shapes)
    nd = std::max(nd, s.size());
  Shape out(nd, 1);
  for (auto &s : shapes)
    for (size_t d = 0; d < s.size(); ++d) {
      int64_t v = s[d], &o = out[nd - s.size() + d];
      if (v == 1) continue;
      if (o == 1 || (!concrete && o == kUnknownDim && v != kUnknownDim))
        o = v;
      else if (v != kUnknownDim && o != kUnknownDim && v != o)
        throw ShapeError(op + ": index arrays do not broadcast together (" + shapeStr(s) + ")");
    }
  return out;
}

void checkIndexTypes(const std::string &op, const std::vector<TensorType> &in, size_t first,
                     const TensorType &x) {
  size_t k = in.size() - first;
  if (k == 0 || static_cast<int>(k) > x.ndim())
    throw ShapeError(op + ": expected 1 to " + std::to_string(x.ndim()) + " index arrays for " +
                     x.str() + ", got " + std::to_string(k));
  for (size_t i = first; i < in.size(); ++i)
    if (in[i].dtype != DType::Int64 && in[i].dtype != DType::Int32)
      throw TypeError(op + ": index arrays must be int32 or int64, got " + in[i].str());
}

/// Output (region) type: broadcast(index shapes) + x.shape[k:].
Shape regionShape(const std::string &op, const Shape &x, const std::vector<Shape> &idx,
                  bool concrete) {
  Shape s = broadcastTypes(op, idx, concrete);
  s.insert(s.end(), x.begin() + static_cast<int64_t>(idx.size()), x.end());
  return s;
}

/// The flat offset into contiguous x of each index tuple, in the broadcast order.
std::vector<int64_t> gatherOffsets(const std::string &op, const Tensor &x,
                                   const std::vector<Tensor> &idx, int64_t &inner) {
  std::vector<Shape> shapes;
  for (auto &t : idx)
    shapes.push_back(t.shape());
  Shape b = broadcastTypes(op, shapes, true);
  size_t k = idx.size();
  inner = 1;
  for (int d = static_cast<int>(k); d < x.ndim(); ++d)
    inner *= x.dim(d);
  std::vector<Tensor> ints;
  std::vector<Shape> strides;
  for (auto &t : idx) {
    ints.push_back(t.astype(DType::Int64).contiguous());
    strides.push_back(detail::broadcastStrides(ints.back(), b));
  }
  std::vector<int64_t> offs(static_cast<size_t>(shapeSize(b)));
  detail::forEachBroadcast(b, strides, [&](int64_t flat, const std::vector<int64_t> &off) {
    int64_t o = 0;
    for (size_t j = 0; j < k; ++j) {
      int64_t n = x.dim(static_cast<int>(j)), i = ints[j].data<int64_t>()[off[j]];
      if (i < -n || i >= n)
        throw IndexError(op + ": index " + std::to_string(i) + " is out of range for axis " +
                         std::to_string(j) + " of size " + std::to_string(n));
      o = o * n + (i < 0 ? i + n : i);
    }
    offs[flat] = o * inner;
  });
  return offs;
}

std::vector<Shape> shapesOf(const std::vector<TensorType> &in, size_t first) {
  std::vector<Shape> s;
  for (size_t i = first; i < in.size(); ++i)
    s.push_back(in[i].shape);
  return s;
}

/// v summed down to `like`'s type (leading extra axes, and dims where like is 1): the gradient of
/// a broadcast.
Var sumTo(const Var &v, const TensorType &like) {
  int extra = v.ndim() - like.ndim();
  Var r = v;
  if (extra > 0) {
    IntList lead;
    for (int d = 0; d < extra; ++d)
      lead.push_back(d);
    r = sum(r, lead);
  }
  IntList ones;
  for (int d = 0; d < like.ndim(); ++d)
    if (like.shape[d] == 1 && r.type().shape[d] != 1) ones.push_back(d);
  return ones.empty() ? r : sum(r, ones, true);
}

/// Index array `i` padded with broadcast dims to the core rank `r` (after its own batch dims, if
/// any), then given the `b` batch dims.
Var paddedIndex(const BatchedVar &i, size_t r, int b) {
  int lead = i.batched ? b : 0, core = i.var.ndim() - lead;
  IntList order;
  for (int d = 0; d < lead; ++d)
    order.push_back(d);
  order.resize(order.size() + (r - core), -1);
  for (int d = 0; d < core; ++d)
    order.push_back(lead + d);
  Var padded = order.size() == static_cast<size_t>(i.var.ndim()) ? i.var : dimshuffle(i.var, order);
  return withBatchDims(BatchedVar{padded, i.batched}, b);
}

/// Index arrays for a batched x: one arange per batch dim, then the core index arrays, each
/// padded to the core broadcast rank and given the batch dims.
std::vector<Var> batchedIndices(const Op &op, const Var &x, const std::vector<BatchedVar> &idx,
                                int b) {
  size_t r = 0;
  for (auto &i : idx)
    r = std::max(r, static_cast<size_t>(i.var.ndim() - (i.batched ? b : 0)));
  std::vector<Var> out;
  IntList dims = staticBatchDims(op, x, b);
  for (int d = 0; d < b; ++d) {
    IntList order(static_cast<size_t>(d), -1);
    order.push_back(0);
    order.resize(static_cast<size_t>(b) + r, -1);
    out.push_back(dimshuffle(arange(dims[d]), order));
  }
  for (auto &i : idx)
    out.push_back(paddedIndex(i, r, b));
  return out;
}
} // namespace

std::vector<TensorType>
AdvancedSubtensor::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (in.empty()) throw ValueError("advanced_subtensor: expected x and index arrays");
  checkIndexTypes(name(), in, 1, in[0]);
  return {TensorType(in[0].dtype, regionShape(name(), in[0].shape, shapesOf(in, 1), false))};
}

std::vector<Shape> AdvancedSubtensor::inferShape(const std::vector<Shape> &in) const {
  return {regionShape(name(), in[0], std::vector<Shape>(in.begin() + 1, in.end()), true)};
}

std::vector<Tensor> AdvancedSubtensor::perform(const std::vector<Tensor> &in) const {
  std::vector<Shape> shapes;
  for (auto &t : in)
    shapes.push_back(t.shape());
  Tensor x = in[0].astype(DType::Float64).contiguous();
  int64_t inner = 1;
  std::vector<int64_t> offs =
      gatherOffsets(name(), x, std::vector<Tensor>(in.begin() + 1, in.end()), inner);
  Tensor out = Tensor::empty(DType::Float64, inferShape(shapes)[0]);
  const double *src = x.data<double>();
  double *dst = out.data<double>();
  for (size_t b = 0; b < offs.size(); ++b)
    for (int64_t e = 0; e < inner; ++e)
      dst[b * inner + e] = src[offs[b] + e];
  return {in[0].dtype() == DType::Float64 ? out : out.astype(in[0].dtype())};
}

// dx = zeros with g added at the indexed places (repeats accumulate); the indices get none.
std::vector<Var> AdvancedSubtensor::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                         const std::vector<Var> &outputGrads) const {
  std::vector<Var> idx(inputs.begin() + 1, inputs.end());
  std::vector<Var> g{advanced_inc_subtensor(zeros_like(inputs[0]), idx, outputGrads[0])};
  g.resize(inputs.size());
  return g;
}

std::vector<Var> AdvancedSubtensor::vectorize(const Apply &node,
                                              const std::vector<BatchedVar> &inputs, int b) const {
  std::vector<BatchedVar> idx(inputs.begin() + 1, inputs.end());
  if (!inputs[0].batched) {
    // Only the indices carry the batch: pad each to the core rank, then give it the batch dims.
    std::vector<Var> ins{inputs[0].var};
    size_t r = 0;
    for (auto &i : idx)
      r = std::max(r, static_cast<size_t>(i.var.ndim() - (i.batched ? b : 0)));
    for (auto &i : idx)
      ins.push_back(paddedIndex(i, r, b));
    return applyOp(node.opPtr(), ins);
  }
  std::vector<Var> ins{inputs[0].var};
  for (Var &v : batchedIndices(*this, inputs[0].var, idx, b))
    ins.push_back(v);
  return applyOp(node.opPtr(), ins);
}

std::vector<TensorType>
AdvancedIncSubtensor::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (in.size() < 3) throw ValueError("advanced_inc_subtensor: expected x, y and index arrays");
  checkIndexTypes(name(), in, 2, in[0]);
  Shape region = regionShape(name(), in[0].shape, shapesOf(in, 2), false);
  const TensorType &y = in[1];
  if (y.ndim() > static_cast<int>(region.size()))
    throw ShapeError(name() + ": y " + y.str() + " has more dims than the region " +
                     shapeStr(region));
  for (int d = 0; d < y.ndim(); ++d) {
    int64_t v = y.shape[d], r = region[region.size() - y.ndim() + d];
    if (v != 1 && v != kUnknownDim && r != kUnknownDim && v != r)
      throw ShapeError(name() + ": y " + y.str() + " does not broadcast to the region " +
                       shapeStr(region));
  }
  if (!isFloat(in[0].dtype) && isFloat(y.dtype))
    throw TypeError(name() + ": cannot write " + y.str() + " into " + in[0].str());
  return {in[0]};
}

std::vector<Tensor> AdvancedIncSubtensor::perform(const std::vector<Tensor> &in) const {
  Tensor out = in[0].astype(DType::Float64).contiguous().clone();
  int64_t inner = 1;
  std::vector<int64_t> offs =
      gatherOffsets(name(), out, std::vector<Tensor>(in.begin() + 2, in.end()), inner);
  Shape region;
  {
    std::vector<Shape> shapes{in[0].shape()};
    for (size_t i = 2; i < in.size(); ++i)
      shapes.push_back(in[i].shape());
    region =
        regionShape(name(), shapes[0], std::vector<Shape>(shapes.begin() + 1, shapes.end()), true);
  }
  Tensor y = in[1].astype(DType::Float64).contiguous();
  for (int d = 0; d < y.ndim(); ++d) {
    int64_t v = y.dim(d), r = region[region.size() - y.ndim() + d];
    if (v != 1 && v != r)
      throw ShapeError(name() + ": y of shape " + shapeStr(y.shape()) +
                       " does not broadcast to the region " + shapeStr(region));
  }
  double *dst = out.data<double>();
  const double *src = y.data<double>();
  std::vector<Shape> ys{detail::broadcastStrides(y, region)};
  detail::forEachBroadcast(region, ys, [&](int64_t flat, const std::vector<int64_t> &off) {
    double &e = dst[offs[flat / inner] + flat % inner];
    e = set_ ? src[off[0]] : e + src[off[0]];
  });
  return {in[0].dtype() == DType::Float64 ? out : out.astype(in[0].dtype())};
}

// inc: dx = g; set: dx = g with the written places zeroed. dy = g[idx] summed to y's shape.
std::vector<Var> AdvancedIncSubtensor::L_op(const std::vector<Var> &inputs,
                                            const std::vector<Var> &,
                                            const std::vector<Var> &outputGrads) const {
  Var g = outputGrads[0];
  std::vector<Var> idx(inputs.begin() + 2, inputs.end());
  Var gx = set_ ? advanced_set_subtensor(g, idx, zeros_like(inputs[1])) : g;
  Var gy = sumTo(advanced_subtensor(g, idx), inputs[1].type());
  std::vector<Var> out{gx, gy};
  out.resize(inputs.size());
  return out;
}

std::vector<Var> AdvancedIncSubtensor::vectorize(const Apply &node,
                                                 const std::vector<BatchedVar> &inputs,
                                                 int b) const {
  Var x = inputs[0].var;
  if (!inputs[0].batched) {
    Shape full = staticBatchDims(
        *this,
        [&] {
          for (auto &i : inputs)
            if (i.batched) return i.var;
          return x;
        }(),
        b);
    for (int64_t s : x.type().shape) {
      if (s == kUnknownDim) cannotBatch(*this, "an unbatched x needs a static shape");
      full.push_back(s);
    }
    x = broadcast_to(x, full);
  }
  std::vector<BatchedVar> idx(inputs.begin() + 2, inputs.end());
  std::vector<Var> bi = batchedIndices(*this, x, idx, b);
  // y lines up with the region's core dims, then gets the batch dims.
  size_t regionCore = node.inputs()[0].ndim() - idx.size();
  {
    size_t r = 0;
    for (auto &i : idx)
      r = std::max(r, static_cast<size_t>(i.var.ndim() - (i.batched ? b : 0)));
    regionCore += r;
  }
  const BatchedVar &y = inputs[1];
  int lead = y.batched ? b : 0, core = y.var.ndim() - lead;
  IntList order;
  for (int d = 0; d < lead; ++d)
    order.push_back(d);
  order.resize(order.size() + (regionCore - core), -1);
  for (int d = 0; d < core; ++d)
    order.push_back(lead + d);
  Var yv = order.size() == static_cast<size_t>(y.var.ndim()) ? y.var : dimshuffle(y.var, order);
  std::vector<Var> ins{x, withBatchDims(BatchedVar{yv, y.batched}, b)};
  ins.insert(ins.end(), bi.begin(), bi.end());
  return applyOp(node.opPtr(), ins);
}

Var advanced_subtensor(const Var &x, const std::vector<Var> &indices) {
  std::vector<Var> ins{x};
  ins.insert(ins.end(), indices.begin(), indices.end());
  return applyOp1(std::make_shared<AdvancedSubtensor>(), ins);
}

namespace {
Var advancedInc(const Var &x, const std::vector<Var> &indices, const Var &y, bool set) {
  std::vector<Var> ins{x, y.dtype() == x.dtype() ? y : cast(y, x.dtype())};
  ins.insert(ins.end(), indices.begin(), indices.end());
  return applyOp1(std::make_shared<AdvancedIncSubtensor>(set), ins);
}
} // namespace

Var advanced_set_subtensor(const Var &x, const std::vector<Var> &indices, const Var &y) {
  return advancedInc(x, indices, y, true);
}
Var advanced_inc_subtensor(const Var &x, const std::vector<Var> &indices, const Var &y) {
  return advancedInc(x, indices, y, false);
}

void registerAdvancedIndexingOps(OpRegistry &registry) {
  registry.add("advanced_subtensor", [](const Attrs &a) -> OpPtr {
    if (!a.empty()) throw ValueError("advanced_subtensor: takes no attributes, got " + a.str());
    return std::make_shared<AdvancedSubtensor>();
  });
  registry.add(
      "advanced_inc_subtensor",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<AdvancedIncSubtensor>(a.get<bool>("set", "advanced_inc_subtensor"));
      },
      Attrs{{"set", false}});
}

} // namespace graphjit
