// matmul with NumPy semantics, and the dot/outer builders on top of it.
#pragma once

#include "graphjit/Graph/Op.h"

namespace graphjit {

/// matmul(a, b). Accepted ranks: 1 or 2 on each side (vector·vector gives a
/// scalar, a vector on the left acts as a row, on the right as a column), or
/// equal ranks >= 3 (a stack of matrix products whose batch dims broadcast
/// where their type says 1). The builders reduce every other case to these.
/// Ints multiply in their promoted dtype; bools count as int64.
class MatMul : public Op {
public:
  std::string name() const override { return "matmul"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  void checkShapes(const std::vector<TensorType> &inTypes,
                   const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
};

/// NumPy matmul for any ranks >= 1 (a 1-d operand next to a stack is expanded and squeezed back).
Var matmul(const Var &a, const Var &b);
/// dot for ranks <= 2 (scalars multiply); same as matmul there.
Var dot(const Var &a, const Var &b);
/// outer(a, b)[i, j] = a[i] * b[j] for vectors.
Var outer(const Var &a, const Var &b);

void registerMatMulOps(class OpRegistry &registry);

} // namespace graphjit
