// Lowerings of the ops whose sizes are values (alloc, eye_n) and of the shape-graph ops
// (infer_shape, check_shapes) whose held op has a plain-arithmetic shape rule (issue 21).
//
// alloc/eye_n read their sizes with tensor.extract: the runtime has already read the same
// values on the host to allocate (Op::inferShapeFromValues, which raises on a negative size),
// so one compiled kernel serves every size. infer_shape/check_shapes compute the held op's
// shape rule on i64 values and set a check flag where its checks fail; the runtime then reruns
// the kernel's graph on the interpreter for the exact typed error (ShapeError, ValueError).
#include "Emitter.h"

#include "graphjit/ControlFlow/ShapeGraph.h"
#include "graphjit/Lower/Lower.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgs.h"

#include <algorithm>
#include <set>

namespace graphjit::lower {

namespace {

/// Index value of size input `v` (an integer scalar), never below 0 (a negative size has
/// already failed on the host; the clamp keeps the kernel's allocation well defined anyway).
std::string sizeIndex(EmitContext &ctx, const Var &v) {
  std::string et = mlirElementType(v.dtype());
  std::string e = ctx.fresh("size"), i = ctx.fresh("sizei"), c = ctx.fresh("sizec");
  ctx.body << "  " << e << " = tensor.extract " << ctx.ssa(v) << "[] : " << tensorType(v.type())
           << "\n";
  ctx.body << "  " << i << " = arith.index_cast " << e << " : " << et << " to index\n";
  std::string zero = ctx.indexConst(0);
  ctx.body << "  " << c << " = arith.maxsi " << i << ", " << zero << " : index\n";
  return c;
}

/// alloc(value, n_1..n_k) -> tensor.empty(n_i...) filled with the scalar value.
void emitAlloc(EmitContext &ctx, Apply &node) {
  Var out = node.output(0);
  const Var &value = node.input(0);
  std::vector<std::string> dyn;
  for (int d = 0; d < out.ndim(); ++d)
    if (out.type().shape[d] == kUnknownDim) dyn.push_back(sizeIndex(ctx, node.input(d + 1)));
  std::string et = mlirElementType(out.dtype());
  std::string v = ctx.fresh("val"), e = ctx.empty(out.type(), dyn), r = ctx.fresh("alloc");
  ctx.body << "  " << v << " = tensor.extract " << ctx.ssa(value)
           << "[] : " << tensorType(value.type()) << "\n";
  ctx.body << "  " << r << " = linalg.fill ins(" << v << " : " << et << ") outs(" << e << " : "
           << tensorType(out.type()) << ") -> " << tensorType(out.type()) << "\n";
  ctx.bind(out, r, dyn);
}

/// eye_n{k}(n, m) -> linalg.generic writing (j == i + k) ? 1 : 0.
void emitEyeN(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const EyeN &>(node.op());
  Var out = node.output(0);
  std::vector<std::string> dyn;
  for (int d = 0; d < 2; ++d)
    if (out.type().shape[d] == kUnknownDim) dyn.push_back(sizeIndex(ctx, node.input(d)));
  std::string et = mlirElementType(out.dtype());
  std::string e = ctx.empty(out.type(), dyn), r = ctx.fresh("eye"), o = ctx.fresh("o");
  std::string i = ctx.fresh("i"), j = ctx.fresh("j"), ik = ctx.fresh("ik"), eq = ctx.fresh("eq");
  std::string one = ctx.fresh("one"), zero = ctx.fresh("zero"), sel = ctx.fresh("sel");
  std::string k = ctx.fresh("k");
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(2, {"d0", "d1"})
           << "], iterator_types = [\"parallel\", \"parallel\"]} outs(" << e << " : "
           << tensorType(out.type()) << ") {\n  ^bb0(" << o << ": " << et << "):\n"
           << "    " << i << " = linalg.index 0 : index\n"
           << "    " << j << " = linalg.index 1 : index\n"
           << "    " << k << " = arith.constant " << op.k() << " : index\n"
           << "    " << ik << " = arith.addi " << i << ", " << k << " : index\n"
           << "    " << eq << " = arith.cmpi eq, " << j << ", " << ik << " : index\n"
           << "    " << one << " = arith.constant " << scalarLiteral(1, out.dtype()) << " : " << et
           << "\n"
           << "    " << zero << " = arith.constant " << scalarLiteral(0, out.dtype()) << " : " << et
           << "\n"
           << "    " << sel << " = arith.select " << eq << ", " << one << ", " << zero << " : "
           << et << "\n"
           << "    linalg.yield " << sel << " : " << et << "\n  } -> " << tensorType(out.type())
           << "\n";
  ctx.bind(out, r, dyn);
}

// ---- shape rules on i64 values ----

/// Shape arithmetic on i64 SSA values, with a running failure flag.
class ShapeCode {
public:
  explicit ShapeCode(EmitContext &ctx) : ctx_(ctx) {}

