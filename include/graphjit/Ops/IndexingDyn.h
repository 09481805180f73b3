// Basic indexing at positions that are graph values (issue 21): x[i], x[i:j], x[::s] with int64
// scalar Vars i, j, s (PyTensor's Subtensor with symbolic scalar entries in its idx_list, JAX's
// dynamic_slice with NumPy's clipping). Entries that are numbers stay attributes; a Var entry
// becomes an input of the op. When every Var entry is a constant, the builders give today's
// static subtensor / inc_subtensor, so static graphs are unchanged.
//
// User syntax: x(i), x(slice(i, j)), x(slice(i, std::nullopt, k), 0), x[i],
// set_subtensor(x, {slice(i, j)}, y), inc_subtensor(x, {i}, y).
#pragma once

#include "graphjit/Graph/Op.h"

#include <optional>
#include <type_traits>
#include <vector>

namespace graphjit {

/// One field of a symbolic index entry: absent (a slice default), a number, or an integer
/// scalar Var.
struct IndexValue {
  IndexValue() = default;
  IndexValue(std::nullopt_t) {}
  IndexValue(std::optional<int64_t> n) : number(n) {}
  IndexValue(const Var &v) : var(v) {}
  template <typename T>
    requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
  IndexValue(T n) : number(static_cast<int64_t>(n)) {}

  bool present() const { return number.has_value() || static_cast<bool>(var); }
  std::optional<int64_t> number;
  Var var;
};

/// An index entry whose fields may be graph values: an integer index or a slice.
struct SymEntry {
  SymEntry(const IndexEntry &e);
  SymEntry(const Var &i) : index(i) {}
  template <typename T>
    requires std::is_integral_v<T> && (!std::is_same_v<T, bool>)
  SymEntry(T i) : index(static_cast<int64_t>(i)) {}
  static SymEntry makeSlice(IndexValue start, IndexValue stop, IndexValue step);

  bool isSlice = false;
  IndexValue index;             ///< when !isSlice
  IndexValue start, stop, step; ///< when isSlice
};
using SymIndexList = std::vector<SymEntry>;

namespace detail {
template <typename T> inline constexpr bool isVarArg = std::is_same_v<std::decay_t<T>, Var>;
template <typename T>
inline constexpr bool isSymArg =
    std::is_same_v<std::decay_t<T>, Var> || std::is_same_v<std::decay_t<T>, SymEntry>;
} // namespace detail

/// slice(j), slice(i, j[, k]) where a bound is an int64 scalar Var (the numeric slice() overloads
/// in Indexing.h take numbers only).
template <typename B>
  requires detail::isVarArg<B>
SymEntry slice(const B &stop) {
  return SymEntry::makeSlice({}, stop, {});
}
template <typename A, typename B, typename C = std::nullopt_t>
  requires(detail::isVarArg<A> || detail::isVarArg<B> || detail::isVarArg<C>)
SymEntry slice(const A &start, const B &stop, const C &step = std::nullopt) {
  return SymEntry::makeSlice(IndexValue(start), IndexValue(stop), IndexValue(step));
}

/// x[idx] for entries that may be graph values; constants give the static subtensor.
Var subtensorSym(const Var &x, const SymIndexList &idx);
template <typename = void> Var subtensor(const Var &x, const SymIndexList &idx) {
  return subtensorSym(x, idx);
}
/// set_subtensor / inc_subtensor at positions that may be graph values. (Templates only so that
/// an all-numeric braced list picks the IndexList overloads of Indexing.h.)
Var setSubtensorSym(const Var &x, const SymIndexList &idx, const Var &y, bool set);
template <typename = void> Var set_subtensor(const Var &x, const SymIndexList &idx, const Var &y) {
  return setSubtensorSym(x, idx, y, true);
}
template <typename = void> Var inc_subtensor(const Var &x, const SymIndexList &idx, const Var &y) {
  return setSubtensorSym(x, idx, y, false);
}

/// Which fields of an entry are inputs of a dyn_subtensor: for an integer entry bit 0 (the
/// index); for a slice bit 0 start, bit 1 stop, bit 2 step.
enum DynField : int64_t { kDynIndex = 1, kDynStart = 1, kDynStop = 2, kDynStep = 4 };

/// dyn_subtensor{idx, dyn}(x, v_1..v_k): x[idx] where the fields marked in `dyn` (one mask per
/// entry, see DynField) are the int64 scalars v_1..v_k, in entry order and start, stop, step
/// order. Dims whose length depends on those values are unknown in the type.
class DynSubtensor : public Op {
public:
  DynSubtensor(IndexList idx, IntList dyn);
  const IndexList &idx() const { return idx_; }
  const IntList &dyn() const { return dyn_; }
  /// The static index list for concrete values of the scalar inputs (checked: IndexError for an
  /// integer out of range, ValueError for a zero step, both naming `op`).
  IndexList resolve(const Shape &x, const std::vector<int64_t> &values,
                    const std::string &op) const;
  /// Number of scalar inputs after x.
  int numValues() const;

  std::string name() const override { return "dyn_subtensor"; }
  Attrs attrs() const override { return Attrs{{"idx", idx_}, {"dyn", dyn_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<int> shapeValueInputs(size_t numInputs) const override;
  std::vector<Shape> inferShapeFromValues(const std::vector<Shape> &in,
                                          const std::vector<const Tensor *> &values) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  /// The index values decide the shape and the errors.
  bool shapeNeedsValues() const override { return true; }
  /// Shape arithmetic on shape(x) and the index values (a dyn_index_shape node), never the data.
  std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const override;

private:
  IndexList idx_;
  IntList dyn_;
};

/// dyn_inc_subtensor{idx, dyn, set}(x, y, v_1..v_k): x with x[idx] += y (= y when `set`), the
/// positions as in dyn_subtensor.
class DynIncSubtensor : public Op {
public:
  DynIncSubtensor(IndexList idx, IntList dyn, bool set);
  const IndexList &idx() const { return idx_; }
  const IntList &dyn() const { return dyn_; }
  bool isSet() const { return set_; }

  std::string name() const override { return "dyn_inc_subtensor"; }
  Attrs attrs() const override { return Attrs{{"idx", idx_}, {"dyn", dyn_}, {"set", set_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<int> shapeValueInputs(size_t numInputs) const override;
  std::vector<Shape> inferShapeFromValues(const std::vector<Shape> &in,
                                          const std::vector<const Tensor *> &values) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool shapeNeedsValues() const override { return true; }

private:
  IndexList idx_;
  IntList dyn_;
  bool set_;
};

/// dyn_index_shape{idx, dyn}(shape_x, v_1..v_k): the shape vector of dyn_subtensor{idx, dyn}(x,
/// v_1..v_k) from x's shape vector, with the same checks (shape arithmetic, never x's data).
class DynIndexShape : public Op {
public:
  DynIndexShape(IndexList idx, IntList dyn) : sub_(std::move(idx), std::move(dyn)) {}
  std::string name() const override { return "dyn_index_shape"; }
  Attrs attrs() const override { return sub_.attrs(); }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;

private:
  DynSubtensor sub_;
};

void registerDynIndexingOps(class OpRegistry &registry);

} // namespace graphjit
