// Shared state and helpers of the per-op MLIR emitters (internal to lib/Lower).
#pragma once

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Graph/Op.h"

#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace graphjit::lower {

/// The attribute of a kernel's tensor arguments: bufferization copies before writing into one (by
/// default it may write into a function's argument in place), so a kernel only reads the caller's
/// buffers, as the noalias its JIT entry declares requires.
inline constexpr const char *kReadOnlyArgument = " {bufferization.writable = false}";

/// "f64", "i32", "i1".
std::string mlirElementType(DType t);
/// "tensor<?x3xf64>", "tensor<f64>".
std::string tensorType(const TensorType &t);
std::string memrefType(const TensorType &t);
/// A literal of `value` in `dtype` for arith.constant ("1.0", "0x7FF0000000000000", "true").
std::string scalarLiteral(double value, DType dtype);
/// The literal of element `flat` (row-major) of `t`; exact for integers (Literal.cpp).
std::string elementLiteral(const Tensor &t, int64_t flat);

/// Function body being built: SSA names of variables, fresh names, the text.
class EmitContext {
public:
  std::ostringstream body;

  std::string fresh(const std::string &hint = "v");
  void bind(const Var &v, const std::string &ssa) { names_[v.get()] = ssa; }
  /// Binds `v` and remembers the index values of its unknown dims (in order), so
  /// later users ask for them without a tensor.dim on `v` (an extra use of a
  /// producer would stop elementwise fusion).
  void bind(const Var &v, const std::string &ssa, const std::vector<std::string> &dynSizes);
  const std::string &ssa(const Var &v) const;
  bool has(const Var &v) const { return names_.count(v.get()) > 0; }

  /// An index value for dim `axis` of `v` (a constant when static).
  std::string dim(const Var &v, int axis);
  /// An index constant.
  std::string indexConst(int64_t c);
  /// tensor.empty of `t`, dynamic sizes from `dynSizes` (index SSA values, one per unknown dim).
  std::string empty(const TensorType &t, const std::vector<std::string> &dynSizes);
  /// Dynamic sizes of an output of type `t` whose dims equal those of `like` (same rank).
  std::vector<std::string> dynSizesLike(const TensorType &t, const Var &like);
  /// Registers a run-time check: `flag` (a tensor<i1>) is true when `message` applies.
  /// Each becomes an extra memref<i1> output the runtime reads after the call.
  void addCheck(const std::string &flag, const std::string &message) {
    checks.emplace_back(flag, message);
  }
  std::vector<std::pair<std::string, std::string>> checks;
  /// Module-level declarations (external functions), each emitted once.
  void declare(const std::string &decl) {
    for (auto &d : declarations)
      if (d == decl) return;
    declarations.push_back(decl);
  }
  std::vector<std::string> declarations;

  /// The graph being lowered, and its output memrefs by the variable each one receives (set by
  /// the driver).
  void setGraph(const FunctionGraph &fg);
  const FunctionGraph *graph() const { return graph_; }
  /// True when `v` is an output of the function whose memref no emitter has claimed yet.
  bool isUnclaimedOutput(const Var &v) const;
  /// "%outN" when `v` is output N of the function and no emitter has claimed that memref yet:
  /// the caller writes `v` into it directly (a BLAS call) and the driver then skips the copy into
  /// the output. Empty otherwise.
  std::string claimOutput(const Var &v);
  bool outputClaimed(size_t i) const { return i < claimed_.size() && claimed_[i]; }
  /// Emits `node` with `emit` instead of its op's emitter (a product fused into the add reading
  /// it).
  void emitInstead(const Apply *node, std::function<void(EmitContext &, Apply &)> emit) {
    instead_[node] = std::move(emit);
  }
  const std::function<void(EmitContext &, Apply &)> *insteadOf(const Apply *node) const {
    auto it = instead_.find(node);
    return it == instead_.end() ? nullptr : &it->second;
  }

  /// A linalg.fill of `value` into a fresh tensor of type t.
  std::string filled(const TensorType &t, const std::vector<std::string> &dynSizes, double value);

private:
  std::unordered_map<const Variable *, std::string> names_;
  std::map<std::pair<const Variable *, int>, std::string> dims_;
  std::map<int64_t, std::string> indexConsts_;
  const FunctionGraph *graph_ = nullptr;
  std::vector<const Variable *> outputs_;
  std::vector<bool> claimed_;
  std::unordered_map<const Apply *, std::function<void(EmitContext &, Apply &)>> instead_;
  int counter_ = 0;
};

using Emitter = std::function<void(EmitContext &, Apply &)>;
/// For ops that lower only for some nodes: whether `node` does (others run on the host).
using LowerCondition = std::function<bool(const Apply &)>;
/// Registers the emitters of each op group (one per file).
void registerElemwiseEmitters(std::map<std::string, Emitter> &table);
void registerReduceEmitters(std::map<std::string, Emitter> &table);
void registerStructuralEmitters(std::map<std::string, Emitter> &table);
void registerShapeEmitters(std::map<std::string, Emitter> &table);
void registerLinalgEmitters(std::map<std::string, Emitter> &table);
void registerDynIndexEmitters(std::map<std::string, Emitter> &table);
/// alloc, eye_n, and infer_shape/check_shapes of ops with an arithmetic shape rule
/// (EmitShapeOps.cpp).
void registerShapeOpEmitters(std::map<std::string, Emitter> &table,
                             std::map<std::string, LowerCondition> &conditions);

/// Emits every node of `fg` in topological order (its inputs already bound), binding the
/// constants the nodes read. Throws NotImplementedError naming an op without a lowering.
void emitNodes(EmitContext &ctx, const FunctionGraph &fg);
/// Binds `v` to an arith.constant when it is a constant not bound yet (e.g. a constant output).
void emitConstant(EmitContext &ctx, const Var &v);

/// Whether `opName` lowers as an elementwise op (then emitScalarElemwise applies to its nodes).
bool isElemwiseLowering(const std::string &opName);
/// The scalar code of an elementwise node on one scalar operand per input (each in its input's
/// dtype), written to `out`; returns the SSA name of the result, in the output's dtype.
std::string emitScalarElemwise(EmitContext &ctx, std::ostringstream &out, Apply &node,
                               const std::vector<std::string> &args);
/// True with the exact literal when `v` is a one-element constant (possibly behind dimshuffles).
bool scalarConstantLiteral(const Var &v, std::string &literal);

/// "affine_map<(d0, d1) -> (d0, 0)>".
std::string affineMap(int nLoops, const std::vector<std::string> &results);
/// The body text converting a scalar `value` of type `from` to `to`; returns the new SSA name.
std::string convertScalar(EmitContext &ctx, std::ostringstream &out, const std::string &value,
                          DType from, DType to);

} // namespace graphjit::lower
