// stop_gradient(x): the identity, except that no gradient flows through it.
#pragma once

#include "graphjit/Graph/Op.h"

namespace graphjit {

class StopGradient : public Op {
public:
  std::string name() const override { return "stop_gradient"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in[0]}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override { return {in[0]}; }
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                        const std::vector<Var> &) const override {
    return std::vector<Var>(inputs.size());
  }
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
};

void registerStopGradientOps(class OpRegistry &registry);

} // namespace graphjit
