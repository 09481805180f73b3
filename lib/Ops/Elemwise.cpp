// Elemwise: the scalar-function table, broadcasting type rule, perform and batching rule.
#include "graphjit/Ops/Elemwise.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace graphjit {

namespace {
const std::vector<std::pair<ScalarFn, ScalarFnInfo>> &fnTable() {
  static const std::vector<std::pair<ScalarFn, ScalarFnInfo>> table = {
      {ScalarFn::Add, {"add", 2}},
      {ScalarFn::Sub, {"sub", 2}},
      {ScalarFn::Mul, {"mul", 2}},
      {ScalarFn::TrueDiv, {"true_div", 2, ScalarResult::Float}},
      {ScalarFn::FloorDiv, {"floor_div", 2}},
      {ScalarFn::Mod, {"mod", 2}},
      {ScalarFn::Pow, {"pow", 2}},
      {ScalarFn::Maximum, {"maximum", 2}},
      {ScalarFn::Minimum, {"minimum", 2}},
      {ScalarFn::Neg, {"neg", 1}},
      {ScalarFn::Exp, {"exp", 1, ScalarResult::Float}},
      {ScalarFn::Log, {"log", 1, ScalarResult::Float}},
      {ScalarFn::Log1p, {"log1p", 1, ScalarResult::Float}},
      {ScalarFn::Expm1, {"expm1", 1, ScalarResult::Float}},
      {ScalarFn::Log2, {"log2", 1, ScalarResult::Float}},
      {ScalarFn::Log10, {"log10", 1, ScalarResult::Float}},
      {ScalarFn::Sqrt, {"sqrt", 1, ScalarResult::Float}},
      {ScalarFn::Sqr, {"sqr", 1}},
      {ScalarFn::Abs, {"abs", 1}},
      {ScalarFn::Sign, {"sign", 1}},
      {ScalarFn::Sigmoid, {"sigmoid", 1, ScalarResult::Float}},
      {ScalarFn::Softplus, {"softplus", 1, ScalarResult::Float}},
      {ScalarFn::Tanh, {"tanh", 1, ScalarResult::Float}},
      {ScalarFn::Sin, {"sin", 1, ScalarResult::Float}},
      {ScalarFn::Cos, {"cos", 1, ScalarResult::Float}},
      {ScalarFn::Erf, {"erf", 1, ScalarResult::Float}},
      {ScalarFn::Reciprocal, {"reciprocal", 1, ScalarResult::Float}},
      {ScalarFn::Floor, {"floor", 1, ScalarResult::Float}},
      {ScalarFn::Ceil, {"ceil", 1, ScalarResult::Float}},
      {ScalarFn::Round, {"round", 1, ScalarResult::Float}},
      {ScalarFn::Arcsin, {"arcsin", 1, ScalarResult::Float}},
      {ScalarFn::Arccos, {"arccos", 1, ScalarResult::Float}},
      {ScalarFn::Arctan, {"arctan", 1, ScalarResult::Float}},
      {ScalarFn::Lt, {"lt", 2, ScalarResult::Bool}},
      {ScalarFn::Le, {"le", 2, ScalarResult::Bool}},
      {ScalarFn::Gt, {"gt", 2, ScalarResult::Bool}},
      {ScalarFn::Ge, {"ge", 2, ScalarResult::Bool}},
      {ScalarFn::Eq, {"eq", 2, ScalarResult::Bool}},
      {ScalarFn::Neq, {"neq", 2, ScalarResult::Bool}},
      {ScalarFn::And, {"and", 2, ScalarResult::Bool}},
      {ScalarFn::Or, {"or", 2, ScalarResult::Bool}},
      {ScalarFn::Not, {"not", 1, ScalarResult::Bool}},
      {ScalarFn::IsNan, {"isnan", 1, ScalarResult::Bool}},
      {ScalarFn::IsInf, {"isinf", 1, ScalarResult::Bool}},
      {ScalarFn::Where, {"where", 3}},
      {ScalarFn::Clip, {"clip", 3}},
      {ScalarFn::Cast, {"cast", 1}},
      {ScalarFn::Identity, {"identity", 1}},
  };
  return table;
}

bool isComparison(ScalarFn f) { return scalarFnInfo(f).result == ScalarResult::Bool; }
bool isFloatFunction(ScalarFn f) { return scalarFnInfo(f).result == ScalarResult::Float; }

// Integer arithmetic wraps (OpUtil.h).
using detail::wrapAdd;
using detail::wrapMul;
using detail::wrapSub;

double softplusRef(double x) {
  // log(1 + exp(x)) without overflow or loss of small values.
  if (x > 33.3) return x;
  if (x < -37) return std::exp(x);
  return std::log1p(std::exp(x));
}
double sigmoidRef(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}

// Scalar semantics of every function on compute type T; the result is converted to R.
template <typename T> double evalFloat(ScalarFn f, T a, T b) {
  double x = static_cast<double>(a);
  switch (f) {
  case ScalarFn::TrueDiv:
    return static_cast<T>(a / b);
  case ScalarFn::Exp:
    return static_cast<T>(std::exp(a));
  case ScalarFn::Log:
    return static_cast<T>(std::log(a));
  case ScalarFn::Log1p:
    return static_cast<T>(std::log1p(a));
  case ScalarFn::Expm1:
    return static_cast<T>(std::expm1(a));
  case ScalarFn::Log2:
    return static_cast<T>(std::log2(a));
  case ScalarFn::Log10:
    return static_cast<T>(std::log10(a));
  case ScalarFn::Sqrt:
    return static_cast<T>(std::sqrt(a));
  case ScalarFn::Sigmoid:
    return static_cast<T>(sigmoidRef(x));
  case ScalarFn::Softplus:
    return static_cast<T>(softplusRef(x));
  case ScalarFn::Tanh:
    return static_cast<T>(std::tanh(a));
  case ScalarFn::Sin:
    return static_cast<T>(std::sin(a));
  case ScalarFn::Cos:
    return static_cast<T>(std::cos(a));
  case ScalarFn::Erf:
    return static_cast<T>(std::erf(a));
  case ScalarFn::Reciprocal:
    return static_cast<T>(T(1) / a);
  case ScalarFn::Floor:
    return static_cast<T>(std::floor(a));
  case ScalarFn::Ceil:
    return static_cast<T>(std::ceil(a));
  case ScalarFn::Round:
    return static_cast<T>(std::nearbyint(a)); // half to even in the default rounding mode
  case ScalarFn::Arcsin:
    return static_cast<T>(std::asin(a));
  case ScalarFn::Arccos:
    return static_cast<T>(std::acos(a));
  case ScalarFn::Arctan:
    return static_cast<T>(std::atan(a));
  default:
    break;
  }
  (void)b;
  return 0;
}

template <typename T> T evalArith(ScalarFn f, T a, T b) {
  constexpr bool isInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;
  switch (f) {
  case ScalarFn::Add:
    if constexpr (isInt)
      return wrapAdd(a, b);
    else
      return static_cast<T>(a + b);
  case ScalarFn::Sub:
    if constexpr (isInt)
      return wrapSub(a, b);
    else
      return static_cast<T>(a - b);
  case ScalarFn::Mul:
    if constexpr (isInt)
      return wrapMul(a, b);
    else
      return static_cast<T>(a * b);
  case ScalarFn::Neg:
    if constexpr (isInt)
      return wrapSub(T(0), a);
    else
      return static_cast<T>(-a);
  case ScalarFn::Sqr:
    if constexpr (isInt)
      return wrapMul(a, a);
    else
      return static_cast<T>(a * a);
  case ScalarFn::Abs:
    if constexpr (isInt)
      return a < 0 ? wrapSub(T(0), a) : a;
    else
      return static_cast<T>(std::fabs(a));
  case ScalarFn::Sign:
    return static_cast<T>((a > T(0)) - (a < T(0)));
  case ScalarFn::Maximum:
    if constexpr (!isInt)
      if (std::isnan(double(a)) || std::isnan(double(b))) return static_cast<T>(NAN);
    return a > b ? a : b;
  case ScalarFn::Minimum:
    if constexpr (!isInt)
      if (std::isnan(double(a)) || std::isnan(double(b))) return static_cast<T>(NAN);
    return a < b ? a : b;
  case ScalarFn::FloorDiv:
    if constexpr (isInt) {
      if (b == 0) return 0; // NumPy returns 0 (with a warning)
      if (b == -1) return wrapSub(T(0), a);
      T q = a / b;
      return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    } else
      return static_cast<T>(std::floor(a / b));
  case ScalarFn::Mod:
    if constexpr (isInt) {
      if (b == 0 || b == -1) return 0;
      T r = a % b;
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    } else {
      T r = static_cast<T>(std::fmod(a, b));
      return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
    }
  case ScalarFn::Pow:
    if constexpr (isInt) {
      // 1 / a^|b| truncated toward zero; 1 / 0 := 0 as for integer division (pow(0, -1) = 0).
      if (b < 0) return a == 1 ? 1 : (a == -1 ? (b % 2 ? -1 : 1) : 0);
      T r = 1, base = a;
      for (T e = b; e > 0; e >>= 1) {
        if (e & 1) r = wrapMul(r, base);
        base = wrapMul(base, base);
      }
      return r;
    } else
      return static_cast<T>(std::pow(a, b));
  case ScalarFn::Identity:
    return a;
  default:
    break;
  }
  return a;
}

bool evalPredicate(ScalarFn f, double a, double b) {
  switch (f) {
  case ScalarFn::Lt:
    return a < b;
  case ScalarFn::Le:
    return a <= b;
  case ScalarFn::Gt:
    return a > b;
  case ScalarFn::Ge:
    return a >= b;
  case ScalarFn::Eq:
    return a == b;
  case ScalarFn::Neq:
    return a != b;
  case ScalarFn::And:
    return a != 0 && b != 0;
  case ScalarFn::Or:
    return a != 0 || b != 0;
  case ScalarFn::Not:
    return a == 0;
  case ScalarFn::IsNan:
    return std::isnan(a);
  case ScalarFn::IsInf:
    return std::isinf(a);
  default:
    return false;
  }
}

// Exact comparisons for 64-bit ints (double would round above 2^53).
template <typename T> bool evalPredicateT(ScalarFn f, T a, T b) {
  if constexpr (std::is_same_v<T, int64_t>) {
    switch (f) {
    case ScalarFn::Lt:
      return a < b;
    case ScalarFn::Le:
      return a <= b;
    case ScalarFn::Gt:
      return a > b;
    case ScalarFn::Ge:
      return a >= b;
    case ScalarFn::Eq:
      return a == b;
    case ScalarFn::Neq:
      return a != b;
    default:
      break;
    }
  }
  return evalPredicate(f, static_cast<double>(a), static_cast<double>(b));
}
} // namespace

