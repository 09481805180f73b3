// Reductions (sum, prod, max, min, all, any, mean), argmax/argmin and softmax.
#include "graphjit/Ops/Reduce.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace graphjit {

const char *reduceKindName(ReduceKind k) {
  switch (k) {
  case ReduceKind::Sum:
    return "sum";
  case ReduceKind::Prod:
    return "prod";
  case ReduceKind::Max:
    return "max";
  case ReduceKind::Min:
    return "min";
  case ReduceKind::All:
    return "all";
  case ReduceKind::Any:
    return "any";
  case ReduceKind::Mean:
    return "mean";
  }
  return "?";
}

namespace {
// Splits a contiguous tensor's axes into kept and reduced, and calls
// f(outIndex, offsets of the reduced elements...) through two odometers.
struct ReductionPlan {
  Shape keptShape, reducedShape, keptStrides, reducedStrides;

  ReductionPlan(const Shape &shape, const IntList &axes) {
    Shape strides = contiguousStrides(shape);
    for (size_t d = 0; d < shape.size(); ++d) {
      bool reduced = std::find(axes.begin(), axes.end(), int64_t(d)) != axes.end();
      (reduced ? reducedShape : keptShape).push_back(shape[d]);
      (reduced ? reducedStrides : keptStrides).push_back(strides[d]);
    }
  }

  /// Calls visit(outFlat, base) per output element, then inner(offset) for each reduced element.
  template <typename Outer, typename Inner> void run(Outer begin, Inner inner) const {
    int64_t nOut = shapeSize(keptShape), nRed = shapeSize(reducedShape);
    std::vector<int64_t> ko(keptShape.size(), 0);
    int64_t base = 0;
    for (int64_t o = 0; o < nOut; ++o) {
      begin(o);
      std::vector<int64_t> ri(reducedShape.size(), 0);
      int64_t off = base;
      for (int64_t r = 0; r < nRed; ++r) {
        inner(o, off);
        for (size_t d = reducedShape.size(); d-- > 0;) {
          if (++ri[d] < reducedShape[d]) {
            off += reducedStrides[d];
            break;
          }
          off -= reducedStrides[d] * (reducedShape[d] - 1);
          ri[d] = 0;
        }
      }
      for (size_t d = keptShape.size(); d-- > 0;) {
        if (++ko[d] < keptShape[d]) {
          base += keptStrides[d];
          break;
        }
        base -= keptStrides[d] * (keptShape[d] - 1);
        ko[d] = 0;
      }
    }
  }
};

IntList normalizeAxes(const IntList &axes, int ndim, const std::string &op) {
  IntList r;
  for (int64_t a : axes) {
    int n = detail::normalizeAxis(a, ndim, op);
    if (std::find(r.begin(), r.end(), n) != r.end())
      throw IndexError(op + ": axis " + std::to_string(a) + " is repeated");
    r.push_back(n);
  }
  std::sort(r.begin(), r.end());
  return r;
}

IntList allAxes(int ndim) {
  IntList r;
  for (int d = 0; d < ndim; ++d)
    r.push_back(d);
  return r;
}

/// g, whose type lacks the reduced `axes`, with size-1 axes put back in their place.
Var expandReduced(const Var &g, const IntList &axes, int inputNdim) {
  IntList order;
  int next = 0;
  for (int d = 0; d < inputNdim; ++d)
    order.push_back(std::find(axes.begin(), axes.end(), d) != axes.end() ? -1 : next++);
  return dimshuffle(g, order);
}

/// `g` (broadcastable where reduced) stretched to x's shape.
Var broadcastLike(const Var &g, const Var &x) { return g + zeros_like(x, g.dtype()); }

/// Number of elements reduced, as a scalar of `dtype` (symbolic if dims are unknown).
Var reducedCount(const Var &x, const IntList &axes, DType dtype) {
  bool isStatic = true;
  int64_t n = 1;
  for (int64_t a : axes) {
    if (x.type().shape[a] == kUnknownDim)
      isStatic = false;
    else
      n *= x.type().shape[a];
  }
  if (isStatic) return constant(static_cast<double>(n), dtype);
  Var dims = take(shape(x),
                  constant(Tensor::fromVector(std::vector<int64_t>(axes.begin(), axes.end()))), 0);
  return cast(prod(dims), dtype);
}
} // namespace

