// dimshuffle and matmul -> linalg.generic. matmul iterates (i, k, j) with j
// innermost, so the inner loop streams rows of B and C and vectorizes.
#include "Emitter.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/MatMul.h"

#include <algorithm>

namespace graphjit::lower {

namespace {
std::string parallelIterators(int n) {
  std::string s;
  for (int d = 0; d < n; ++d) s += std::string(d ? ", " : "") + "\"parallel\"";
  return s;
}

void emitDimShuffle(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const DimShuffle &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  int n = out.ndim();
  std::vector<std::string> inRes, outRes;
  for (int d = 0; d < n; ++d) outRes.push_back("d" + std::to_string(d));
  for (int a = 0; a < op.inputNdim(); ++a) {
    auto it = std::find(op.order().begin(), op.order().end(), a);
    inRes.push_back(it == op.order().end() ? "0" : "d" + std::to_string(it - op.order().begin()));
  }
  std::vector<std::string> dyn;
  for (int d = 0; d < n; ++d)
    if (out.type().shape[d] == kUnknownDim) dyn.push_back(ctx.dim(x, static_cast<int>(op.order()[d])));
  std::string init = ctx.empty(out.type(), dyn);
  std::string a = ctx.fresh("a"), o = ctx.fresh("o"), r = ctx.fresh("ds");
  std::string et = mlirElementType(out.dtype());
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(n, inRes) << ", "
           << affineMap(n, outRes) << "], iterator_types = [" << parallelIterators(n) << "]} ins(" << ctx.ssa(x)
           << " : " << tensorType(x.type()) << ") outs(" << init << " : " << tensorType(out.type()) << ") {\n  ^bb0("
           << a << ": " << et << ", " << o << ": " << et << "):\n    linalg.yield " << a << " : " << et << "\n  } -> "
           << tensorType(out.type()) << "\n";
  ctx.bind(out, r, dyn);
}

/// 2-d float products call OPENBLAS's gemm through a runtime function (as
/// PyTensor specializes large dots to BLAS): the tensors become memrefs around the call.
void emitBlasMatMul(EmitContext &ctx, Apply &node) {
  const Var &a = node.input(0), &b = node.input(1);
  Var out = node.output(0);
  std::string et = mlirElementType(out.dtype());
  std::string fn = out.dtype() == DType::Float64 ? "graphjit_gemm_f64" : "graphjit_gemm_f32";
  std::string mt = "memref<?x?x" + et + ">", tt = "tensor<?x?x" + et + ">";
  auto asDynamic = [&](const Var &v) {
    if (v.type().shape[0] == kUnknownDim && v.type().shape[1] == kUnknownDim) return ctx.ssa(v);
    std::string c = ctx.fresh("dyn");
    ctx.body << "  " << c << " = tensor.cast " << ctx.ssa(v) << " : " << tensorType(v.type()) << " to " << tt << "\n";
    return c;
  };
  std::string at = asDynamic(a), bt = asDynamic(b);
  std::string am = ctx.fresh("am"), bm = ctx.fresh("bm"), cm = ctx.fresh("cm"), ct = ctx.fresh("ct");
  std::vector<std::string> dyn;
  std::string m = ctx.dim(a, 0), n = ctx.dim(b, 1);
  if (out.type().shape[0] == kUnknownDim) dyn.push_back(m);
  if (out.type().shape[1] == kUnknownDim) dyn.push_back(n);
  ctx.body << "  " << am << " = bufferization.to_memref " << at << " : " << mt << "\n";
  ctx.body << "  " << bm << " = bufferization.to_memref " << bt << " : " << mt << "\n";
  ctx.body << "  " << cm << " = memref.alloc(" << m << ", " << n << ") {alignment = 64 : i64} : " << mt << "\n";
  ctx.body << "  func.call @" << fn << "(" << am << ", " << bm << ", " << cm << ") : (" << mt << ", " << mt << ", " << mt
           << ") -> ()\n";
  ctx.body << "  " << ct << " = bufferization.to_tensor " << cm << " restrict writable : " << mt << "\n";
  std::string r = ct;
  if (out.type().shape[0] != kUnknownDim || out.type().shape[1] != kUnknownDim) {
    r = ctx.fresh("st");
    ctx.body << "  " << r << " = tensor.cast " << ct << " : " << tt << " to " << tensorType(out.type()) << "\n";
  }
  ctx.declare("func.func private @" + fn + "(" + mt + ", " + mt + ", " + mt + ") attributes {llvm.emit_c_interface}");
  ctx.bind(out, r, dyn);
}

void emitMatMul(EmitContext &ctx, Apply &node) {
  const Var &a = node.input(0), &b = node.input(1);
  Var out = node.output(0);
  int ra = a.ndim(), rb = b.ndim(), batch = std::max(ra - 2, 0);
  if (ra == 2 && rb == 2 && isFloat(out.dtype()) && a.dtype() == out.dtype() && b.dtype() == out.dtype())
    return emitBlasMatMul(ctx, node);
  // Loops: batch dims, then i (if a is a matrix), k, then j (if b is a matrix).
  int loops = 0;
  std::vector<std::string> batchDims;
  for (int d = 0; d < batch; ++d) batchDims.push_back("d" + std::to_string(loops++));
  std::string i = ra >= 2 ? "d" + std::to_string(loops++) : "";
  std::string k = "d" + std::to_string(loops++);
  std::string j = rb >= 2 ? "d" + std::to_string(loops++) : "";
  std::vector<std::string> aRes, bRes, cRes;
  for (int d = 0; d < batch; ++d) {
    bool aBroadcast = a.type().shape[d] == 1 && out.type().shape[d] != 1;
    bool bBroadcast = b.type().shape[d] == 1 && out.type().shape[d] != 1;
    aRes.push_back(aBroadcast ? "0" : batchDims[d]);
    bRes.push_back(bBroadcast ? "0" : batchDims[d]);
    cRes.push_back(batchDims[d]);
  }
  if (!i.empty()) aRes.push_back(i), cRes.push_back(i);
  aRes.push_back(k);
  bRes.push_back(k);
  if (!j.empty()) bRes.push_back(j), cRes.push_back(j);
  std::string iters;
  for (int d = 0; d < loops; ++d)
    iters += std::string(d ? ", " : "") + ("d" + std::to_string(d) == k ? "\"reduction\"" : "\"parallel\"");

  std::vector<std::string> dyn;
  for (int d = 0; d < out.ndim(); ++d) {
    if (out.type().shape[d] != kUnknownDim) continue;
    if (d < batch) dyn.push_back(ctx.dim(a.type().shape[d] != 1 ? a : b, d));
    else if (d == batch && ra >= 2) dyn.push_back(ctx.dim(a, ra - 2));
    else dyn.push_back(ctx.dim(b, rb - 1));
  }
  DType t = out.dtype();
  std::string init = ctx.filled(out.type(), dyn, 0);
  std::ostringstream body;
  std::string x = ctx.fresh("a"), y = ctx.fresh("b"), acc = ctx.fresh("acc");
  std::string xc = convertScalar(ctx, body, x, a.dtype(), t), yc = convertScalar(ctx, body, y, b.dtype(), t);
  std::string p = ctx.fresh("p"), s = ctx.fresh("s"), et = mlirElementType(t);
  bool f = isFloat(t);
  body << "    " << p << " = " << (f ? "arith.mulf " : "arith.muli ") << xc << ", " << yc << " : " << et << "\n";
  body << "    " << s << " = " << (f ? "arith.addf " : "arith.addi ") << acc << ", " << p
       << (f ? " fastmath<reassoc, contract>" : "") << " : " << et << "\n";
  std::string r = ctx.fresh("mm");
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(loops, aRes) << ", "
           << affineMap(loops, bRes) << ", " << affineMap(loops, cRes) << "], iterator_types = [" << iters
           << "]} ins(" << ctx.ssa(a) << ", " << ctx.ssa(b) << " : " << tensorType(a.type()) << ", "
           << tensorType(b.type()) << ") outs(" << init << " : " << tensorType(out.type()) << ") {\n  ^bb0(" << x
           << ": " << mlirElementType(a.dtype()) << ", " << y << ": " << mlirElementType(b.dtype()) << ", " << acc
           << ": " << et << "):\n"
           << body.str() << "    linalg.yield " << s << " : " << et << "\n  } -> " << tensorType(out.type()) << "\n";
  ctx.bind(out, r, dyn);
}
} // namespace

void registerStructuralEmitters(std::map<std::string, Emitter> &table) {
  table["dimshuffle"] = emitDimShuffle;
  table["matmul"] = emitMatMul;
}

} // namespace graphjit::lower
