// Reductions, argmax/argmin and softmax -> linalg.generic with reduction
// iterators. Float sums and products carry fastmath<reassoc> so that LLVM may
// vectorize them.
#include "Emitter.h"

#include "graphjit/Ops/Reduce.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace graphjit::lower {

namespace {
std::vector<std::string> identityResults(int n) {
  std::vector<std::string> r;
  for (int d = 0; d < n; ++d)
    r.push_back("d" + std::to_string(d));
  return r;
}

std::string iterators(int n, const std::vector<int64_t> &reduced) {
  std::string s;
  for (int d = 0; d < n; ++d) {
    bool red = std::find(reduced.begin(), reduced.end(), d) != reduced.end();
    s += std::string(d ? ", " : "") + (red ? "\"reduction\"" : "\"parallel\"");
  }
  return s;
}

/// Dynamic sizes of the kept dims of `x` (the reduction's output).
std::vector<std::string> keptDynSizes(EmitContext &ctx, const Var &x,
                                      const std::vector<int64_t> &axes, const TensorType &out) {
  std::vector<std::string> dyn;
  int k = 0;
  for (int d = 0; d < x.ndim(); ++d) {
    if (std::find(axes.begin(), axes.end(), d) != axes.end()) continue;
    if (out.shape[k++] == kUnknownDim) dyn.push_back(ctx.dim(x, d));
  }
  return dyn;
}

std::vector<std::string> keptResults(int n, const std::vector<int64_t> &axes) {
  std::vector<std::string> r;
  for (int d = 0; d < n; ++d)
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) r.push_back("d" + std::to_string(d));
  return r;
}

double identityOf(ReduceKind k, DType t) {
  // Bool orders false < true (NumPy): max is any, min is all.
  if (t == DType::Bool && k == ReduceKind::Max) return 0;
  if (t == DType::Bool && k == ReduceKind::Min) return 1;
  switch (k) {
  case ReduceKind::Prod:
    return 1;
  case ReduceKind::All:
    return 1;
  case ReduceKind::Max:
    return isFloat(t) ? -INFINITY : (t == DType::Int32 ? INT32_MIN : -9.3e18);
  case ReduceKind::Min:
    return isFloat(t) ? INFINITY : (t == DType::Int32 ? INT32_MAX : 9.3e18);
  default:
    return 0;
  }
}

std::string combine(ReduceKind k, DType t) {
  bool f = isFloat(t);
  // i1 compared as signed has true (-1) < false: bool max/min are or/and instead.
  if (t == DType::Bool && k == ReduceKind::Max) return "arith.ori";
  if (t == DType::Bool && k == ReduceKind::Min) return "arith.andi";
  switch (k) {
  case ReduceKind::Sum:
  case ReduceKind::Mean:
    return f ? "arith.addf" : "arith.addi";
  case ReduceKind::Prod:
    return f ? "arith.mulf" : "arith.muli";
  case ReduceKind::Max:
    return f ? "arith.maximumf" : "arith.maxsi";
  case ReduceKind::Min:
    return f ? "arith.minimumf" : "arith.minsi";
  case ReduceKind::All:
    return "arith.andi";
  case ReduceKind::Any:
    return "arith.ori";
  }
  return "";
}

/// One reduction generic: out[kept] = combine over `axes` of convert(body(x)).
std::string reduceGeneric(EmitContext &ctx, const Var &x, const std::vector<int64_t> &axes,
                          ReduceKind kind, const TensorType &outType) {
  int n = x.ndim();
  std::string init =
      ctx.filled(outType, keptDynSizes(ctx, x, axes, outType), identityOf(kind, outType.dtype));
  std::ostringstream body;
  std::string a = ctx.fresh("a"), acc = ctx.fresh("acc");
  std::string v = convertScalar(ctx, body, a, x.dtype(), outType.dtype);
  std::string r = ctx.fresh("s");
  std::string ty = mlirElementType(outType.dtype);
  bool reassoc = isFloat(outType.dtype) &&
                 (kind == ReduceKind::Sum || kind == ReduceKind::Mean || kind == ReduceKind::Prod);
  // Float max/min may order -0.0 and +0.0 either way (nsz): it keeps them cheap to vectorize.
  bool minMax = isFloat(outType.dtype) && (kind == ReduceKind::Max || kind == ReduceKind::Min);
  body << "    " << r << " = " << combine(kind, outType.dtype) << " " << acc << ", " << v
       << (reassoc  ? " fastmath<reassoc>"
           : minMax ? " fastmath<nsz>"
                    : "")
       << " : " << ty << "\n";
  std::string res = ctx.fresh("red");
  ctx.body << "  " << res << " = linalg.generic {indexing_maps = ["
           << affineMap(n, identityResults(n)) << ", " << affineMap(n, keptResults(n, axes))
           << "], iterator_types = [" << iterators(n, axes) << "]} ins(" << ctx.ssa(x) << " : "
           << tensorType(x.type()) << ") outs(" << init << " : " << tensorType(outType)
           << ") {\n  ^bb0(" << a << ": " << mlirElementType(x.dtype()) << ", " << acc << ": " << ty
           << "):\n"
           << body.str() << "    linalg.yield " << r << " : " << ty << "\n  } -> "
           << tensorType(outType) << "\n";
  return res;
}