Reduce::Reduce(ReduceKind kind, IntList axes) : kind_(kind), axes_(std::move(axes)) {
  for (size_t i = 0; i < axes_.size(); ++i)
    if (axes_[i] < 0 || (i && axes_[i] <= axes_[i - 1]))
      throw ValueError(std::string(reduceKindName(kind_)) +
                       ": axes must be sorted, distinct and non-negative, got " +
                       attrValueStr(axes_));
}

bool Reduce::reducesAxis(int64_t axis) const {
  return std::find(axes_.begin(), axes_.end(), axis) != axes_.end();
}

DType Reduce::outputDType(DType in) const {
  switch (kind_) {
  case ReduceKind::All:
  case ReduceKind::Any:
    return DType::Bool;
  case ReduceKind::Mean:
    return floatResult(in);
  case ReduceKind::Sum:
  case ReduceKind::Prod:
    return isFloat(in) ? in : DType::Int64;
  default:
    return in;
  }
}

std::vector<TensorType> Reduce::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity(name(), in.size(), 1);
  if (!axes_.empty() && axes_.back() >= in[0].ndim())
    throw IndexError(name() + ": axis " + std::to_string(axes_.back()) +
                     " is out of range for an input of type " + in[0].str());
  if ((kind_ == ReduceKind::Max || kind_ == ReduceKind::Min))
    for (int64_t a : axes_)
      if (in[0].shape[a] == 0)
        throw ValueError(name() + ": cannot reduce axis " + std::to_string(a) + " of size 0 of " +
                         in[0].str() + " (no identity)");
  Shape out;
  for (int d = 0; d < in[0].ndim(); ++d)
    if (!reducesAxis(d)) out.push_back(in[0].shape[d]);
  return {TensorType(outputDType(in[0].dtype), out)};
}

std::vector<Shape> Reduce::inferShape(const std::vector<Shape> &in) const {
  Shape out;
  for (size_t d = 0; d < in[0].size(); ++d)
    if (!reducesAxis(d)) out.push_back(in[0][d]);
  return {out};
}

void Reduce::checkShapes(const std::vector<TensorType> &, const std::vector<Shape> &in) const {
  if (kind_ == ReduceKind::Max || kind_ == ReduceKind::Min)
    for (int64_t a : axes_)
      if (a < static_cast<int64_t>(in[0].size()) && in[0][a] == 0)
        throw ValueError(name() + ": cannot reduce axis " + std::to_string(a) +
                         " of size 0 (shape " + shapeStr(in[0]) + "; no identity)");
}