const ScalarFnInfo &scalarFnInfo(ScalarFn fn) {
  for (auto &[f, info] : fnTable())
    if (f == fn) return info;
  static const ScalarFnInfo unknown{"?", 0};
  return unknown;
}

bool scalarFnFromName(const std::string &name, ScalarFn &out) {
  for (auto &[f, info] : fnTable())
    if (name == info.name) {
      out = f;
      return true;
    }
  return false;
}

const std::vector<ScalarFn> &allScalarFns() {
  static const std::vector<ScalarFn> fns = [] {
    std::vector<ScalarFn> r;
    for (auto &kv : fnTable())
      r.push_back(kv.first);
    return r;
  }();
  return fns;
}

DType Elemwise::computeDType(const std::vector<DType> &in) const {
  if (fn_ == ScalarFn::Cast) return in[0];
  size_t first = fn_ == ScalarFn::Where ? 1 : 0; // the condition keeps its own dtype
  DType t = in[first];
  for (size_t i = first + 1; i < in.size(); ++i)
    t = promoteTypes(t, in[i]);
  if (isFloatFunction(fn_)) return floatResult(t);
  if (fn_ == ScalarFn::And || fn_ == ScalarFn::Or || fn_ == ScalarFn::Not) return t;
  if (t == DType::Bool && !isComparison(fn_) && fn_ != ScalarFn::Where &&
      fn_ != ScalarFn::Identity && fn_ != ScalarFn::Maximum && fn_ != ScalarFn::Minimum)
    return DType::Int64; // arithmetic on bools counts in integers
  return t;
}

