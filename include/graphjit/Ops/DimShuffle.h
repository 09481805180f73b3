// DimShuffle: permute axes, insert broadcastable axes, drop broadcastable
// axes (PyTensor's DimShuffle). transpose, expand_dims and squeeze build on it.
#pragma once

#include "graphjit/Graph/Op.h"

namespace graphjit {

class DimShuffle : public Op {
public:
  /// `order[i]` is the input axis that becomes output axis i, or -1 for a new
  /// broadcastable axis. Input axes not listed are dropped (they must be 1).
  DimShuffle(int inputNdim, IntList order);

  const IntList &order() const { return order_; }
  int inputNdim() const { return inputNdim_; }
  /// True if only new axes are added/dropped (no data movement).
  bool isPureReshape() const;

  std::string name() const override { return "dimshuffle"; }
  Attrs attrs() const override;
  /// transpose{axes}, expand_dims{axis} or squeeze{axis} when the order is only that.
  std::string displayStr() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  void checkShapes(const std::vector<TensorType> &inTypes,
                   const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool isRowwise(const Apply &node, const std::vector<bool> &inputIsRows) const override;

private:
  int inputNdim_;
  IntList order_;
};

/// dimshuffle(x, {1, -1, 0}): -1 is PyTensor's 'x' (a new axis of size 1).
Var dimshuffle(const Var &x, const IntList &order);
/// Reverses the axes, or permutes them by `axes`.
Var transpose(const Var &x, IntList axes = {});
Var expand_dims(const Var &x, int axis);
/// Drops the given axes (all static-1 axes if none given); each must be static 1.
Var squeeze(const Var &x, IntList axes = {});

void registerDimShuffleOps(class OpRegistry &registry);

} // namespace graphjit