std::vector<Tensor> Reduce::perform(const std::vector<Tensor> &inRaw) const {
  detail::expectArity(name(), inRaw.size(), 1);
  if (!axes_.empty() && axes_.back() >= inRaw[0].ndim())
    throw IndexError(name() + ": axis out of range for shape " + shapeStr(inRaw[0].shape()));
  checkShapes({}, {inRaw[0].shape()});
  DType outT = outputDType(inRaw[0].dtype());
  // Accumulate in the output dtype (float inputs: in double, then rounded once).
  DType accT = kind_ == ReduceKind::All || kind_ == ReduceKind::Any ? DType::Bool
               : isFloat(outT)                                      ? DType::Float64
                                                                    : outT;
  Tensor x = inRaw[0].astype(accT == DType::Bool ? DType::Bool : accT);
  ReductionPlan plan(x.shape(), axes_);
  Shape outShape = inferShape({x.shape()})[0];
  int64_t count = shapeSize(plan.reducedShape);
  Tensor acc = Tensor::empty(accT, outShape);
  dispatchDType(accT, [&](auto tag) {
    using T = decltype(tag);
    const T *src = x.data<T>();
    T *dst = acc.data<T>();
    auto combine = [&](T a, T b) -> T {
      if constexpr (std::is_same_v<T, bool>) {
        // NumPy: min of bool is all, max is any (false < true).
        return kind_ == ReduceKind::All || kind_ == ReduceKind::Min ? (a && b) : (a || b);
      } else {
        switch (kind_) {
        case ReduceKind::Sum:
        case ReduceKind::Mean:
          return detail::wrapAdd(a, b);
        case ReduceKind::Prod:
          return detail::wrapMul(a, b);
        case ReduceKind::Max:
          if constexpr (std::is_floating_point_v<T>)
            if (std::isnan(a) || std::isnan(b)) return NAN;
          return a > b ? a : b;
        case ReduceKind::Min:
          if constexpr (std::is_floating_point_v<T>)
            if (std::isnan(a) || std::isnan(b)) return NAN;
          return a < b ? a : b;
        default:
          return a;
        }
      }
    };
    T identity{};
    if constexpr (std::is_same_v<T, bool>)
      identity = kind_ == ReduceKind::All || kind_ == ReduceKind::Min;
    else if (kind_ == ReduceKind::Prod)
      identity = T(1);
    else if (kind_ == ReduceKind::Max)
      identity = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                      : std::numeric_limits<T>::lowest();
    else if (kind_ == ReduceKind::Min)
      identity = std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                      : std::numeric_limits<T>::max();
    plan.run([&](int64_t o) { dst[o] = identity; },
             [&](int64_t o, int64_t off) { dst[o] = combine(dst[o], src[off]); });
  });
  if (kind_ == ReduceKind::Mean) {
    double *d = acc.data<double>();
    for (int64_t i = 0; i < acc.size(); ++i)
      d[i] = count ? d[i] / count : NAN;
  }
  return {acc.astype(outT)};
}

std::vector<Var> Reduce::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                              const std::vector<Var> &g) const {
  const Var &x = inputs[0];
  if (!g[0] || !isFloat(x.dtype())) return {Var()};
  int nd = x.ndim();
  Var gx = expandReduced(g[0], axes_, nd);
  switch (kind_) {
  case ReduceKind::Sum:
    return {broadcastLike(gx, x)};
  case ReduceKind::Mean:
    return {broadcastLike(gx / reducedCount(x, axes_, g[0].dtype()), x)};
  case ReduceKind::Max:
  case ReduceKind::Min: {
    // The gradient flows to every position equal to the extreme value (ties share it in full).
    Var hit = eq(x, expandReduced(outputs[0], axes_, nd));
    return {where(hit, broadcastLike(gx, x), constant(0.0, g[0].dtype()))};
  }
  case ReduceKind::Prod: {
    // d prod / d x_i = product of the others: prod/x_i without zeros; with exactly
    // one zero, the product of the non-zeros at that position; else 0.
    Var zero = constant(0.0, x.dtype());
    Var isZero = eq(x, zero);
    Var zeros = expandReduced(sum(cast(isZero, DType::Int64), axes_), axes_, nd);
    Var p = expandReduced(outputs[0], axes_, nd);
    Var pNonZero =
        expandReduced(prod(where(isZero, constant(1.0, x.dtype()), x), axes_), axes_, nd);
    Var noZero = gx * p / x;
    Var oneZero = where(isZero, gx * pNonZero, constant(0.0, g[0].dtype()));
    Var gradient =
        where(eq(zeros, constant(0.0, DType::Int64)), noZero,
              where(eq(zeros, constant(1.0, DType::Int64)), oneZero, constant(0.0, g[0].dtype())));
    return {broadcastLike(gradient, x)};
  }
  default:
    return {Var()};
  }
}

// ---- argmax / argmin ----

ArgReduce::ArgReduce(bool isMax, std::optional<int64_t> axis) : isMax_(isMax), axis_(axis) {
  if (axis_ && *axis_ < 0)
    throw ValueError(name() + ": axis must be normalised (non-negative), got " +
                     std::to_string(*axis_));
}

Attrs ArgReduce::attrs() const {
  if (axis_) return Attrs{{"axis", *axis_}};
  return {};
}

