// Indexing with one integer array per leading axis (NumPy's x[rows, cols]), and its set / inc:
// PyTensor's AdvancedSubtensor / AdvancedIncSubtensor for integer arrays.
//
// The k index arrays broadcast together to a shape S; x[i0, ..., ik-1] has shape S + x.shape[k:].
// Negative indices wrap; out-of-range ones raise IndexError when evaluated.
#pragma once

#include "graphjit/Graph/Op.h"

namespace graphjit {

/// advanced_subtensor(x, i0, ..., ik-1).
class AdvancedSubtensor : public Op {
public:
  /// Index values are checked at run time (IndexError): a shape alone cannot say.
  bool shapeNeedsValues() const override { return true; }
  std::string name() const override { return "advanced_subtensor"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
};

/// advanced_inc_subtensor{set}(x, y, i0, ..., ik-1): a copy of x with x[i0, ...] += y (or = y).
/// y broadcasts to the indexed region (right-aligned). Repeated indices accumulate for inc; for
/// set the last one wins.
class AdvancedIncSubtensor : public Op {
public:
  /// Index values are checked at run time (IndexError): a shape alone cannot say.
  bool shapeNeedsValues() const override { return true; }
  explicit AdvancedIncSubtensor(bool set) : set_(set) {}
  bool set() const { return set_; }
  std::string name() const override { return "advanced_inc_subtensor"; }
  Attrs attrs() const override { return Attrs{{"set", set_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in[0]}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  bool set_;
};

/// x[indices[0], indices[1], ...] (one integer array per leading axis).
Var advanced_subtensor(const Var &x, const std::vector<Var> &indices);
/// x with x[indices...] replaced by y / incremented by y.
Var advanced_set_subtensor(const Var &x, const std::vector<Var> &indices, const Var &y);
Var advanced_inc_subtensor(const Var &x, const std::vector<Var> &indices, const Var &y);

void registerAdvancedIndexingOps(class OpRegistry &registry);

} // namespace graphjit
