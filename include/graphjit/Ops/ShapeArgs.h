// Sizes as graph values (issue 21): alloc and eye whose sizes are int64 scalars
// computed in the graph (eye(x.shape[0]), zeros(n)). A size that is a constant
// gives today's static op instead (the builders decide), so static graphs stay
// as they were. Negative sizes are a ValueError naming the op and the value.
#pragma once

#include "graphjit/Graph/Op.h"

#include <initializer_list>
#include <optional>
#include <type_traits>
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
  /// size_shape of the sizes: the values, checked (never the filled tensor).
  std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const override;
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
  std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const override;
  std::vector<int> shapeValueInputs(size_t) const override { return {0, 1}; }
  std::vector<Shape> inferShapeFromValues(const std::vector<Shape> &inShapes,
                                          const std::vector<const Tensor *> &values) const override;
  int64_t k() const { return k_; }
  DType dtype() const { return dtype_; }

private:
  int64_t k_;
  DType dtype_;
};

/// size_shape{rule, op, known, stretch}(...): the output shape of a node whose shape is the value
/// of some inputs (alloc's sizes, arange's bounds, a symbolic reshape target), computed from
/// those values and the other inputs' shapes only, with the same checks and errors as the node's
/// perform. The shape graph of those ops: shape(arange(n)) never computes the range. `rule`:
/// "sizes" (n_1..n_k: the values, each >= 0), "arange" (start, stop, step: the length),
/// "reshape" (shape(x), target: the target with its -1 resolved), "broadcast" (shape(x), target:
/// the target, x checked against it). `op` names the op in the errors; `known` are the static
/// dims of a target (-1: given at run time); `stretch` the dims of x that may broadcast.
class SizeShapeOp : public Op {
public:
  SizeShapeOp(std::string rule, std::string op, IntList known = {}, IntList stretch = {});
  std::string name() const override { return "size_shape"; }
  Attrs attrs() const override {
    return Attrs{{"rule", rule_}, {"op", op_}, {"known", known_}, {"stretch", stretch_}};
  }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// Shapes are integers: no gradient flows.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  bool shapeNeedsValues() const override { return true; }

private:
  std::string rule_, op_;
  IntList known_, stretch_;
};

/// A scalar argument that is a number or a graph value: arange(0, n, 2), reshape(x, {n, -1}).
/// An integer becomes an int64 constant, a float a float64 constant.
struct ScalarArg {
  ScalarArg(const Var &v) : var(v) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  ScalarArg(T v) : var(Var::constant(Tensor::scalar(static_cast<double>(v), DType::Int64))) {}
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  ScalarArg(T v) : var(Var::constant(Tensor::scalar(static_cast<double>(v), DType::Float64))) {}
  Var var;
};

/// A shape whose entries are numbers or int64 scalars of the graph: {n, -1}, {shape_i(x, 0), 3}.
/// A type of its own, so that a braced list of numbers still means the static builders.
struct SymShape {
  SymShape(std::initializer_list<ScalarArg> e) : entries(e) {}
  explicit SymShape(std::vector<ScalarArg> e) : entries(std::move(e)) {}
  std::vector<ScalarArg> entries;
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