std::vector<TensorType> ArgReduce::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity(name(), in.size(), 1);
  if (!axis_) {
    for (int64_t d : in[0].shape)
      if (d == 0)
        throw ValueError(name() + ": attempt to get " + name() + " of an empty sequence (" +
                         in[0].str() + ")");
    return {TensorType(DType::Int64, {})};
  }
  if (*axis_ >= in[0].ndim())
    throw IndexError(name() + ": axis " + std::to_string(*axis_) + " is out of range for " +
                     in[0].str());
  if (in[0].shape[*axis_] == 0)
    throw ValueError(name() + ": axis " + std::to_string(*axis_) + " of " + in[0].str() +
                     " is empty");
  Shape out = in[0].shape;
  out.erase(out.begin() + *axis_);
  return {TensorType(DType::Int64, out)};
}

std::vector<Shape> ArgReduce::inferShape(const std::vector<Shape> &in) const {
  if (!axis_) return {Shape{}};
  Shape out = in[0];
  out.erase(out.begin() + *axis_);
  return {out};
}

void ArgReduce::checkShapes(const std::vector<TensorType> &, const std::vector<Shape> &in) const {
  bool empty = axis_ ? in[0][*axis_] == 0 : shapeSize(in[0]) == 0;
  if (empty)
    throw ValueError(name() + ": attempt to get " + name() + " of an empty sequence (shape " +
                     shapeStr(in[0]) + ")");
}

std::vector<Tensor> ArgReduce::perform(const std::vector<Tensor> &in) const {
  detail::expectArity(name(), in.size(), 1);
  if (axis_ && *axis_ >= in[0].ndim())
    throw IndexError(name() + ": axis out of range for shape " + shapeStr(in[0].shape()));
  checkShapes({}, {in[0].shape()});
  Tensor x = in[0].contiguous();
  IntList axes = axis_ ? IntList{*axis_} : allAxes(x.ndim());
  ReductionPlan plan(x.shape(), axes);
  Tensor out = Tensor::empty(DType::Int64, inferShape({x.shape()})[0]);
  int64_t *dst = out.data<int64_t>();
  dispatchDType(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *src = x.data<T>();
    std::vector<int64_t> pos(out.size(), 0), best(out.size(), 0);
    plan.run([&](int64_t o) { pos[o] = 0; },
             [&](int64_t o, int64_t off) {
               int64_t i = pos[o]++;
               if (i == 0) {
                 best[o] = off;
                 dst[o] = 0;
                 return;
               }
               T v = src[off], b = src[best[o]];
               bool better;
               if constexpr (std::is_floating_point_v<T>) {
                 if (std::isnan(b))
                   better = false; // the first NaN wins, as in NumPy
                 else
                   better = std::isnan(v) || (isMax_ ? v > b : v < b);
               } else {
                 better = isMax_ ? v > b : v < b;
               }
               if (better) {
                 best[o] = off;
                 dst[o] = i;
               }
             });
  });
  return {out};
}

std::vector<Var> ArgReduce::L_op(const std::vector<Var> &, const std::vector<Var> &,
                                 const std::vector<Var> &) const {
  return {Var()};
}

// ---- softmax / log_softmax ----

Softmax::Softmax(bool isLog, int64_t axis)
    : isLog_(isLog), axis_(detail::storedAxis(axis, isLog ? "log_softmax" : "softmax")) {}

std::vector<TensorType> Softmax::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity(name(), in.size(), 1);
  if (axis_ < 0 || axis_ >= in[0].ndim())
    throw IndexError(name() + ": axis " + std::to_string(axis_) + " is out of range for " +
                     in[0].str());
  return {TensorType(floatResult(in[0].dtype), in[0].shape)};
}

std::vector<Shape> Softmax::inferShape(const std::vector<Shape> &in) const { return {in[0]}; }

