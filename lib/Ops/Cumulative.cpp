// cumsum / cumprod along one axis, with their gradients (reversed running sums), and flip.
#include "graphjit/Ops/Cumulative.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit {

std::vector<TensorType> CumOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity(name(), in.size(), 1);
  const TensorType &x = in[0];
  if (axis_ < 0 || axis_ >= x.ndim())
    throw IndexError(name() + ": axis " + std::to_string(axis_) + " is out of range for " +
                     x.str());
  return {TensorType(x.dtype == DType::Bool ? DType::Int64 : x.dtype, x.shape)};
}

std::vector<Tensor> CumOp::perform(const std::vector<Tensor> &in) const {
  DType out = makeOutputTypes({TensorType(in[0].dtype(), in[0].shape())})[0].dtype;
  // Integers accumulate in int64 (exact, wrapping), floats in double.
  bool isInt = !isFloat(out);
  Tensor x = in[0].astype(isInt ? DType::Int64 : DType::Float64).contiguous().clone();
  const Shape &s = x.shape();
  int64_t len = s[axis_], inner = 1, outer = 1;
  for (size_t d = axis_ + 1; d < s.size(); ++d)
    inner *= s[d];
  for (int64_t d = 0; d < axis_; ++d)
    outer *= s[d];
  auto run = [&](auto *p) {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i)
        for (int64_t j = 1; j < len; ++j) {
          auto &cur = p[(o * len + j) * inner + i];
          auto prev = p[(o * len + j - 1) * inner + i];
          if (kind_ == CumKind::Sum)
            cur = isInt ? static_cast<std::remove_reference_t<decltype(cur)>>(
                              static_cast<uint64_t>(cur) + static_cast<uint64_t>(prev))
                        : cur + prev;
          else
            cur = isInt ? static_cast<std::remove_reference_t<decltype(cur)>>(
                              static_cast<uint64_t>(cur) * static_cast<uint64_t>(prev))
                        : cur * prev;
        }
  };
  if (isInt)
    run(x.data<int64_t>());
  else
    run(x.data<double>());
  return {x.dtype() == out ? x : x.astype(out)};
}

// cumsum: dx = reversed cumsum of reversed g. cumprod (x without zeros, as PyTensor assumes):
// dx = reversed cumsum of reversed (g * out), divided by x.
std::vector<Var> CumOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                             const std::vector<Var> &outputGrads) const {
  Var g = outputGrads[0];
  if (kind_ == CumKind::Prod) g = g * outputs[0];
  Var back = flip(cumsum(flip(g, {axis_}), axis_), {axis_});
  return {kind_ == CumKind::Sum ? back : back / inputs[0]};
}

std::vector<Var> CumOp::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                  int batchDims) const {
  return {applyOp1(std::make_shared<CumOp>(kind_, axis_ + batchDims),
                   {withBatchDims(inputs[0], batchDims)})};
}

namespace {
Var cumulative(CumKind kind, const Var &x, std::optional<int64_t> axis) {
  const char *op = kind == CumKind::Sum ? "cumsum" : "cumprod";
  if (!axis) return applyOp1(std::make_shared<CumOp>(kind, 0), {reshape(x, {-1})});
  return applyOp1(std::make_shared<CumOp>(kind, detail::normalizeAxis(*axis, x.ndim(), op)), {x});
}
} // namespace

Var cumsum(const Var &x, std::optional<int64_t> axis) { return cumulative(CumKind::Sum, x, axis); }
Var cumprod(const Var &x, std::optional<int64_t> axis) {
  return cumulative(CumKind::Prod, x, axis);
}

Var flip(const Var &x, IntList axes) {
  int nd = x.ndim();
  if (axes.empty())
    for (int d = 0; d < nd; ++d)
      axes.push_back(d);
  IndexList idx(nd, slice());
  for (int64_t a : axes)
    idx[detail::normalizeAxis(a, nd, "flip")] = slice(std::nullopt, std::nullopt, -1);
  return subtensor(x, idx);
}

void registerCumulativeOps(OpRegistry &registry) {
  for (CumKind k : {CumKind::Sum, CumKind::Prod}) {
    std::string n = k == CumKind::Sum ? "cumsum" : "cumprod";
    registry.add(
        n,
        [k, n](const Attrs &a) -> OpPtr {
          return std::make_shared<CumOp>(k, a.get<int64_t>("axis", n.c_str()));
        },
        Attrs{{"axis", int64_t(0)}});
  }
}

} // namespace graphjit
