// ifelse(cond, then, else): a lazy branch. The op holds the two branches as
// inner graphs over the same captured inputs and runs only the one the
// condition picks, in the interpreter and in compiled code alike (PyTensor's
// ifelse, JAX's lax.cond, MLIR's scf.if).
#pragma once

#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/Graph/Op.h"

namespace graphjit {

class IfElseOp : public Op {
public:
  /// Both branches take the same inputs (the op's inputs after the condition)
  /// and return the same number of outputs of the same dtypes and ranks.
  IfElseOp(std::shared_ptr<const InnerGraph> thenBranch,
           std::shared_ptr<const InnerGraph> elseBranch);

  std::string name() const override { return "ifelse"; }
  Attrs attrs() const override;
  Attrs displayAttrs() const override { return {}; }
  std::vector<InnerFunctionView> innerFunctions() const override;
  const InnerGraph &thenBranch() const { return *then_; }
  const InnerGraph &elseBranch() const { return *else_; }
  /// Which branch runs (and so the shapes and errors) depends on the condition's value.
  bool shapeNeedsValues() const override { return true; }

  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  /// The shapes when both branches agree on them; otherwise a ShapeError (the
  /// shape depends on the condition's value).
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// d/dx ifelse(c, f(x), g(x)) = ifelse(c, f'(x), g'(x)): the gradient is an
  /// ifelse of the branches' gradients, as lazy as the forward.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// With an unbatched condition: an ifelse of the batched branches. A batched
  /// condition picks per element: where(c, then, else) over both batched branches.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool isPure() const override;
  /// A branch may read a generator (a draw inside a scan's step).
  bool acceptsNonTensorInputs() const override { return true; }

private:
  std::shared_ptr<const InnerGraph> then_, else_;
};

/// ifelse(cond, then, else) for several outputs: `thenOuts[i]` when the scalar
/// `cond` is true (nonzero), else `elseOuts[i]`. The branches are graphs the
/// caller built; what they read from outside becomes the op's inputs, so only
/// the taken branch is ever computed.
std::vector<Var> ifelse(const Var &cond, const std::vector<Var> &thenOuts,
                        const std::vector<Var> &elseOuts);
Var ifelse(const Var &cond, const Var &thenOut, const Var &elseOut);

/// Is any node of the graph computing `outputs` impure (a random draw)?
bool anyImpure(const std::vector<Var> &outputs);

void registerIfElseOps(class OpRegistry &registry);

} // namespace graphjit
