// Elementwise ops -> one linalg.generic each (fused later by MLIR's
// elementwise fusion). Scalar semantics match Elemwise::perform, including the
// numerically careful forms: log1p, expm1, softplus, sigmoid and tanh are
// written out here because MLIR 19's convert-math-to-llvm would lower
// log1p(x) to log(1 + x) and lose all precision for small x.
#include "Emitter.h"

#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Support/Error.h"

#include <cmath>
#include <set>

namespace graphjit::lower {

namespace {
/// Writes scalar ops into a linalg.generic body.
class Body {
public:
  Body(EmitContext &ctx, std::ostringstream &out) : ctx_(ctx), out_(out) {}

  std::string op(const std::string &text, const std::string &type) {
    return raw(text + " : " + type);
  }
  /// A line whose type syntax is written by the caller (casts: "x : f64 to i32").
  std::string raw(const std::string &text) {
    std::string n = ctx_.fresh("s");
    out_ << "    " << n << " = " << text << "\n";
    return n;
  }
  std::string cst(double v, DType t) {
    return op("arith.constant " + scalarLiteral(v, t), mlirElementType(t));
  }
  /// A constant from its literal text (exact integers: see elementLiteral).
  std::string lit(const std::string &literal, DType t) {
    return op("arith.constant " + literal, mlirElementType(t));
  }
  std::string bin(const char *name, const std::string &a, const std::string &b, DType t) {
    return op(std::string(name) + " " + a + ", " + b, mlirElementType(t));
  }
  std::string un(const char *name, const std::string &a, DType t) {
    return op(std::string(name) + " " + a, mlirElementType(t));
  }
  std::string cmp(const char *pred, const std::string &a, const std::string &b, DType t) {
    bool f = isFloat(t);
    std::string p = f ? std::string(pred) : intPredicate(pred, t == DType::Bool);
    return op(std::string(f ? "arith.cmpf " : "arith.cmpi ") + p + ", " + a + ", " + b,
              mlirElementType(t));
  }
  std::string select(const std::string &c, const std::string &a, const std::string &b, DType t) {
    return op("arith.select " + c + ", " + a + ", " + b, mlirElementType(t));
  }
  std::string logicAnd(const std::string &a, const std::string &b) {
    return bin("arith.andi", a, b, DType::Bool);
  }
  std::string logicOr(const std::string &a, const std::string &b) {
    return bin("arith.ori", a, b, DType::Bool);
  }

