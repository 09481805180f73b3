// TensorType (shapes, compatibility, the boundary check) and the defaults of the Type interface.
#include "graphjit/Graph/Type.h"
#include "graphjit/Support/Hash.h"

namespace graphjit {

namespace {
/// "rng", "f64[3]": what a value is, for error messages.
std::string describeValue(const Tensor &v) { return typeOf(v).str(); }
} // namespace

bool Type::accepts(const Tensor &value) const {
  return value.isOpaque() && value.opaqueValue()->type() &&
         value.opaqueValue()->type()->equals(*this);
}

Tensor Type::filter(const Tensor &value) const {
  if (accepts(value)) return value;
  throw TypeError("expected " + str() + ", got " + describeValue(value));
}

Tensor Type::parseValue(std::string_view text) const {
  throw NotImplementedError("type " + str() + " has no literal form: cannot parse constant '" +
                            std::string(text) + "'");
}

TensorType TensorType::of(TypePtr kind) {
  if (!kind)
    throw ValueError("TensorType::of: the kind is null (a tensor type has a dtype and shape)");
  TensorType t;
  t.kind = std::move(kind);
  return t;
}

TensorType::TensorType(DType d, Shape s) : dtype(d), shape(std::move(s)) {
  int64_t bytes = static_cast<int64_t>(dtypeSize(dtype));
  bool fits = true;
  for (int64_t dim : shape) {
    if (dim < kUnknownDim)
      throw ShapeError("type " + str() + ": dimension " + std::to_string(dim) +
                       " must be >= 0 or unknown");
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
  if (kind) return kind->str();
  std::string s = std::string(dtypeName(dtype)) + "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += shape[i] == kUnknownDim ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

bool TensorType::isCompatible(const TensorType &o) const {
  if (kind || o.kind) return sameKind(o);
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
  if (kind) return false; // an array never belongs to a non-tensor type
  if (d != dtype || concrete.size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != kUnknownDim && shape[i] != concrete[i]) return false;
  return true;
}

bool TensorType::accepts(const Tensor &value) const {
  if (kind) return kind->accepts(value);
  return !value.isOpaque() && accepts(value.dtype(), value.shape());
}

Tensor TensorType::filter(const Tensor &value, const std::string &where) const {
  if (!kind) {
    if (accepts(value)) return value;
    throw TypeError(where + " expects " + str() + ", got " + describeValue(value));
  }
  try {
    return kind->filter(value);
  } catch (const TypeError &e) {
    throw TypeError(where + ": " + e.what());
  }
}

size_t TensorType::hash() const {
  if (kind) return kind->hash();
  Hasher h;
  h.u64(static_cast<uint64_t>(dtype)).u64(shape.size());
  for (int64_t d : shape)
    h.u64(static_cast<uint64_t>(d));
  return static_cast<size_t>(h.finish().lo);
}

TensorType typeOf(const Tensor &t) {
  if (t.isOpaque()) {
    TypePtr kind = t.opaqueValue()->type();
    if (!kind) throw ValueError("typeOf: the opaque value " + t.str() + " has no type");
    return TensorType::of(std::move(kind));
  }
  return TensorType(t.dtype(), t.shape());
}

} // namespace graphjit