void emitReduce(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Reduce &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  std::vector<int64_t> axes(op.axes().begin(), op.axes().end());
  std::vector<std::string> dyn = keptDynSizes(ctx, x, axes, out.type());
  std::string r = reduceGeneric(ctx, x, axes, op.kind(), out.type());
  if (op.kind() == ReduceKind::Mean) {
    // Divide by the number of reduced elements (computed from the dims at run time).
    std::string count = ctx.indexConst(1);
    for (int64_t a : axes) {
      std::string d = ctx.dim(x, static_cast<int>(a)), c = ctx.fresh("cnt");
      ctx.body << "  " << c << " = arith.muli " << count << ", " << d << " : index\n";
      count = c;
    }
    std::string ty = mlirElementType(out.dtype());
    std::string ci = ctx.fresh("cnti"), cf = ctx.fresh("cntf");
    ctx.body << "  " << ci << " = arith.index_cast " << count << " : index to i64\n";
    ctx.body << "  " << cf << " = arith.sitofp " << ci << " : i64 to " << ty << "\n";
    int m = out.ndim();
    std::string a = ctx.fresh("a"), o = ctx.fresh("o"), q = ctx.fresh("q"), res = ctx.fresh("mean");
    std::string tt = tensorType(out.type());
    ctx.body << "  " << res << " = linalg.generic {indexing_maps = ["
             << affineMap(m, identityResults(m)) << "], "
             << "iterator_types = [" << iterators(m, {}) << "]} outs(" << r << " : " << tt
             << ") {\n  ^bb0(" << a << ": " << ty << "):\n    " << q << " = arith.divf " << a
             << ", " << cf << " : " << ty << "\n    linalg.yield " << q << " : " << ty
             << "\n  } -> " << tt << "\n";
    r = res;
  }
  ctx.bind(out, r, dyn);
}

/// A parallel generic over `out`'s shape computing body(values of ins) -> element.
std::string mapGeneric(
    EmitContext &ctx, const TensorType &out, const std::vector<std::string> &dyn,
    const std::vector<std::pair<Var, std::vector<std::string>>> &ins,
    const std::vector<std::pair<std::string, TensorType>> &extraIns,
    const std::vector<std::vector<std::string>> &extraMaps,
    const std::function<std::string(std::ostringstream &, const std::vector<std::string> &)> &fn) {
  int n = out.ndim();
  std::string init = ctx.empty(out, dyn);
  std::string maps, operands, types;
  std::vector<std::string> args;
  std::string blockArgs;
  auto add = [&](const std::string &ssa, const TensorType &t, const std::vector<std::string> &map) {
    maps += affineMap(n, map) + ", ";
    operands += (operands.empty() ? "" : ", ") + ssa;
    types += (types.empty() ? "" : ", ") + tensorType(t);
    std::string a = ctx.fresh("a");
    args.push_back(a);
    blockArgs += a + ": " + mlirElementType(t.dtype) + ", ";
  };
  for (auto &[v, map] : ins)
    add(ctx.ssa(v), v.type(), map);
  for (size_t i = 0; i < extraIns.size(); ++i)
    add(extraIns[i].first, extraIns[i].second, extraMaps[i]);
  std::ostringstream body;
  std::string v = fn(body, args);
  std::string r = ctx.fresh("map"), et = mlirElementType(out.dtype);
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << maps
           << affineMap(n, identityResults(n)) << "], iterator_types = [" << iterators(n, {})
           << "]} ins(" << operands << " : " << types << ") outs(" << init << " : "
           << tensorType(out) << ") {\n  ^bb0(" << blockArgs << ctx.fresh("o") << ": " << et
           << "):\n"
           << body.str() << "    linalg.yield " << v << " : " << et << "\n  } -> "
           << tensorType(out) << "\n";
  return r;
}

