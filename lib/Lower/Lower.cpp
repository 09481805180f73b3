// Lowering driver: walks the FunctionGraph in topological order and asks the
// emitter registered for each op kind to write its MLIR.
#include "graphjit/Lower/Lower.h"
#include "Emitter.h"

#include "graphjit/Support/Error.h"

#include <cmath>
#include <cstring>
#include <fmt/format.h>

namespace graphjit::lower {

std::string mlirElementType(DType t) {
  switch (t) {
  case DType::Bool:
    return "i1";
  case DType::Int32:
    return "i32";
  case DType::Int64:
    return "i64";
  case DType::Float32:
    return "f32";
  case DType::Float64:
    return "f64";
  }
  return "?";
}

namespace {
std::string shapedType(const char *kind, const TensorType &t) {
  std::string s = std::string(kind) + "<";
  for (int64_t d : t.shape)
    s += (d == kUnknownDim ? std::string("?") : std::to_string(d)) + "x";
  return s + mlirElementType(t.dtype) + ">";
}
} // namespace

std::string tensorType(const TensorType &t) { return shapedType("tensor", t); }
std::string memrefType(const TensorType &t) { return shapedType("memref", t); }

std::string scalarLiteral(double v, DType t) {
  switch (t) {
  case DType::Bool:
    return v != 0 ? "1" : "0"; // "true : i1" does not parse; "1 : i1" does
  case DType::Int32:
  case DType::Int64:
    // Saturate: casting an out-of-range double to an integer is undefined.
    if (!(v == v)) return "0";
    if (v >= 9.2233720368547758e18) return "9223372036854775807";
    if (v <= -9.2233720368547758e18) return "-9223372036854775808";
    return std::to_string(static_cast<int64_t>(v));
  case DType::Float32: {
    float f = static_cast<float>(v);
    if (std::isfinite(f))
      return fmt::format("{:.9e}", f); // exact, and always with a '.' as MLIR wants
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return fmt::format("0x{:08X}", bits);
  }
  case DType::Float64:
    if (std::isfinite(v)) return fmt::format("{:.17e}", v);
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    return fmt::format("0x{:016X}", bits);
  }
  return "0";
}

std::string EmitContext::fresh(const std::string &hint) {
  return "%" + hint + std::to_string(counter_++);
}

const std::string &EmitContext::ssa(const Var &v) const {
  auto it = names_.find(v.get());
  if (it == names_.end())
    throw Error("lowering: internal error: no SSA value for a variable of type " + v.type().str());
  return it->second;
}

void EmitContext::bind(const Var &v, const std::string &ssa,
                       const std::vector<std::string> &dynSizes) {
  names_[v.get()] = ssa;
  size_t k = 0;
  for (int d = 0; d < v.ndim() && k < dynSizes.size(); ++d)
    if (v.type().shape[d] == kUnknownDim) dims_[{v.get(), d}] = dynSizes[k++];
}

void EmitContext::setGraph(const FunctionGraph &fg) {
  graph_ = &fg;
  outputs_.clear();
  for (const Var &o : fg.outputs())
    outputs_.push_back(o.get());
  claimed_.assign(outputs_.size(), false);
}

bool EmitContext::isUnclaimedOutput(const Var &v) const {
  for (size_t i = 0; i < outputs_.size(); ++i)
    if (outputs_[i] == v.get() && !claimed_[i]) return true;
  return false;
}

std::string EmitContext::claimOutput(const Var &v) {
  for (size_t i = 0; i < outputs_.size(); ++i)
    if (outputs_[i] == v.get()) {
      if (claimed_[i]) return ""; // a second output of the same value copies the first
      claimed_[i] = true;
      return "%out" + std::to_string(i);
    }
  return "";
}

std::string EmitContext::indexConst(int64_t c) {
  auto it = indexConsts_.find(c);
  if (it != indexConsts_.end()) return it->second;
  std::string n = fresh("c");
  body << "  " << n << " = arith.constant " << c << " : index\n";
  return indexConsts_[c] = n;
}

std::string EmitContext::dim(const Var &v, int axis) {
  int64_t s = v.type().shape[axis];
  if (s != kUnknownDim) return indexConst(s);
  auto key = std::make_pair(static_cast<const Variable *>(v.get()), axis);
  auto it = dims_.find(key);
  if (it != dims_.end()) return it->second;
  std::string axisConst = indexConst(axis); // emitted before the line that uses it
  std::string n = fresh("dim");
  body << "  " << n << " = tensor.dim " << ssa(v) << ", " << axisConst << " : "
       << tensorType(v.type()) << "\n";
  return dims_[key] = n;
}

std::string EmitContext::empty(const TensorType &t, const std::vector<std::string> &dynSizes) {
  std::string n = fresh("empty");
  body << "  " << n << " = tensor.empty(";
  for (size_t i = 0; i < dynSizes.size(); ++i)
    body << (i ? ", " : "") << dynSizes[i];
  body << ") : " << tensorType(t) << "\n";
  return n;
}

std::vector<std::string> EmitContext::dynSizesLike(const TensorType &t, const Var &like) {
  std::vector<std::string> sizes;
  for (int d = 0; d < t.ndim(); ++d)
    if (t.shape[d] == kUnknownDim) sizes.push_back(dim(like, d));
  return sizes;
}

std::string EmitContext::filled(const TensorType &t, const std::vector<std::string> &dynSizes,
                                double value) {
  std::string e = empty(t, dynSizes);
  std::string c = fresh("cst");
  body << "  " << c << " = arith.constant " << scalarLiteral(value, t.dtype) << " : "
       << mlirElementType(t.dtype) << "\n";
  std::string n = fresh("fill");
  body << "  " << n << " = linalg.fill ins(" << c << " : " << mlirElementType(t.dtype) << ") outs("
       << e << " : " << tensorType(t) << ") -> " << tensorType(t) << "\n";
  return n;
}

std::string affineMap(int nLoops, const std::vector<std::string> &results) {
  std::string s = "affine_map<(";
  for (int i = 0; i < nLoops; ++i)
    s += (i ? ", d" : "d") + std::to_string(i);
  s += ") -> (";
  for (size_t i = 0; i < results.size(); ++i)
    s += (i ? ", " : "") + results[i];
  return s + ")>";
}

namespace {
struct EmitterTable {
  std::map<std::string, Emitter> emitters;
  std::map<std::string, LowerCondition> conditions;
};

const EmitterTable &emitterTable() {
  static const EmitterTable table = [] {
    EmitterTable t;
    registerElemwiseEmitters(t.emitters);
    registerReduceEmitters(t.emitters);
    registerStructuralEmitters(t.emitters);
    registerShapeEmitters(t.emitters);
    registerLinalgEmitters(t.emitters);
    registerShapeOpEmitters(t.emitters, t.conditions);
    registerDynIndexEmitters(t.emitters); // EmitIndexDyn.cpp
    return t;
  }();
  return table;
}

const std::map<std::string, Emitter> &emitters() { return emitterTable().emitters; }

std::string denseLiteral(const Tensor &t) {
  std::vector<std::string> vals; // exact element literals (int64 never passes through a double)
  for (int64_t i = 0, n = t.size(); i < n; ++i)
    vals.push_back(elementLiteral(t, i));
  bool splat = true;
  for (const std::string &v : vals)
    splat &= v == vals[0];
  if (vals.empty()) return "dense<>";
  if (splat) return "dense<" + vals[0] + ">";
  std::string s = "dense<[";
  // Nested brackets follow the shape.
  std::function<void(size_t, int64_t)> rec = [&](size_t dim, int64_t offset) {
    if (dim == t.shape().size()) {
      s += vals[offset];
      return;
    }
    int64_t inner = 1;
    for (size_t d = dim + 1; d < t.shape().size(); ++d)
      inner *= t.shape()[d];
    if (dim > 0) s += "[";
    for (int64_t i = 0; i < t.shape()[dim]; ++i) {
      if (i) s += ", ";
      rec(dim + 1, offset + i * inner);
    }
    if (dim > 0) s += "]";
  };
  if (t.ndim() == 0) return "dense<" + vals[0] + ">";
  rec(0, 0);
  return s + "]>";
}
} // namespace

void emitConstant(EmitContext &ctx, const Var &v) {
  if (ctx.has(v) || !v->isConstant()) return;
  std::string n = ctx.fresh("const");
  ctx.body << "  " << n << " = arith.constant " << denseLiteral(v->constantValue()) << " : "
           << tensorType(v.type()) << "\n";
  ctx.bind(v, n);
}

void emitNodes(EmitContext &ctx, const FunctionGraph &fg) {
  for (Apply *node : fg.toposort()) {
    for (const Var &in : node->inputs())
      emitConstant(ctx, in);
    if (auto *emit = ctx.insteadOf(node)) {
      (*emit)(ctx, *node);
      continue;
    }
    auto it = emitters().find(node->op().name());
    if (it == emitters().end() || !canLower(*node))
      throw NotImplementedError("compile: op '" + node->op().str() + "' has no JIT lowering yet");
    it->second(ctx, *node);
  }
}

} // namespace graphjit::lower

