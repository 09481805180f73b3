// Shape and indexing ops -> tensor dialect ops or "gather" linalg.generics
// (an output element computed from its indices with tensor.extract). Slice
// bounds follow Python's rules, resolved at run time from the input dims.
#include "Emitter.h"

#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"

#include <functional>

namespace graphjit::lower {

namespace {
/// The `+=` of inc_subtensor / inc_take in dtype `t`: NumPy's bool add is or (addi on i1 is xor).
std::string accumulateOp(DType t) {
  return isFloat(t) ? "arith.addf " : t == DType::Bool ? "arith.ori " : "arith.addi ";
}

using BodyFn = std::function<std::string(std::ostringstream &, const std::vector<std::string> &)>;

std::string line(EmitContext &ctx, std::ostringstream &out, const std::string &text) {
  std::string n = ctx.fresh("g");
  out << "    " << n << " = " << text << "\n";
  return n;
}

/// A linalg.generic over the output's indices whose body computes each element.
std::string gather(EmitContext &ctx, const TensorType &out, const std::vector<std::string> &dyn,
                   const BodyFn &fn) {
  int n = out.ndim();
  std::string init = ctx.empty(out, dyn);
  std::ostringstream body;
  std::vector<std::string> idx;
  for (int d = 0; d < n; ++d)
    idx.push_back(line(ctx, body, "linalg.index " + std::to_string(d) + " : index"));
  std::string v = fn(body, idx);
  std::vector<std::string> ids;
  std::string iters;
  for (int d = 0; d < n; ++d) {
    ids.push_back("d" + std::to_string(d));
    iters += std::string(d ? ", " : "") + "\"parallel\"";
  }
  std::string r = ctx.fresh("gather"), et = mlirElementType(out.dtype);
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(n, ids)
           << "], iterator_types = [" << iters << "]} outs(" << init << " : " << tensorType(out)
           << ") {\n  ^bb0(" << ctx.fresh("o") << ": " << et << "):\n"
           << body.str() << "    linalg.yield " << v << " : " << et << "\n  } -> "
           << tensorType(out) << "\n";
  return r;
}

std::string extract(EmitContext &ctx, std::ostringstream &out, const Var &x,
                    const std::vector<std::string> &idx) {
  std::string s = "tensor.extract " + ctx.ssa(x) + "[";
  for (size_t i = 0; i < idx.size(); ++i)
    s += (i ? ", " : "") + idx[i];
  return line(ctx, out, s + "] : " + tensorType(x.type()));
}

/// An index op in the function body.
std::string fnIndex(EmitContext &ctx, const std::string &op, const std::string &a,
                    const std::string &b) {
  std::string n = ctx.fresh("ix");
  ctx.body << "  " << n << " = arith." << op << " " << a << ", " << b << " : index\n";
  return n;
}

/// Python's resolved start, stop (exclusive) and length of a slice on a dim of size n.
struct ResolvedSlice {
  std::string start, len;
  int64_t step;
};
ResolvedSlice resolveSlice(EmitContext &ctx, const IndexEntry &e, const std::string &n) {
  int64_t step = e.step.value_or(1);
  std::string zero = ctx.indexConst(0), minusOne = ctx.indexConst(-1),
              nm1 = fnIndex(ctx, "subi", n, ctx.indexConst(1));
  auto bound = [&](std::optional<int64_t> v, bool isStart) {
    if (!v) return step > 0 ? (isStart ? zero : n) : (isStart ? nm1 : minusOne);
    std::string r = *v < 0 ? fnIndex(ctx, "addi", ctx.indexConst(*v), n) : ctx.indexConst(*v);
    // Clamp into [0, n] (step > 0) or [-1, n - 1] (step < 0).
    return step > 0 ? fnIndex(ctx, "minsi", fnIndex(ctx, "maxsi", r, zero), n)
                    : fnIndex(ctx, "minsi", fnIndex(ctx, "maxsi", r, minusOne), nm1);
  };
  std::string start = bound(e.start, true), stop = bound(e.stop, false);
  std::string span =
      step > 0 ? fnIndex(ctx, "subi", stop, start) : fnIndex(ctx, "subi", start, stop);
  int64_t a = step > 0 ? step : -step;
  std::string len =
      fnIndex(ctx, "divsi", fnIndex(ctx, "addi", span, ctx.indexConst(a - 1)), ctx.indexConst(a));
  return {start, fnIndex(ctx, "maxsi", len, zero), step};
}

/// Resolved position of an integer index (negative counts from the end).
std::string resolveInt(EmitContext &ctx, int64_t i, const std::string &n) {
  return i < 0 ? fnIndex(ctx, "addi", ctx.indexConst(i), n) : ctx.indexConst(i);
}

std::string bodyIndex(EmitContext &ctx, std::ostringstream &out, const char *op,
                      const std::string &a, const std::string &b) {
  return line(ctx, out, std::string("arith.") + op + " " + a + ", " + b + " : index");
}

void emitSubtensor(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Subtensor &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  std::vector<std::string> inIdxConst(x.ndim()); // int entries
  std::vector<ResolvedSlice> slices(x.ndim());
  std::vector<int> outAxisOf(x.ndim(), -1);
  std::vector<std::string> dyn;
  int o = 0;
  for (int a = 0; a < x.ndim(); ++a) {
    std::string n = ctx.dim(x, a);
    if (a < static_cast<int>(op.idx().size()) && !op.idx()[a].isSlice) {
      inIdxConst[a] = resolveInt(ctx, op.idx()[a].index, n);
      continue;
    }
    IndexEntry e = a < static_cast<int>(op.idx().size()) ? op.idx()[a] : IndexEntry::slice();
    slices[a] = resolveSlice(ctx, e, n);
    outAxisOf[a] = o;
    if (out.type().shape[o] == kUnknownDim) dyn.push_back(slices[a].len);
    ++o;
  }
  std::string r =
      gather(ctx, out.type(), dyn, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
        std::vector<std::string> in;
        for (int a = 0; a < x.ndim(); ++a) {
          if (outAxisOf[a] < 0) {
            in.push_back(inIdxConst[a]);
            continue;
          }
          std::string k = idx[outAxisOf[a]];
          std::string off = bodyIndex(ctx, b, "muli", k, ctx.indexConst(slices[a].step));
          in.push_back(bodyIndex(ctx, b, "addi", slices[a].start, off));
        }
        return extract(ctx, b, x, in);
      });
  ctx.bind(out, r, dyn);
}

void emitIncSubtensor(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const IncSubtensor &>(node.op());
  const Var &x = node.input(0), &y = node.input(1);
  Var out = node.output(0);
  std::vector<std::string> inIdxConst(x.ndim());
  std::vector<ResolvedSlice> slices(x.ndim());
  std::vector<int> yAxisOf(x.ndim(), -1);
  int yAxis = 0;
  for (int a = 0; a < x.ndim(); ++a) {
    std::string n = ctx.dim(x, a);
    if (a < static_cast<int>(op.idx().size()) && !op.idx()[a].isSlice) {
      inIdxConst[a] = resolveInt(ctx, op.idx()[a].index, n);
      continue;
    }
    IndexEntry e = a < static_cast<int>(op.idx().size()) ? op.idx()[a] : IndexEntry::slice();
    slices[a] = resolveSlice(ctx, e, n);
    yAxisOf[a] = yAxis++;
  }
  std::vector<std::string> dyn = ctx.dynSizesLike(out.type(), x);
  DType t = out.dtype();
  std::string et = mlirElementType(t);
  std::string r =
      gather(ctx, out.type(), dyn, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
        // Inside the region: every int axis matches and every slice axis lands on a step.
        std::string inside = line(ctx, b, "arith.constant true");
        std::vector<std::string> yIdx;
        for (int a = 0; a < x.ndim(); ++a) {
          std::string cond;
          if (yAxisOf[a] < 0) {
            cond = line(ctx, b, "arith.cmpi eq, " + idx[a] + ", " + inIdxConst[a] + " : index");
          } else {
            const ResolvedSlice &s = slices[a];
            std::string rel = bodyIndex(ctx, b, "subi", idx[a], s.start);
            std::string stepC = ctx.indexConst(s.step);
            std::string k = bodyIndex(ctx, b, "divsi", rel, stepC);
            std::string exact = line(ctx, b,
                                     "arith.cmpi eq, " + bodyIndex(ctx, b, "muli", k, stepC) +
                                         ", " + rel + " : index");
            std::string nonNeg =
                line(ctx, b, "arith.cmpi sge, " + k + ", " + ctx.indexConst(0) + " : index");
            std::string below = line(ctx, b, "arith.cmpi slt, " + k + ", " + s.len + " : index");
            cond =
                line(ctx, b,
                     "arith.andi " + exact + ", " +
                         line(ctx, b, "arith.andi " + nonNeg + ", " + below + " : i1") + " : i1");
            // y broadcasts where its type says 1.
            int ya = yAxisOf[a];
            yIdx.push_back(y.type().shape[ya] == 1 ? ctx.indexConst(0) : k);
          }
          inside = line(ctx, b, "arith.andi " + inside + ", " + cond + " : i1");
        }
        std::string xv = extract(ctx, b, x, idx);
        // Read y only inside the region: outside, its indices may be out of bounds.
        std::ostringstream then;
        std::string yv = extract(ctx, then, y, yIdx);
        std::string yc = convertScalar(ctx, then, yv, y.dtype(), t);
        std::string v =
            op.isSet() ? yc : line(ctx, then, accumulateOp(t) + xv + ", " + yc + " : " + et);
        std::string res = ctx.fresh("g");
        b << "    " << res << " = scf.if " << inside << " -> (" << et << ") {\n"
          << then.str() << "    scf.yield " << v << " : " << et << "\n    } else {\n    scf.yield "
          << xv << " : " << et << "\n    }\n";
        return res;
      });
  ctx.bind(out, r, dyn);
}

