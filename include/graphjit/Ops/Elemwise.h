// Elementwise ops over scalar functions, with NumPy broadcasting, and the
// user-facing arithmetic: operators, math functions, comparisons, where, cast, clip.
//
// Broadcasting follows PyTensor: ranks are aligned by the helpers (a leading
// broadcastable dim is added to the shorter operand), and a dim broadcasts only
// where its type says 1. A dim of unknown size must match the others at run
// time; a run-time 1 does not stretch (an error says so).
#pragma once

#include "graphjit/Graph/Op.h"

#include <optional>

namespace graphjit {

enum class ScalarFn {
  // binary arithmetic
  Add,
  Sub,
  Mul,
  TrueDiv,
  FloorDiv,
  Mod,
  Pow,
  Maximum,
  Minimum,
  // unary
  Neg,
  Exp,
  Log,
  Log1p,
  Expm1,
  Log2,
  Log10,
  Sqrt,
  Sqr,
  Abs,
  Sign,
  Sigmoid,
  Softplus,
  Tanh,
  Sin,
  Cos,
  Erf,
  Reciprocal,
  Floor,
  Ceil,
  Round,
  Arcsin,
  Arccos,
  Arctan,
  // comparisons and logic (bool results)
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Neq,
  And,
  Or,
  Not,
  IsNan,
  IsInf,
  // others
  Where,
  Clip,
  Cast,
  Identity,
};

/// The dtype a scalar function computes in, before any cast of the result.
enum class ScalarResult {
  Promoted, ///< the inputs' promoted dtype (bool arithmetic counts in int64)
  Float,    ///< a float: ints and bools become float64 (exp, true_div, ...)
  Bool,     ///< bool: comparisons and logic
};

/// One row of the scalar-function table: every property of a function is a
/// field here, never implied by where the enum value sits.
struct ScalarFnInfo {
  const char *name;
  int arity;
  ScalarResult result = ScalarResult::Promoted;
};
const ScalarFnInfo &scalarFnInfo(ScalarFn fn);
/// Looks a function up by its printed name; false if there is none.
bool scalarFnFromName(const std::string &name, ScalarFn &out);
/// Every scalar function, in declaration order.
const std::vector<ScalarFn> &allScalarFns();

class Elemwise : public Op {
public:
  explicit Elemwise(ScalarFn fn, DType castTo = DType::Float64) : fn_(fn), castTo_(castTo) {}

  ScalarFn fn() const { return fn_; }
  /// Target dtype of a Cast.
  DType castTo() const { return castTo_; }
  /// The dtype inputs are converted to before the scalar function runs.
  DType computeDType(const std::vector<DType> &in) const;
  DType outputDType(const std::vector<DType> &in) const;