DType Elemwise::outputDType(const std::vector<DType> &in) const {
  if (fn_ == ScalarFn::Cast) return castTo_;
  if (isComparison(fn_)) return DType::Bool;
  return computeDType(in);
}

Attrs Elemwise::attrs() const {
  if (fn_ == ScalarFn::Cast) return Attrs{{"dtype", castTo_}};
  return {};
}

std::vector<TensorType> Elemwise::makeOutputTypes(const std::vector<TensorType> &in) const {
  const std::string op = name();
  detail::expectArity(op, in.size(), scalarFnInfo(fn_).arity);
  int nd = in[0].ndim();
  for (auto &t : in)
    if (t.ndim() != nd)
      throw ShapeError(op + ": inputs must have equal rank after alignment, got " +
                       detail::typesStr(in));
  if (fn_ == ScalarFn::Where && in[0].dtype != DType::Bool)
    throw TypeError("where: condition must be b1 (bool), got " + in[0].str());
  Shape out(nd);
  for (int d = 0; d < nd; ++d) {
    int64_t size = 1;
    bool unknown = false;
    for (auto &t : in) {
      int64_t s = t.shape[d];
      if (s == 1) continue;
      if (s == kUnknownDim) {
        unknown = true;
        continue;
      }
      if (size != 1 && size != s)
        throw ShapeError(op + ": cannot broadcast axis " + std::to_string(d) + " (sizes " +
                         std::to_string(size) + " and " + std::to_string(s) + ") in " +
                         detail::typesStr(in));
      size = s;
    }
    out[d] = (size == 1 && unknown) ? kUnknownDim : size;
  }
  std::vector<DType> dts;
  for (auto &t : in)
    dts.push_back(t.dtype);
  return {TensorType(outputDType(dts), out)};
}