void emitBroadcastTo(EmitContext &ctx, Apply &node) {
  const Var &x = node.input(0);
  Var out = node.output(0);
  int m = out.ndim(), r = x.ndim();
  std::vector<std::string> inRes, outRes;
  for (int d = 0; d < m; ++d)
    outRes.push_back("d" + std::to_string(d));
  for (int a = 0; a < r; ++a) {
    int d = m - r + a;
    inRes.push_back(x.type().shape[a] == 1 && out.type().shape[d] != 1 ? "0"
                                                                       : "d" + std::to_string(d));
  }
  std::string init = ctx.empty(out.type(), {});
  std::string a = ctx.fresh("a"), res = ctx.fresh("bc"), et = mlirElementType(out.dtype());
  std::string iters;
  for (int d = 0; d < m; ++d)
    iters += std::string(d ? ", " : "") + "\"parallel\"";
  ctx.body << "  " << res << " = linalg.generic {indexing_maps = [" << affineMap(m, inRes) << ", "
           << affineMap(m, outRes) << "], iterator_types = [" << iters << "]} ins(" << ctx.ssa(x)
           << " : " << tensorType(x.type()) << ") outs(" << init << " : " << tensorType(out.type())
           << ") {\n  ^bb0(" << a << ": " << et << ", " << ctx.fresh("o") << ": " << et
           << "):\n    linalg.yield " << a << " : " << et << "\n  } -> " << tensorType(out.type())
           << "\n";
  ctx.bind(out, res, {});
}

