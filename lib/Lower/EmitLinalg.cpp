// Linear algebra ops -> calls of runtime functions (lib/JIT/LinalgSymbols.cpp)
// on memrefs, as the gemm path does; gammaln/digamma -> linalg.generic whose
// body calls graphjit_gammaln (lgamma_r) / graphjit_digamma.
//
// Each call takes its operands as fully dynamic memrefs; a failure the
// interpreter reports as ValueError (a matrix that is not positive definite, a
// singular matrix) sets an i1 flag that becomes one of the kernel's run-time checks.
#include "Emitter.h"

#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/Special.h"

namespace graphjit::lower {

namespace {
std::string dynTensorType(int rank, const std::string &et) {
  std::string s = "tensor<";
  for (int d = 0; d < rank; ++d)
    s += "?x";
  return s + et + ">";
}
std::string dynMemrefType(int rank, const std::string &et) {
  std::string s = "memref<";
  for (int d = 0; d < rank; ++d)
    s += "?x";
  return s + et + ">";
}

/// `v` as a memref with every dim dynamic.
std::string operandMemref(EmitContext &ctx, const Var &v) {
  std::string et = mlirElementType(v.dtype()), t = ctx.ssa(v);
  std::string dt = dynTensorType(v.ndim(), et);
  if (tensorType(v.type()) != dt) {
    std::string c = ctx.fresh("dyn");
    ctx.body << "  " << c << " = tensor.cast " << t << " : " << tensorType(v.type()) << " to " << dt
             << "\n";
    t = c;
  }
  std::string m = ctx.fresh("m");
  ctx.body << "  " << m << " = bufferization.to_memref " << t << " : "
           << dynMemrefType(v.ndim(), et) << "\n";
  return m;
}

/// A fresh memref for `out` whose dims are `dims` (index SSA values).
std::string allocOutput(EmitContext &ctx, const Var &out, const std::vector<std::string> &dims) {
  std::string m = ctx.fresh("o"), args;
  for (size_t i = 0; i < dims.size(); ++i)
    args += (i ? ", " : "") + dims[i];
  ctx.body << "  " << m << " = memref.alloc(" << args << ") {alignment = 64 : i64} : "
           << dynMemrefType(out.ndim(), mlirElementType(out.dtype())) << "\n";
  return m;
}

/// Binds `out` to the tensor of memref `m` (cast back to its static type).
void bindOutput(EmitContext &ctx, const Var &out, const std::string &m,
                const std::vector<std::string> &dims) {
  std::string et = mlirElementType(out.dtype());
  std::string t = ctx.fresh("t");
  ctx.body << "  " << t << " = bufferization.to_tensor " << m
           << " restrict writable : " << dynMemrefType(out.ndim(), et) << "\n";
  std::string r = t;
  if (tensorType(out.type()) != dynTensorType(out.ndim(), et)) {
    r = ctx.fresh("st");
    ctx.body << "  " << r << " = tensor.cast " << t << " : " << dynTensorType(out.ndim(), et)
             << " to " << tensorType(out.type()) << "\n";
  }
  std::vector<std::string> dyn;
  for (int d = 0; d < out.ndim(); ++d)
    if (out.type().shape[d] == kUnknownDim) dyn.push_back(dims[d]);
  ctx.bind(out, r, dyn);
}

struct Arg {
  std::string ssa, type;
};

void call(EmitContext &ctx, const std::string &fn, const std::vector<Arg> &args) {
  std::string vals, types;
  for (size_t i = 0; i < args.size(); ++i) {
    vals += (i ? ", " : "") + args[i].ssa;
    types += (i ? ", " : "") + args[i].type;
  }
  ctx.body << "  func.call @" << fn << "(" << vals << ") : (" << types << ") -> ()\n";
  ctx.declare("func.func private @" + fn + "(" + types + ") attributes {llvm.emit_c_interface}");
}

/// A rank-0 i1 flag the runtime function sets on failure; registered as a check.
Arg failureFlag(EmitContext &ctx, const std::string &message) {
  std::string m = ctx.fresh("flagm"), t = ctx.fresh("flag");
  ctx.body << "  " << m << " = memref.alloc() : memref<i1>\n";
  ctx.addCheck(t, message);
  // The tensor is read after the call (it is emitted below the call by the caller).
  return {m, "memref<i1>"};
}
void finishFlag(EmitContext &ctx, const Arg &flag) {
  const std::string &t = ctx.checks.back().first;
  ctx.body << "  " << t << " = bufferization.to_tensor " << flag.ssa
           << " restrict writable : memref<i1>\n";
}

Arg memArg(EmitContext &ctx, const Var &v) {
  return {operandMemref(ctx, v), dynMemrefType(v.ndim(), "f64")};
}
Arg i64Arg(EmitContext &ctx, int64_t value) {
  std::string c = ctx.fresh("c");
  ctx.body << "  " << c << " = arith.constant " << value << " : i64\n";
  return {c, "i64"};
}

void emitLinalg(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const LinalgOp &>(node.op());
  for (const Var &in : node.inputs())
    if (in.dtype() != DType::Float64)
      throw NotImplementedError("compile: '" + op.str() +
                                "' has a JIT lowering for float64 only, got " + in.type().str());
  const Var &a = node.input(0);
  Arg am = memArg(ctx, a);
  std::vector<Arg> args{am};
  std::vector<std::vector<std::string>> outDims;
  for (int i = 0; i < node.numOutputs(); ++i) {
    Var o = node.output(i);
    std::vector<std::string> dims;
    const Var &like = node.inputs().size() == 2 ? node.input(1) : a;
    for (int d = 0; d < o.ndim(); ++d)
      dims.push_back(ctx.dim(like, d));
    outDims.push_back(dims);
  }
  std::string fn = "graphjit_" + op.name();
  if (node.inputs().size() == 2) {
    args.push_back(memArg(ctx, node.input(1)));
    fn += node.input(1).ndim() == 1 ? "_v" : "_m";
  }
  std::vector<std::string> outs;
  for (int i = 0; i < node.numOutputs(); ++i) {
    Var o = node.output(i);
    outs.push_back(allocOutput(ctx, o, outDims[i]));
    args.push_back({outs.back(), dynMemrefType(o.ndim(), "f64")});
  }
  Arg flag;
  bool mayFail = op.kind() == LinalgKind::Cholesky || op.kind() == LinalgKind::Solve ||
                 op.kind() == LinalgKind::Inv || op.kind() == LinalgKind::SolveTriangular;
  if (op.kind() == LinalgKind::SolveTriangular) {
    args.push_back(i64Arg(ctx, op.lower()));
    args.push_back(i64Arg(ctx, op.trans()));
  }
  if (op.kind() == LinalgKind::Tril) args.push_back(i64Arg(ctx, op.k()));
  if (mayFail) {
    flag = failureFlag(ctx, op.kind() == LinalgKind::Cholesky
                                ? "cholesky: the matrix is not positive definite"
                                : op.name() + ": the matrix is singular");
    args.push_back(flag);
  }
  call(ctx, fn, args);
  if (mayFail) finishFlag(ctx, flag);
  for (int i = 0; i < node.numOutputs(); ++i)
    bindOutput(ctx, node.output(i), outs[i], outDims[i]);
}

/// gammaln / digamma: one scalar call per element inside a linalg.generic.
void emitSpecial(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Special &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  int n = out.ndim();
  std::string et = mlirElementType(out.dtype());
  std::vector<std::string> ids;
  for (int d = 0; d < n; ++d)
    ids.push_back("d" + std::to_string(d));
  std::string iters;
  for (int d = 0; d < n; ++d)
    iters += std::string(d ? ", " : "") + "\"parallel\"";
  std::vector<std::string> dyn = ctx.dynSizesLike(out.type(), x);
  std::string init = ctx.empty(out.type(), dyn);
  std::string fn = op.fn() == SpecialFn::GammaLn ? "graphjit_gammaln" : "graphjit_digamma";
  std::string a = ctx.fresh("a"), o = ctx.fresh("o"), y = ctx.fresh("y"), r = ctx.fresh("sp");
  std::ostringstream body;
  std::string arg = a;
  if (out.dtype() == DType::Float32) {
    arg = ctx.fresh("ext");
    body << "    " << arg << " = arith.extf " << a << " : f32 to f64\n";
  }
  body << "    " << y << " = func.call @" << fn << "(" << arg << ") : (f64) -> f64\n";
  std::string res = y;
  if (out.dtype() == DType::Float32) {
    res = ctx.fresh("tr");
    body << "    " << res << " = arith.truncf " << y << " : f64 to f32\n";
  }
  ctx.declare("func.func private @" + fn + "(f64) -> f64");
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(n, ids) << ", "
           << affineMap(n, ids) << "], iterator_types = [" << iters << "]} ins(" << ctx.ssa(x)
           << " : " << tensorType(x.type()) << ") outs(" << init << " : " << tensorType(out.type())
           << ") {\n  ^bb0(" << a << ": " << et << ", " << o << ": " << et << "):\n"
           << body.str() << "    linalg.yield " << res << " : " << et << "\n  } -> "
           << tensorType(out.type()) << "\n";
  ctx.bind(out, r, dyn);
}
} // namespace

void registerLinalgEmitters(std::map<std::string, Emitter> &table) {
  for (const char *n :
       {"cholesky", "solve_triangular", "solve", "det", "slogdet", "matrix_inverse", "tril"})
    table[n] = emitLinalg;
  table["gammaln"] = emitSpecial;
  table["digamma"] = emitSpecial;
}

} // namespace graphjit::lower
