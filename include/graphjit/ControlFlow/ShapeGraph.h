// Shapes as graphs: the output shapes of a node computed from its input shapes
// alone (PyTensor's ShapeFeature / infer_shape), and the shape assertion that
// keeps a removed computation's shape checks. Both ops hold the node as a
// one-node function (text IR), run its checkShapes and inferShape at run time
// and so raise the same typed errors its data path would.
#pragma once

#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/Graph/Op.h"

#include <memory>

namespace graphjit {

/// infer_shape{node, output}(s_1, ..., s_n): the shape (an int64 vector) of output `output` of
/// the one-node function `node` when its inputs have shapes s_i (int64 vectors).
class InferShapeOp : public Op {
public:
  InferShapeOp(std::shared_ptr<const InnerGraph> node, int64_t output);
  const InnerGraph &node() const { return *node_; }
  int64_t output() const { return output_; }

  std::string name() const override { return "infer_shape"; }
  Attrs attrs() const override;
  Attrs displayAttrs() const override;
  std::vector<InnerFunctionView> innerFunctions() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// Shapes are integers: no gradient flows.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;

private:
  std::shared_ptr<const InnerGraph> node_;
  int64_t output_;
};

/// check_shapes{node}(x, s_1, ..., s_n): x itself, once shapes s_i have passed the checks the
/// one-node function `node` makes on its inputs' shapes (else its ShapeError/IndexError). What
/// a rewrite leaves in place of a computation it removes (x + zeros_like(y) -> x).
class CheckShapesOp : public Op {
public:
  explicit CheckShapesOp(std::shared_ptr<const InnerGraph> node);
  const InnerGraph &node() const { return *node_; }

  std::string name() const override { return "check_shapes"; }
  Attrs attrs() const override;
  Attrs displayAttrs() const override;
  std::vector<InnerFunctionView> innerFunctions() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  std::shared_ptr<const InnerGraph> node_;
};

/// The shapes of `node`'s outputs as graphs of its inputs' shapes: the op's shapeGraph, else
/// constants where every input is static, else infer_shape nodes. Empty when the shapes (or the
/// errors) need the values (Op::shapeNeedsValues), the op is impure or reads non-tensors.
std::vector<Var> graphShapes(const Apply &node);

/// `x`, behind the shape checks `node` would make at run time (a check_shapes node), or `x`
/// itself when those checks cannot fail (every input of `node` is static). `node` may be one a
/// rewrite is removing: only its inputs are read.
Var keepShapeChecks(const Var &x, const Apply &node);

/// infer_shape of output `output` of `node` (its inputs' shapes as inputs), even where the
/// shape is static: what graphShapes() uses for the dims it cannot give as constants.
Var infer_shape(const Apply &node, int output = 0);
/// check_shapes of `node`'s input shapes, passing `x` through (always a node: keepShapeChecks
/// leaves out the checks that cannot fail).
Var check_shapes(const Var &x, const Apply &node);

void registerShapeGraphOps(class OpRegistry &registry);
void registerShapeGraphRewrites(class RewriteRegistry &registry);

} // namespace graphjit