/// Whether a reshape of `x` to `out` may keep every size: same rank, no static size differing,
/// some size known only at run time (else the shapes decide it statically).
bool mayKeepShape(const Var &x, const Var &out) {
  if (x.ndim() != out.ndim() || x.ndim() == 0) return false;
  bool dynamic = false;
  for (int d = 0; d < x.ndim(); ++d) {
    int64_t a = x.type().shape[d], b = out.type().shape[d];
    if (a != kUnknownDim && b != kUnknownDim && a != b) return false;
    dynamic |= a == kUnknownDim || b == kUnknownDim;
  }
  return dynamic;
}

/// Row-major reshape of x into `out` whose dims are `outDims` (index values).
void emitReshapeTo(EmitContext &ctx, const Var &x, const Var &out,
                   const std::vector<std::string> &outDims) {
  std::vector<std::string> inDims, dyn;
  for (int a = 0; a < x.ndim(); ++a)
    inDims.push_back(ctx.dim(x, a));
  for (int d = 0; d < out.ndim(); ++d)
    if (out.type().shape[d] == kUnknownDim) dyn.push_back(outDims[d]);
  std::string zero = ctx.indexConst(0); // constants are shared function-wide: not in a region
  auto emitGather = [&] {
    return gather(
        ctx, out.type(), dyn, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
          std::string flat = zero;
          for (int d = 0; d < out.ndim(); ++d)
            flat = bodyIndex(ctx, b, "addi", bodyIndex(ctx, b, "muli", flat, outDims[d]), idx[d]);
          std::vector<std::string> in(x.ndim());
          for (int a = x.ndim() - 1; a >= 0; --a) {
            in[a] = bodyIndex(ctx, b, "remsi", flat, inDims[a]);
            flat = bodyIndex(ctx, b, "divsi", flat, inDims[a]);
          }
          return extract(ctx, b, x, in);
        });
  };
  if (!mayKeepShape(x, out)) {
    ctx.bind(out, emitGather(), dyn);
    return;
  }
  // A reshape to the same rank usually keeps the shape at run time (the gradient of reshape(W)
  // back to the shape of a shared W): then it is x itself, and its readers index it directly
  // instead of through a division and a remainder per element, which kept their loops scalar
  // (the flow step's Adam updates: three divides and a square root per element, unvectorized).
  std::string same;
  for (int d = 0; d < x.ndim(); ++d) {
    std::string eq = ctx.fresh("same");
    ctx.body << "  " << eq << " = arith.cmpi eq, " << inDims[d] << ", " << outDims[d]
             << " : index\n";
    if (!same.empty()) {
      std::string both = ctx.fresh("same");
      ctx.body << "  " << both << " = arith.andi " << same << ", " << eq << " : i1\n";
      eq = both;
    }
    same = eq;
  }
  // The gather is emitted into the else region: the body so far is set aside while it is written
  // (index constants and dims, which the context shares function-wide, were made above).
  std::string before = ctx.body.str();
  ctx.body.str("");
  std::string g = emitGather();
  std::string otherwise = ctx.body.str();
  ctx.body.str("");
  ctx.body << before;
  std::string xt = tensorType(x.type()), ot = tensorType(out.type()), r = ctx.fresh("reshaped");
  std::string kept = ctx.ssa(x);
  ctx.body << "  " << r << " = scf.if " << same << " -> (" << ot << ") {\n";
  if (xt != ot) {
    kept = ctx.fresh("kept");
    ctx.body << "  " << kept << " = tensor.cast " << ctx.ssa(x) << " : " << xt << " to " << ot
             << "\n";
  }
  ctx.body << "  scf.yield " << kept << " : " << ot << "\n} else {\n"
           << otherwise << "  scf.yield " << g << " : " << ot << "\n}\n";
  ctx.bind(out, r, dyn);
}