  std::string name() const override { return scalarFnInfo(fn_).name; }
  Attrs attrs() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  void checkShapes(const std::vector<TensorType> &inTypes,
                   const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool isRowwise(const Apply &node, const std::vector<bool> &inputIsRows) const override;

private:
  ScalarFn fn_;
  DType castTo_;
};

/// Builds fn(inputs) with rank alignment; throws on incompatible shapes/dtypes.
Var elemwise(ScalarFn fn, std::vector<Var> inputs);
/// Scalar constant of `value` in the dtype a NumPy/PyTensor user expects next to `like`
/// (float values next to ints become float64; otherwise `like`'s dtype).
Var scalarLike(double value, const Var &like);
/// Scalar constant helpers.
Var constant(double value, DType dtype = DType::Float64);
Var constant(const Tensor &value, const std::string &name = "");

// Arithmetic.
Var add(const Var &a, const Var &b);
Var sub(const Var &a, const Var &b);
Var mul(const Var &a, const Var &b);
Var true_div(const Var &a, const Var &b);
Var floor_div(const Var &a, const Var &b);
Var mod(const Var &a, const Var &b);
Var pow(const Var &a, const Var &b);
Var pow(const Var &a, double b);
Var maximum(const Var &a, const Var &b);
Var minimum(const Var &a, const Var &b);
Var neg(const Var &a);

// Math.
Var exp(const Var &x);
Var log(const Var &x);
Var log1p(const Var &x);
Var expm1(const Var &x);
Var log2(const Var &x);
Var log10(const Var &x);
Var sqrt(const Var &x);
Var sqr(const Var &x);
Var abs(const Var &x);
Var sign(const Var &x);
Var sigmoid(const Var &x);
Var softplus(const Var &x);
Var tanh(const Var &x);
Var sin(const Var &x);
Var cos(const Var &x);
Var erf(const Var &x);
Var reciprocal(const Var &x);
/// Floats in and out (ints become float64, as NumPy); round is half to even.
Var floor(const Var &x);
Var ceil(const Var &x);
Var round(const Var &x);
Var arcsin(const Var &x);
Var arccos(const Var &x);
Var arctan(const Var &x);

// Comparisons and logic (bool results). `==`/`!=` on Var compare identity, so
// graph equality is eq()/neq().
Var lt(const Var &a, const Var &b);
Var le(const Var &a, const Var &b);
Var gt(const Var &a, const Var &b);
Var ge(const Var &a, const Var &b);
Var eq(const Var &a, const Var &b);
Var neq(const Var &a, const Var &b);
Var logical_and(const Var &a, const Var &b);
Var logical_or(const Var &a, const Var &b);
Var logical_not(const Var &a);
/// NumPy isnan / isinf (false for integers).
Var isnan(const Var &x);
Var isinf(const Var &x);
/// NumPy nan_to_num: NaN -> nan, +inf -> posinf, -inf -> neginf (defaults: 0 and the dtype's
/// largest finite values). Built from isnan/isinf and where, as PyTensor does.
Var nan_to_num(const Var &x, double nan = 0.0, std::optional<double> posinf = {},
               std::optional<double> neginf = {});
/// eq/neq with a plain number on one side, like the comparison operators.
Var eq(const Var &a, double b);
Var eq(double a, const Var &b);
Var neq(const Var &a, double b);
Var neq(double a, const Var &b);

Var where(const Var &cond, const Var &a, const Var &b);
Var clip(const Var &x, const Var &lo, const Var &hi);
Var clip(const Var &x, double lo, double hi);
Var cast(const Var &x, DType dtype);

// Operators, with scalars on either side.
Var operator+(const Var &a, const Var &b);
Var operator-(const Var &a, const Var &b);
Var operator*(const Var &a, const Var &b);
Var operator/(const Var &a, const Var &b);
Var operator%(const Var &a, const Var &b);
Var operator-(const Var &a);
Var operator<(const Var &a, const Var &b);
Var operator<=(const Var &a, const Var &b);
Var operator>(const Var &a, const Var &b);
Var operator>=(const Var &a, const Var &b);
#define GRAPHJIT_SCALAR_OPERATOR(OP)                                                               \
  inline Var operator OP(const Var &a, double b) { return a OP scalarLike(b, a); }                 \
  inline Var operator OP(double a, const Var &b) { return scalarLike(a, b) OP b; }
GRAPHJIT_SCALAR_OPERATOR(+)
GRAPHJIT_SCALAR_OPERATOR(-)
GRAPHJIT_SCALAR_OPERATOR(*)
GRAPHJIT_SCALAR_OPERATOR(/)
GRAPHJIT_SCALAR_OPERATOR(%)
GRAPHJIT_SCALAR_OPERATOR(<)
GRAPHJIT_SCALAR_OPERATOR(<=)
GRAPHJIT_SCALAR_OPERATOR(>)
GRAPHJIT_SCALAR_OPERATOR(>=)
#undef GRAPHJIT_SCALAR_OPERATOR

void registerElemwiseOps(class OpRegistry &registry);

} // namespace graphjit
