// Reductions over axes (sum prod max min all any mean), argmax/argmin,
// softmax/log_softmax and logsumexp, NumPy semantics.
//
// A Reduce op drops the reduced axes; keepdims is done by the builders with a
// dimshuffle, so rewrites and lowerings see a single form.
#pragma once

#include "graphjit/Graph/Op.h"

#include <initializer_list>
#include <optional>

namespace graphjit {

enum class ReduceKind { Sum, Prod, Max, Min, All, Any, Mean };
const char *reduceKindName(ReduceKind k);

/// sum{axes=[...]}(x) and friends. `axes` are sorted, distinct, non-negative.
class Reduce : public Op {
public:
  Reduce(ReduceKind kind, IntList axes);
  ReduceKind kind() const { return kind_; }
  const IntList &axes() const { return axes_; }
  bool reducesAxis(int64_t axis) const;
  /// NumPy's result dtype: sum/prod of bool and int32 count in int64, mean is float.
  DType outputDType(DType in) const;

  std::string name() const override { return reduceKindName(kind_); }
  Attrs attrs() const override { return Attrs{{"axes", axes_}}; }
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
  ReduceKind kind_;
  IntList axes_;
};

/// argmax{axis}(x) / argmin: int64 index of the first extreme value along
/// `axis`, or over the flattened array when the op has no axis.
class ArgReduce : public Op {
public:
  ArgReduce(bool isMax, std::optional<int64_t> axis);
  bool isMax() const { return isMax_; }
  std::optional<int64_t> axis() const { return axis_; }

  std::string name() const override { return isMax_ ? "argmax" : "argmin"; }
  Attrs attrs() const override;
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
  bool isMax_;
  std::optional<int64_t> axis_;
};

/// softmax{axis}(x) and log_softmax{axis}(x), computed stably (max subtracted).
class Softmax : public Op {
public:
  /// `axis` is non-negative (the builders map -1 to the last axis).
  Softmax(bool isLog, int64_t axis);
  bool isLog() const { return isLog_; }
  int64_t axis() const { return axis_; }

  std::string name() const override { return isLog_ ? "log_softmax" : "softmax"; }
  Attrs attrs() const override { return Attrs{{"axis", axis_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool isRowwise(const Apply &node, const std::vector<bool> &inputIsRows) const override;

private:
  bool isLog_;
  int64_t axis_;
};

using Axes = std::optional<IntList>; ///< nullopt = every axis

Var sum(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var sum(const Var &x, int64_t axis, bool keepdims = false);
Var prod(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var prod(const Var &x, int64_t axis, bool keepdims = false);
Var max(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var max(const Var &x, int64_t axis, bool keepdims = false);
Var min(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var min(const Var &x, int64_t axis, bool keepdims = false);
Var all(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var all(const Var &x, int64_t axis, bool keepdims = false);
Var any(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var any(const Var &x, int64_t axis, bool keepdims = false);
Var mean(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var mean(const Var &x, int64_t axis, bool keepdims = false);
Var reduce(ReduceKind kind, const Var &x, Axes axis = std::nullopt, bool keepdims = false);
// Braced axis lists, so that mean(M, {0, 1}) works without spelling IntList{0, 1}.
Var sum(const Var &x, std::initializer_list<int64_t> axes, bool keepdims = false);
Var prod(const Var &x, std::initializer_list<int64_t> axes, bool keepdims = false);
Var max(const Var &x, std::initializer_list<int64_t> axes, bool keepdims = false);
Var min(const Var &x, std::initializer_list<int64_t> axes, bool keepdims = false);
Var all(const Var &x, std::initializer_list<int64_t> axes, bool keepdims = false);
Var any(const Var &x, std::initializer_list<int64_t> axes, bool keepdims = false);
Var mean(const Var &x, std::initializer_list<int64_t> axes, bool keepdims = false);

Var argmax(const Var &x, std::optional<int64_t> axis = std::nullopt, bool keepdims = false);
Var argmin(const Var &x, std::optional<int64_t> axis = std::nullopt, bool keepdims = false);

Var softmax(const Var &x, int64_t axis = -1);
Var log_softmax(const Var &x, int64_t axis = -1);
/// log(sum(exp(x))) computed stably as m + log(sum(exp(x - m))), m = max(x)
/// (with m replaced by 0 where it is infinite, so all -inf gives -inf).
Var logsumexp(const Var &x, Axes axis = std::nullopt, bool keepdims = false);
Var logsumexp(const Var &x, int64_t axis, bool keepdims = false);

void registerReduceOps(class OpRegistry &registry);

} // namespace graphjit