void emitReshape(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Reshape &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  // The target's -1 is total / (product of the other dims).
  std::string total = ctx.indexConst(1);
  for (int a = 0; a < x.ndim(); ++a)
    total = fnIndex(ctx, "muli", total, ctx.dim(x, a));
  std::string known = ctx.indexConst(1);
  for (int64_t d : op.target())
    if (d != -1) known = fnIndex(ctx, "muli", known, ctx.indexConst(d));
  std::vector<std::string> dims;
  for (int64_t d : op.target())
    dims.push_back(
        d == -1 ? fnIndex(ctx, "divsi", total, fnIndex(ctx, "maxsi", known, ctx.indexConst(1)))
                : ctx.indexConst(d));
  emitReshapeTo(ctx, x, out, dims);
}

void emitReshapeLike(EmitContext &ctx, Apply &node) {
  std::vector<std::string> dims;
  for (int d = 0; d < node.input(1).ndim(); ++d)
    dims.push_back(ctx.dim(node.input(1), d));
  emitReshapeTo(ctx, node.input(0), node.output(0), dims);
}

std::string sizeOrSsa(EmitContext &ctx, const Var &v, int d) {
  int64_t s = v.type().shape[d];
  return s == kUnknownDim ? ctx.dim(v, d) : std::to_string(s);
}