  // log1p(x) = x where 1 + x rounds to 1, else log(u) * (x / (u - 1)), u = 1 + x (Goldberg); inf
  // stays inf. The ratio first: log(u) * x overflows for huge x (log1p(1e306) is 704.6, not inf).
  // `libm` false keeps Goldberg's form: softplus's log1p(exp(-|x|)) stays bit-for-bit what it was
  // (the workshop GLM's trust-exact run, tested against SciPy's evaluation count, stops on
  // round-off-level loss differences: 6 evaluations with this form, 28 with libm's log1p).
  std::string log1p(const std::string &x, DType t, bool libm = true) {
    if (libm && (t == DType::Float64 || t == DType::Float32)) {
      // libm's log1p: accurate everywhere, and the vectorizer swaps in libmvec's vector log1p
      // (Pipeline.cpp) instead of a log, a divide and two selects per element.
      const std::string ty = mlirElementType(t), fn = t == DType::Float64 ? "log1p" : "log1pf";
      ctx_.declare("func.func private @" + fn + "(" + ty + ") -> " + ty);
      return raw("func.call @" + fn + "(" + x + ") : (" + ty + ") -> " + ty);
    }
    std::string one = cst(1, t), u = bin("arith.addf", one, x, t);
    std::string isOne = cmp("oeq", u, one, t), isInf = cmp("oeq", u, cst(INFINITY, t), t);
    std::string q = bin("arith.mulf", un("math.log", u, t),
                        bin("arith.divf", x, bin("arith.subf", u, one, t), t), t);
    return select(logicOr(isOne, isInf), select(isOne, x, u, t), q, t);
  }
  // expm1(x) = x where exp(x) rounds to 1, else (u - 1) * x / log(u), u = exp(x) (Kahan).
  std::string expm1(const std::string &x, DType t) {
    std::string one = cst(1, t), u = un("math.exp", x, t), um1 = bin("arith.subf", u, one, t);
    std::string isOne = cmp("oeq", u, one, t), isInf = cmp("oeq", u, cst(INFINITY, t), t);
    std::string isMinusOne = cmp("oeq", um1, cst(-1, t), t);
    std::string q = bin("arith.divf", bin("arith.mulf", um1, x, t), un("math.log", u, t), t);
    std::string r = select(isMinusOne, cst(-1, t), q, t);
    r = select(isInf, u, r, t);
    return select(isOne, x, r, t);
  }

private:
  // Bools compare unsigned (true is 1, not -1).
  static std::string intPredicate(const std::string &p, bool isBool) {
    std::string s = isBool ? "u" : "s";
    if (p == "olt") return s + "lt";
    if (p == "ole") return s + "le";
    if (p == "ogt") return s + "gt";
    if (p == "oge") return s + "ge";
    if (p == "oeq") return "eq";
    return "ne";
  }
  EmitContext &ctx_;
  std::ostringstream &out_;
};

/// The scalar function on compute-type values; returns the result SSA name.
std::string scalarFn(Body &b, ScalarFn fn, const std::vector<std::string> &a, DType t,
                     DType castTo) {
  const bool f = isFloat(t), isBool = t == DType::Bool;
  const std::string ty = mlirElementType(t);
  auto pick = [&](const char *fop, const char *iop) { return f ? fop : iop; };
  switch (fn) {
  case ScalarFn::Add:
    return b.bin(pick("arith.addf", "arith.addi"), a[0], a[1], t);
  case ScalarFn::Sub:
    return b.bin(pick("arith.subf", "arith.subi"), a[0], a[1], t);
  case ScalarFn::Mul:
    return b.bin(pick("arith.mulf", "arith.muli"), a[0], a[1], t);
  case ScalarFn::TrueDiv:
    return b.bin("arith.divf", a[0], a[1], t);
  case ScalarFn::Maximum:
    if (isBool) return b.logicOr(a[0], a[1]);
    return b.bin(pick("arith.maximumf", "arith.maxsi"), a[0], a[1], t);
  case ScalarFn::Minimum:
    if (isBool) return b.logicAnd(a[0], a[1]);
    return b.bin(pick("arith.minimumf", "arith.minsi"), a[0], a[1], t);
  case ScalarFn::FloorDiv:
  case ScalarFn::Mod: {
    if (f) {
      if (fn == ScalarFn::FloorDiv)
        return b.un("math.floor", b.bin("arith.divf", a[0], a[1], t), t);
      // Python's sign convention: the result has the sign of the divisor.
      std::string r = b.bin("arith.remf", a[0], a[1], t), zero = b.cst(0, t);
      std::string fix =
          b.logicAnd(b.cmp("une", r, zero, t), b.cmp("une", b.cmp("olt", r, zero, t),
                                                     b.cmp("olt", a[1], zero, t), DType::Bool));
      return b.select(fix, b.bin("arith.addf", r, a[1], t), r, t);
    }
    // Integers: division by 0 gives 0 and by -1 cannot overflow (as in the interpreter).
    std::string zero = b.cst(0, t), one = b.cst(1, t), minusOne = b.cst(-1, t);
    std::string isZero = b.cmp("oeq", a[1], zero, t), isMinusOne = b.cmp("oeq", a[1], minusOne, t);
    std::string safe = b.select(b.logicOr(isZero, isMinusOne), one, a[1], t);
    std::string r;
    if (fn == ScalarFn::FloorDiv) {
      // Truncating division, then one step down when the signs differ and it was inexact
      // (written out: arith.floordivsi would need arith-expand, which also rewrites maximumf
      // into a form LLVM no longer vectorizes).
      std::string q = b.bin("arith.divsi", a[0], safe, t),
                  rem = b.bin("arith.remsi", a[0], safe, t);
      std::string inexact = b.cmp("une", rem, zero, t);
      std::string signsDiffer =
          b.cmp("une", b.cmp("olt", rem, zero, t), b.cmp("olt", safe, zero, t), DType::Bool);
      r = b.select(b.logicAnd(inexact, signsDiffer), b.bin("arith.subi", q, one, t), q, t);
      r = b.select(isMinusOne, b.bin("arith.subi", zero, a[0], t), r, t);
    } else {
      r = b.bin("arith.remsi", a[0], safe, t);
      std::string fix =
          b.logicAnd(b.cmp("une", r, zero, t), b.cmp("une", b.cmp("olt", r, zero, t),
                                                     b.cmp("olt", safe, zero, t), DType::Bool));
      r = b.select(fix, b.bin("arith.addi", r, safe, t), r, t);
      r = b.select(isMinusOne, zero, r, t);
    }
    return b.select(isZero, zero, r, t);
  }
  case ScalarFn::Pow: {
    if (f) return b.bin("math.powf", a[0], a[1], t);
    // A negative exponent gives 1 / a^|b| truncated toward zero, with 1 / 0 := 0 as integer
    // division by zero gives (so pow(0, -1) = 0), exactly as the interpreter computes it.
    std::string zero = b.cst(0, t), one = b.cst(1, t), minusOne = b.cst(-1, t);
    std::string odd = b.cmp("une", b.bin("arith.andi", a[1], one, t), zero, t);
    std::string ofMinusOne = b.select(odd, minusOne, one, t);
    std::string negative =
        b.select(b.cmp("oeq", a[0], one, t), one,
                 b.select(b.cmp("oeq", a[0], minusOne, t), ofMinusOne, zero, t), t);
    std::string safeExp = b.select(b.cmp("olt", a[1], zero, t), zero, a[1], t);
    return b.select(b.cmp("olt", a[1], zero, t), negative, b.bin("math.ipowi", a[0], safeExp, t),
                    t);
  }
  case ScalarFn::Neg:
    return f ? b.un("arith.negf", a[0], t) : b.bin("arith.subi", b.cst(0, t), a[0], t);
  case ScalarFn::Exp:
    return b.un("math.exp", a[0], t);
  case ScalarFn::Log:
    return b.un("math.log", a[0], t);
  case ScalarFn::Log1p:
    return b.log1p(a[0], t);
  case ScalarFn::Expm1:
    return b.expm1(a[0], t);
  case ScalarFn::Log2:
    return b.un("math.log2", a[0], t);
  case ScalarFn::Log10:
    return b.un("math.log10", a[0], t);
  case ScalarFn::Sqrt:
    return b.un("math.sqrt", a[0], t);
  case ScalarFn::Sqr:
    return b.bin(pick("arith.mulf", "arith.muli"), a[0], a[0], t);
  case ScalarFn::Abs:
    return b.un(pick("math.absf", "math.absi"), a[0], t);
  case ScalarFn::Sign: {
    std::string zero = b.cst(0, t);
    std::string pos = b.select(b.cmp("ogt", a[0], zero, t), b.cst(1, t), zero, t);
    return b.select(b.cmp("olt", a[0], zero, t), b.cst(-1, t), pos, t);
  }
  case ScalarFn::Sigmoid: {
    // e = exp(-|x|) never overflows: 1/(1+e) for x >= 0, e/(1+e) otherwise.
    std::string e = b.un("math.exp", b.un("arith.negf", b.un("math.absf", a[0], t), t), t);
    std::string den = b.bin("arith.addf", b.cst(1, t), e, t);
    return b.select(b.cmp("oge", a[0], b.cst(0, t), t), b.bin("arith.divf", b.cst(1, t), den, t),
                    b.bin("arith.divf", e, den, t), t);
  }
  case ScalarFn::Softplus: {
    // max(x, 0) + log1p(exp(-|x|))
    std::string e = b.un("math.exp", b.un("arith.negf", b.un("math.absf", a[0], t), t), t);
    return b.bin("arith.addf", b.bin("arith.maximumf", a[0], b.cst(0, t), t),
                 b.log1p(e, t, /*libm=*/false), t);
  }
  case ScalarFn::Tanh: {
    // tanh(|x|) = -m / (2 + m), m = expm1(-2|x|); the sign of x is copied back.
    std::string ax = b.un("math.absf", a[0], t);
    std::string m = b.expm1(b.bin("arith.mulf", b.cst(-2, t), ax, t), t);
    std::string r =
        b.bin("arith.divf", b.un("arith.negf", m, t), b.bin("arith.addf", b.cst(2, t), m, t), t);
    return b.bin("math.copysign", r, a[0], t);
  }
  case ScalarFn::Sin:
    return b.un("math.sin", a[0], t);
  case ScalarFn::Cos:
    return b.un("math.cos", a[0], t);
  case ScalarFn::Floor:
    return b.un("math.floor", a[0], t);
  case ScalarFn::Ceil:
    return b.un("math.ceil", a[0], t);
  case ScalarFn::Round:
    return b.un("math.roundeven", a[0], t);
  case ScalarFn::Arcsin:
    return b.un("math.asin", a[0], t);
  case ScalarFn::Arccos:
    return b.un("math.acos", a[0], t);
  case ScalarFn::Arctan:
    return b.un("math.atan", a[0], t);
  case ScalarFn::Erf:
    return b.un("math.erf", a[0], t);
  case ScalarFn::Reciprocal:
    return b.bin("arith.divf", b.cst(1, t), a[0], t);
  case ScalarFn::Lt:
    return b.cmp("olt", a[0], a[1], t);
  case ScalarFn::Le:
    return b.cmp("ole", a[0], a[1], t);
  case ScalarFn::Gt:
    return b.cmp("ogt", a[0], a[1], t);
  case ScalarFn::Ge:
    return b.cmp("oge", a[0], a[1], t);
  case ScalarFn::Eq:
    return b.cmp("oeq", a[0], a[1], t);
  case ScalarFn::Neq:
    return b.cmp("une", a[0], a[1], t);
  // Integers are never NaN or infinite.
  case ScalarFn::IsNan:
    return isFloat(t) ? b.cmp("uno", a[0], a[0], t) : b.cst(0, DType::Bool);
  case ScalarFn::IsInf:
    return isFloat(t) ? b.cmp("oeq", b.un("math.absf", a[0], t), b.cst(INFINITY, t), t)
                      : b.cst(0, DType::Bool);
  case ScalarFn::And:
  case ScalarFn::Or:
  case ScalarFn::Not: {
    std::vector<std::string> truth;
    for (const std::string &v : a)
      truth.push_back(isBool ? v : b.cmp("une", v, b.cst(0, t), t));
    if (fn == ScalarFn::Not)
      return b.bin("arith.xori", truth[0], b.cst(1, DType::Bool), DType::Bool);
    return fn == ScalarFn::And ? b.logicAnd(truth[0], truth[1]) : b.logicOr(truth[0], truth[1]);
  }
  case ScalarFn::Where:
    return b.select(a[0], a[1], a[2], t);
  case ScalarFn::Clip: {
    // NumPy's rule: minimum(maximum(x, lo), hi), so lo > hi gives hi and a NaN anywhere gives NaN.
    if (isBool) return b.logicAnd(b.logicOr(a[0], a[1]), a[2]);
    std::string low = b.bin(pick("arith.maximumf", "arith.maxsi"), a[0], a[1], t);
    return b.bin(pick("arith.minimumf", "arith.minsi"), low, a[2], t);
  }
  case ScalarFn::Identity:
  case ScalarFn::Cast:
    return a[0];
  }
  (void)ty;
  (void)castTo;
  throw NotImplementedError("lowering: scalar function without an emitter");
}

/// A compile-time scalar if `v` is a one-element constant, possibly behind dimshuffles:
/// its exact literal text.
bool scalarConstant(const Var &v, std::string &literal) {
  if (v->isConstant() && v->constantValue().size() == 1) {
    literal = elementLiteral(v->constantValue(), 0);
    return true;
  }
  if (Apply *a = v->owner(); a && a->op().name() == "dimshuffle")
    return scalarConstant(a->input(0), literal);
  return false;
}

void emitElemwise(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Elemwise &>(node.op());
  Var out = node.output(0);
  const TensorType &ot = out.type();
  int n = ot.ndim();
  std::vector<DType> inTypes;
  for (const Var &in : node.inputs())
    inTypes.push_back(in.dtype());
  DType ct = op.computeDType(inTypes);

  // Tensor operands, and scalars folded into the body.
  std::vector<int> tensorArgs;
  std::vector<std::string> constValue(node.inputs().size());
  std::vector<bool> isConst(node.inputs().size());
  for (size_t k = 0; k < node.inputs().size(); ++k) {
    isConst[k] = scalarConstant(node.input(k), constValue[k]);
    if (!isConst[k]) tensorArgs.push_back(static_cast<int>(k));
  }
  std::vector<std::string> dyn;
  for (int d = 0; d < n; ++d) {
    if (ot.shape[d] != kUnknownDim) continue;
    for (int k : tensorArgs)
      if (node.input(k).type().shape[d] != 1) {
        dyn.push_back(ctx.dim(node.input(k), d));
        break;
      }
  }
  std::string init = ctx.empty(ot, dyn);
  std::ostringstream maps, ins, insTypes, args, body;
  std::vector<std::string> identity;
  for (int d = 0; d < n; ++d)
    identity.push_back("d" + std::to_string(d));
  for (size_t i = 0; i < tensorArgs.size(); ++i) {
    const Var &in = node.input(tensorArgs[i]);
    std::vector<std::string> res;
    for (int d = 0; d < n; ++d)
      res.push_back(in.type().shape[d] == 1 && ot.shape[d] != 1 ? "0" : "d" + std::to_string(d));
    maps << affineMap(n, res) << ", ";
    ins << (i ? ", " : "") << ctx.ssa(in);
    insTypes << (i ? ", " : "") << tensorType(in.type());
  }
  maps << affineMap(n, identity);

  Body b(ctx, body);
  std::vector<std::string> blockArgs, values(node.inputs().size());
  for (size_t i = 0; i < tensorArgs.size(); ++i) {
    std::string a = ctx.fresh("a");
    blockArgs.push_back(a + ": " + mlirElementType(node.input(tensorArgs[i]).dtype()));
    values[tensorArgs[i]] = a;
  }
  for (size_t k = 0; k < node.inputs().size(); ++k)
    if (isConst[k]) values[k] = b.lit(constValue[k], node.input(k).dtype());
  // Convert operands to the compute dtype (a where's condition stays bool).
  for (size_t k = 0; k < node.inputs().size(); ++k) {
    if (op.fn() == ScalarFn::Where && k == 0) continue;
    values[k] = convertScalar(ctx, body, values[k], node.input(k).dtype(), ct);
  }
  std::string result = scalarFn(b, op.fn(), values, ct, op.castTo());
  DType resultType = scalarFnInfo(op.fn()).result == ScalarResult::Bool ? DType::Bool : ct;
  result = convertScalar(ctx, body, result, resultType, ot.dtype);

  std::string iters;
  for (int d = 0; d < n; ++d)
    iters += std::string(d ? ", " : "") + "\"parallel\"";
  std::string r = ctx.fresh("ew");
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << maps.str()
           << "], iterator_types = [" << iters << "]} "
           << (tensorArgs.empty() ? "" : "ins(" + ins.str() + " : " + insTypes.str() + ") ")
           << "outs(" << init << " : " << tensorType(ot) << ") {\n  ^bb0(";
  for (const std::string &a : blockArgs)
    ctx.body << a << ", ";
  ctx.body << ctx.fresh("o") << ": " << mlirElementType(ot.dtype) << "):\n"
           << body.str() << "    linalg.yield " << result << " : " << mlirElementType(ot.dtype)
           << "\n  } -> " << tensorType(ot) << "\n";
  ctx.bind(out, r, dyn);
}
} // namespace

std::string convertScalar(EmitContext &ctx, std::ostringstream &out, const std::string &v,
                          DType from, DType to) {
  if (from == to) return v;
  Body b(ctx, out);
  const std::string tt = mlirElementType(to), ft = mlirElementType(from);
  auto conv = [&](const char *name) {
    return b.raw(std::string(name) + " " + v + " : " + ft + " to " + tt);
  };
  if (to == DType::Bool) {
    return isFloat(from) ? b.cmp("une", v, b.cst(0, from), from)
                         : b.cmp("une", v, b.cst(0, from), from);
  }
  if (from == DType::Bool) return isFloat(to) ? conv("arith.uitofp") : conv("arith.extui");
  if (isFloat(from) && isFloat(to))
    return conv(to == DType::Float64 ? "arith.extf" : "arith.truncf");
  if (!isFloat(from) && !isFloat(to))
    return conv(dtypeSize(to) > dtypeSize(from) ? "arith.extsi" : "arith.trunci");
  if (!isFloat(from)) return conv("arith.sitofp");
  // float -> int saturates like the interpreter: NaN gives the minimum.
  double lo = to == DType::Int32 ? -2147483648.0 : -9223372036854775808.0;
  double hi = to == DType::Int32 ? 2147483647.0 : 9223372036854775807.0;
  std::string clamped = b.bin("arith.maximumf", v, b.cst(lo, from), from);
  clamped = b.bin("arith.minimumf", clamped,
                  b.cst(to == DType::Int32 ? hi : 9223372036854774784.0, from), from);
  std::string r = b.raw("arith.fptosi " + clamped + " : " + ft + " to " + tt);
  r = b.select(b.cmp("oge", v, b.cst(hi, from), from), b.cst(hi, to), r, to);
  return b.select(b.cmp("uno", v, v, from), b.cst(lo, to), r, to);
}

bool isElemwiseLowering(const std::string &opName) {
  static const std::set<std::string> names = [] {
    std::set<std::string> n;
    for (ScalarFn fn : allScalarFns())
      n.insert(scalarFnInfo(fn).name);
    return n;
  }();
  return names.count(opName) > 0;
}

bool scalarConstantLiteral(const Var &v, std::string &literal) {
  return scalarConstant(v, literal);
}

std::string emitScalarElemwise(EmitContext &ctx, std::ostringstream &out, Apply &node,
                               const std::vector<std::string> &args) {
  const auto &op = static_cast<const Elemwise &>(node.op());
  std::vector<DType> inTypes;
  for (const Var &in : node.inputs())
    inTypes.push_back(in.dtype());
  DType ct = op.computeDType(inTypes);
  Body b(ctx, out);
  std::vector<std::string> values = args;
  for (size_t k = 0; k < values.size(); ++k) {
    if (op.fn() == ScalarFn::Where && k == 0) continue;
    values[k] = convertScalar(ctx, out, values[k], inTypes[k], ct);
  }
  std::string result = scalarFn(b, op.fn(), values, ct, op.castTo());
  DType resultType = scalarFnInfo(op.fn()).result == ScalarResult::Bool ? DType::Bool : ct;
  return convertScalar(ctx, out, result, resultType, node.output(0).dtype());
}

void registerElemwiseEmitters(std::map<std::string, Emitter> &table) {
  for (ScalarFn fn : allScalarFns())
    table[scalarFnInfo(fn).name] = emitElemwise;
}

} // namespace graphjit::lower