  std::string constant(int64_t c) {
    auto it = consts_.find(c);
    if (it != consts_.end()) return it->second;
    return consts_[c] = emit("arith.constant " + std::to_string(c) + " : i64");
  }
  std::string add(const std::string &a, const std::string &b) {
    return emit("arith.addi " + a + ", " + b + " : i64");
  }
  std::string binary(const char *op, const std::string &a, const std::string &b) {
    return emit(std::string("arith.") + op + " " + a + ", " + b + " : i64");
  }
  /// Sets the failure flag where a `pred` b (cmpi predicate) holds.
  void failIf(const std::string &pred, const std::string &a, const std::string &b) {
    std::string c = emit("arith.cmpi " + pred + ", " + a + ", " + b + " : i64");
    bad_ = bad_.empty() ? c : emit("arith.ori " + bad_ + ", " + c + " : i1");
  }
  /// Element d of the int64 shape vector `v`.
  std::string element(const Var &v, int64_t d) {
    return emit("tensor.extract " + ctx_.ssa(v) + "[" + ctx_.indexConst(d) +
                "] : " + tensorType(v.type()));
  }
  /// The failure flag as a tensor<i1> (false when no check can fail).
  std::string flagTensor() {
    std::string b = bad_.empty() ? emit("arith.constant false") : bad_;
    return emit("tensor.from_elements " + b + " : tensor<i1>");
  }
  bool canFail() const { return !bad_.empty(); }

private:
  std::string emit(const std::string &rhs) {
    std::string n = ctx_.fresh("s");
    ctx_.body << "  " << n << " = " << rhs << "\n";
    return n;
  }
  EmitContext &ctx_;
  std::map<int64_t, std::string> consts_;
  std::string bad_;
};

using Dims = std::vector<std::string>;

/// The held node of an infer_shape/check_shapes op.
const Apply &heldApply(const Op &op) {
  const InnerGraph &g = op.name() == "infer_shape" ? static_cast<const InferShapeOp &>(op).node()
                                                   : static_cast<const CheckShapesOp &>(op).node();
  return *g.outputs()[0]->owner();
}

const std::set<std::string> &reduceNames() {
  static const std::set<std::string> names = {"sum", "prod", "max", "min", "all", "any", "mean"};
  return names;
}

/// Whether the shape rule of `held` has a lowering below.
bool hasShapeRule(const Apply &held) {
  const std::string n = held.op().name();
  if (isElemwiseLowering(n) || n == "dimshuffle" || n == "reshape" || reduceNames().count(n))
    return true;
  if (n == "matmul") return held.input(0).ndim() <= 2 && held.input(1).ndim() <= 2;
  if (n == "concatenate") {
    for (const Var &in : held.inputs())
      if (in.ndim() != held.input(0).ndim() || in.ndim() == 0) return false;
    return !held.inputs().empty();
  }
  return false;
}

/// The output shape of `held` from its input shapes `in` (the checks its checkShapes and
/// inferShape make become failure conditions).
Dims shapeRule(ShapeCode &s, const Apply &held, const std::vector<Dims> &in) {
  const Op &op = held.op();
  const std::string n = op.name();
  if (n == "dimshuffle") {
    const auto &ds = static_cast<const DimShuffle &>(op);
    Dims out;
    for (int64_t o : ds.order())
      out.push_back(o == -1 ? s.constant(1) : in[0][o]);
    for (int d = 0; d < ds.inputNdim(); ++d)
      if (std::find(ds.order().begin(), ds.order().end(), d) == ds.order().end())
        s.failIf("ne", in[0][d], s.constant(1));
    return out;
  }
  if (reduceNames().count(n)) {
    const auto &r = static_cast<const Reduce &>(op);
    Dims out;
    for (size_t d = 0; d < in[0].size(); ++d)
      if (r.reducesAxis(static_cast<int64_t>(d))) {
        if (r.kind() == ReduceKind::Max || r.kind() == ReduceKind::Min)
          s.failIf("eq", in[0][d], s.constant(0)); // no identity
      } else {
        out.push_back(in[0][d]);
      }
    return out;
  }
  if (n == "matmul") {
    size_t ra = in[0].size(), rb = in[1].size();
    s.failIf("ne", in[0][ra - 1], rb == 1 ? in[1][0] : in[1][rb - 2]);
    Dims out;
    if (ra == 2) out.push_back(in[0][0]);
    if (rb == 2) out.push_back(in[1][1]);
    return out;
  }
  if (n == "reshape") {
    // Reshape::resolve: the sizes must match, or the -1 dim takes size / known.
    const IntList &target = static_cast<const Reshape &>(op).target();
    std::string size = s.constant(1);
    for (const std::string &d : in[0])
      size = s.binary("muli", size, d);
    int64_t known = 1;
    int unknownAt = -1;
    for (size_t i = 0; i < target.size(); ++i)
      if (target[i] == -1)
        unknownAt = static_cast<int>(i);
      else
        known *= target[i];
    Dims out;
    for (int64_t t : target)
      out.push_back(s.constant(t));
    if (unknownAt < 0) {
      s.failIf("ne", size, s.constant(known));
    } else if (known == 0) {
      s.failIf("eq", s.constant(0), s.constant(0)); // always fails, as resolve does
    } else {
      s.failIf("ne", s.binary("remsi", size, s.constant(known)), s.constant(0));
      out[unknownAt] = s.binary("divsi", size, s.constant(known));
    }
    return out;
  }
  if (n == "concatenate") {
    int nd = static_cast<int>(in[0].size());
    int64_t axis = static_cast<const Concatenate &>(op).axis();
    if (axis < 0) axis += nd;
    Dims out = in[0];
    for (size_t i = 1; i < in.size(); ++i)
      for (int d = 0; d < nd; ++d)
        if (d == axis)
          out[d] = s.add(out[d], in[i][d]);
        else
          s.failIf("ne", in[i][d], in[0][d]);
    return out;
  }
  // Elementwise: at each axis, every input whose type does not say a static 1 must agree
  // (PyTensor's rule, Elemwise::checkShapes); the output size is theirs, else 1.
  size_t nd = 0;
  for (const Dims &d : in)
    nd = std::max(nd, d.size());
  Dims out;
  for (size_t axis = 0; axis < nd; ++axis) {
    std::string first;
    for (size_t k = 0; k < in.size(); ++k) {
      size_t pad = nd - in[k].size();
      if (axis < pad || held.input(static_cast<int>(k)).type().shape[axis - pad] == 1) continue;
      const std::string &size = in[k][axis - pad];
      if (first.empty())
        first = size;
      else
        s.failIf("ne", size, first);
    }
    out.push_back(first.empty() ? s.constant(1) : first);
  }
  return out;
}

/// The held node's checks and shape rule on the shape vectors `shapes` (inputs of the op from
/// `first` on); registers the failure check. Returns the output dims (i64 values).
std::vector<Dims> lowerShapeRule(EmitContext &ctx, Apply &node, size_t first) {
  const Apply &held = heldApply(node.op());
  ShapeCode s(ctx);
  std::vector<Dims> in;
  for (int i = 0; i < static_cast<int>(held.inputs().size()); ++i) {
    const TensorType &t = held.input(i).type();
    const Var &vec = node.input(static_cast<int>(first) + i);
    // shape(v) of a value in the kernel: its dims are v's, never negative and of v's type (the
    // runtime checked the inputs' types), so only the rule's own checks remain.
    const Apply *src = vec->owner();
    const TensorType *of = src && src->op().name() == "shape" ? &src->input(0).type() : nullptr;
    Dims dims;
    for (int d = 0; d < t.ndim(); ++d) {
      std::string v = s.element(vec, d);
      if (!of) s.failIf("slt", v, s.constant(0)); // a negative dim (ValueError)
      if (t.shape[d] != kUnknownDim && !(of && of->shape[d] == t.shape[d]))
        s.failIf("ne", v, s.constant(t.shape[d])); // a size its type does not allow
      dims.push_back(v);
    }
    in.push_back(std::move(dims));
  }
  std::vector<Dims> outs{shapeRule(s, held, in)};
  if (s.canFail())
    ctx.addCheck(s.flagTensor(), std::string(kRerunCheck) + node.op().name() + ": the shapes of " +
                                     held.op().name() + "'s inputs do not agree");
  return outs;
}

void emitInferShape(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const InferShapeOp &>(node.op());
  std::vector<Dims> outs = lowerShapeRule(ctx, node, 0);
  const Dims &dims = outs.at(op.output());
  std::string r = ctx.fresh("inferred");
  ctx.body << "  " << r << " = tensor.from_elements ";
  for (size_t i = 0; i < dims.size(); ++i)
    ctx.body << (i ? ", " : "") << dims[i];
  ctx.body << " : " << tensorType(node.output(0).type()) << "\n";
  ctx.bind(node.output(0), r, {});
}

void emitCheckShapes(EmitContext &ctx, Apply &node) {
  lowerShapeRule(ctx, node, 1);
  ctx.bind(node.output(0), ctx.ssa(node.input(0)));
}

/// infer_shape/check_shapes lower when the held op's rule is above, there is a single output
/// rule to compute, and every shape vector has its static length (no out-of-range extract).
bool shapeOpLowers(const Apply &node) {
  const Apply &held = heldApply(node.op());
  if (held.numOutputs() != 1 || !hasShapeRule(held)) return false;
  size_t first = node.op().name() == "check_shapes" ? 1 : 0;
  for (size_t i = 0; i < held.inputs().size(); ++i)
    if (node.input(static_cast<int>(first + i)).type().shape[0] != held.input(i).ndim())
      return false;
  return true;
}

} // namespace

void registerShapeOpEmitters(std::map<std::string, Emitter> &table,
                             std::map<std::string, LowerCondition> &conditions) {
  table["alloc"] = emitAlloc;
  table["eye_n"] = emitEyeN;
  table["infer_shape"] = emitInferShape;
  table["check_shapes"] = emitCheckShapes;
  conditions["infer_shape"] = shapeOpLowers;
  conditions["check_shapes"] = shapeOpLowers;
}

} // namespace graphjit::lower
