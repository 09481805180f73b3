// concatenate, split, split_like, and the stack builder.
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

int64_t prod(const Shape &s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t d = from; d < to; ++d)
    n *= s[d];
  return n;
}

/// Consecutive pieces of x along `axis` with the given lengths (which sum to
/// the axis length), each a fresh contiguous tensor.
std::vector<Tensor> splitAlong(const Tensor &xIn, int axis, const IntList &sizes) {
  Tensor x = xIn.contiguous();
  size_t es = dtypeSize(x.dtype());
  int64_t outer = prod(x.shape(), 0, axis), inner = prod(x.shape(), axis + 1, x.shape().size());
  int64_t rowLen = x.shape()[axis] * inner; // elements of x per outer index
  std::vector<Tensor> outs;
  int64_t offset = 0; // along the axis
  for (int64_t len : sizes) {
    Shape s = x.shape();
    s[axis] = len;
    Tensor o = Tensor::empty(x.dtype(), s);
    int64_t chunk = len * inner;
    auto *src = static_cast<const char *>(x.rawData());
    auto *dst = static_cast<char *>(o.rawData());
    if (chunk > 0)
      for (int64_t i = 0; i < outer; ++i)
        std::memcpy(dst + i * chunk * es, src + (i * rowLen + offset * inner) * es, chunk * es);
    outs.push_back(o);
    offset += len;
  }
  return outs;
}

std::vector<Var> gradsOrZeros(const std::vector<Var> &outputs, const std::vector<Var> &grads) {
  DType t = outputs[0].dtype();
  for (auto &g : grads)
    if (g) t = g.dtype();
  std::vector<Var> r;
  for (size_t i = 0; i < grads.size(); ++i)
    r.push_back(grads[i] ? grads[i] : zeros_like(outputs[i], t));
  return r;
}

bool anyGrad(const std::vector<Var> &grads) {
  for (auto &g : grads)
    if (g) return true;
  return false;
}
} // namespace

// ---- concatenate ----

std::vector<TensorType> Concatenate::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (in.empty()) throw ValueError("concatenate: expected at least one input, got none");
  int nd = in[0].ndim();
  if (nd == 0)
    throw ShapeError("concatenate: zero-rank inputs cannot be concatenated, got " +
                     detail::typesStr(in));
  int axis = normalizeAxis(axis_, nd, "concatenate");
  Shape out = in[0].shape;
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[i].dtype != in[0].dtype)
      throw TypeError("concatenate: inputs must have equal dtypes, got " + detail::typesStr(in));
    if (in[i].ndim() != nd)
      throw ShapeError("concatenate: inputs must have equal rank, got " + detail::typesStr(in));
  }
  for (int d = 0; d < nd; ++d) {
    if (d == axis) {
      int64_t sum = 0;
      for (auto &t : in)
        sum = (sum == kUnknownDim || t.shape[d] == kUnknownDim) ? kUnknownDim : sum + t.shape[d];
      out[d] = sum;
      continue;
    }
    int64_t known = kUnknownDim;
    for (auto &t : in) {
      if (t.shape[d] == kUnknownDim) continue;
      if (known != kUnknownDim && known != t.shape[d])
        throw ShapeError("concatenate: inputs must agree off axis " + std::to_string(axis) +
                         ", but axis " + std::to_string(d) + " has sizes " + std::to_string(known) +
                         " and " + std::to_string(t.shape[d]) + " in " + detail::typesStr(in));
      known = t.shape[d];
    }
    out[d] = known;
  }
  return {TensorType(in[0].dtype, out)};
}

std::vector<Shape> Concatenate::inferShape(const std::vector<Shape> &in) const {
  if (in.empty()) throw ValueError("concatenate: expected at least one input, got none");
  int nd = static_cast<int>(in[0].size());
  int axis = normalizeAxis(axis_, nd, "concatenate");
  Shape out = in[0];
  out[axis] = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    bool ok = static_cast<int>(in[i].size()) == nd;
    for (int d = 0; ok && d < nd; ++d)
      ok = d == axis || in[i][d] == in[0][d];
    if (!ok)
      throw ShapeError("concatenate: input " + std::to_string(i) + " has shape " + shapeStr(in[i]) +
                       ", expected the shape of input 0 " + shapeStr(in[0]) +
                       " except along axis " + std::to_string(axis));
    out[axis] += in[i][axis];
  }
  return {out};
}

std::vector<Tensor> Concatenate::perform(const std::vector<Tensor> &inRaw) const {
  std::vector<Shape> shapes;
  for (auto &t : inRaw)
    shapes.push_back(t.shape());
  Shape outShape = inferShape(shapes)[0];
  int axis = normalizeAxis(axis_, static_cast<int>(outShape.size()), "concatenate");
  DType dt = inRaw[0].dtype();
  std::vector<Tensor> in;
  for (auto &t : inRaw) {
    if (t.dtype() != dt)
      throw TypeError("concatenate: inputs must have equal dtypes, got " +
                      std::string(dtypeName(dt)) + " and " + dtypeName(t.dtype()));
    in.push_back(t.contiguous());
  }
  Tensor out = Tensor::empty(dt, outShape);
  size_t es = dtypeSize(dt);
  int64_t outer = prod(outShape, 0, axis);
  auto *dst = static_cast<char *>(out.rawData());
  for (int64_t o = 0; o < outer; ++o)
    for (auto &t : in) {
      int64_t chunk = prod(t.shape(), axis, t.shape().size());
      if (chunk == 0) continue;
      std::memcpy(dst, static_cast<const char *>(t.rawData()) + o * chunk * es, chunk * es);
      dst += chunk * es;
    }
  return {out};
}

