// Types of graph values.
//
// TensorType is the type every Variable carries: dtype plus a shape whose dims
// are static sizes or unknown (a static 1 means the dim broadcasts, PyTensor's
// "broadcastable"). A value that is not a tensor — a random generator's state,
// a user's tuple — has a TensorType whose `kind` points to a `Type` object: the
// open interface (PyTensor's Type) that says how such values compare, print,
// parse and are checked at the boundary (`filter`). Keeping one cheap value
// struct for both keeps every op's type rule and every pass unchanged, while
// `isTensor()` tells the few places that care (the JIT partitioner, the text IR)
// apart. Values of such types are opaque Tensors (Tensor::opaque).
#pragma once

#include "graphjit/Tensor/Tensor.h"

#include <memory>
#include <string>
#include <string_view>

namespace graphjit {

constexpr int64_t kUnknownDim = -1;

/// A kind of value that is not a tensor. Subclass it for a type of your own
/// (docs/graph.md, "Types beyond tensors"); register a parser for its name in
/// typeRegistry() so text IR mentioning it parses back.
class Type {
public:
  virtual ~Type() = default;
  /// The name the text IR starts the type with: "rng", "tuple".
  virtual std::string name() const = 0;
  /// The printed form, which typeRegistry() parses back: "rng", "tuple<f64[],f64[3]>".
  virtual std::string str() const { return name(); }
  /// Same type: by default, the same printed form.
  virtual bool equals(const Type &o) const { return str() == o.str(); }
  /// Agrees with equals.
  virtual size_t hash() const { return std::hash<std::string>()(str()); }
  /// Does `value` belong to this type as it is? Checked on every value an op
  /// makes (interpreter, host steps). The default: an opaque value whose own
  /// type equals this one; a parametrized type may accept more (a tuple of
  /// f64[3] belongs to tuple<f64[?]>).
  virtual bool accepts(const Tensor &value) const;
  /// Checks a host value at the boundary (eval, Function call, shared variable,
  /// setValue) that `accepts` refused: returns a converted value of this type or
  /// throws TypeError "expected <type>, got <what>". The default converts nothing.
  virtual Tensor filter(const Tensor &value) const;
  /// The value of a constant of this type from the text OpaqueValue::str()
  /// printed (text IR `constant <text> : <type>`). Throws ValueError for bad
  /// text; the default throws NotImplementedError (constants of this type do
  /// not round-trip through text).
  virtual Tensor parseValue(std::string_view text) const;
};

using TypePtr = std::shared_ptr<const Type>;

struct TensorType {
  DType dtype = DType::Float64;
  Shape shape; ///< kUnknownDim for dims known only at run time
  /// Null for a tensor; the type of a value that is not a tensor otherwise (then
  /// dtype is f64 and shape [], as for the opaque Tensors that hold its values).
  TypePtr kind;

  TensorType() = default;
  /// Throws ShapeError for a dim below -1, or static dims no tensor can have
  /// (product of the nonzero ones times the itemsize above INT64_MAX).
  TensorType(DType d, Shape s);
  /// The type of variables holding values of `kind` (not a tensor).
  static TensorType of(TypePtr kind);

  bool isTensor() const { return kind == nullptr; }
  int ndim() const { return static_cast<int>(shape.size()); }
  bool isBroadcastable(int axis) const { return shape[axis] == 1; }
  bool isStatic() const;
  /// "f64[?,3]", scalars "f64[]"; a non-tensor type prints as its kind does ("rng").
  std::string str() const;
  /// Same dtype and rank, and every dim known in both agrees (same kind for non-tensors).
  bool isCompatible(const TensorType &o) const;
  /// Compatible, and every dim known in `o` is known here too.
  bool refines(const TensorType &o) const { return isCompatible(o) && moreStaticThan(o); }
  /// Does a concrete array of this dtype and shape belong to this type? (False for non-tensor
  /// types.)
  bool accepts(DType d, const Shape &concrete) const;
  /// Does `value` belong to this type as it is (no conversion)?
  bool accepts(const Tensor &value) const;
  /// `value` checked against this type at a boundary: returned as is, or
  /// converted by a non-tensor kind's filter. Throws TypeError
  /// "<where> expects <type>, got <type of value>" (a tensor type) or
  /// "<where>: <the kind's filter message>" otherwise.
  Tensor filter(const Tensor &value, const std::string &where) const;

  bool operator==(const TensorType &o) const {
    return dtype == o.dtype && shape == o.shape && sameKind(o);
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
  /// Agrees with ==.
  size_t hash() const;
  /// The kind as the Type subclass `T`, or null (a tensor, or another kind): what a
  /// type rule asks to see whether an input is, say, a tuple.
  template <typename T> const T *kindAs() const { return dynamic_cast<const T *>(kind.get()); }

private:
  bool moreStaticThan(const TensorType &o) const;
  bool sameKind(const TensorType &o) const {
    return kind == o.kind || (kind && o.kind && kind->equals(*o.kind));
  }
};

/// The type of a concrete value (an opaque value's own type for non-tensors).
TensorType typeOf(const Tensor &t);

} // namespace graphjit
