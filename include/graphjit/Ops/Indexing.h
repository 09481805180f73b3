// Indexing: basic indexing with ints and slices (Subtensor, IncSubtensor) and
// integer-array indexing along one axis (Take, IncTake), NumPy semantics.
//
// User syntax: x(0), x(slice(1, 3), -1), x(slice(), slice(std::nullopt, std::nullopt, 2)),
// x[i]. Entries apply to the leading axes; an int drops its axis, a slice keeps
// it. Integer indices out of range raise IndexError when the graph is built if
// the dim is static, otherwise when evaluated.
#pragma once

#include "graphjit/Graph/Op.h"
#include "graphjit/Ops/IndexingDyn.h"

#include <optional>
#include <type_traits>

namespace graphjit {

/// subtensor{idx}(x): x[idx] (a fresh tensor, never a view).
class Subtensor : public Op {
public:
  explicit Subtensor(IndexList idx);
  const IndexList &idx() const { return idx_; }

  std::string name() const override { return "subtensor"; }
  Attrs attrs() const override { return Attrs{{"idx", idx_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  IndexList idx_;
};

/// inc_subtensor{idx, set}(x, y): a copy of x with x[idx] += y (or = y when
/// `set`). y has the rank of x[idx] and the dtype of x; its dims broadcast
/// where its type says 1.
class IncSubtensor : public Op {
public:
  IncSubtensor(IndexList idx, bool set);
  const IndexList &idx() const { return idx_; }
  bool isSet() const { return set_; }

  std::string name() const override { return "inc_subtensor"; }
  Attrs attrs() const override { return Attrs{{"idx", idx_}, {"set", set_}}; }
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
  IndexList idx_;
  bool set_;
};

/// take{axis}(x, indices): NumPy take; the output shape is
/// x.shape[:axis] + indices.shape + x.shape[axis+1:]. Negative indices wrap.
class Take : public Op {
public:
  /// Index values are checked at run time (IndexError): a shape alone cannot say.
  bool shapeNeedsValues() const override { return true; }
  /// `axis` is non-negative (the builder take() maps -1 to the last axis).
  explicit Take(int64_t axis);
  int64_t axis() const { return axis_; }

  std::string name() const override { return "take"; }
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

/// inc_take{axis, set}(x, indices, y): a copy of x with take(x, indices) += y
/// (or = y when `set`). Repeated indices accumulate for inc; for set the last
/// one wins.
class IncTake : public Op {
public:
  /// Index values are checked at run time (IndexError): a shape alone cannot say.
  bool shapeNeedsValues() const override { return true; }
  IncTake(int64_t axis, bool set);
  int64_t axis() const { return axis_; }
  bool isSet() const { return set_; }

  std::string name() const override { return "inc_take"; }
  Attrs attrs() const override { return Attrs{{"axis", axis_}, {"set", set_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  void checkShapes(const std::vector<TensorType> &inTypes,
                   const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;

private:
  int64_t axis_;
  bool set_;
};

// ---- user-facing API ----

/// Python's slice(): slice() is ":", slice(stop) is ":stop",
/// slice(start, stop[, step]) is "start:stop[:step]"; std::nullopt = default.
IndexEntry slice();
IndexEntry slice(std::optional<int64_t> stop);
IndexEntry slice(std::optional<int64_t> start, std::optional<int64_t> stop,
                 std::optional<int64_t> step = std::nullopt);

/// x[idx] for an explicit index list.
Var subtensor(const Var &x, const IndexList &idx);
/// x with x[idx] replaced by / incremented by y (broadcast to the region;
/// y's dtype must convert to x's without loss).
Var set_subtensor(const Var &x, const IndexList &idx, const Var &y);
Var inc_subtensor(const Var &x, const IndexList &idx, const Var &y);
/// Integer-array indexing along one axis (indices: i32 or i64 of any rank).
Var take(const Var &x, const Var &indices, int64_t axis = 0);
/// take with constant indices; checked against a static dim when the graph is built.
Var take(const Var &x, const IntList &indices, int64_t axis = 0);
/// x with take(x, indices, axis) incremented by / replaced by y.
Var inc_take(const Var &x, const Var &indices, const Var &y, int64_t axis = 0);
Var set_take(const Var &x, const Var &indices, const Var &y, int64_t axis = 0);

namespace detail {
inline IndexEntry toIndexEntry(const IndexEntry &e) { return e; }
template <typename T>
  requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
IndexEntry toIndexEntry(T i) {
  return IndexEntry::at(static_cast<int64_t>(i));
}
} // namespace detail

template <typename... I> Var Var::operator()(I... idx) const {
  // An entry that is a graph value (an int64 scalar Var, a slice with one) makes the position
  // symbolic (IndexingDyn.h); numbers stay attributes.
  if constexpr ((detail::isSymArg<I> || ...))
    return subtensor(*this, SymIndexList{SymEntry(idx)...});
  else
    return subtensor(*this, IndexList{detail::toIndexEntry(idx)...});
}

void registerIndexingOps(class OpRegistry &registry);

} // namespace graphjit