void emitConcatenate(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Concatenate &>(node.op());
  Var out = node.output(0);
  int axis = static_cast<int>(op.axis());
  std::vector<std::string> dyn;
  for (int d = 0; d < out.ndim(); ++d) {
    if (out.type().shape[d] != kUnknownDim) continue;
    if (d != axis) {
      dyn.push_back(ctx.dim(node.input(0), d));
      continue;
    }
    std::string total = ctx.indexConst(0);
    for (const Var &in : node.inputs())
      total = fnIndex(ctx, "addi", total, ctx.dim(in, d));
    dyn.push_back(total);
  }
  std::string acc = ctx.empty(out.type(), dyn);
  std::string offset = ctx.indexConst(0);
  for (const Var &in : node.inputs()) {
    std::vector<std::string> offs, sizes, strides;
    for (int d = 0; d < out.ndim(); ++d) {
      offs.push_back(d == axis ? offset : "0");
      sizes.push_back(sizeOrSsa(ctx, in, d));
      strides.push_back("1");
    }
    auto join = [](const std::vector<std::string> &v) {
      std::string s;
      for (size_t i = 0; i < v.size(); ++i)
        s += (i ? ", " : "") + v[i];
      return s;
    };
    std::string src = ctx.ssa(in);
    if (in.dtype() != out.dtype())
      throw NotImplementedError("compile: concatenate of mixed dtypes has no lowering");
    std::string r = ctx.fresh("cat");
    ctx.body << "  " << r << " = tensor.insert_slice " << src << " into " << acc << "["
             << join(offs) << "] [" << join(sizes) << "] [" << join(strides)
             << "] : " << tensorType(in.type()) << " into " << tensorType(out.type()) << "\n";
    acc = r;
    offset = fnIndex(ctx, "addi", offset, ctx.dim(in, axis));
  }
  ctx.bind(out, acc, dyn);
}

void emitSplitPieces(EmitContext &ctx, Apply &node, int axis,
                     const std::vector<std::string> &pieceSizes) {
  const Var &x = node.input(0);
  std::string offset = ctx.indexConst(0);
  for (int i = 0; i < node.numOutputs(); ++i) {
    Var out = node.output(i);
    std::vector<std::string> offs, sizes, strides, dyn;
    for (int d = 0; d < x.ndim(); ++d) {
      offs.push_back(d == axis ? offset : "0");
      std::string s = d == axis ? pieceSizes[i] : ctx.dim(x, d);
      if (out.type().shape[d] == kUnknownDim) {
        sizes.push_back(s);
        dyn.push_back(s);
      } else {
        sizes.push_back(std::to_string(out.type().shape[d]));
      }
      strides.push_back("1");
    }
    auto join = [](const std::vector<std::string> &v) {
      std::string s;
      for (size_t k = 0; k < v.size(); ++k)
        s += (k ? ", " : "") + v[k];
      return s;
    };
    std::string r = ctx.fresh("piece");
    ctx.body << "  " << r << " = tensor.extract_slice " << ctx.ssa(x) << "[" << join(offs) << "] ["
             << join(sizes) << "] [" << join(strides) << "] : " << tensorType(x.type()) << " to "
             << tensorType(out.type()) << "\n";
    ctx.bind(out, r, dyn);
    offset = fnIndex(ctx, "addi", offset, pieceSizes[i]);
  }
}

