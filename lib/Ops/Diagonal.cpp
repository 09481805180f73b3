// Diagonal ops: extract_diag and alloc_diag (each the other's gradient), and the
// diagonal / diag / trace builders over them.
#include "graphjit/Ops/Diagonal.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Reduce.h"

#include <algorithm>

namespace graphjit {

namespace {
/// Length of diagonal `offset` of an n x m matrix (unknown if a needed dim is).
int64_t diagLen(int64_t n, int64_t m, int64_t offset) {
  if (n == kUnknownDim || m == kUnknownDim) return kUnknownDim;
  return std::max<int64_t>(
      0, std::min(n - std::max<int64_t>(-offset, 0), m - std::max<int64_t>(offset, 0)));
}

/// Copies element [..., i] <-> [..., i + r0, i + c0] over every leading index: the one loop both
/// ops share (`toMatrix` says which way).
void copyDiag(const Tensor &vec, const Tensor &mat, int64_t offset, bool toMatrix) {
  int64_t n = mat.dim(mat.ndim() - 2), m = mat.dim(mat.ndim() - 1), k = vec.dim(vec.ndim() - 1);
  int64_t r0 = std::max<int64_t>(-offset, 0), c0 = std::max<int64_t>(offset, 0);
  int64_t outer = k == 0 ? 0 : vec.size() / k;
  double *v = vec.data<double>(), *a = mat.data<double>();
  for (int64_t b = 0; b < outer; ++b)
    for (int64_t i = 0; i < k; ++i) {
      double &e = a[b * n * m + (i + r0) * m + (i + c0)];
      if (toMatrix)
        e = v[b * k + i];
      else
        v[b * k + i] = e;
    }
}
} // namespace

std::vector<TensorType> ExtractDiag::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("extract_diag", in.size(), 1);
  const TensorType &x = in[0];
  if (x.ndim() < 2) throw ShapeError("extract_diag: expected rank >= 2, got " + x.str());
  Shape s(x.shape.begin(), x.shape.end() - 2);
  s.push_back(diagLen(x.shape[x.ndim() - 2], x.shape[x.ndim() - 1], offset_));
  return {TensorType(x.dtype, s)};
}

std::vector<Shape> ExtractDiag::inferShape(const std::vector<Shape> &in) const {
  const Shape &x = in[0];
  if (x.size() < 2) throw ShapeError("extract_diag: expected rank >= 2, got " + shapeStr(x));
  Shape s(x.begin(), x.end() - 2);
  s.push_back(diagLen(x[x.size() - 2], x[x.size() - 1], offset_));
  return {s};
}

std::vector<Tensor> ExtractDiag::perform(const std::vector<Tensor> &in) const {
  Tensor x = in[0].astype(DType::Float64).contiguous();
  Tensor out = Tensor::zeros(DType::Float64, inferShape({in[0].shape()})[0]);
  copyDiag(out, x, offset_, false);
  return {in[0].dtype() == DType::Float64 ? out : out.astype(in[0].dtype())};
}

// d extract_diag(x) = alloc_diag(g) shaped like x.
std::vector<Var> ExtractDiag::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                   const std::vector<Var> &outputGrads) const {
  return {applyOp1(std::make_shared<AllocDiag>(offset_), {outputGrads[0], inputs[0]})};
}

// The op reads only the trailing axes: batch dims are more leading dims.
std::vector<Var> ExtractDiag::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                        int batchDims) const {
  return batchBroadcasting(node, inputs, batchDims);
}

std::vector<TensorType> AllocDiag::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (in.size() != 1 && in.size() != 2)
    throw ValueError("alloc_diag: expected 1 or 2 inputs, got " + std::to_string(in.size()));
  const TensorType &v = in[0];
  if (v.ndim() < 1) throw ShapeError("alloc_diag: expected rank >= 1, got " + v.str());
  Shape s(v.shape.begin(), v.shape.end() - 1);
  int64_t k = v.shape.back();
  if (in.size() == 2) {
    const TensorType &like = in[1];
    if (like.ndim() < 2) throw ShapeError("alloc_diag: `like` needs rank >= 2, got " + like.str());
    s.push_back(like.shape[like.ndim() - 2]);
    s.push_back(like.shape[like.ndim() - 1]);
  } else {
    int64_t n = k == kUnknownDim ? kUnknownDim : k + std::abs(offset_);
    s.push_back(n);
    s.push_back(n);
  }
  return {TensorType(v.dtype, s)};
}