std::vector<Shape> Elemwise::inferShape(const std::vector<Shape> &in) const {
  size_t nd = 0;
  for (auto &s : in)
    nd = std::max(nd, s.size());
  Shape out(nd, 1);
  for (size_t k = 0; k < in.size(); ++k) {
    size_t pad = nd - in[k].size();
    for (size_t d = 0; d < in[k].size(); ++d) {
      int64_t s = in[k][d];
      int64_t &o = out[pad + d];
      if (s == 1) continue;
      if (o != 1 && o != s)
        throw ShapeError(name() + ": input " + std::to_string(k) + " has size " +
                         std::to_string(s) + " at axis " + std::to_string(pad + d) + ", expected " +
                         std::to_string(o) + " (sizes must be equal, or 1 to broadcast)");
      o = s;
    }
  }
  return {out};
}

void Elemwise::checkShapes(const std::vector<TensorType> &inTypes,
                           const std::vector<Shape> &in) const {
  // Checked here, before inferShape, so the message can say what the types allow: a size-1 value
  // broadcasts only where its type has a static 1 (PyTensor's rule), never by its run-time size.
  size_t nd = 0;
  for (auto &s : in)
    nd = std::max(nd, s.size());
  for (size_t axis = 0; axis < nd; ++axis) {
    int first = -1; // the first input whose size at `axis` must be matched
    for (size_t k = 0; k < in.size(); ++k) {
      size_t pad = nd - in[k].size();
      if (axis < pad || inTypes[k].shape[axis - pad] == 1) continue;
      int64_t size = in[k][axis - pad];
      if (first < 0) {
        first = static_cast<int>(k);
        continue;
      }
      int64_t want = in[first][axis - (nd - in[first].size())];
      if (size != want)
        throw ShapeError(name() + ": input " + std::to_string(k) + " has size " +
                         std::to_string(size) + " at axis " + std::to_string(axis) + " but input " +
                         std::to_string(first) + " has size " + std::to_string(want) +
                         " there; the sizes must be equal (to broadcast, declare the dim as a "
                         "static 1 in the input's type, e.g. f64[1,3]; input " +
                         std::to_string(k) + " has type " + inTypes[k].str() + ")");
    }
  }
  inferShape(in);
}

