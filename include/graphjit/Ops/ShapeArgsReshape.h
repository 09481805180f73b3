// reshape and broadcast_to whose target shape is a graph value (issue 21): x.reshape((n, -1)),
// reshape(x, shape(y)), broadcast_to(x, {n, 3}). The rank is static (the target's length);
// entries that are numbers stay static dims of the output type. A target of numbers or
// constants gives the static ops of old (reshape{shape}, broadcast_to{shape}).
#pragma once

#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgs.h"

#include <initializer_list>

namespace graphjit {

/// reshape_n{known}(x, target): x reshaped to the int vector target (one entry may be -1,
/// inferred). known: the target's static entries (-1: given at run time). A size mismatch is
/// a ValueError naming the shapes.
class ReshapeN : public Op {
public:
  explicit ReshapeN(IntList known);
  const IntList &known() const { return known_; }
  std::string name() const override { return "reshape_n"; }
  Attrs attrs() const override { return Attrs{{"known", known_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// The gradient reshaped back to x's shape; the target is an integer.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// The batch dims (their run-time sizes) lead the target; a batched target refuses.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool shapeNeedsValues() const override { return true; }
  /// size_shape{rule=reshape}(shape(x), target): x is not computed for its shape.
  std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const override;

private:
  IntList known_;
};

/// broadcast_to_n{known, stretch}(x, target): x broadcast (ranks aligned on the right) to the
/// int vector target. stretch: the dims of x that may broadcast (those its type has as a static
/// 1, the static broadcasting rule). A misfit is a ValueError naming both shapes.
class BroadcastToN : public Op {
public:
  BroadcastToN(IntList known, IntList stretch);
  std::string name() const override { return "broadcast_to_n"; }
  Attrs attrs() const override { return Attrs{{"known", known_}, {"stretch", stretch_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// The gradient summed back to x's type.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// x padded to the core rank, the batch dims leading the target; a batched target refuses.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool shapeNeedsValues() const override { return true; }
  std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const override;

private:
  IntList known_, stretch_;
};

/// x reshaped to `shape`, an integer vector of the graph (a scalar means a 1-d target).
Var reshape(const Var &x, const Var &shape);
/// x reshaped to entries that are numbers or int64 scalars; one may be -1: reshape(x, {n, -1}).
Var reshape(const Var &x, const SymShape &shape);
/// A braced list of numbers: the static reshape.
inline Var reshape(const Var &x, std::initializer_list<int64_t> shape) {
  return reshape(x, IntList(shape));
}
/// x broadcast to `shape`, an integer vector of the graph.
Var broadcast_to(const Var &x, const Var &shape);
/// x broadcast to entries that are numbers or int64 scalars: broadcast_to(x, {n, 3}).
Var broadcast_to(const Var &x, const SymShape &shape);
inline Var broadcast_to(const Var &x, std::initializer_list<int64_t> shape) {
  return broadcast_to(x, Shape(shape));
}

} // namespace graphjit