std::string op1(EmitContext &ctx, std::ostringstream &b, const std::string &text) {
  std::string n = ctx.fresh("s");
  b << "    " << n << " = " << text << "\n";
  return n;
}

void emitSoftmax(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Softmax &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  int n = x.ndim();
  std::vector<int64_t> axes{op.axis()};
  DType t = out.dtype();
  std::string et = mlirElementType(t);
  TensorType keptType(t, {});
  for (int d = 0; d < n; ++d)
    if (d != op.axis()) keptType.shape.push_back(x.type().shape[d]);
  std::vector<std::string> keptDyn = keptDynSizes(ctx, x, axes, keptType);
  // m = max(x), replaced by 0 where infinite (as the interpreter does), s = sum(exp(x - m)).
  std::string mx = reduceGeneric(ctx, x, axes, ReduceKind::Max, keptType);
  std::vector<std::string> full = identityResults(n), kept = keptResults(n, axes);
  std::string init = ctx.filled(keptType, keptDyn, 0);
  std::ostringstream sb;
  std::string a = ctx.fresh("a"), m = ctx.fresh("m"), acc = ctx.fresh("acc");
  std::string xc = convertScalar(ctx, sb, a, x.dtype(), t);
  std::string inf = op1(ctx, sb, "arith.constant " + scalarLiteral(INFINITY, t) + " : " + et);
  std::string finite = op1(ctx, sb,
                           "arith.cmpf olt, " + op1(ctx, sb, "math.absf " + m + " : " + et) + ", " +
                               inf + " : " + et);
  std::string zero = op1(ctx, sb, "arith.constant " + scalarLiteral(0, t) + " : " + et);
  std::string ms = op1(ctx, sb, "arith.select " + finite + ", " + m + ", " + zero + " : " + et);
  std::string e =
      op1(ctx, sb,
          "math.exp " + op1(ctx, sb, "arith.subf " + xc + ", " + ms + " : " + et) + " : " + et);
  std::string sum = op1(ctx, sb, "arith.addf " + acc + ", " + e + " fastmath<reassoc> : " + et);
  std::string s = ctx.fresh("sum");
  ctx.body << "  " << s << " = linalg.generic {indexing_maps = [" << affineMap(n, full) << ", "
           << affineMap(n, kept) << ", " << affineMap(n, kept) << "], iterator_types = ["
           << iterators(n, axes) << "]} ins(" << ctx.ssa(x) << ", " << mx << " : "
           << tensorType(x.type()) << ", " << tensorType(keptType) << ") outs(" << init << " : "
           << tensorType(keptType) << ") {\n  ^bb0(" << a << ": " << mlirElementType(x.dtype())
           << ", " << m << ": " << et << ", " << acc << ": " << et << "):\n"
           << sb.str() << "    linalg.yield " << sum << " : " << et << "\n  } -> "
           << tensorType(keptType) << "\n";
  std::vector<std::string> dyn;
  for (int d = 0; d < n; ++d)
    if (out.type().shape[d] == kUnknownDim) dyn.push_back(ctx.dim(x, d));
  std::string r = mapGeneric(
      ctx, out.type(), dyn, {{x, full}}, {{mx, keptType}, {s, keptType}}, {kept, kept},
      [&](std::ostringstream &b, const std::vector<std::string> &v) {
        std::string xv = convertScalar(ctx, b, v[0], x.dtype(), t);
        std::string infc = op1(ctx, b, "arith.constant " + scalarLiteral(INFINITY, t) + " : " + et);
        std::string fin = op1(ctx, b,
                              "arith.cmpf olt, " + op1(ctx, b, "math.absf " + v[1] + " : " + et) +
                                  ", " + infc + " : " + et);
        std::string z = op1(ctx, b, "arith.constant " + scalarLiteral(0, t) + " : " + et);
        std::string msafe =
            op1(ctx, b, "arith.select " + fin + ", " + v[1] + ", " + z + " : " + et);
        std::string d = op1(ctx, b, "arith.subf " + xv + ", " + msafe + " : " + et);
        return op.isLog() ? op1(ctx, b,
                                "arith.subf " + d + ", " +
                                    op1(ctx, b, "math.log " + v[2] + " : " + et) + " : " + et)
                          : op1(ctx, b,
                                "arith.divf " + op1(ctx, b, "math.exp " + d + " : " + et) + ", " +
                                    v[2] + " : " + et);
      });
  ctx.bind(out, r, dyn);
}