std::vector<Tensor> Elemwise::perform(const std::vector<Tensor> &inRaw) const {
  detail::expectArity(name(), inRaw.size(), scalarFnInfo(fn_).arity);
  Shape outShape = inferShape([&] {
    std::vector<Shape> s;
    for (auto &t : inRaw)
      s.push_back(t.shape());
    return s;
  }())[0];
  std::vector<DType> dts;
  for (auto &t : inRaw)
    dts.push_back(t.dtype());
  DType ct = computeDType(dts), ot = outputDType(dts);
  std::vector<Tensor> in;
  for (size_t i = 0; i < inRaw.size(); ++i) {
    bool keep = (fn_ == ScalarFn::Where && i == 0) || inRaw[i].dtype() == ct;
    in.push_back(keep ? inRaw[i] : inRaw[i].astype(ct));
  }
  if (fn_ == ScalarFn::Cast) return {in[0].astype(castTo_).reshaped(outShape)};
  Tensor out = Tensor::empty(ot, outShape);
  std::vector<Shape> strides;
  for (auto &t : in)
    strides.push_back(detail::broadcastStrides(t, outShape));

  dispatchDType(ct, [&](auto tag) {
    using T = decltype(tag);
    const size_t first = fn_ == ScalarFn::Where ? 1 : 0;
    auto arg = [&](size_t k, const std::vector<int64_t> &off) -> T {
      return static_cast<const T *>(in[k].rawData())[off[k]];
    };
    if (fn_ == ScalarFn::Where) {
      const bool *c = in[0].data<bool>();
      T *o = out.data<T>();
      detail::forEachBroadcast(outShape, strides, [&](int64_t i, const std::vector<int64_t> &off) {
        o[i] = c[off[0]] ? arg(1, off) : arg(2, off);
      });
    } else if (fn_ == ScalarFn::Clip) {
      T *o = out.data<T>();
      detail::forEachBroadcast(outShape, strides, [&](int64_t i, const std::vector<int64_t> &off) {
        // NumPy: minimum(maximum(x, lo), hi): lo > hi gives hi, a NaN anywhere gives NaN.
        T x = arg(0, off), lo = arg(1, off), hi = arg(2, off);
        if constexpr (std::is_same_v<T, bool>)
          o[i] = (x || lo) && hi;
        else
          o[i] = evalArith<T>(ScalarFn::Minimum, evalArith<T>(ScalarFn::Maximum, x, lo), hi);
      });
    } else if (isComparison(fn_)) {
      bool *o = out.data<bool>();
      const bool unary = scalarFnInfo(fn_).arity == 1;
      detail::forEachBroadcast(outShape, strides, [&](int64_t i, const std::vector<int64_t> &off) {
        o[i] = evalPredicateT<T>(fn_, arg(0, off), unary ? T{} : arg(1, off));
      });
    } else if (isFloatFunction(fn_)) {
      if constexpr (std::is_floating_point_v<T>) {
        T *o = out.data<T>();
        const bool unary = scalarFnInfo(fn_).arity == 1;
        detail::forEachBroadcast(
            outShape, strides, [&](int64_t i, const std::vector<int64_t> &off) {
              o[i] = static_cast<T>(evalFloat<T>(fn_, arg(0, off), unary ? T{} : arg(1, off)));
            });
      }
    } else {
      if constexpr (!std::is_same_v<T, bool>) {
        T *o = out.data<T>();
        const bool unary = scalarFnInfo(fn_).arity == 1;
        detail::forEachBroadcast(
            outShape, strides, [&](int64_t i, const std::vector<int64_t> &off) {
              o[i] = evalArith<T>(fn_, arg(first, off), unary ? T{} : arg(first + 1, off));
            });
      } else {
        // maximum/minimum/identity on bools
        bool *o = out.data<bool>();
        detail::forEachBroadcast(
            outShape, strides, [&](int64_t i, const std::vector<int64_t> &off) {
              bool a = arg(0, off);
              bool b = scalarFnInfo(fn_).arity == 2 ? arg(1, off) : a;
              o[i] = fn_ == ScalarFn::Maximum ? (a || b) : fn_ == ScalarFn::Minimum ? (a && b) : a;
            });
      }
    }
  });
  return {out};
}

