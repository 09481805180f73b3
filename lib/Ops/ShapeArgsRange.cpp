// arange_n and linspace_n: ranges whose bounds and lengths are scalars of the graph.
#include "OpUtil.h"
#include "ShapeArgsUtil.h"

#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/ArrayBuilders.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgsRange.h"
#include "graphjit/Support/Error.h"

#include <cmath>

namespace graphjit {

namespace {
/// d(cost)/d(bound) for an input that may be an integer (no gradient) or a float.
Var boundGrad(const Var &input, const Var &g) {
  if (!g || !isFloat(input.dtype())) return Var();
  return g.dtype() == input.dtype() ? g : cast(g, input.dtype());
}

/// 0, 1, ..., len(v) - 1 as floats of v's dtype: the positions along a range.
Var positions(const Var &v) { return cast(arange(shape_i(v, 0)), v.dtype()); }

/// linspace's fraction t_i = i / div of each position, div = num - 1 with the endpoint, else
/// num (at least 1: num <= 1 gives t = 0, the start alone).
Var fractions(const Var &positions, const Var &num, bool endpoint, DType dtype) {
  Var div = cast(endpoint ? num - constant(Tensor::scalar(1, num.dtype())) : num, dtype);
  return positions / maximum(div, constant(1.0, dtype));
}
} // namespace

// ---- arange_n ----

ArangeN::ArangeN(DType dtype) : dtype_(dtype) {
  if (dtype == DType::Bool)
    throw TypeError("arange: dtype b1 is not supported, expected a number type");
}

std::vector<TensorType> ArangeN::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("arange_n", in.size(), 3);
  const char *names[] = {"start", "stop", "step"};
  for (size_t i = 0; i < 3; ++i)
    detail::checkRealScalarType("arange", names[i], in[i]);
  return {TensorType(dtype_, {kUnknownDim})};
}

std::vector<Shape> ArangeN::inferShape(const std::vector<Shape> &) const {
  throw ShapeError("arange_n: the output length is the bounds' values, not known from shapes");
}

std::vector<Tensor> ArangeN::perform(const std::vector<Tensor> &in) const {
  detail::expectArity("arange_n", in.size(), 3);
  int64_t n = detail::arangeLength("arange", in[0].getAsDouble(0), in[1].getAsDouble(0),
                                   in[2].getAsDouble(0));
  bool exact = isInteger(dtype_) && isInteger(in[0].dtype()) && isInteger(in[2].dtype());
  Tensor out = Tensor::empty(dtype_, {n});
  dispatchDType(dtype_, [&](auto tag) {
    using T = decltype(tag);
    T *o = static_cast<T *>(out.rawData());
    if (exact) { // integer bounds: exact integer steps, wrapping as NumPy's do
      int64_t start = in[0].getAsInt64(0), step = in[2].getAsInt64(0);
      for (int64_t i = 0; i < n; ++i)
        o[i] = static_cast<T>(detail::wrapAdd(start, detail::wrapMul(i, step)));
    } else {
      double start = in[0].getAsDouble(0), step = in[2].getAsDouble(0);
      for (int64_t i = 0; i < n; ++i)
        o[i] = detail::saturatingCast<T>(start + static_cast<double>(i) * step);
    }
  });
  return {out};
}

std::vector<Var> ArangeN::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                               const std::vector<Var> &g) const {
  if (!g[0] || !isFloat(dtype_)) return {Var(), Var(), Var()};
  return {boundGrad(inputs[0], sum(g[0])), Var(),
          boundGrad(inputs[2], sum(g[0] * positions(g[0])))};
}

std::vector<Var> ArangeN::vectorize(const Apply &, const std::vector<BatchedVar> &, int) const {
  cannotBatch(*this, "a batched bound would give each batch element its own length");
}

std::vector<Var> ArangeN::shapeGraph(const Apply &node, const std::vector<Var> &) const {
  return {applyOp1(std::make_shared<SizeShapeOp>("arange", "arange"), node.inputs())};
}

// ---- linspace_n ----

LinspaceN::LinspaceN(bool endpoint, DType dtype) : endpoint_(endpoint), dtype_(dtype) {
  if (!isFloat(dtype))
    throw TypeError(std::string("linspace: dtype must be a float type, got ") + dtypeName(dtype));
}

std::vector<TensorType> LinspaceN::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("linspace_n", in.size(), 3);
  detail::checkRealScalarType("linspace", "start", in[0]);
  detail::checkRealScalarType("linspace", "stop", in[1]);
  detail::checkSizeType("linspace", in[2], 0);
  return {TensorType(dtype_, {kUnknownDim})};
}

std::vector<Shape> LinspaceN::inferShape(const std::vector<Shape> &) const {
  throw ShapeError("linspace_n: the output length is num's value, not known from shapes");
}