void emitArgReduce(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const ArgReduce &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  int n = x.ndim();
  std::vector<int64_t> axes;
  if (op.axis())
    axes.push_back(*op.axis());
  else
    for (int d = 0; d < n; ++d)
      axes.push_back(d);
  TensorType valType(x.dtype(), out.type().shape);
  std::vector<std::string> dyn = keptDynSizes(ctx, x, axes, out.type());
  std::string vinit = ctx.empty(valType, dyn), iinit = ctx.filled(out.type(), dyn, 0);
  // The position along the reduced axes, row-major over them.
  std::vector<std::string> strides(n);
  std::string stride = ctx.indexConst(1);
  for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
    strides[*it] = stride;
    std::string d = ctx.dim(x, static_cast<int>(*it)), ns = ctx.fresh("st");
    ctx.body << "  " << ns << " = arith.muli " << stride << ", " << d << " : index\n";
    stride = ns;
  }
  std::ostringstream b;
  std::string a = ctx.fresh("a"), best = ctx.fresh("best"), bi = ctx.fresh("bi"),
              et = mlirElementType(x.dtype());
  std::string pos = ctx.indexConst(0);
  for (int64_t ax : axes) {
    std::string i = op1(ctx, b, "linalg.index " + std::to_string(ax) + " : index");
    pos = op1(ctx, b,
              "arith.addi " + pos + ", " +
                  op1(ctx, b, "arith.muli " + i + ", " + strides[ax] + " : index") + " : index");
  }
  std::string pos64 = op1(ctx, b, "arith.index_cast " + pos + " : index to i64");
  std::string first = op1(ctx, b, "arith.cmpi eq, " + pos + ", " + ctx.indexConst(0) + " : index");
  std::string better;
  if (isFloat(x.dtype())) {
    std::string cmp = op1(ctx, b,
                          std::string("arith.cmpf ") + (op.isMax() ? "ogt" : "olt") + ", " + a +
                              ", " + best + " : " + et);
    std::string aNan = op1(ctx, b, "arith.cmpf uno, " + a + ", " + a + " : " + et);
    std::string bNum = op1(ctx, b, "arith.cmpf ord, " + best + ", " + best + " : " + et);
    // The first NaN wins, as in NumPy.
    better = op1(ctx, b,
                 "arith.andi " + op1(ctx, b, "arith.ori " + cmp + ", " + aNan + " : i1") + ", " +
                     bNum + " : i1");
  } else {
    std::string pred =
        x.dtype() == DType::Bool ? (op.isMax() ? "ugt" : "ult") : (op.isMax() ? "sgt" : "slt");
    better = op1(ctx, b, "arith.cmpi " + pred + ", " + a + ", " + best + " : " + et);
  }
  std::string take = op1(ctx, b, "arith.ori " + first + ", " + better + " : i1");
  std::string nv = op1(ctx, b, "arith.select " + take + ", " + a + ", " + best + " : " + et);
  std::string ni = op1(ctx, b, "arith.select " + take + ", " + pos64 + ", " + bi + " : i64");
  std::string r = ctx.fresh("arg");
  ctx.body << "  " << r << ":2 = linalg.generic {indexing_maps = ["
           << affineMap(n, identityResults(n)) << ", " << affineMap(n, keptResults(n, axes)) << ", "
           << affineMap(n, keptResults(n, axes)) << "], iterator_types = [" << iterators(n, axes)
           << "]} ins(" << ctx.ssa(x) << " : " << tensorType(x.type()) << ") outs(" << vinit << ", "
           << iinit << " : " << tensorType(valType) << ", " << tensorType(out.type())
           << ") {\n  ^bb0(" << a << ": " << et << ", " << best << ": " << et << ", " << bi
           << ": i64):\n"
           << b.str() << "    linalg.yield " << nv << ", " << ni << " : " << et << ", i64\n  } -> ("
           << tensorType(valType) << ", " << tensorType(out.type()) << ")\n";
  ctx.bind(out, r + "#1", dyn);
}
} // namespace

void registerReduceEmitters(std::map<std::string, Emitter> &table) {
  for (const char *k : {"sum", "prod", "max", "min", "all", "any", "mean"})
    table[k] = emitReduce;
  table["softmax"] = emitSoftmax;
  table["log_softmax"] = emitSoftmax;
  table["argmax"] = emitArgReduce;
  table["argmin"] = emitArgReduce;
}

} // namespace graphjit::lower