std::vector<Var> Concatenate::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                   const std::vector<Var> &g) const {
  if (!g[0]) return std::vector<Var>(inputs.size());
  int axis = normalizeAxis(axis_, inputs[0].ndim(), "concatenate");
  IntList sizes;
  for (auto &x : inputs) {
    if (x.type().shape[axis] == kUnknownDim) {
      // Sizes known only at run time: take them from the inputs' shapes.
      std::vector<Var> refs{g[0]};
      refs.insert(refs.end(), inputs.begin(), inputs.end());
      return applyOp(std::make_shared<SplitLike>(axis), refs);
    }
    sizes.push_back(x.type().shape[axis]);
  }
  return split(g[0], sizes, axis);
}

// ---- split ----

Concatenate::Concatenate(int64_t axis) : axis_(detail::storedAxis(axis, "concatenate")) {}

SplitLike::SplitLike(int64_t axis) : axis_(detail::storedAxis(axis, "split_like")) {}

Split::Split(int64_t axis, IntList sizes)
    : axis_(detail::storedAxis(axis, "split")), sizes_(std::move(sizes)) {
  if (sizes_.empty()) throw ValueError("split: expected at least one size, got none");
  for (int64_t s : sizes_)
    if (s < 0) throw ValueError("split: sizes must be >= 0, got " + shapeStr(sizes_));
}

std::vector<TensorType> Split::makeOutputTypes(const std::vector<TensorType> &in) const {
  expectArity("split", in.size(), 1);
  if (in[0].ndim() == 0) throw ShapeError("split: cannot split a zero-rank input " + in[0].str());
  int axis = normalizeAxis(axis_, in[0].ndim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes_)
    total += s;
  int64_t len = in[0].shape[axis];
  if (len != kUnknownDim && len != total)
    throw ShapeError("split: sizes " + shapeStr(sizes_) + " sum to " + std::to_string(total) +
                     ", expected the length " + std::to_string(len) + " of axis " +
                     std::to_string(axis) + " of " + in[0].str());
  std::vector<TensorType> out;
  for (int64_t s : sizes_) {
    TensorType t = in[0];
    t.shape[axis] = s;
    out.push_back(t);
  }
  return out;
}

std::vector<Shape> Split::inferShape(const std::vector<Shape> &in) const {
  if (in[0].empty()) throw ShapeError("split: cannot split a zero-rank input");
  int axis = normalizeAxis(axis_, static_cast<int>(in[0].size()), "split");
  int64_t total = 0;
  for (int64_t s : sizes_)
    total += s;
  if (total != in[0][axis])
    throw ShapeError("split: sizes " + shapeStr(sizes_) + " sum to " + std::to_string(total) +
                     ", expected the length " + std::to_string(in[0][axis]) + " of axis " +
                     std::to_string(axis) + " of an input of shape " + shapeStr(in[0]));
  std::vector<Shape> out;
  for (int64_t s : sizes_) {
    out.push_back(in[0]);
    out.back()[axis] = s;
  }
  return out;
}

std::vector<Tensor> Split::perform(const std::vector<Tensor> &in) const {
  expectArity("split", in.size(), 1);
  inferShape({in[0].shape()});
  return splitAlong(in[0], normalizeAxis(axis_, in[0].ndim(), "split"), sizes_);
}

std::vector<Var> Split::L_op(const std::vector<Var> &, const std::vector<Var> &outputs,
                             const std::vector<Var> &g) const {
  if (!anyGrad(g)) return {Var()};
  return {concatenate(gradsOrZeros(outputs, g), axis_)};
}

// ---- split_like ----

std::vector<TensorType> SplitLike::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (in.size() < 2)
    throw ValueError("split_like: expected an input and at least one reference, got " +
                     std::to_string(in.size()) + " input(s)");
  if (in[0].ndim() == 0)
    throw ShapeError("split_like: cannot split a zero-rank input " + in[0].str());
  int axis = normalizeAxis(axis_, in[0].ndim(), "split_like");
  int64_t total = 0;
  std::vector<TensorType> out;
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[i].ndim() != in[0].ndim())
      throw ShapeError("split_like: references must have the rank of the input, got " +
                       detail::typesStr(in));
    int64_t s = in[i].shape[axis];
    total = (total == kUnknownDim || s == kUnknownDim) ? kUnknownDim : total + s;
    TensorType t = in[0];
    t.shape[axis] = s;
    out.push_back(t);
  }
  int64_t len = in[0].shape[axis];
  if (len != kUnknownDim && total != kUnknownDim && len != total)
    throw ShapeError("split_like: reference lengths sum to " + std::to_string(total) +
                     ", expected the length " + std::to_string(len) + " of axis " +
                     std::to_string(axis) + " in " + detail::typesStr(in));
  return out;
}