void emitSplit(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Split &>(node.op());
  std::vector<std::string> sizes;
  for (int64_t s : op.sizes())
    sizes.push_back(ctx.indexConst(s));
  emitSplitPieces(ctx, node, static_cast<int>(op.axis()), sizes);
}

void emitSplitLike(EmitContext &ctx, Apply &node) {
  int axis = static_cast<int>(node.op().attrs().getOr<int64_t>("axis", 0));
  std::vector<std::string> sizes;
  for (size_t i = 1; i < node.inputs().size(); ++i)
    sizes.push_back(ctx.dim(node.input(i), axis));
  emitSplitPieces(ctx, node, axis, sizes);
}

void emitShape(EmitContext &ctx, Apply &node) {
  const Var &x = node.input(0);
  std::vector<std::string> vals;
  for (int d = 0; d < x.ndim(); ++d) {
    std::string dim = ctx.dim(x, d), v = ctx.fresh("sh");
    ctx.body << "  " << v << " = arith.index_cast " << dim << " : index to i64\n";
    vals.push_back(v);
  }
  std::string r = ctx.fresh("shape");
  ctx.body << "  " << r << " = tensor.from_elements ";
  for (size_t i = 0; i < vals.size(); ++i)
    ctx.body << (i ? ", " : "") << vals[i];
  ctx.body << " : " << tensorType(node.output(0).type()) << "\n";
  ctx.bind(node.output(0), r, {});
}

void emitFullLike(EmitContext &ctx, Apply &node) {
  Var out = node.output(0);
  double value = node.op().attrs().getOr<double>("value", 0);
  std::vector<std::string> dyn = ctx.dynSizesLike(out.type(), node.input(0));
  ctx.bind(out, ctx.filled(out.type(), dyn, value), dyn);
}

void emitArange(EmitContext &ctx, Apply &node) {
  Var out = node.output(0);
  Attrs a = node.op().attrs();
  double start = a.getOr<double>("start", 0), step = a.getOr<double>("step", 1);
  std::string r =
      gather(ctx, out.type(), {}, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
        std::string i64 = line(ctx, b, "arith.index_cast " + idx[0] + " : index to i64");
        std::string f = line(ctx, b, "arith.sitofp " + i64 + " : i64 to f64");
        std::string stepC =
            line(ctx, b, "arith.constant " + scalarLiteral(step, DType::Float64) + " : f64");
        std::string startC =
            line(ctx, b, "arith.constant " + scalarLiteral(start, DType::Float64) + " : f64");
        std::string v =
            line(ctx, b,
                 "arith.addf " + startC + ", " +
                     line(ctx, b, "arith.mulf " + f + ", " + stepC + " : f64") + " : f64");
        return convertScalar(ctx, b, v, DType::Float64, out.dtype());
      });
  ctx.bind(out, r, {});
}

void emitEye(EmitContext &ctx, Apply &node) {
  Var out = node.output(0);
  int64_t k = node.op().attrs().getOr<int64_t>("k", 0);
  std::string r =
      gather(ctx, out.type(), {}, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
        std::string diff = bodyIndex(ctx, b, "subi", idx[1], idx[0]);
        std::string on =
            line(ctx, b, "arith.cmpi eq, " + diff + ", " + ctx.indexConst(k) + " : index");
        return convertScalar(ctx, b, on, DType::Bool, out.dtype());
      });
  ctx.bind(out, r, {});
}

/// Index value of an integer element `v` (i32/i64) wrapped for negatives and clamped into [0, n).
/// (The runtime checks indices it can see before the call; clamping keeps any other read in
/// bounds.)
std::string wrappedIndex(EmitContext &ctx, std::ostringstream &b, const std::string &v, DType t,
                         const std::string &n) {
  std::string i = line(ctx, b, "arith.index_cast " + v + " : " + mlirElementType(t) + " to index");
  std::string neg = line(ctx, b, "arith.cmpi slt, " + i + ", " + ctx.indexConst(0) + " : index");
  std::string w =
      line(ctx, b,
           "arith.select " + neg + ", " + bodyIndex(ctx, b, "addi", i, n) + ", " + i + " : index");
  std::string hi = bodyIndex(ctx, b, "subi", n, ctx.indexConst(1));
  return bodyIndex(ctx, b, "maxsi", bodyIndex(ctx, b, "minsi", w, hi), ctx.indexConst(0));
}