std::vector<Shape> AllocDiag::inferShape(const std::vector<Shape> &in) const {
  const Shape &v = in[0];
  if (v.empty()) throw ShapeError("alloc_diag: expected rank >= 1, got a scalar");
  Shape s(v.begin(), v.end() - 1);
  if (in.size() == 2) {
    const Shape &like = in[1];
    if (like.size() < 2) throw ShapeError("alloc_diag: `like` needs rank >= 2");
    int64_t n = like[like.size() - 2], m = like[like.size() - 1];
    if (diagLen(n, m, offset_) != v.back())
      throw ShapeError("alloc_diag: a diagonal of " + std::to_string(v.back()) +
                       " values does not fit offset " + std::to_string(offset_) + " of " +
                       std::to_string(n) + "x" + std::to_string(m));
    s.push_back(n);
    s.push_back(m);
  } else {
    s.push_back(v.back() + std::abs(offset_));
    s.push_back(v.back() + std::abs(offset_));
  }
  return {s};
}

std::vector<Tensor> AllocDiag::perform(const std::vector<Tensor> &in) const {
  std::vector<Shape> shapes;
  for (const Tensor &t : in)
    shapes.push_back(t.shape());
  Tensor v = in[0].astype(DType::Float64).contiguous();
  Tensor out = Tensor::zeros(DType::Float64, inferShape(shapes)[0]);
  copyDiag(v, out, offset_, true);
  return {in[0].dtype() == DType::Float64 ? out : out.astype(in[0].dtype())};
}

// d alloc_diag(v) = extract_diag(g); `like` only lends its shape.
std::vector<Var> AllocDiag::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                 const std::vector<Var> &outputGrads) const {
  std::vector<Var> g{applyOp1(std::make_shared<ExtractDiag>(offset_), {outputGrads[0]})};
  if (inputs.size() == 2) g.push_back(Var());
  return g;
}

// Only v's leading dims reach the output; `like` lends its last two dims whether batched or not.
std::vector<Var> AllocDiag::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                      int batchDims) const {
  std::vector<Var> ins{withBatchDims(inputs[0], batchDims)};
  if (inputs.size() == 2) ins.push_back(inputs[1].var);
  return applyOp(node.opPtr(), ins);
}

Var diagonal(const Var &x, int64_t offset, int64_t axis1, int64_t axis2) {
  int nd = x.ndim();
  int a1 = detail::normalizeAxis(axis1, nd, "diagonal"),
      a2 = detail::normalizeAxis(axis2, nd, "diagonal");
  if (a1 == a2)
    throw ValueError("diagonal: axis1 and axis2 cannot be the same (" + std::to_string(a1) + ")");
  IntList order;
  for (int d = 0; d < nd; ++d)
    if (d != a1 && d != a2) order.push_back(d);
  order.push_back(a1);
  order.push_back(a2);
  bool identity = true;
  for (int d = 0; d < nd; ++d)
    identity = identity && order[d] == d;
  Var moved = identity ? x : dimshuffle(x, order);
  return applyOp1(std::make_shared<ExtractDiag>(offset), {moved});
}

Var diag(const Var &x, int64_t k) {
  if (x.ndim() == 1) return applyOp1(std::make_shared<AllocDiag>(k), {x});
  if (x.ndim() == 2) return diagonal(x, k);
  throw ShapeError("diag: expected a vector or a matrix, got " + x.type().str());
}

Var trace(const Var &x, int64_t offset, int64_t axis1, int64_t axis2) {
  return sum(diagonal(x, offset, axis1, axis2), -1);
}

void registerDiagonalOps(OpRegistry &registry) {
  registry.add(
      "extract_diag",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<ExtractDiag>(a.get<int64_t>("offset", "extract_diag"));
      },
      Attrs{{"offset", int64_t(0)}});
  registry.add(
      "alloc_diag",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<AllocDiag>(a.get<int64_t>("offset", "alloc_diag"));
      },
      Attrs{{"offset", int64_t(0)}});
}

} // namespace graphjit
