// Shape ops: shape, reshape, broadcast_to, full/zeros/ones (and *_like),
// concatenate/stack, split, arange, eye.
//
// Every output shape depends only on input shapes and attrs (shape-like
// parameters are attrs, never data). Where a gradient needs "the shape of
// that other variable" and it is not static, a *_like op takes the variable
// as an extra input whose values are never read: reshape_like, split_like,
// full_like.
#pragma once

#include "graphjit/Graph/Op.h"

#include <initializer_list>
#include <optional>

namespace graphjit {

/// shape(x): the int64 vector of x's dims.
class ShapeOp : public Op {
public:
  std::string name() const override { return "shape"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  /// Every batch element has the same core shape.
  bool isBatchInvariant() const override { return true; }
};

/// reshape{shape}: row-major reshape; at most one -1 in the target.
class Reshape : public Op {
public:
  explicit Reshape(IntList shape);
  const IntList &target() const { return shape_; }
  /// The target with its -1 resolved against `inShape` (throws ShapeError).
  Shape resolve(const Shape &inShape) const;

  std::string name() const override { return "reshape"; }
  Attrs attrs() const override { return Attrs{{"shape", shape_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  IntList shape_;
};

/// reshape_like(x, ref): x reshaped to ref's shape (ref's values are not read).
/// The gradient of reshape when the input shape is not static.
class ReshapeLike : public Op {
public:
  std::string name() const override { return "reshape_like"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
};

/// broadcast_to{shape}: NumPy broadcasting of x to a static target shape.
/// Ranks align on the right; an input dim stretches only where its type says 1.
/// The output is a fresh tensor (no aliasing views).
class BroadcastTo : public Op {
public:
  explicit BroadcastTo(IntList shape);
  const IntList &target() const { return shape_; }

  std::string name() const override { return "broadcast_to"; }
  Attrs attrs() const override { return Attrs{{"shape", shape_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  void checkShapes(const std::vector<TensorType> &inTypes,
                   const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  IntList shape_;
};

/// full_like{value, dtype}(ref): a tensor of ref's shape filled with value.
class FullLike : public Op {
public:
  FullLike(double value, DType dtype) : value_(value), dtype_(dtype) {}
  double value() const { return value_; }
  DType dtype() const { return dtype_; }

  std::string name() const override { return "full_like"; }
  Attrs attrs() const override { return Attrs{{"value", value_}, {"dtype", dtype_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  double value_;
  DType dtype_;
};

/// concatenate{axis}(x1, ..., xn): inputs of equal dtype and rank, equal dims
/// off the axis.
class Concatenate : public Op {
public:
  /// `axis` is non-negative (the builder concatenate() maps -1 to the last axis).
  explicit Concatenate(int64_t axis);
  int64_t axis() const { return axis_; }

  std::string name() const override { return "concatenate"; }
  Attrs attrs() const override { return Attrs{{"axis", axis_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  int64_t axis_;
};

/// split{axis, sizes}(x): one output per size, consecutive pieces along axis.
class Split : public Op {
public:
  Split(int64_t axis, IntList sizes);
  int64_t axis() const { return axis_; }
  const IntList &sizes() const { return sizes_; }

  std::string name() const override { return "split"; }
  Attrs attrs() const override { return Attrs{{"axis", axis_}, {"sizes", sizes_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  int64_t axis_;
  IntList sizes_;
};

/// split_like{axis}(x, r1, ..., rn): split x along axis into pieces as long as
/// each ri is along that axis (ri's values are not read). The gradient of
/// concatenate when the input sizes are not static.
class SplitLike : public Op {
public:
  explicit SplitLike(int64_t axis);
  int64_t axis() const { return axis_; }

  std::string name() const override { return "split_like"; }
  Attrs attrs() const override { return Attrs{{"axis", axis_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// The axis moves past the batch dims; only the references' lengths along it are read, and
  /// those are the same for every batch element.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  int64_t axis_;
};

/// arange{start, stop, step, dtype}: no inputs; ceil((stop-start)/step) values.
class Arange : public Op {
public:
  Arange(double start, double stop, double step, DType dtype);
  int64_t length() const;

  std::string name() const override { return "arange"; }
  Attrs attrs() const override {
    return Attrs{{"start", start_}, {"stop", stop_}, {"step", step_}, {"dtype", dtype_}};
  }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// Cheap to evaluate at rewrite time (constant folding still caps the size).
  bool isFoldableWithoutInputs() const override { return true; }

private:
  double start_, stop_, step_;
  DType dtype_;
};

/// eye{n, m, k, dtype}: no inputs; ones on the k-th diagonal of an n x m matrix.
class Eye : public Op {
public:
  Eye(int64_t n, int64_t m, int64_t k, DType dtype);

  std::string name() const override { return "eye"; }
  Attrs attrs() const override { return Attrs{{"n", n_}, {"m", m_}, {"k", k_}, {"dtype", dtype_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// Cheap to evaluate at rewrite time (constant folding still caps the size).
  bool isFoldableWithoutInputs() const override { return true; }

private:
  int64_t n_, m_, k_;
  DType dtype_;
};

// ---- user-facing builders (NumPy/PyTensor names) ----

Var shape(const Var &x);
/// Target may hold one -1 (inferred). Size mismatch: ShapeError at build when
/// x's shape is static, else when evaluated.
Var reshape(const Var &x, const IntList &shape);
/// Reshape to the (run-time) shape of `like`.
Var reshape_like(const Var &x, const Var &like);
Var broadcast_to(const Var &x, const Shape &shape);
/// PyTensor's alloc: `value` (a scalar or any broadcastable tensor) broadcast to shape.
Var alloc(const Var &value, const Shape &shape);
Var full(const Shape &shape, double value, DType dtype = DType::Float64);
Var zeros(const Shape &shape, DType dtype = DType::Float64);
Var ones(const Shape &shape, DType dtype = DType::Float64);
// Braced numbers ({}, {2, 3}) pick these over the symbolic-size builders of ShapeArgs.h, whose
// Sizes also accept a braced list (numbers convert to constant Vars): a literal shape stays static.
inline Var alloc(const Var &value, std::initializer_list<int64_t> shape) {
  return alloc(value, Shape(shape));
}
inline Var full(std::initializer_list<int64_t> shape, double value, DType dtype = DType::Float64) {
  return full(Shape(shape), value, dtype);
}
inline Var zeros(std::initializer_list<int64_t> shape, DType dtype = DType::Float64) {
  return zeros(Shape(shape), dtype);
}
inline Var ones(std::initializer_list<int64_t> shape, DType dtype = DType::Float64) {
  return ones(Shape(shape), dtype);
}
/// Same shape as x (known at run time); dtype defaults to x's.
Var full_like(const Var &x, double value, std::optional<DType> dtype = {});
Var zeros_like(const Var &x, std::optional<DType> dtype = {});
Var ones_like(const Var &x, std::optional<DType> dtype = {});
/// Inputs are promoted to a common dtype (NumPy rules).
Var concatenate(const std::vector<Var> &xs, int64_t axis = 0);
/// Joins along a new axis: expand_dims then concatenate.
Var stack(const std::vector<Var> &xs, int64_t axis = 0);
/// Pieces of the given sizes along axis (sizes sum to the axis length).
std::vector<Var> split(const Var &x, const IntList &sizes, int64_t axis = 0);
/// arange(stop) = arange(0, stop): int64 values 0..stop-1.
Var arange(int64_t stop, DType dtype = DType::Int64);
/// dtype defaults to int64 when start, stop and step are all integers, else float64.
Var arange(double start, double stop, double step = 1, std::optional<DType> dtype = {});
/// n x m (m defaults to n) with ones on diagonal k (k > 0: above the main one).
Var eye(int64_t n, std::optional<int64_t> m = {}, int64_t k = 0, DType dtype = DType::Float64);

void registerShapeOps(class OpRegistry &registry);

} // namespace graphjit