/// Registers a check that every value of the integer tensor `ind` lies in [-n, n).
void checkIndices(EmitContext &ctx, const Var &ind, const std::string &n,
                  const std::string &message) {
  int m = ind.ndim();
  std::string init = ctx.filled(TensorType(DType::Bool, {}), {}, 0);
  std::string nI = ctx.fresh("n"), et = mlirElementType(ind.dtype());
  ctx.body << "  " << nI << " = arith.index_cast " << n << " : index to " << et << "\n";
  std::ostringstream b;
  std::string a = ctx.fresh("a"), acc = ctx.fresh("acc");
  std::string lo =
      line(ctx, b,
           "arith.cmpi slt, " + line(ctx, b, "arith.addi " + a + ", " + nI + " : " + et) + ", " +
               line(ctx, b, "arith.constant 0 : " + et) + " : " + et);
  std::string hi = line(ctx, b, "arith.cmpi sge, " + a + ", " + nI + " : " + et);
  std::string bad = line(ctx, b,
                         "arith.ori " + acc + ", " +
                             line(ctx, b, "arith.ori " + lo + ", " + hi + " : i1") + " : i1");
  std::vector<std::string> all, none;
  std::string iters;
  for (int d = 0; d < m; ++d) {
    all.push_back("d" + std::to_string(d));
    iters += std::string(d ? ", " : "") + "\"reduction\"";
  }
  std::string r = ctx.fresh("chk");
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(m, all) << ", "
           << affineMap(m, none) << "], iterator_types = [" << iters << "]} ins(" << ctx.ssa(ind)
           << " : " << tensorType(ind.type()) << ") outs(" << init << " : tensor<i1>) {\n  ^bb0("
           << a << ": " << et << ", " << acc << ": i1):\n"
           << b.str() << "    linalg.yield " << bad << " : i1\n  } -> tensor<i1>\n";
  ctx.addCheck(r, message);
}

void emitTake(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const Take &>(node.op());
  const Var &x = node.input(0), &ind = node.input(1);
  Var out = node.output(0);
  int axis = static_cast<int>(op.axis() < 0 ? op.axis() + x.ndim() : op.axis()), m = ind.ndim();
  std::string n = ctx.dim(x, axis);
  checkIndices(ctx, ind, n, "take: an index is out of range for axis " + std::to_string(axis));
  std::vector<std::string> dyn;
  for (int d = 0; d < out.ndim(); ++d) {
    if (out.type().shape[d] != kUnknownDim) continue;
    if (d < axis)
      dyn.push_back(ctx.dim(x, d));
    else if (d < axis + m)
      dyn.push_back(ctx.dim(ind, d - axis));
    else
      dyn.push_back(ctx.dim(x, d - m + 1));
  }
  std::string r =
      gather(ctx, out.type(), dyn, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
        std::vector<std::string> ii(idx.begin() + axis, idx.begin() + axis + m),
            xi(idx.begin(), idx.begin() + axis);
        xi.push_back(wrappedIndex(ctx, b, extract(ctx, b, ind, ii), ind.dtype(), n));
        for (int d = axis + m; d < out.ndim(); ++d)
          xi.push_back(idx[d]);
        return extract(ctx, b, x, xi);
      });
  ctx.bind(out, r, dyn);
}