// ---- user-facing builders ----

Var elemwise(ScalarFn fn, std::vector<Var> inputs) {
  int nd = 0;
  for (auto &v : inputs) {
    if (!v) throw ValueError(std::string(scalarFnInfo(fn).name) + ": null input");
    nd = std::max(nd, v.ndim());
  }
  for (auto &v : inputs)
    if (v.ndim() < nd) {
      IntList order(nd - v.ndim(), -1);
      for (int d = 0; d < v.ndim(); ++d)
        order.push_back(d);
      v = dimshuffle(v, order);
    }
  return applyOp1(std::make_shared<Elemwise>(fn), std::move(inputs));
}

Var constant(double value, DType dtype) { return Var::constant(Tensor::scalar(value, dtype)); }
Var constant(const Tensor &value, const std::string &name) { return Var::constant(value, name); }

Var scalarLike(double value, const Var &like) {
  DType t = like.dtype();
  if (!isFloat(t) && (value != std::floor(value) || !std::isfinite(value))) t = DType::Float64;
  if (t == DType::Bool) t = DType::Int64;
  return constant(value, t);
}

#define GRAPHJIT_BINARY(NAME, FN)                                                                  \
  Var NAME(const Var &a, const Var &b) { return elemwise(ScalarFn::FN, {a, b}); }
#define GRAPHJIT_UNARY(NAME, FN)                                                                   \
  Var NAME(const Var &x) { return elemwise(ScalarFn::FN, {x}); }
GRAPHJIT_BINARY(add, Add)
GRAPHJIT_BINARY(sub, Sub)
GRAPHJIT_BINARY(mul, Mul)
GRAPHJIT_BINARY(true_div, TrueDiv)
GRAPHJIT_BINARY(floor_div, FloorDiv)
GRAPHJIT_BINARY(mod, Mod)
GRAPHJIT_BINARY(pow, Pow)
GRAPHJIT_BINARY(maximum, Maximum)
GRAPHJIT_BINARY(minimum, Minimum)
GRAPHJIT_BINARY(lt, Lt)
GRAPHJIT_BINARY(le, Le)
GRAPHJIT_BINARY(gt, Gt)
GRAPHJIT_BINARY(ge, Ge)
GRAPHJIT_BINARY(eq, Eq)
GRAPHJIT_BINARY(neq, Neq)
GRAPHJIT_BINARY(logical_and, And)
GRAPHJIT_BINARY(logical_or, Or)
GRAPHJIT_UNARY(neg, Neg)
GRAPHJIT_UNARY(exp, Exp)
GRAPHJIT_UNARY(log, Log)
GRAPHJIT_UNARY(log1p, Log1p)
GRAPHJIT_UNARY(expm1, Expm1)
GRAPHJIT_UNARY(log2, Log2)
GRAPHJIT_UNARY(log10, Log10)
GRAPHJIT_UNARY(sqrt, Sqrt)
GRAPHJIT_UNARY(sqr, Sqr)
GRAPHJIT_UNARY(abs, Abs)
GRAPHJIT_UNARY(sign, Sign)
GRAPHJIT_UNARY(sigmoid, Sigmoid)
GRAPHJIT_UNARY(softplus, Softplus)
GRAPHJIT_UNARY(tanh, Tanh)
GRAPHJIT_UNARY(sin, Sin)
GRAPHJIT_UNARY(cos, Cos)
GRAPHJIT_UNARY(erf, Erf)
GRAPHJIT_UNARY(reciprocal, Reciprocal)
GRAPHJIT_UNARY(floor, Floor)
GRAPHJIT_UNARY(ceil, Ceil)
GRAPHJIT_UNARY(round, Round)
GRAPHJIT_UNARY(arcsin, Arcsin)
GRAPHJIT_UNARY(arccos, Arccos)
GRAPHJIT_UNARY(arctan, Arctan)
GRAPHJIT_UNARY(logical_not, Not)
GRAPHJIT_UNARY(isnan, IsNan)
GRAPHJIT_UNARY(isinf, IsInf)
#undef GRAPHJIT_BINARY
#undef GRAPHJIT_UNARY

