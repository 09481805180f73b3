// TensorType: dtype plus a shape whose dims are static sizes or unknown.
// A static 1 means the dim broadcasts (PyTensor's "broadcastable").
#pragma once

#include "graphjit/Tensor/Tensor.h"

#include <string>

namespace graphjit {

constexpr int64_t kUnknownDim = -1;

struct TensorType {
  DType dtype = DType::Float64;
  Shape shape; ///< kUnknownDim for dims known only at run time

  TensorType() = default;
  /// Throws ShapeError for a dim below -1, or static dims no tensor can have
  /// (product of the nonzero ones times the itemsize above INT64_MAX).
  TensorType(DType d, Shape s);

  int ndim() const { return static_cast<int>(shape.size()); }
  bool isBroadcastable(int axis) const { return shape[axis] == 1; }
  bool isStatic() const;
  /// "f64[?,3]", scalars "f64[]".
  std::string str() const;
  /// Same dtype and rank, and every dim known in both agrees.
  bool isCompatible(const TensorType &o) const;
  /// Compatible, and every dim known in `o` is known here too.
  bool refines(const TensorType &o) const { return isCompatible(o) && moreStaticThan(o); }
  /// Does a concrete value of this dtype and shape belong to this type?
  bool accepts(DType d, const Shape &concrete) const;

  bool operator==(const TensorType &o) const { return dtype == o.dtype && shape == o.shape; }
  bool operator!=(const TensorType &o) const { return !(*this == o); }

private:
  bool moreStaticThan(const TensorType &o) const;
};

/// The type of a concrete tensor.
TensorType typeOf(const Tensor &t);

} // namespace graphjit
