// Reductions, argmax/argmin and softmax -> linalg.generic with reduction
// iterators. Float sums and products carry fastmath<reassoc> so that LLVM may
// vectorize them.
#include "Emitter.h"

#include "graphjit/Ops/Reduce.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace graphjit::lower {

namespace {
std::string dimsList(int n) {
  std::string s;
  for (int d = 0; d < n; ++d) s += std::string(d ? ", " : "") + "d" + std::to_string(d);
  return s;
}

std::vector<std::string> identityResults(int n) {
  std::vector<std::string> r;
  for (int d = 0; d < n; ++d) r.push_back("d" + std::to_string(d));
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
std::vector<std::string> keptDynSizes(EmitContext &ctx, const Var &x, const std::vector<int64_t> &axes,
                                      const TensorType &out) {
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
  switch (k) {
  case ReduceKind::Prod: return 1;
  case ReduceKind::All: return 1;
  case ReduceKind::Max: return isFloat(t) ? -INFINITY : (t == DType::Int32 ? INT32_MIN : -9.3e18);
  case ReduceKind::Min: return isFloat(t) ? INFINITY : (t == DType::Int32 ? INT32_MAX : 9.3e18);
  default: return 0;
  }
}

std::string combine(ReduceKind k, DType t) {
  bool f = isFloat(t);
  switch (k) {
  case ReduceKind::Sum:
  case ReduceKind::Mean: return f ? "arith.addf" : "arith.addi";
  case ReduceKind::Prod: return f ? "arith.mulf" : "arith.muli";
  case ReduceKind::Max: return f ? "arith.maximumf" : "arith.maxsi";
  case ReduceKind::Min: return f ? "arith.minimumf" : "arith.minsi";
  case ReduceKind::All: return "arith.andi";
  case ReduceKind::Any: return "arith.ori";
  }
  return "";
}

/// One reduction generic: out[kept] = combine over `axes` of convert(body(x)).
std::string reduceGeneric(EmitContext &ctx, const Var &x, const std::vector<int64_t> &axes, ReduceKind kind,
                          const TensorType &outType) {
  int n = x.ndim();
  std::string init = ctx.filled(outType, keptDynSizes(ctx, x, axes, outType), identityOf(kind, outType.dtype));
  std::ostringstream body;
  std::string a = ctx.fresh("a"), acc = ctx.fresh("acc");
  std::string v = convertScalar(ctx, body, a, x.dtype(), outType.dtype);
  std::string r = ctx.fresh("s");
  std::string ty = mlirElementType(outType.dtype);
  bool reassoc = isFloat(outType.dtype) && (kind == ReduceKind::Sum || kind == ReduceKind::Mean ||
                                            kind == ReduceKind::Prod);
  body << "    " << r << " = " << combine(kind, outType.dtype) << " " << acc << ", " << v
       << (reassoc ? " fastmath<reassoc>" : "") << " : " << ty << "\n";
  std::string res = ctx.fresh("red");
  ctx.body << "  " << res << " = linalg.generic {indexing_maps = [" << affineMap(n, identityResults(n)) << ", "
           << affineMap(n, keptResults(n, axes)) << "], iterator_types = [" << iterators(n, axes) << "]} ins("
           << ctx.ssa(x) << " : " << tensorType(x.type()) << ") outs(" << init << " : " << tensorType(outType)
           << ") {\n  ^bb0(" << a << ": " << mlirElementType(x.dtype()) << ", " << acc << ": " << ty << "):\n"
           << body.str() << "    linalg.yield " << r << " : " << ty << "\n  } -> " << tensorType(outType) << "\n";
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
    ctx.body << "  " << res << " = linalg.generic {indexing_maps = [" << affineMap(m, identityResults(m)) << "], "
             << "iterator_types = [" << iterators(m, {}) << "]} outs(" << r << " : " << tt << ") {\n  ^bb0(" << a
             << ": " << ty << "):\n    " << q << " = arith.divf " << a << ", " << cf << " : " << ty
             << "\n    linalg.yield " << q << " : " << ty << "\n  } -> " << tt << "\n";
    r = res;
  }
  ctx.bind(out, r, dyn);
}
} // namespace

void registerReduceEmitters(std::map<std::string, Emitter> &table) {
  for (const char *k : {"sum", "prod", "max", "min", "all", "any", "mean"}) table[k] = emitReduce;
}

} // namespace graphjit::lower
