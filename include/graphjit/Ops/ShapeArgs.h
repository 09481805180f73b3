// Sizes as graph values (issue 21): alloc and eye whose sizes are int64 scalars
// computed in the graph (eye(x.shape[0]), zeros(n)). A size that is a constant
// gives today's static op instead (the builders decide), so static graphs stay
// as they were. Negative sizes are a ValueError naming the op and the value.
#pragma once

#include "graphjit/Graph/Op.h"

#include <initializer_list>
#include <optional>
#include <vector>

namespace graphjit {

/// alloc(value, s_1, ..., s_k): a tensor of shape (s_1, ..., s_k) filled with the scalar value.
/// A constant s_i gives a static dim in the type.
class AllocOp : public Op {
public:
  std::string name() const override { return "alloc"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// d value = sum of the output gradient; the sizes are integers (no gradient).
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// The output shape is the sizes' values.
  bool shapeNeedsValues() const override { return true; }
  std::vector<int> shapeValueInputs(size_t numInputs) const override;
  std::vector<Shape> inferShapeFromValues(const std::vector<Shape> &inShapes,
                                          const std::vector<const Tensor *> &values) const override;
};

/// eye_n{k, dtype}(n, m): the n x m matrix with ones on diagonal k, n and m int64 scalars.
class EyeN : public Op {
public:
  EyeN(int64_t k, DType dtype) : k_(k), dtype_(dtype) {}
  std::string name() const override { return "eye_n"; }
  Attrs attrs() const override { return Attrs{{"k", k_}, {"dtype", dtype_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  bool shapeNeedsValues() const override { return true; }
  std::vector<int> shapeValueInputs(size_t) const override { return {0, 1}; }
  std::vector<Shape> inferShapeFromValues(const std::vector<Shape> &inShapes,
                                          const std::vector<const Tensor *> &values) const override;
  int64_t k() const { return k_; }
  DType dtype() const { return dtype_; }

private:
  int64_t k_;
  DType dtype_;
};

/// Sizes that are graph values (int64 scalars): {n, shape_i(x, 0)}. A type of its own, so that
/// zeros({3}) still means the static builder.
struct Sizes {
  Sizes(std::initializer_list<Var> v) : vars(v) {}
  explicit Sizes(std::vector<Var> v) : vars(std::move(v)) {}
  std::vector<Var> vars;
};

/// shape(x)[i] as an int64 scalar (PyTensor's x.shape[i]); a static dim is a constant.
Var shape_i(const Var &x, int64_t i);
/// `value` (a scalar) broadcast to the sizes (int64 scalars, e.g. shape_i(x, 0)).
Var alloc(const Var &value, const Sizes &sizes);
Var full(const Sizes &sizes, double value, DType dtype = DType::Float64);
Var zeros(const Sizes &sizes, DType dtype = DType::Float64);
Var ones(const Sizes &sizes, DType dtype = DType::Float64);
/// n x m (m defaults to n) with ones on diagonal k; n and m int64 scalars.
Var eye(const Var &n, std::optional<Var> m = {}, int64_t k = 0, DType dtype = DType::Float64);

void registerShapeArgOps(class OpRegistry &registry);

} // namespace graphjit
