#include "graphjit/Graph/Type.h"

namespace graphjit {

TensorType::TensorType(DType d, Shape s) : dtype(d), shape(std::move(s)) {
  int64_t bytes = static_cast<int64_t>(dtypeSize(dtype));
  bool fits = true;
  for (int64_t dim : shape) {
    if (dim < kUnknownDim)
      throw ShapeError("type " + str() + ": dimension " + std::to_string(dim) + " must be >= 0 or unknown");
    if (dim > 0 && __builtin_mul_overflow(bytes, dim, &bytes)) fits = false;
  }
  if (fits) return;
  Shape known;
  for (int64_t dim : shape)
    if (dim != kUnknownDim) known.push_back(dim);
  checkedShapeSize(known, dtype, "type " + str()); // throws the explanation
}

bool TensorType::isStatic() const {
  for (int64_t d : shape)
    if (d == kUnknownDim) return false;
  return true;
}

std::string TensorType::str() const {
  std::string s = std::string(dtypeName(dtype)) + "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += shape[i] == kUnknownDim ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

bool TensorType::isCompatible(const TensorType &o) const {
  if (dtype != o.dtype || shape.size() != o.shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != kUnknownDim && o.shape[i] != kUnknownDim && shape[i] != o.shape[i])
      return false;
  return true;
}

bool TensorType::moreStaticThan(const TensorType &o) const {
  for (size_t i = 0; i < shape.size(); ++i)
    if (o.shape[i] != kUnknownDim && shape[i] == kUnknownDim) return false;
  return true;
}

bool TensorType::accepts(DType d, const Shape &concrete) const {
  if (d != dtype || concrete.size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != kUnknownDim && shape[i] != concrete[i]) return false;
  return true;
}

TensorType typeOf(const Tensor &t) { return TensorType(t.dtype(), t.shape()); }

} // namespace graphjit