std::vector<Tensor> LinspaceN::perform(const std::vector<Tensor> &in) const {
  detail::expectArity("linspace_n", in.size(), 3);
  int64_t num = detail::sizeValue("linspace", in[2], 0);
  double start = in[0].getAsDouble(0), stop = in[1].getAsDouble(0);
  // NumPy's linspace: start + i * step, and the exact stop at the end.
  std::vector<double> v(static_cast<size_t>(num));
  double div = static_cast<double>(endpoint_ ? num - 1 : num);
  double step = div > 0 ? (stop - start) / div : 0;
  for (int64_t i = 0; i < num; ++i)
    v[i] = start + step * static_cast<double>(i);
  if (endpoint_ && num > 1) v[num - 1] = stop;
  return {Tensor::fromVector(v).astype(dtype_)};
}

std::vector<Var> LinspaceN::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                 const std::vector<Var> &g) const {
  if (!g[0]) return {Var(), Var(), Var()};
  Var t = fractions(positions(g[0]), inputs[2], endpoint_, g[0].dtype());
  return {boundGrad(inputs[0], sum(g[0] * (constant(1.0, g[0].dtype()) - t))),
          boundGrad(inputs[1], sum(g[0] * t)), Var()};
}

std::vector<Var> LinspaceN::vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                                      int batchDims) const {
  if (inputs[2].batched)
    cannotBatch(*this, "a batched num would give each batch element its own length");
  // start + t (stop - start) with a trailing axis on the bounds: [B..., num].
  Var start = cast(withBatchDims(inputs[0], batchDims), dtype_);
  Var stop = cast(withBatchDims(inputs[1], batchDims), dtype_);
  Var line = linspace(constant(0.0, dtype_), constant(1.0, dtype_), inputs[2].var, endpoint_,
                      dtype_); // t itself
  Var s = expand_dims(start, batchDims), e = expand_dims(stop, batchDims);
  return {s + line * (e - s)};
}

std::vector<Var> LinspaceN::shapeGraph(const Apply &node, const std::vector<Var> &) const {
  return {applyOp1(std::make_shared<SizeShapeOp>("sizes", "linspace"), {node.input(2)})};
}

// ---- builders ----

Var arange(const Var &stop, std::optional<DType> dtype) {
  return arange(ScalarArg(constant(Tensor::scalar(0, DType::Int64))), ScalarArg(stop),
                ScalarArg(constant(Tensor::scalar(1, DType::Int64))), dtype);
}

Var arange(const ScalarArg &start, const ScalarArg &stop, const ScalarArg &step,
           std::optional<DType> dtype) {
  const Var *v[] = {&start.var, &stop.var, &step.var};
  const char *names[] = {"start", "stop", "step"};
  bool allInt = true, allConstant = true;
  for (size_t i = 0; i < 3; ++i) {
    if (!*v[i]) throw ValueError(std::string("arange: ") + names[i] + " is null");
    detail::checkRealScalarType("arange", names[i], v[i]->type());
    allInt &= isInteger(v[i]->dtype());
    allConstant &= detail::isScalarConstant(*v[i]);
  }
  DType t = dtype.value_or(allInt ? DType::Int64 : DType::Float64);
  if (allConstant) // today's static op
    return arange(start.var->constantValue().getAsDouble(0),
                  stop.var->constantValue().getAsDouble(0),
                  step.var->constantValue().getAsDouble(0), t);
  return applyOp1(std::make_shared<ArangeN>(t), {start.var, stop.var, step.var});
}

Var linspace(const ScalarArg &start, const ScalarArg &stop, const ScalarArg &num, bool endpoint,
             DType dtype) {
  if (!start.var || !stop.var || !num.var) throw ValueError("linspace: an argument is null");
  detail::checkRealScalarType("linspace", "start", start.var.type());
  detail::checkRealScalarType("linspace", "stop", stop.var.type());
  Var n = detail::asSize("linspace", num.var, 0);
  if (detail::isScalarConstant(start.var) && detail::isScalarConstant(stop.var) &&
      detail::isScalarConstant(n))
    return linspace(start.var->constantValue().getAsDouble(0),
                    stop.var->constantValue().getAsDouble(0), n->constantValue().getAsInt64(0),
                    endpoint, dtype);
  return applyOp1(std::make_shared<LinspaceN>(endpoint, dtype), {start.var, stop.var, n});
}

Var logspace(const ScalarArg &start, const ScalarArg &stop, const ScalarArg &num, bool endpoint,
             double base, DType dtype) {
  Var e = linspace(start, stop, num, endpoint, dtype);
  if (e->isConstant()) // every argument a number: the constant of old
    return logspace(start.var->constantValue().getAsDouble(0),
                    stop.var->constantValue().getAsDouble(0),
                    num.var->constantValue().getAsInt64(0), endpoint, base, dtype);
  return pow(constant(base, dtype), e);
}

void registerShapeArgRangeOps(OpRegistry &registry) {
  registry.add(
      "arange_n",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<ArangeN>(a.get<DType>("dtype", "arange_n"));
      },
      Attrs{{"dtype", DType::Int64}});
  registry.add(
      "linspace_n",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<LinspaceN>(a.get<bool>("endpoint", "linspace_n"),
                                           a.get<DType>("dtype", "linspace_n"));
      },
      Attrs{{"endpoint", true}, {"dtype", DType::Float64}});
}

} // namespace graphjit