namespace graphjit {

using namespace lower;

std::vector<std::string> loweredOpNames() {
  std::vector<std::string> r;
  for (auto &kv : emitters())
    r.push_back(kv.first);
  return r;
}

bool hasLowering(const std::string &opName) { return emitters().count(opName) > 0; }

bool canLower(const Apply &node) {
  const std::string name = node.op().name();
  if (!hasLowering(name)) return false;
  auto it = emitterTable().conditions.find(name);
  return it == emitterTable().conditions.end() || it->second(node);
}

std::string lowerToMLIR(const FunctionGraph &fg, const std::string &name) {
  return lowerFunction(fg, name).mlir;
}

LoweredFunction lowerFunction(const FunctionGraph &fg, const std::string &name) {
  EmitContext ctx;
  std::string sig = "func.func @" + name + "(";
  for (size_t i = 0; i < fg.inputs().size(); ++i) {
    std::string n = "%in" + std::to_string(i);
    ctx.bind(fg.inputs()[i], n);
    // Never written in place: the caller's buffers, which the JIT declares noalias (read only).
    sig += (i ? ", " : "") + n + ": " + tensorType(fg.inputs()[i].type()) + kReadOnlyArgument;
  }
  for (size_t i = 0; i < fg.outputs().size(); ++i)
    sig += std::string(fg.inputs().empty() && i == 0 ? "" : ", ") + "%out" + std::to_string(i) +
           ": " + memrefType(fg.outputs()[i].type());
  ctx.setGraph(fg);
  emitNodes(ctx, fg);
  for (size_t i = 0; i < fg.outputs().size(); ++i) {
    const Var &o = fg.outputs()[i];
    if (ctx.outputClaimed(i)) continue; // already written in place
    emitConstant(ctx, o);
    ctx.body << "  bufferization.materialize_in_destination " << ctx.ssa(o)
             << " in restrict writable %out" << i << " : (" << tensorType(o.type()) << ", "
             << memrefType(o.type()) << ") -> ()\n";
  }
  LoweredFunction result;
  for (size_t i = 0; i < ctx.checks.size(); ++i) {
    std::string m = "%chk" + std::to_string(i);
    sig += std::string(fg.inputs().empty() && fg.outputs().empty() && i == 0 ? "" : ", ") + m +
           ": memref<i1>";
    ctx.body << "  bufferization.materialize_in_destination " << ctx.checks[i].first
             << " in restrict writable " << m << " : (tensor<i1>, memref<i1>) -> ()\n";
    result.checkMessages.push_back(ctx.checks[i].second);
  }
  result.function = sig + ") {\n" + ctx.body.str() + "  return\n}\n";
  result.declarations = ctx.declarations;
  result.mlir = result.function;
  for (const std::string &d : ctx.declarations)
    result.mlir += d + "\n";
  return result;
}

} // namespace graphjit
