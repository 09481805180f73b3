// arange and linspace whose bounds and lengths are graph values (issue 21): arange(n),
// arange(0, n, 2), linspace(0.0, 1.0, n). Every argument a number or a constant gives the
// static op of old (Arange, a linspace constant); otherwise the length is known at run time.
#pragma once

#include "graphjit/Ops/ArrayBuilders.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgs.h"

#include <optional>

namespace graphjit {

/// arange_n{dtype}(start, stop, step): start, start + step, ... below stop (above, for a negative
/// step); ceil((stop - start) / step) values, scalars of the graph. A zero step is a ValueError.
class ArangeN : public Op {
public:
  explicit ArangeN(DType dtype);
  std::string name() const override { return "arange_n"; }
  Attrs attrs() const override { return Attrs{{"dtype", dtype_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// d start = sum(g), d step = sum(g * i) for float bounds; the stop only sets the length.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// Refuses batched bounds: each batch element would have its own length.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool shapeNeedsValues() const override { return true; }
  /// size_shape{rule=arange}: the length from the bounds alone.
  std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const override;

private:
  DType dtype_;
};

/// linspace_n{endpoint, dtype}(start, stop, num): num evenly spaced values over [start, stop]
/// ([start, stop) without endpoint), NumPy's formula; num an integer scalar of the graph.
class LinspaceN : public Op {
public:
  LinspaceN(bool endpoint, DType dtype);
  std::string name() const override { return "linspace_n"; }
  Attrs attrs() const override { return Attrs{{"endpoint", endpoint_}, {"dtype", dtype_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// value i = start + t_i (stop - start), t_i = i / div: d start = sum(g (1 - t)), d stop = sum(g
  /// t).
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// Batched start/stop: the same formula with the batch dims leading; a batched num refuses.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool shapeNeedsValues() const override { return true; }
  /// size_shape{rule=sizes}(num).
  std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const override;

private:
  bool endpoint_;
  DType dtype_;
};

/// arange(stop): 0, 1, ..., stop - 1 for a graph value stop (int64 unless dtype says).
Var arange(const Var &stop, std::optional<DType> dtype = {});
/// dtype defaults to int64 when start, stop and step are all integers, else float64.
Var arange(const ScalarArg &start, const ScalarArg &stop, const ScalarArg &step = 1,
           std::optional<DType> dtype = {});
/// num evenly spaced values (num an int64 scalar, start and stop numbers or scalars).
Var linspace(const ScalarArg &start, const ScalarArg &stop, const ScalarArg &num,
             bool endpoint = true, DType dtype = DType::Float64);
/// base ** linspace(start, stop, num, endpoint).
Var logspace(const ScalarArg &start, const ScalarArg &stop, const ScalarArg &num,
             bool endpoint = true, double base = 10.0, DType dtype = DType::Float64);

} // namespace graphjit