std::vector<Tensor> Softmax::perform(const std::vector<Tensor> &in) const {
  detail::expectArity(name(), in.size(), 1);
  if (axis_ >= in[0].ndim())
    throw IndexError(name() + ": axis out of range for shape " + shapeStr(in[0].shape()));
  DType outT = floatResult(in[0].dtype());
  Tensor x = in[0].astype(DType::Float64);
  Tensor out = Tensor::empty(DType::Float64, x.shape());
  const double *src = x.data<double>();
  double *dst = out.data<double>();
  ReductionPlan plan(x.shape(), {axis_});
  int64_t nOut = shapeSize(plan.keptShape);
  std::vector<double> mx(nOut, -INFINITY), total(nOut, 0);
  plan.run([](int64_t) {}, [&](int64_t o, int64_t off) { mx[o] = std::max(mx[o], src[off]); });
  for (double &m : mx)
    if (!std::isfinite(m)) m = 0; // all -inf rows give nan/-inf as NumPy would, not a crash
  plan.run([](int64_t) {}, [&](int64_t o, int64_t off) { total[o] += std::exp(src[off] - mx[o]); });
  plan.run([](int64_t) {},
           [&](int64_t o, int64_t off) {
             double z = src[off] - mx[o];
             dst[off] = isLog_ ? z - std::log(total[o]) : std::exp(z) / total[o];
           });
  return {out.astype(outT)};
}

std::vector<Var> Softmax::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                               const std::vector<Var> &g) const {
  if (!g[0] || !isFloat(inputs[0].dtype())) return {Var()};
  const Var &y = outputs[0];
  if (isLog_) // d log_softmax: g - softmax * sum(g)
    return {g[0] - exp(y) * sum(g[0], IntList{axis_}, true)};
  return {(g[0] - sum(g[0] * y, IntList{axis_}, true)) * y};
}

// ---- builders ----

Var reduce(ReduceKind kind, const Var &x, Axes axis, bool keepdims) {
  std::string n = reduceKindName(kind);
  IntList axes = axis ? normalizeAxes(*axis, x.ndim(), n) : allAxes(x.ndim());
  Var r = applyOp1(std::make_shared<Reduce>(kind, axes), {x});
  return keepdims ? expandReduced(r, axes, x.ndim()) : r;
}

#define GRAPHJIT_REDUCE_BUILDERS(NAME, KIND)                                                       \
  Var NAME(const Var &x, Axes axis, bool keepdims) { return reduce(KIND, x, axis, keepdims); }     \
  Var NAME(const Var &x, int64_t axis, bool keepdims) {                                            \
    return reduce(KIND, x, IntList{axis}, keepdims);                                               \
  }                                                                                                \
  Var NAME(const Var &x, std::initializer_list<int64_t> axes, bool keepdims) {                     \
    return reduce(KIND, x, IntList(axes), keepdims);                                               \
  }
GRAPHJIT_REDUCE_BUILDERS(sum, ReduceKind::Sum)
GRAPHJIT_REDUCE_BUILDERS(prod, ReduceKind::Prod)
GRAPHJIT_REDUCE_BUILDERS(max, ReduceKind::Max)
GRAPHJIT_REDUCE_BUILDERS(min, ReduceKind::Min)
GRAPHJIT_REDUCE_BUILDERS(all, ReduceKind::All)
GRAPHJIT_REDUCE_BUILDERS(any, ReduceKind::Any)
GRAPHJIT_REDUCE_BUILDERS(mean, ReduceKind::Mean)
#undef GRAPHJIT_REDUCE_BUILDERS

namespace {
Var argReduce(bool isMax, const Var &x, std::optional<int64_t> axis, bool keepdims) {
  std::optional<int64_t> a;
  if (axis) a = detail::normalizeAxis(*axis, x.ndim(), isMax ? "argmax" : "argmin");
  Var r = applyOp1(std::make_shared<ArgReduce>(isMax, a), {x});
  if (!keepdims) return r;
  return expandReduced(r, a ? IntList{*a} : allAxes(x.ndim()), x.ndim());
}
} // namespace

Var argmax(const Var &x, std::optional<int64_t> axis, bool keepdims) {
  return argReduce(true, x, axis, keepdims);
}
Var argmin(const Var &x, std::optional<int64_t> axis, bool keepdims) {
  return argReduce(false, x, axis, keepdims);
}

