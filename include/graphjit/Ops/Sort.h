// sort / argsort along one axis (PyTensor's SortOp / ArgSortOp).
#pragma once

#include "graphjit/Graph/Op.h"

#include <optional>

namespace graphjit {

/// sort{axis}(x) / argsort{axis}(x): ascending, stable, NaNs last (NumPy's order); argsort gives
/// int64 positions.
class SortOp : public Op {
public:
  SortOp(int64_t axis, bool arg) : axis_(axis), arg_(arg) {}
  int64_t axis() const { return axis_; }
  bool isArg() const { return arg_; }
  std::string name() const override { return arg_ ? "argsort" : "sort"; }
  Attrs attrs() const override { return Attrs{{"axis", axis_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in[0]}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  int64_t axis_;
  bool arg_;
};

/// Sorted copy of x along axis (none: the flattened x).
Var sort(const Var &x, std::optional<int64_t> axis = -1);
/// Positions that sort x along axis (none: the flattened x).
Var argsort(const Var &x, std::optional<int64_t> axis = -1);

void registerSortOps(class OpRegistry &registry);

} // namespace graphjit