void emitIncTake(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const IncTake &>(node.op());
  const Var &x = node.input(0), &ind = node.input(1), &y = node.input(2);
  Var out = node.output(0);
  int axis = static_cast<int>(op.axis() < 0 ? op.axis() + x.ndim() : op.axis()), m = ind.ndim();
  std::string n = ctx.dim(x, axis);
  checkIndices(ctx, ind, n, "inc_take: an index is out of range for axis " + std::to_string(axis));
  std::vector<std::string> indDims;
  std::string total = ctx.indexConst(1);
  for (int d = 0; d < m; ++d) {
    indDims.push_back(ctx.dim(ind, d));
    total = fnIndex(ctx, "muli", total, indDims.back());
  }
  std::vector<std::string> dyn = ctx.dynSizesLike(out.type(), x);
  DType t = out.dtype();
  std::string et = mlirElementType(t);
  std::string r =
      gather(ctx, out.type(), dyn, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
        std::string xv = extract(ctx, b, x, idx);
        // Every position p of the index tensor that points at this row contributes (set: the last
        // one wins).
        std::string p = ctx.fresh("p"), acc = ctx.fresh("acc"), res = ctx.fresh("g");
        std::ostringstream loop;
        std::vector<std::string> pi(m);
        std::string rest = p;
        for (int d = m - 1; d >= 0; --d) {
          pi[d] = bodyIndex(ctx, loop, "remsi", rest, indDims[d]);
          rest = bodyIndex(ctx, loop, "divsi", rest, indDims[d]);
        }
        std::string target = wrappedIndex(ctx, loop, extract(ctx, loop, ind, pi), ind.dtype(), n);
        std::string hit =
            line(ctx, loop, "arith.cmpi eq, " + target + ", " + idx[axis] + " : index");
        std::ostringstream then;
        std::vector<std::string> yi(idx.begin(), idx.begin() + axis);
        for (int d = 0; d < m; ++d)
          yi.push_back(y.type().shape[axis + d] == 1 ? ctx.indexConst(0) : pi[d]);
        for (int d = axis + 1; d < x.ndim(); ++d) {
          int yd = d - 1 + m;
          yi.push_back(y.type().shape[yd] == 1 ? ctx.indexConst(0) : idx[d]);
        }
        for (int d = 0; d < axis; ++d)
          if (y.type().shape[d] == 1) yi[d] = ctx.indexConst(0);
        std::string yv = convertScalar(ctx, then, extract(ctx, then, y, yi), y.dtype(), t);
        std::string v =
            op.isSet() ? yv : line(ctx, then, accumulateOp(t) + acc + ", " + yv + " : " + et);
        std::string step = ctx.fresh("g");
        loop << "      " << step << " = scf.if " << hit << " -> (" << et << ") {\n"
             << then.str() << "      scf.yield " << v << " : " << et
             << "\n      } else {\n      scf.yield " << acc << " : " << et << "\n      }\n";
        b << "    " << res << " = scf.for " << p << " = " << ctx.indexConst(0) << " to " << total
          << " step " << ctx.indexConst(1) << " iter_args(" << acc << " = " << xv << ") -> (" << et
          << ") {\n"
          << loop.str() << "      scf.yield " << step << " : " << et << "\n    }\n";
        return res;
      });
  ctx.bind(out, r, dyn);
}

void emitPassThrough(EmitContext &ctx, Apply &node) {
  const Var &x = node.input(0);
  std::vector<std::string> dyn;
  for (int d = 0; d < x.ndim(); ++d)
    if (x.type().shape[d] == kUnknownDim) dyn.push_back(ctx.dim(x, d));
  ctx.bind(node.output(0), ctx.ssa(x), dyn);
}
} // namespace

void registerShapeEmitters(std::map<std::string, Emitter> &table) {
  table["subtensor"] = emitSubtensor;
  table["inc_subtensor"] = emitIncSubtensor;
  table["broadcast_to"] = emitBroadcastTo;
  table["reshape"] = emitReshape;
  table["reshape_like"] = emitReshapeLike;
  table["concatenate"] = emitConcatenate;
  table["split"] = emitSplit;
  table["split_like"] = emitSplitLike;
  table["shape"] = emitShape;
  table["full_like"] = emitFullLike;
  table["arange"] = emitArange;
  table["eye"] = emitEye;
  table["stop_gradient"] = emitPassThrough;
  table["take"] = emitTake;
  table["inc_take"] = emitIncTake;
}

} // namespace graphjit::lower
