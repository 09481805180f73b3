// matmul -> MLIR. Float products (every rank form, float32 and float64) become one
// call of graphjit_matmul_{f32,f64}, the OpenBLAS runtime of lib/JIT/RuntimeProducts.cpp,
// on strided memref views: an operand computed by a dimshuffle (transpose, expand_dims,
// squeeze) is passed as a view of the dimshuffle's input with permuted strides, so no
// transposed copy is made (the dimshuffle's own linalg.generic is then dead and erased).
// Integer products stay a linalg.generic whose loop order streams rows: (batch, i, k, j)
// with j innermost, or the order that reads a transposed operand along its source's rows.
#include "EmitProducts.h"

#include "graphjit/Ops/DimShuffle.h"

#include <algorithm>

namespace graphjit::lower {

namespace {
/// A strided view of an operand, ready for the runtime call.
struct OperandView {
  std::string unranked;           ///< memref<*xT> SSA value
  std::vector<std::string> sizes; ///< index SSA value of each dim
};

std::string stridedType(int rank, const std::string &et) {
  std::string s = "memref<", strides;
  for (int d = 0; d < rank; ++d) {
    s += "?x";
    strides += std::string(d ? ", " : "") + "?";
  }
  return s + et + ", strided<[" + strides + "], offset: ?>>";
}

/// `v` converted elementwise to dtype `t` (a linalg.generic).
std::string castTo(EmitContext &ctx, const Var &v, DType t) {
  TensorType tt(t, v.type().shape);
  std::vector<std::string> dyn = ctx.dynSizesLike(tt, v);
  std::string init = ctx.empty(tt, dyn);
  std::ostringstream body;
  std::string x = ctx.fresh("a"), o = ctx.fresh("o"), r = ctx.fresh("cast");
  std::string c = convertScalar(ctx, body, x, v.dtype(), t);
  std::vector<std::string> id;
  for (int d = 0; d < v.ndim(); ++d)
    id.push_back("d" + std::to_string(d));
  std::string iters;
  for (int d = 0; d < v.ndim(); ++d)
    iters += std::string(d ? ", " : "") + "\"parallel\"";
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(v.ndim(), id) << ", "
           << affineMap(v.ndim(), id) << "], iterator_types = [" << iters << "]} ins(" << ctx.ssa(v)
           << " : " << tensorType(v.type()) << ") outs(" << init << " : " << tensorType(tt)
           << ") {\n  ^bb0(" << x << ": " << mlirElementType(v.dtype()) << ", " << o << ": "
           << mlirElementType(t) << "):\n"
           << body.str() << "    linalg.yield " << c << " : " << mlirElementType(t) << "\n  } -> "
           << tensorType(tt) << "\n";
  return r;
}

/// The view of operand `v` in dtype `t`: through dimshuffles when `v` already has dtype `t`.
OperandView operandView(EmitContext &ctx, const Var &v, DType t) {
  std::string et = mlirElementType(t);
  // order[d]: the source axis of dim d of v, or -1 for an inserted axis of size 1.
  IntList order;
  for (int d = 0; d < v.ndim(); ++d)
    order.push_back(d);
  Var src = v;
  std::string srcSsa;
  if (v.dtype() != t) {
    srcSsa = castTo(ctx, v, t);
  } else {
    while (Apply *a = src->owner()) {
      if (a->op().name() != "dimshuffle") break;
      const auto &ds = static_cast<const DimShuffle &>(a->op());
      for (int64_t &o : order)
        if (o >= 0) o = ds.order()[static_cast<size_t>(o)];
      src = a->input(0);
    }
    srcSsa = ctx.ssa(src);
  }
  int rs = src.ndim(), r = v.ndim();
  std::string m = ctx.fresh("pm"), md = ctx.fresh("md"), view = ctx.fresh("pv"),
              u = ctx.fresh("pu");
  TensorType srcType(t, src.type().shape);
  ctx.body << "  " << m << " = bufferization.to_memref " << srcSsa
           << " read_only : " << memrefType(srcType) << "\n";
  ctx.body << "  " << md << ":" << 2 + 2 * rs << " = memref.extract_strided_metadata " << m << " : "
           << memrefType(srcType) << " -> memref<" << et << ">, index";
  for (int d = 0; d < 2 * rs; ++d)
    ctx.body << ", index";
  ctx.body << "\n";
  std::string one = ctx.indexConst(1);
  OperandView out;
  std::vector<std::string> strides;
  for (int d = 0; d < r; ++d) {
    int64_t o = order[static_cast<size_t>(d)];
    out.sizes.push_back(o < 0 ? one : md + "#" + std::to_string(2 + o));
    strides.push_back(o < 0 ? one : md + "#" + std::to_string(2 + rs + o));
  }
  auto joined = [](const std::vector<std::string> &xs) {
    std::string s;
    for (size_t i = 0; i < xs.size(); ++i)
      s += (i ? ", " : "") + xs[i];
    return s;
  };
  std::string st = stridedType(r, et);
  ctx.body << "  " << view << " = memref.reinterpret_cast " << md << "#0 to offset: [" << md
           << "#1], sizes: [" << joined(out.sizes) << "], strides: [" << joined(strides)
           << "] : memref<" << et << "> to " << st << "\n";
  ctx.body << "  " << u << " = memref.cast " << view << " : " << st << " to memref<*x" << et
           << ">\n";
  out.unranked = u;
  return out;
}

/// The product of `node` written into `result` (the product itself, or `addend`'s sum with it): a
/// call of the BLAS runtime on views of the operands.
void emitProductCall(EmitContext &ctx, Apply &node, const Var *addend, const Var &result) {
  const Var &a = node.input(0), &b = node.input(1);
  Var out = node.output(0);
  DType t = out.dtype();
  std::string et = mlirElementType(t);
  std::string fn = std::string(addend ? "graphjit_matmul_add_" : "graphjit_matmul_") +
                   (t == DType::Float64 ? "f64" : "f32");
  OperandView av = operandView(ctx, a, t), bv = operandView(ctx, b, t);
  int ra = a.ndim(), rb = b.ndim(), batch = std::max(ra - 2, 0);
  std::vector<std::string> dyn; // sizes of the output's unknown dims
  for (int d = 0; d < out.ndim(); ++d) {
    if (out.type().shape[d] != kUnknownDim) continue;
    if (d < batch)
      dyn.push_back(a.type().shape[d] != 1 ? av.sizes[d] : bv.sizes[d]);
    else if (d == batch && ra >= 2)
      dyn.push_back(av.sizes[ra - 2]);
    else
      dyn.push_back(bv.sizes[rb - 1]);
  }
  std::string mt = memrefType(out.type()), ut = "memref<*x" + et + ">";
  std::string cm = ctx.claimOutput(result), cu = ctx.fresh("cu"), ct = ctx.fresh("ct");
  // A product that is a kernel output is written straight into the output buffer: through a
  // buffer of its own it cost a copy of the result (7% of a 64x96^3 f32 batched product).
  bool direct = !cm.empty();
  if (!direct) {
    cm = ctx.fresh("cm");
    ctx.body << "  " << cm << " = memref.alloc(";
    for (size_t i = 0; i < dyn.size(); ++i)
      ctx.body << (i ? ", " : "") << dyn[i];
    ctx.body << ") {alignment = 64 : i64} : " << mt << "\n";
  }
  ctx.body << "  " << cu << " = memref.cast " << cm << " : " << mt << " to " << ut << "\n";
  std::string args = av.unranked + ", " + bv.unranked, types = ut + ", " + ut;
  if (addend) {
    args += ", " + operandView(ctx, *addend, t).unranked;
    types += ", " + ut;
  }
  ctx.body << "  func.call @" << fn << "(" << args << ", " << cu << ") : (" << types << ", " << ut
           << ") -> ()\n";
  // The output memref is not `writable`: a later node of the kernel reading the product must not
  // reuse the output's buffer for its own result.
  ctx.body << "  " << ct << " = bufferization.to_tensor " << cm
           << (direct ? " restrict : " : " restrict writable : ") << mt << "\n";
  ctx.declare("func.func private @" + fn + "(" + types + ", " + ut +
              ") attributes {llvm.emit_c_interface}");
  ctx.bind(result, ct, dyn);
}

/// The `add` that is the only reader of the product `node` computes, when the sum is an output of
/// the kernel of the product's type (so the other operand only broadcasts into it): then the
/// other operand is written into the output and BLAS adds the product to it (beta = 1), instead
/// of a buffer of the product read back by the add (X @ w + b: one pass over the result, not
/// three). Null otherwise.
Apply *sumOfProduct(EmitContext &ctx, Apply &node, Var &addend) {
  const FunctionGraph *g = ctx.graph();
  Var out = node.output(0);
  if (!g) return nullptr;
  const std::vector<Client> &readers = g->clients(out);
  if (readers.size() != 1 || !readers[0].node) return nullptr;
  Apply *add = readers[0].node;
  // add(A @ B, C @ D): the first product takes the add; the second is then its addend.
  if (ctx.insteadOf(add)) return nullptr;
  if (add->op().name() != "add" || add->inputs().size() != 2 || add->numOutputs() != 1)
    return nullptr;
  addend = add->input(1 - readers[0].index);
  const Var &sum = add->output(0);
  if (addend == out || !(sum.type() == out.type()) || addend.dtype() != out.dtype() ||
      addend.ndim() > out.ndim() || !ctx.isUnclaimedOutput(sum))
    return nullptr;
  return add;
}

void emitBlasMatMul(EmitContext &ctx, Apply &node) {
  Var addend;
  if (Apply *add = sumOfProduct(ctx, node, addend)) {
    // Emitted in the add's place: its other operand may come later in the order.
    Apply *product = &node;
    ctx.emitInstead(add, [product, addend](EmitContext &c, Apply &sum) {
      emitProductCall(c, *product, &addend, sum.output(0));
    });
    return;
  }
  emitProductCall(ctx, node, nullptr, node.output(0));
}

/// src if v = transpose(src) of a matrix, else null.
Var transposeSource(const Var &v) {
  Apply *a = v->owner();
  if (!a || a->op().name() != "dimshuffle" || v.ndim() != 2) return Var();
  const auto &ds = static_cast<const DimShuffle &>(a->op());
  return ds.inputNdim() == 2 && ds.order() == IntList{1, 0} ? a->input(0) : Var();
}

void emitLoopMatMul(EmitContext &ctx, Apply &node) {
  const Var &a = node.input(0), &b = node.input(1);
  Var out = node.output(0);
  int ra = a.ndim(), rb = b.ndim(), batch = std::max(ra - 2, 0);
  // Loops: batch dims, then i (if a is a matrix), k, then j (if b is a matrix), so the
  // inner loop streams rows of B and C. A transposed matrix operand is read from its source
  // in its own row order instead: transpose(A0) @ B loops (k, i, j), A @ transpose(B0) loops
  // (i, j, k) (a dot of two rows per element).
  Var aSrc = ra == 2 && rb == 2 ? transposeSource(a) : Var(),
      bSrc = ra == 2 && rb == 2 ? transposeSource(b) : Var();
  if (aSrc && bSrc) aSrc = bSrc = Var(); // specialize turns that into transpose(B0 @ A0)
  std::vector<std::string> roles;        // loop order, by role
  for (int d = 0; d < batch; ++d)
    roles.push_back("b" + std::to_string(d));
  if (aSrc)
    roles.insert(roles.end(), {"k", "i", "j"});
  else if (bSrc)
    roles.insert(roles.end(), {"i", "j", "k"});
  else {
    if (ra >= 2) roles.push_back("i");
    roles.push_back("k");
    if (rb >= 2) roles.push_back("j");
  }
  auto dimOf = [&](const std::string &role) {
    auto it = std::find(roles.begin(), roles.end(), role);
    return it == roles.end() ? std::string() : "d" + std::to_string(it - roles.begin());
  };
  int loops = static_cast<int>(roles.size());
  std::string i = dimOf("i"), k = dimOf("k"), j = dimOf("j");
  std::vector<std::string> aRes, bRes, cRes;
  for (int d = 0; d < batch; ++d) {
    bool aBroadcast = a.type().shape[d] == 1 && out.type().shape[d] != 1;
    bool bBroadcast = b.type().shape[d] == 1 && out.type().shape[d] != 1;
    std::string bd = dimOf("b" + std::to_string(d));
    aRes.push_back(aBroadcast ? "0" : bd);
    bRes.push_back(bBroadcast ? "0" : bd);
    cRes.push_back(bd);
  }
  if (aSrc)
    aRes.insert(aRes.end(), {k, i});
  else {
    if (!i.empty()) aRes.push_back(i);
    aRes.push_back(k);
  }
  if (bSrc)
    bRes.insert(bRes.end(), {j, k});
  else {
    bRes.push_back(k);
    if (!j.empty()) bRes.push_back(j);
  }
  if (!i.empty()) cRes.push_back(i);
  if (!j.empty()) cRes.push_back(j);
  std::string iters;
  for (int d = 0; d < loops; ++d)
    iters += std::string(d ? ", " : "") +
             ("d" + std::to_string(d) == k ? "\"reduction\"" : "\"parallel\"");
  const Var &ain = aSrc ? aSrc : a, &bin = bSrc ? bSrc : b;

  std::vector<std::string> dyn;
  for (int d = 0; d < out.ndim(); ++d) {
    if (out.type().shape[d] != kUnknownDim) continue;
    if (d < batch)
      dyn.push_back(ctx.dim(a.type().shape[d] != 1 ? a : b, d));
    else if (d == batch && ra >= 2)
      dyn.push_back(ctx.dim(a, ra - 2));
    else
      dyn.push_back(ctx.dim(b, rb - 1));
  }
  DType t = out.dtype();
  std::string init = ctx.filled(out.type(), dyn, 0);
  std::ostringstream body;
  std::string x = ctx.fresh("a"), y = ctx.fresh("b"), acc = ctx.fresh("acc");
  std::string xc = convertScalar(ctx, body, x, a.dtype(), t),
              yc = convertScalar(ctx, body, y, b.dtype(), t);
  std::string p = ctx.fresh("p"), s = ctx.fresh("s"), et = mlirElementType(t);
  body << "    " << p << " = arith.muli " << xc << ", " << yc << " : " << et << "\n";
  body << "    " << s << " = arith.addi " << acc << ", " << p << " : " << et << "\n";
  std::string r = ctx.fresh("mm");
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(loops, aRes) << ", "
           << affineMap(loops, bRes) << ", " << affineMap(loops, cRes) << "], iterator_types = ["
           << iters << "]} ins(" << ctx.ssa(ain) << ", " << ctx.ssa(bin) << " : "
           << tensorType(ain.type()) << ", " << tensorType(bin.type()) << ") outs(" << init << " : "
           << tensorType(out.type()) << ") {\n  ^bb0(" << x << ": " << mlirElementType(a.dtype())
           << ", " << y << ": " << mlirElementType(b.dtype()) << ", " << acc << ": " << et << "):\n"
           << body.str() << "    linalg.yield " << s << " : " << et << "\n  } -> "
           << tensorType(out.type()) << "\n";
  ctx.bind(out, r, dyn);
}

void emitMatMul(EmitContext &ctx, Apply &node) {
  if (isFloat(node.output(0).dtype())) return emitBlasMatMul(ctx, node);
  emitLoopMatMul(ctx, node);
}
} // namespace

void registerProductEmitters(std::map<std::string, Emitter> &table) {
  table["matmul"] = emitMatMul;
}

} // namespace graphjit::lower