Var softmax(const Var &x, int64_t axis) {
  return applyOp1(
      std::make_shared<Softmax>(false, detail::normalizeAxis(axis, x.ndim(), "softmax")), {x});
}
Var log_softmax(const Var &x, int64_t axis) {
  return applyOp1(
      std::make_shared<Softmax>(true, detail::normalizeAxis(axis, x.ndim(), "log_softmax")), {x});
}

Var logsumexp(const Var &x, Axes axis, bool keepdims) {
  IntList axes = axis ? normalizeAxes(*axis, x.ndim(), "logsumexp") : allAxes(x.ndim());
  Var xf = isFloat(x.dtype()) ? x : cast(x, DType::Float64);
  Var m = max(xf, axes, true);
  // An infinite max (all -inf, or a +inf) must not produce inf - inf = nan.
  Var finite = lt(abs(m), constant(INFINITY, xf.dtype()));
  Var shift = where(finite, m, constant(0.0, xf.dtype()));
  Var r = log(sum(exp(xf - shift), axes, true)) + shift;
  return keepdims ? r : squeeze(r, axes);
}
Var logsumexp(const Var &x, int64_t axis, bool keepdims) {
  return logsumexp(x, IntList{axis}, keepdims);
}

// ---- batching and row-wise rules ----

// The reduced axes move past the batch dims (a reduce has one, batched, input).
std::vector<Var> Reduce::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                   int batchDims) const {
  return {applyOp1(std::make_shared<Reduce>(kind_, shifted(axes_, batchDims)), {inputs[0].var})};
}

// Reducing axes other than 0 keeps row i of the output a function of row i of x.
bool Reduce::isRowwise(const Apply &node, const std::vector<bool> &) const {
  return !axes_.empty() && axes_[0] != 0 && node.outputType(0).ndim() >= 1;
}

std::vector<Var> ArgReduce::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                      int batchDims) const {
  if (!axis_) cannotBatch(*this, "an argmax over all axes would cross the batch dims");
  return {applyOp1(std::make_shared<ArgReduce>(isMax_, *axis_ + batchDims), {inputs[0].var})};
}

std::vector<Var> Softmax::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                    int batchDims) const {
  return {applyOp1(std::make_shared<Softmax>(isLog_, axis_ + batchDims), {inputs[0].var})};
}

// A softmax along an axis other than 0 normalises within each row.
bool Softmax::isRowwise(const Apply &node, const std::vector<bool> &) const {
  int64_t nd = node.outputType(0).ndim();
  return nd >= 2 && axis_ != 0 && axis_ != -nd;
}

void registerReduceOps(OpRegistry &registry) {
  for (ReduceKind k : {ReduceKind::Sum, ReduceKind::Prod, ReduceKind::Max, ReduceKind::Min,
                       ReduceKind::All, ReduceKind::Any, ReduceKind::Mean}) {
    registry.add(
        reduceKindName(k),
        [k](const Attrs &a) {
          return std::make_shared<Reduce>(k, a.get<IntList>("axes", reduceKindName(k)));
        },
        Attrs{{"axes", IntList{0}}});
  }
  for (bool isMax : {true, false}) {
    registry.add(
        isMax ? "argmax" : "argmin",
        [isMax](const Attrs &a) -> OpPtr {
          std::optional<int64_t> axis;
          if (a.has("axis")) axis = a.get<int64_t>("axis", isMax ? "argmax" : "argmin");
          return std::make_shared<ArgReduce>(isMax, axis);
        },
        Attrs{{"axis", int64_t(0)}});
  }
  for (bool isLog : {false, true}) {
    const char *n = isLog ? "log_softmax" : "softmax";
    registry.add(
        n,
        [isLog, n](const Attrs &a) {
          return std::make_shared<Softmax>(isLog, a.get<int64_t>("axis", n));
        },
        Attrs{{"axis", int64_t(0)}});
  }
}

} // namespace graphjit
