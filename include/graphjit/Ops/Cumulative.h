// Cumulative sums and products along one axis (PyTensor's CumOp): cumsum, cumprod.
#pragma once

#include "graphjit/Graph/Op.h"

#include <optional>

namespace graphjit {

enum class CumKind { Sum, Prod };

/// cumsum{axis}(x) / cumprod{axis}(x): running sum or product along a non-negative axis.
class CumOp : public Op {
public:
  CumOp(CumKind kind, int64_t axis) : kind_(kind), axis_(axis) {}
  CumKind kind() const { return kind_; }
  int64_t axis() const { return axis_; }
  std::string name() const override { return kind_ == CumKind::Sum ? "cumsum" : "cumprod"; }
  Attrs attrs() const override { return Attrs{{"axis", axis_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in[0]}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  CumKind kind_;
  int64_t axis_;
};

/// NumPy cumsum / cumprod; no axis means over the flattened array. Bools count as int64.
Var cumsum(const Var &x, std::optional<int64_t> axis = std::nullopt);
Var cumprod(const Var &x, std::optional<int64_t> axis = std::nullopt);
/// x reversed along the given axes (all when empty): a subtensor with step -1, as in PyTensor.
Var flip(const Var &x, IntList axes = {});

void registerCumulativeOps(class OpRegistry &registry);

} // namespace graphjit
