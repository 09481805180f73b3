// dyn_subtensor and dyn_inc_subtensor -> a "gather" linalg.generic whose offsets and strides are
// SSA index values read from the int64 scalar inputs (tensor.extract + index_cast), so one compiled
// kernel serves every position. The host has already checked the values (the kernel's shape
// program runs the op's inferShapeFromValues: IndexError / ValueError as in the interpreter); the
// kernel clamps integer positions so that no read leaves the tensor whatever it is given.
#include "Emitter.h"

#include "graphjit/Ops/IndexingDyn.h"

namespace graphjit::lower {

namespace {
std::string accumulateOp(DType t) {
  return isFloat(t) ? "arith.addf " : t == DType::Bool ? "arith.ori " : "arith.addi ";
}

/// One line of a function-level index computation.
std::string fn(EmitContext &ctx, const std::string &text) {
  std::string n = ctx.fresh("dx");
  ctx.body << "  " << n << " = " << text << "\n";
  return n;
}
std::string fnOp(EmitContext &ctx, const std::string &op, const std::string &a,
                 const std::string &b) {
  return fn(ctx, "arith." + op + " " + a + ", " + b + " : index");
}
std::string fnSelect(EmitContext &ctx, const std::string &c, const std::string &a,
                     const std::string &b) {
  return fn(ctx, "arith.select " + c + ", " + a + ", " + b + " : index");
}
std::string fnCmp(EmitContext &ctx, const std::string &pred, const std::string &a,
                  const std::string &b) {
  return fn(ctx, "arith.cmpi " + pred + ", " + a + ", " + b + " : index");
}

/// One line inside a linalg.generic body.
std::string line(EmitContext &ctx, std::ostringstream &out, const std::string &text) {
  std::string n = ctx.fresh("g");
  out << "    " << n << " = " << text << "\n";
  return n;
}
std::string bodyOp(EmitContext &ctx, std::ostringstream &out, const char *op, const std::string &a,
                   const std::string &b) {
  return line(ctx, out, std::string("arith.") + op + " " + a + ", " + b + " : index");
}
std::string extract(EmitContext &ctx, std::ostringstream &out, const Var &x,
                    const std::vector<std::string> &idx) {
  std::string s = "tensor.extract " + ctx.ssa(x) + "[";
  for (size_t i = 0; i < idx.size(); ++i)
    s += (i ? ", " : "") + idx[i];
  return line(ctx, out, s + "] : " + tensorType(x.type()));
}

/// A linalg.generic over the output's indices whose body computes each element.
template <typename BodyFn>
std::string gather(EmitContext &ctx, const TensorType &out, const std::vector<std::string> &dyn,
                   const BodyFn &body) {
  int n = out.ndim();
  std::string init = ctx.empty(out, dyn);
  std::ostringstream b;
  std::vector<std::string> idx, ids;
  std::string iters;
  for (int d = 0; d < n; ++d) {
    idx.push_back(line(ctx, b, "linalg.index " + std::to_string(d) + " : index"));
    ids.push_back("d" + std::to_string(d));
    iters += std::string(d ? ", " : "") + "\"parallel\"";
  }
  std::string v = body(b, idx);
  std::string r = ctx.fresh("dyngather"), et = mlirElementType(out.dtype);
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(n, ids)
           << "], iterator_types = [" << iters << "]} outs(" << init << " : " << tensorType(out)
           << ") {\n  ^bb0(" << ctx.fresh("o") << ": " << et << "):\n"
           << b.str() << "    linalg.yield " << v << " : " << et << "\n  } -> " << tensorType(out)
           << "\n";
  return r;
}

/// The value of an int64 scalar input as an index.
std::string scalarIndex(EmitContext &ctx, const Var &v) {
  std::string e = fn(ctx, "tensor.extract " + ctx.ssa(v) + "[] : " + tensorType(v.type()));
  return fn(ctx, "arith.index_cast " + e + " : " + mlirElementType(v.dtype()) + " to index");
}

/// Per input axis: an integer position (`index`) or a slice (start, step, len), all SSA indices.
struct Axis {
  bool isSlice = true;
  std::string index, start, step, len;
};

/// Python's slice resolution (PySlice_AdjustIndices) on SSA values; the step's sign may be
/// unknown, so both branches are computed and selected (constants fold away).
Axis resolveSlice(EmitContext &ctx, const std::optional<std::string> &startV,
                  const std::optional<std::string> &stopV, const std::string &step,
                  const std::string &n) {
  std::string zero = ctx.indexConst(0), one = ctx.indexConst(1), minusOne = ctx.indexConst(-1);
  std::string nm1 = fnOp(ctx, "subi", n, one);
  std::string pos = fnCmp(ctx, "sgt", step, zero);
  auto bound = [&](const std::optional<std::string> &v, const std::string &defPos,
                   const std::string &defNeg) {
    if (!v) return fnSelect(ctx, pos, defPos, defNeg);
    std::string w = fnSelect(ctx, fnCmp(ctx, "slt", *v, zero), fnOp(ctx, "addi", *v, n), *v);
    std::string up = fnOp(ctx, "minsi", fnOp(ctx, "maxsi", w, zero), n);
    std::string down = fnOp(ctx, "minsi", fnOp(ctx, "maxsi", w, minusOne), nm1);
    return fnSelect(ctx, pos, up, down);
  };
  Axis a;
  a.start = bound(startV, zero, nm1);
  std::string stop = bound(stopV, n, minusOne);
  std::string span =
      fnSelect(ctx, pos, fnOp(ctx, "subi", stop, a.start), fnOp(ctx, "subi", a.start, stop));
  // |step|, at least 1 (a zero step never reaches the kernel: the host raised ValueError).
  std::string mag =
      fnOp(ctx, "maxsi", fnSelect(ctx, pos, step, fnOp(ctx, "subi", zero, step)), one);
  std::string len = fnOp(ctx, "divsi", fnOp(ctx, "addi", span, fnOp(ctx, "subi", mag, one)), mag);
  a.len = fnOp(ctx, "maxsi", len, zero);
  a.step = step;
  return a;
}

/// The resolved axes of x[idx] with the scalar inputs `values` (in DynSubtensor order).
std::vector<Axis> resolveAxes(EmitContext &ctx, const Var &x, const IndexList &idx,
                              const IntList &dyn, const std::vector<Var> &values) {
  std::vector<Axis> axes(x.ndim());
  size_t k = 0;
  auto field = [&](int64_t mask, int64_t bit,
                   std::optional<int64_t> fixed) -> std::optional<std::string> {
    if (mask & bit) return scalarIndex(ctx, values.at(k++));
    if (fixed) return ctx.indexConst(*fixed);
    return std::nullopt;
  };
  for (int a = 0; a < x.ndim(); ++a) {
    std::string n = ctx.dim(x, a);
    if (a >= static_cast<int>(idx.size())) {
      axes[a] = resolveSlice(ctx, std::nullopt, std::nullopt, ctx.indexConst(1), n);
      continue;
    }
    const IndexEntry &e = idx[a];
    if (!e.isSlice) {
      std::string i = *field(dyn[a], kDynIndex, e.index);
      std::string zero = ctx.indexConst(0);
      std::string w = fnSelect(ctx, fnCmp(ctx, "slt", i, zero), fnOp(ctx, "addi", i, n), i);
      axes[a].isSlice = false;
      axes[a].index =
          fnOp(ctx, "maxsi", fnOp(ctx, "minsi", w, fnOp(ctx, "subi", n, ctx.indexConst(1))), zero);
      continue;
    }
    std::optional<std::string> start = field(dyn[a], kDynStart, e.start),
                               stop = field(dyn[a], kDynStop, e.stop),
                               step = field(dyn[a], kDynStep, e.step);
    axes[a] = resolveSlice(ctx, start, stop, step.value_or(ctx.indexConst(1)), n);
  }
  return axes;
}

std::vector<Var> inputsFrom(const Apply &node, int first) {
  std::vector<Var> v;
  for (int i = first; i < static_cast<int>(node.inputs().size()); ++i)
    v.push_back(node.input(i));
  return v;
}

void emitDynSubtensor(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const DynSubtensor &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  std::vector<Axis> axes = resolveAxes(ctx, x, op.idx(), op.dyn(), inputsFrom(node, 1));
  std::vector<std::string> dyn;
  std::vector<int> outAxisOf(x.ndim(), -1);
  int o = 0;
  for (int a = 0; a < x.ndim(); ++a) {
    if (!axes[a].isSlice) continue;
    outAxisOf[a] = o;
    if (out.type().shape[o] == kUnknownDim) dyn.push_back(axes[a].len);
    ++o;
  }
  std::string r =
      gather(ctx, out.type(), dyn, [&](std::ostringstream &b, const std::vector<std::string> &idx) {
        std::vector<std::string> in;
        for (int a = 0; a < x.ndim(); ++a) {
          if (outAxisOf[a] < 0) {
            in.push_back(axes[a].index);
            continue;
          }
          std::string off = bodyOp(ctx, b, "muli", idx[outAxisOf[a]], axes[a].step);
          in.push_back(bodyOp(ctx, b, "addi", axes[a].start, off));
        }
        return extract(ctx, b, x, in);
      });
  ctx.bind(out, r, dyn);
}

void emitDynIncSubtensor(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const DynIncSubtensor &>(node.op());
  const Var &x = node.input(0), &y = node.input(1);
  Var out = node.output(0);
  std::vector<Axis> axes = resolveAxes(ctx, x, op.idx(), op.dyn(), inputsFrom(node, 2));
  // y broadcasts (NumPy) where its dim is 1: its index there is 0.
  std::vector<int> yAxisOf(x.ndim(), -1);
  std::vector<std::string> yIsOne;
  int ya = 0;
  for (int a = 0; a < x.ndim(); ++a) {
    if (!axes[a].isSlice) continue;
    yAxisOf[a] = ya;
    int64_t s = y.type().shape[ya];
    yIsOne.push_back(s == kUnknownDim
                         ? fnCmp(ctx, "eq", ctx.dim(y, ya), ctx.indexConst(1))
                         : fn(ctx, std::string("arith.constant ") + (s == 1 ? "true" : "false")));
    ++ya;
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
            cond = line(ctx, b, "arith.cmpi eq, " + idx[a] + ", " + axes[a].index + " : index");
          } else {
            const Axis &s = axes[a];
            std::string rel = bodyOp(ctx, b, "subi", idx[a], s.start);
            std::string k = bodyOp(ctx, b, "divsi", rel, s.step);
            std::string exact = line(ctx, b,
                                     "arith.cmpi eq, " + bodyOp(ctx, b, "muli", k, s.step) + ", " +
                                         rel + " : index");
            std::string nonNeg =
                line(ctx, b, "arith.cmpi sge, " + k + ", " + ctx.indexConst(0) + " : index");
            std::string below = line(ctx, b, "arith.cmpi slt, " + k + ", " + s.len + " : index");
            cond =
                line(ctx, b,
                     "arith.andi " + exact + ", " +
                         line(ctx, b, "arith.andi " + nonNeg + ", " + below + " : i1") + " : i1");
            yIdx.push_back(line(ctx, b,
                                "arith.select " + yIsOne[yAxisOf[a]] + ", " + ctx.indexConst(0) +
                                    ", " + k + " : index"));
          }
          inside = line(ctx, b, "arith.andi " + inside + ", " + cond + " : i1");
        }
        std::string xv = extract(ctx, b, x, idx);
        // Read y only inside the region: outside, its indices may be out of bounds.
        std::ostringstream then;
        std::string yv = convertScalar(ctx, then, extract(ctx, then, y, yIdx), y.dtype(), t);
        std::string v =
            op.isSet() ? yv : line(ctx, then, accumulateOp(t) + xv + ", " + yv + " : " + et);
        std::string res = ctx.fresh("g");
        b << "    " << res << " = scf.if " << inside << " -> (" << et << ") {\n"
          << then.str() << "      scf.yield " << v << " : " << et << "\n    } else {\n"
          << "      scf.yield " << xv << " : " << et << "\n    }\n";
        return res;
      });
  ctx.bind(out, r, dyn);
}
} // namespace

void registerDynIndexEmitters(std::map<std::string, Emitter> &table) {
  table["dyn_subtensor"] = emitDynSubtensor;
  table["dyn_inc_subtensor"] = emitDynIncSubtensor;
}

} // namespace graphjit::lower
