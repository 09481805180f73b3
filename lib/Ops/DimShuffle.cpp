// DimShuffle: transpose, expand_dims and squeeze as one op, with its gradient and batching rule.
#include "graphjit/Ops/DimShuffle.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"

#include <algorithm>

namespace graphjit {

DimShuffle::DimShuffle(int inputNdim, IntList order)
    : inputNdim_(inputNdim), order_(std::move(order)) {
  if (inputNdim_ < 0 || inputNdim_ > 64 || order_.size() > 64)
    throw ValueError("dimshuffle: rank " + std::to_string(inputNdim_) + " -> " +
                     std::to_string(order_.size()) + " is out of range (0 to 64)");
  std::vector<bool> used(inputNdim_, false);
  for (int64_t o : order_) {
    if (o == -1) continue;
    if (o < 0 || o >= inputNdim_)
      throw IndexError("dimshuffle: axis " + std::to_string(o) +
                       " out of range for an input of rank " + std::to_string(inputNdim_));
    if (used[o])
      throw ValueError("dimshuffle: axis " + std::to_string(o) + " appears twice in the order");
    used[o] = true;
  }
}

bool DimShuffle::isPureReshape() const {
  int64_t last = -1;
  for (int64_t o : order_)
    if (o != -1) {
      if (o < last) return false;
      last = o;
    }
  return true;
}

std::string DimShuffle::displayStr() const {
  IntList kept, added;
  for (size_t i = 0; i < order_.size(); ++i)
    if (order_[i] < 0)
      added.push_back(static_cast<int64_t>(i));
    else
      kept.push_back(order_[i]);
  bool increasing = std::is_sorted(kept.begin(), kept.end());
  bool allKept = static_cast<int>(kept.size()) == inputNdim_;
  if (added.empty() && allKept && !increasing) return "transpose" + Attrs{{"axes", kept}}.str();
  if (!added.empty() && allKept && increasing) return "expand_dims" + Attrs{{"axis", added}}.str();
  if (added.empty() && increasing && !allKept) {
    IntList dropped;
    for (int64_t d = 0; d < inputNdim_; ++d)
      if (std::find(kept.begin(), kept.end(), d) == kept.end()) dropped.push_back(d);
    return "squeeze" + Attrs{{"axis", dropped}}.str();
  }
  return str();
}

Attrs DimShuffle::attrs() const { return Attrs{{"ndim", int64_t(inputNdim_)}, {"order", order_}}; }

std::vector<TensorType> DimShuffle::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("dimshuffle", in.size(), 1);
  if (in[0].ndim() != inputNdim_)
    throw ShapeError("dimshuffle: expected an input of rank " + std::to_string(inputNdim_) +
                     ", got " + in[0].str());
  for (int d = 0; d < inputNdim_; ++d)
    if (std::find(order_.begin(), order_.end(), d) == order_.end() && in[0].shape[d] != 1)
      throw ShapeError("dimshuffle: cannot drop axis " + std::to_string(d) + " of " + in[0].str() +
                       ": only axes of static size 1 can be dropped");
  Shape out;
  for (int64_t o : order_)
    out.push_back(o == -1 ? 1 : in[0].shape[o]);
  return {TensorType(in[0].dtype, out)};
}

std::vector<Shape> DimShuffle::inferShape(const std::vector<Shape> &in) const {
  Shape out;
  for (int64_t o : order_)
    out.push_back(o == -1 ? 1 : in[0][o]);
  return {out};
}

void DimShuffle::checkShapes(const std::vector<TensorType> &, const std::vector<Shape> &in) const {
  for (int d = 0; d < inputNdim_; ++d)
    if (std::find(order_.begin(), order_.end(), d) == order_.end() && in[0][d] != 1)
      throw ShapeError("dimshuffle: dropped axis " + std::to_string(d) + " has size " +
                       std::to_string(in[0][d]) + ", expected 1");
}

std::vector<Tensor> DimShuffle::perform(const std::vector<Tensor> &in) const {
  const Tensor &x = in[0];
  if (x.ndim() != inputNdim_)
    throw ShapeError("dimshuffle: expected an input of rank " + std::to_string(inputNdim_) +
                     ", got shape " + shapeStr(x.shape()));
  checkShapes({}, {x.shape()});
  Shape shape, strides;
  for (int64_t o : order_) {
    shape.push_back(o == -1 ? 1 : x.shape()[o]);
    strides.push_back(o == -1 ? 0 : x.strides()[o]);
  }
  // A strided view of the same buffer, then a contiguous copy: outputs never alias inputs.
  std::shared_ptr<void> keep(std::make_shared<Tensor>(x), x.rawData());
  return {Tensor::wrap(keep, x.rawData(), x.dtype(), shape, strides).clone()};
}

Var dimshuffle(const Var &x, const IntList &order) {
  return applyOp1(std::make_shared<DimShuffle>(x.ndim(), order), {x});
}

Var transpose(const Var &x, IntList axes) {
  if (axes.empty())
    for (int d = x.ndim() - 1; d >= 0; --d)
      axes.push_back(d);
  if (static_cast<int>(axes.size()) != x.ndim())
    throw ValueError("transpose: " + std::to_string(axes.size()) +
                     " axes given for an input of rank " + std::to_string(x.ndim()));
  for (auto &a : axes)
    a = detail::normalizeAxis(a, x.ndim(), "transpose");
  return dimshuffle(x, axes);
}

Var expand_dims(const Var &x, int axis) {
  int a = detail::normalizeAxis(axis, x.ndim() + 1, "expand_dims");
  IntList order;
  for (int d = 0; d < x.ndim(); ++d)
    order.push_back(d);
  order.insert(order.begin() + a, -1);
  return dimshuffle(x, order);
}

Var squeeze(const Var &x, IntList axes) {
  if (axes.empty())
    for (int d = 0; d < x.ndim(); ++d)
      if (x.type().shape[d] == 1) axes.push_back(d);
  for (auto &a : axes)
    a = detail::normalizeAxis(a, x.ndim(), "squeeze");
  IntList order;
  for (int d = 0; d < x.ndim(); ++d)
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) order.push_back(d);
  return dimshuffle(x, order);
}

// The batch dims stay in front, untouched; the core order shifts past them.
std::vector<Var> DimShuffle::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                       int batchDims) const {
  IntList order;
  for (int d = 0; d < batchDims; ++d)
    order.push_back(d);
  for (int64_t o : order_)
    order.push_back(o == -1 ? -1 : o + batchDims);
  return {dimshuffle(withBatchDims(inputs[0], batchDims), order)};
}

// Axis 0 stays axis 0: a block of input rows is the same block of output rows.
bool DimShuffle::isRowwise(const Apply &, const std::vector<bool> &) const {
  return !order_.empty() && order_[0] == 0;
}

void registerDimShuffleOps(OpRegistry &registry) {
  registry.add(
      "dimshuffle",
      [](const Attrs &a) {
        int64_t ndim = a.get<int64_t>("ndim", "dimshuffle");
        if (ndim < 0 || ndim > 64)
          throw ValueError("dimshuffle: ndim " + std::to_string(ndim) + " is out of range");
        return std::make_shared<DimShuffle>(static_cast<int>(ndim),
                                            a.get<IntList>("order", "dimshuffle"));
      },
      Attrs{{"ndim", int64_t(2)}, {"order", IntList{1, 0}}});
}

} // namespace graphjit
