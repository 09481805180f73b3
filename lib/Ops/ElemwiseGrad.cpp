// Gradients of elementwise ops and dimshuffle (their L_op).
//
// Each rule is d(out)/d(input) * g, written with graph builders; the result is
// then summed over the dims the input was broadcast along and cast back to
// the input's dtype. Integer and bool inputs get no gradient (a null Var).
#include "ShapeUtil.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

#include <cmath>

namespace graphjit {

namespace {
Var zero(const Var &like) { return constant(0.0, like.dtype()); }

/// Fits a raw gradient to `input`: summed over broadcast dims, in input's dtype.
Var fitToInput(const Var &grad, const Var &input) {
  if (!grad || !isFloat(input.dtype())) return Var();
  Var r = detail::sumToType(grad, input.type());
  return r.dtype() == input.dtype() ? r : cast(r, input.dtype());
}

/// Raw gradients (before fitting) of fn at inputs x, output z, output grad g.
std::vector<Var> rawGrads(ScalarFn fn, const std::vector<Var> &in, const Var &z, const Var &g) {
  const Var &x = in[0];
  const Var &y = in.size() > 1 ? in[1] : x;
  switch (fn) {
  case ScalarFn::Add:
    return {g, g};
  case ScalarFn::Sub:
    return {g, -g};
  case ScalarFn::Mul:
    return {g * y, g * x};
  case ScalarFn::TrueDiv:
    return {g / y, -g * x / sqr(y)};
  case ScalarFn::FloorDiv:
    return {Var(), Var()}; // piecewise constant
  // x mod y = x - y * floor(x / y)
  case ScalarFn::Mod:
    return {g, -g * floor_div(x, y)};
  case ScalarFn::Pow: {
    // d/dy x^y = log(x) x^y, taken as 0 where x == 0 (the limit for y > 0).
    Var gy = where(eq(x, zero(x)), zero(z), log(x) * z);
    return {g * y * pow(x, y - 1.0), g * gy};
  }
  // Ties send the gradient to the first operand.
  case ScalarFn::Maximum:
    return {where(ge(x, y), g, zero(g)), where(lt(x, y), g, zero(g))};
  case ScalarFn::Minimum:
    return {where(le(x, y), g, zero(g)), where(gt(x, y), g, zero(g))};
  case ScalarFn::Neg:
    return {-g};
  case ScalarFn::Exp:
    return {g * z};
  case ScalarFn::Log:
    return {g / x};
  case ScalarFn::Log1p:
    return {g / (x + 1.0)};
  case ScalarFn::Expm1:
    return {g * (z + 1.0)};
  case ScalarFn::Log2:
    return {g / (x * std::log(2.0))};
  case ScalarFn::Log10:
    return {g / (x * std::log(10.0))};
  case ScalarFn::Sqrt:
    return {g * 0.5 / z};
  case ScalarFn::Sqr:
    return {g * 2.0 * x};
  case ScalarFn::Abs:
    return {g * sign(x)};
  case ScalarFn::Sign:
    return {g * 0.0};
  case ScalarFn::Sigmoid:
    return {g * z * (1.0 - z)};
  case ScalarFn::Softplus:
    return {g * sigmoid(x)};
  case ScalarFn::Tanh:
    return {g * (1.0 - sqr(z))};
  case ScalarFn::Sin:
    return {g * cos(x)};
  case ScalarFn::Cos:
    return {-g * sin(x)};
  case ScalarFn::Floor:
  case ScalarFn::Ceil:
  case ScalarFn::Round:
    return {g * 0.0}; // piecewise constant
  case ScalarFn::Arcsin:
    return {g / sqrt(1.0 - sqr(x))};
  case ScalarFn::Arccos:
    return {-g / sqrt(1.0 - sqr(x))};
  case ScalarFn::Arctan:
    return {g / (1.0 + sqr(x))};
  case ScalarFn::Erf:
    return {g * (2.0 / std::sqrt(M_PI)) * exp(-sqr(x))};
  case ScalarFn::Reciprocal:
    return {-g * sqr(z)};
  case ScalarFn::Where:
    return {Var(), where(x, g, zero(g)), where(x, zero(g), g)};
  case ScalarFn::Clip: {
    const Var &lo = in[1], &hi = in[2];
    return {where(logical_and(ge(x, lo), le(x, hi)), g, zero(g)), where(lt(x, lo), g, zero(g)),
            where(gt(x, hi), g, zero(g))};
  }
  case ScalarFn::Cast:
  case ScalarFn::Identity:
    return {g};
  default:
    return std::vector<Var>(in.size()); // comparisons and logic: no gradient
  }
}
} // namespace

std::vector<Var> Elemwise::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                                const std::vector<Var> &outputGrads) const {
  const Var &g = outputGrads[0];
  if (!g || !isFloat(outputs[0].dtype())) return std::vector<Var>(inputs.size());
  std::vector<Var> raw = rawGrads(fn_, inputs, outputs[0], g);
  std::vector<Var> result;
  for (size_t i = 0; i < inputs.size(); ++i)
    result.push_back(fitToInput(raw[i], inputs[i]));
  return result;
}

std::vector<Var> DimShuffle::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                  const std::vector<Var> &outputGrads) const {
  const Var &g = outputGrads[0];
  if (!g || !isFloat(inputs[0].dtype())) return {Var()};
  // Remove the axes this op added (sum over them: size 1, but g's type may not say so).
  IntList added, keptOrder;
  for (size_t i = 0; i < order_.size(); ++i)
    if (order_[i] == -1)
      added.push_back(static_cast<int64_t>(i));
    else
      keptOrder.push_back(order_[i]);
  Var h = added.empty() ? g : sum(g, added);
  // h's axes are the kept input axes in `keptOrder` order: permute back and re-insert dropped ones.
  IntList inverse;
  for (int d = 0; d < inputNdim_; ++d) {
    int64_t pos = -1;
    for (size_t k = 0; k < keptOrder.size(); ++k)
      if (keptOrder[k] == d) pos = static_cast<int64_t>(k);
    inverse.push_back(pos);
  }
  bool identity = true;
  for (int d = 0; d < inputNdim_; ++d)
    identity &= inverse[d] == d;
  Var r = identity ? h : dimshuffle(h, inverse);
  return {r.dtype() == inputs[0].dtype() ? r : cast(r, inputs[0].dtype())};
}

} // namespace graphjit