Var pow(const Var &a, double b) { return pow(a, scalarLike(b, a)); }
Var eq(const Var &a, double b) { return eq(a, scalarLike(b, a)); }
Var eq(double a, const Var &b) { return eq(scalarLike(a, b), b); }
Var neq(const Var &a, double b) { return neq(a, scalarLike(b, a)); }
Var neq(double a, const Var &b) { return neq(scalarLike(a, b), b); }

// where(isnan(x), nan, where(isinf(x), where(x > 0, posinf, neginf), x)): PyTensor's composition.
Var nan_to_num(const Var &x, double nan, std::optional<double> posinf,
               std::optional<double> neginf) {
  if (!isFloat(x.dtype())) return x;
  double big = x.dtype() == DType::Float32 ? std::numeric_limits<float>::max()
                                           : std::numeric_limits<double>::max();
  Var inf =
      where(x > 0.0, scalarLike(posinf.value_or(big), x), scalarLike(neginf.value_or(-big), x));
  return where(isnan(x), scalarLike(nan, x), where(isinf(x), inf, x));
}
Var where(const Var &c, const Var &a, const Var &b) { return elemwise(ScalarFn::Where, {c, a, b}); }
Var clip(const Var &x, const Var &lo, const Var &hi) {
  return elemwise(ScalarFn::Clip, {x, lo, hi});
}
Var clip(const Var &x, double lo, double hi) {
  return clip(x, scalarLike(lo, x), scalarLike(hi, x));
}
Var cast(const Var &x, DType dtype) {
  return applyOp1(std::make_shared<Elemwise>(ScalarFn::Cast, dtype), {x});
}

Var operator+(const Var &a, const Var &b) { return add(a, b); }
Var operator-(const Var &a, const Var &b) { return sub(a, b); }
Var operator*(const Var &a, const Var &b) { return mul(a, b); }
Var operator/(const Var &a, const Var &b) { return true_div(a, b); }
Var operator%(const Var &a, const Var &b) { return mod(a, b); }
Var operator-(const Var &a) { return neg(a); }
Var operator<(const Var &a, const Var &b) { return lt(a, b); }
Var operator<=(const Var &a, const Var &b) { return le(a, b); }
Var operator>(const Var &a, const Var &b) { return gt(a, b); }
Var operator>=(const Var &a, const Var &b) { return ge(a, b); }

// f(x, y) over a batch: f of the inputs aligned to the batch dims (broadcasting
// shares the unbatched ones with every batch element).
std::vector<Var> Elemwise::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                     int batchDims) const {
  return batchBroadcasting(node, inputs, batchDims);
}

// Output row i reads row i of the row inputs; every other input must broadcast
// along axis 0 (a static 1 there, or a lower rank), so each block sees all of it.
bool Elemwise::isRowwise(const Apply &node, const std::vector<bool> &inputIsRows) const {
  int outNdim = node.outputType(0).ndim();
  bool ok = true;
  for (int i = 0; i < static_cast<int>(node.inputs().size()); ++i) {
    const Var &in = node.input(i);
    if (in.ndim() != outNdim)
      ok &= !inputIsRows[i] && in.ndim() < outNdim;
    else if (!inputIsRows[i])
      ok &= in.type().shape[0] == 1;
  }
  return ok;
}

void registerElemwiseOps(OpRegistry &registry) {
  for (ScalarFn fn : allScalarFns()) {
    if (fn == ScalarFn::Cast) {
      registry.add(
          "cast",
          [](const Attrs &a) {
            return std::make_shared<Elemwise>(ScalarFn::Cast, a.get<DType>("dtype", "cast"));
          },
          Attrs{{"dtype", DType::Float32}});
      continue;
    }
    registry.add(scalarFnInfo(fn).name, [fn](const Attrs &a) -> OpPtr {
      if (!a.empty())
        throw ValueError(std::string(scalarFnInfo(fn).name) + ": takes no attributes, got " +
                         a.str());
      return std::make_shared<Elemwise>(fn);
    });
  }
}

} // namespace graphjit
