// sort / argsort: a stable sort of each line along the axis; sort's gradient scatters g back
// through the permutation with advanced_inc_subtensor.
#include "graphjit/Ops/Sort.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/AdvancedIndexing.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/Cumulative.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Shape.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace graphjit {

std::vector<TensorType> SortOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity(name(), in.size(), 1);
  const TensorType &x = in[0];
  if (axis_ < 0 || axis_ >= x.ndim())
    throw IndexError(name() + ": axis " + std::to_string(axis_) + " is out of range for " +
                     x.str());
  return {TensorType(arg_ ? DType::Int64 : x.dtype, x.shape)};
}

std::vector<Tensor> SortOp::perform(const std::vector<Tensor> &in) const {
  Tensor x = in[0].astype(DType::Float64).contiguous();
  const Shape &s = x.shape();
  int64_t len = s[axis_], inner = 1, outer = 1;
  for (size_t d = axis_ + 1; d < s.size(); ++d)
    inner *= s[d];
  for (int64_t d = 0; d < axis_; ++d)
    outer *= s[d];
  Tensor out = Tensor::empty(arg_ ? DType::Int64 : DType::Float64, s);
  const double *p = x.data<double>();
  std::vector<int64_t> perm(static_cast<size_t>(len));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return p[(o * len + j) * inner + i]; };
      std::iota(perm.begin(), perm.end(), 0);
      std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
        double u = at(a), v = at(b);
        if (std::isnan(v)) return !std::isnan(u);
        return u < v;
      });
      for (int64_t j = 0; j < len; ++j) {
        int64_t dst = (o * len + j) * inner + i;
        if (arg_)
          out.data<int64_t>()[dst] = perm[j];
        else
          out.data<double>()[dst] = at(perm[j]);
      }
    }
  if (arg_ || in[0].dtype() == DType::Float64) return {out};
  return {out.astype(in[0].dtype())};
}

// sort: dx[..., perm[j], ...] += g[..., j, ...]: advanced_inc_subtensor with a grid index per
// axis (cumsum of ones - 1, so it needs no static shape) and the argsort on the sorted axis.
std::vector<Var> SortOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                              const std::vector<Var> &outputGrads) const {
  if (arg_) return {Var()};
  const Var &x = inputs[0];
  std::vector<Var> idx;
  for (int d = 0; d < x.ndim(); ++d)
    idx.push_back(d == axis_ ? argsort(x, axis_) : cumsum(ones_like(x, DType::Int64), d) - 1.0);
  return {advanced_inc_subtensor(zeros_like(x), idx, outputGrads[0])};
}

std::vector<Var> SortOp::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                   int batchDims) const {
  return {applyOp1(std::make_shared<SortOp>(axis_ + batchDims, arg_),
                   {withBatchDims(inputs[0], batchDims)})};
}

namespace {
Var sortLike(const Var &x, std::optional<int64_t> axis, bool arg) {
  const char *op = arg ? "argsort" : "sort";
  if (!axis) return applyOp1(std::make_shared<SortOp>(0, arg), {reshape(x, {-1})});
  return applyOp1(std::make_shared<SortOp>(detail::normalizeAxis(*axis, x.ndim(), op), arg), {x});
}
} // namespace

Var sort(const Var &x, std::optional<int64_t> axis) { return sortLike(x, axis, false); }
Var argsort(const Var &x, std::optional<int64_t> axis) { return sortLike(x, axis, true); }

void registerSortOps(OpRegistry &registry) {
  for (bool arg : {false, true}) {
    std::string n = arg ? "argsort" : "sort";
    registry.add(
        n,
        [arg, n](const Attrs &a) -> OpPtr {
          return std::make_shared<SortOp>(a.get<int64_t>("axis", n.c_str()), arg);
        },
        Attrs{{"axis", int64_t(0)}});
  }
}

} // namespace graphjit