std::vector<Shape> SplitLike::inferShape(const std::vector<Shape> &in) const {
  int axis = normalizeAxis(axis_, static_cast<int>(in[0].size()), "split_like");
  int64_t total = 0;
  std::vector<Shape> out;
  for (size_t i = 1; i < in.size(); ++i) {
    if (in[i].size() != in[0].size())
      throw ShapeError("split_like: reference " + std::to_string(i) + " has shape " +
                       shapeStr(in[i]) + ", expected rank " + std::to_string(in[0].size()));
    total += in[i][axis];
    out.push_back(in[0]);
    out.back()[axis] = in[i][axis];
  }
  if (total != in[0][axis])
    throw ShapeError("split_like: reference lengths sum to " + std::to_string(total) +
                     ", expected the length " + std::to_string(in[0][axis]) + " of axis " +
                     std::to_string(axis) + " of an input of shape " + shapeStr(in[0]));
  return out;
}

std::vector<Var> SplitLike::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                      int batchDims) const {
  (void)node;
  std::vector<Var> ins;
  for (const BatchedVar &v : inputs)
    ins.push_back(withBatchDims(v, batchDims));
  return applyOp(std::make_shared<SplitLike>(axis_ + batchDims), ins);
}

std::vector<Tensor> SplitLike::perform(const std::vector<Tensor> &in) const {
  std::vector<Shape> shapes;
  for (auto &t : in)
    shapes.push_back(t.shape());
  std::vector<Shape> outShapes = inferShape(shapes);
  int axis = normalizeAxis(axis_, in[0].ndim(), "split_like");
  IntList sizes;
  for (auto &s : outShapes)
    sizes.push_back(s[axis]);
  return splitAlong(in[0], axis, sizes);
}

std::vector<Var> SplitLike::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                                 const std::vector<Var> &g) const {
  std::vector<Var> r(inputs.size());
  if (anyGrad(g)) r[0] = concatenate(gradsOrZeros(outputs, g), axis_);
  return r;
}

// ---- builders ----

Var concatenate(const std::vector<Var> &xs, int64_t axis) {
  if (xs.empty()) throw ValueError("concatenate: expected at least one input, got none");
  DType t = xs[0].dtype();
  for (auto &x : xs) {
    if (!x) throw ValueError("concatenate: null input");
    t = promoteTypes(t, x.dtype());
  }
  std::vector<Var> in;
  for (auto &x : xs)
    in.push_back(x.dtype() == t ? x : cast(x, t));
  if (in[0].ndim() == 0) throw ShapeError("concatenate: zero-rank inputs cannot be concatenated");
  int a = normalizeAxis(axis, in[0].ndim(), "concatenate");
  return applyOp1(std::make_shared<Concatenate>(a), std::move(in));
}

Var stack(const std::vector<Var> &xs, int64_t axis) {
  if (xs.empty()) throw ValueError("stack: expected at least one input, got none");
  for (auto &x : xs)
    if (!x || x.ndim() != xs[0].ndim()) throw ShapeError("stack: inputs must have equal rank");
  int a = normalizeAxis(axis, xs[0].ndim() + 1, "stack");
  std::vector<Var> expanded;
  for (auto &x : xs)
    expanded.push_back(expand_dims(x, a));
  return concatenate(expanded, a);
}

std::vector<Var> split(const Var &x, const IntList &sizes, int64_t axis) {
  if (x.ndim() == 0) throw ShapeError("split: cannot split a zero-rank input " + x.type().str());
  int a = normalizeAxis(axis, x.ndim(), "split");
  return applyOp(std::make_shared<Split>(a, sizes), {x});
}

// ---- batching rules ----

std::vector<Var> Concatenate::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                        int batchDims) const {
  std::vector<Var> parts;
  for (const BatchedVar &v : inputs) {
    if (!v.batched) cannotBatch(*this, "every part must be batched");
    parts.push_back(v.var);
  }
  return {concatenate(parts, axis_ + batchDims)};
}

std::vector<Var> Split::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                  int batchDims) const {
  return split(inputs[0].var, sizes_, axis_ + batchDims);
}

void registerJoinOps(OpRegistry &r) {
  r.add(
      "concatenate",
      [](const Attrs &a) {
        return std::make_shared<Concatenate>(a.get<int64_t>("axis", "concatenate"));
      },
      Attrs{{"axis", int64_t(0)}});
  r.add(
      "split",
      [](const Attrs &a) {
        return std::make_shared<Split>(a.get<int64_t>("axis", "split"),
                                       a.get<IntList>("sizes", "split"));
      },
      Attrs{{"axis", int64_t(0)}, {"sizes", IntList{1, 2}}});
  r.add(
      "split_like",
      [](const Attrs &a) {
        return std::make_shared<SplitLike>(a.get<int64_t>("axis", "split_like"));
      },
      Attrs{{"axis", int64_t(0)}});
}

} // namespace graphjit
