// Tensor: a strided n-d array over a shared, 64-byte-aligned buffer.
//
// Strides count elements (not bytes), as MLIR memrefs do. Tensors made by
// graphjit are row-major contiguous; borrowed ones may have any strides, and
// kernels call contiguous() first. Copies share the buffer (like NumPy views).
//
// A Tensor may instead hold an opaque value (a random generator's state, a
// user's tuple): a value of a non-tensor Type (Graph/Type.h) that the runtime
// passes by reference and never looks inside. Element access on it throws.
#pragma once

#include "graphjit/Support/DType.h"
#include "graphjit/Support/Error.h"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace graphjit {

using Shape = std::vector<int64_t>;
class Type; // Graph/Type.h: the type of an opaque value (this module only passes it on)

/// A host value that is not an array. Immutable once made, so the runtime shares
/// it by reference (a Function input, a shared variable, a constant). Its type
/// decides which graphs accept it (Type::filter).
class OpaqueValue {
public:
  virtual ~OpaqueValue() = default;
  /// The value's type, as a variable holding it would have.
  virtual std::shared_ptr<const Type> type() const = 0;
  /// Printed form; for types with a literal form (Type::parseValue) this is it.
  virtual std::string str() const = 0;
  /// Equal values (the interpreter and JIT agree; constants merge). Default: identity.
  virtual bool equals(const OpaqueValue &o) const { return this == &o; }
  virtual size_t hash() const { return std::hash<const void *>()(this); }
};

/// Number of elements of a shape (1 for a scalar). Throws ShapeError for a
/// negative dim, or when the product of the nonzero dims overflows int64 (a 0
/// does not make an impossible shape possible, as in NumPy).
int64_t shapeSize(const Shape &s);
/// Throws ShapeError naming `where` unless a tensor of `shape` and `dtype` can
/// exist: dims >= 0 and (product of nonzero dims) * itemsize <= INT64_MAX.
/// Returns the number of elements.
int64_t checkedShapeSize(const Shape &shape, DType dtype, const std::string &where);
/// Row-major strides, in elements (checked like shapeSize).
Shape contiguousStrides(const Shape &s);
/// "[2,3]" for error messages.
std::string shapeStr(const Shape &s);

/// A tensor's shape and strides, immutable and shared by every Tensor (copy, view, output) that
/// has them: copying a Tensor copies no vectors, and a contiguous layout seen recently on this
/// thread is reused (Tensor::empty of a repeated shape allocates only the buffer).
struct TensorLayout {
  Shape shape, strides;
  int64_t size = 1;        ///< elements (shapeSize)
  int64_t nonzeroSize = 1; ///< product of the nonzero dims (the byte-size check)
  bool contiguous = true;  ///< row-major (dims of extent 1 may have any stride)
};
using LayoutPtr = std::shared_ptr<const TensorLayout>;
/// The row-major layout of `shape` (checked like shapeSize), from a small per-thread cache.
LayoutPtr contiguousLayout(const Shape &shape);
/// A layout with the given strides (empty: row-major).
LayoutPtr stridedLayout(const Shape &shape, const Shape &strides);

class Tensor {
public:
  /// A float64 scalar 0: a valid value, so Tensors can live in containers.
  Tensor();

  static Tensor empty(DType dtype, const Shape &shape);
  /// A new buffer with a layout made before (contiguousLayout): no shape work at all. (Not an
  /// overload of empty(): `empty(dtype, {0, 3})` must stay a shape.)
  static Tensor emptyOf(DType dtype, const LayoutPtr &layout);
  static Tensor zeros(DType dtype, const Shape &shape);
  static Tensor full(DType dtype, const Shape &shape, double value);
  static Tensor scalar(double value, DType dtype = DType::Float64);

  /// Copies `data` into a new 1-d tensor.
  template <typename T> static Tensor fromVector(const std::vector<T> &data) {
    return fromVector(data, Shape{static_cast<int64_t>(data.size())});
  }
  /// Copies `data` into a new tensor of `shape` (Shape{} makes a scalar).
  template <typename T> static Tensor fromVector(const std::vector<T> &data, Shape shape);
  /// One number of a 1-d literal. A class (not double) on purpose: it makes
  /// Tensor::of({{1}}) a 1x1 matrix instead of an ambiguous call, because a
  /// user-defined conversion ranks below the 2-d overload's standard one.
  struct Element {
    double value;
    template <typename T>
      requires std::is_arithmetic_v<T>
    Element(T v) : value(static_cast<double>(v)) {}
  };
  /// 1-d and 2-d literals: Tensor::of({1.0, 2.0}), Tensor::of({{1, 2}, {3, 4}}),
  /// Tensor::of({{1}}) (1x1), Tensor::of({{1, 2}}) (1x2), Tensor::of({{1}, {2}}) (2x1).
  static Tensor of(std::initializer_list<Element> data, DType dtype = DType::Float64);
  /// 1-d from a list of one arithmetic type (also an std::initializer_list variable).
  template <typename T>
    requires std::is_arithmetic_v<T>
  static Tensor of(std::initializer_list<T> data, DType dtype = DType::Float64) {
    return fromVector(std::vector<double>(data.begin(), data.end())).astype(dtype);
  }
  static Tensor of(std::initializer_list<std::initializer_list<double>> rows,
                   DType dtype = DType::Float64);
  /// Wraps caller memory without copying; the caller keeps it alive.
  template <typename T>
  static Tensor borrow(T *data, const Shape &shape, const Shape &strides = {});
  /// Wraps raw memory whose lifetime `owner` keeps (used by the runtime).
  static Tensor wrap(std::shared_ptr<void> owner, void *data, DType dtype, const Shape &shape,
                     const Shape &strides = {});
  /// A value that is not an array (see OpaqueValue). It reports dtype f64 and
  /// shape [] so generic code can carry it; reading its elements throws TypeError.
  static Tensor opaque(std::shared_ptr<const OpaqueValue> value);

  bool isOpaque() const { return opaque_ != nullptr; }
  /// The opaque value (null for an array).
  const std::shared_ptr<const OpaqueValue> &opaqueValue() const { return opaque_; }
  /// The opaque value as `T`; TypeError when this is an array or another kind of value.
  template <typename T> const T &opaqueAs() const;

  DType dtype() const { return dtype_; }
  const Shape &shape() const { return lay().shape; }
  const Shape &strides() const { return lay().strides; }
  /// The layout of every scalar.
  static const LayoutPtr &scalarLayout();
  /// The shared shape and strides (equal pointers: equal layouts).
  const LayoutPtr &layout() const { return layout_ ? layout_ : scalarLayout(); }
  int ndim() const { return static_cast<int>(lay().shape.size()); }
  int64_t size() const { return lay().size; }
  int64_t dim(int axis) const;
  bool isContiguous() const { return lay().contiguous; }

  /// This tensor if contiguous, else a contiguous copy.
  Tensor contiguous() const;
  /// A contiguous deep copy.
  Tensor clone() const;
  /// Converted copy (NumPy astype semantics: truncation toward zero, != 0 for bool).
  Tensor astype(DType dtype) const;
  /// Same buffer, new shape; requires contiguity and equal size.
  Tensor reshaped(const Shape &shape) const;

  /// t[i]: the i-th entry along the first axis (negative i counts from the end), a view
  /// sharing this tensor's buffer as NumPy's basic indexing does (clone() for a copy).
  /// IndexError when out of range or for a scalar.
  Tensor operator[](int64_t i) const;
  /// t[start:stop:step] along `axis` (NumPy slice rules: negative positions count from the end,
  /// bounds clamp; step > 0), a view sharing this tensor's buffer.
  Tensor slice(int64_t start, int64_t stop, int64_t step = 1, int axis = 0) const;

  void *rawData() const { return data_; }
  template <typename T> T *data() const;
  /// Element at a flat row-major index, converted to double (any strides).
  double getAsDouble(int64_t flatIndex) const;
  /// Element at a flat row-major index as int64, exact for integer and bool
  /// dtypes (floats are converted by the saturating cast rule of astype).
  int64_t getAsInt64(int64_t flatIndex) const;
  /// The single element of a size-1 tensor, as double.
  double item() const;
  template <typename T> std::vector<T> toVector() const;
  /// All elements as doubles in row-major order.
  std::vector<double> toDoubles() const;

  /// "f64[2,2] [[1, 2], [3, 4]]".
  std::string str() const;
  /// Just the values, NumPy-like nested brackets.
  std::string valuesStr() const;
  /// Whether no other Tensor (copy or view) holds this buffer and it is owned (not borrowed): the
  /// runtime may then write into it again instead of allocating (a schedule's reused slots).
  bool ownsBufferAlone() const { return !opaque_ && buffer_ && buffer_.use_count() == 1; }
  /// Shares the underlying allocation (or opaque value) with `o`.
  bool sharesBuffer(const Tensor &o) const {
    return opaque_ || o.opaque_ ? opaque_ == o.opaque_ : buffer_ == o.buffer_;
  }

private:
  struct Uninit {};
  explicit Tensor(Uninit); // the scalar layout, no buffer

  DType dtype_ = DType::Float64;
  LayoutPtr layout_;
  std::shared_ptr<void> buffer_;
  void *data_ = nullptr;
  std::shared_ptr<const OpaqueValue> opaque_;

  /// A moved-from Tensor has no layout: it reads as a scalar.
  const TensorLayout &lay() const { return layout_ ? *layout_ : *scalarLayout(); }
  /// Throws TypeError naming `what` for an opaque value (element access needs an array).
  void requireArray(const char *what) const {
    if (opaque_) throwNotArray(what);
  }
  [[noreturn]] void throwNotArray(const char *what) const;
};

/// The saturating float -> integer rule every cast follows (interpreter and JIT):
/// truncation toward zero; +inf and values above the range give the maximum,
/// -inf and values below give the minimum, NaN gives the minimum.
template <typename T> T saturatingCast(double v);

/// Elementwise |a-b| <= atol + rtol*|b|, same shape; NaNs equal NaNs.
bool allclose(const Tensor &a, const Tensor &b, double rtol = 1e-7, double atol = 1e-9);
/// Largest |a-b| / (atol + |b|) style error, for reports.
double maxAbsDiff(const Tensor &a, const Tensor &b);

/// NumPy .npy files (format 1.0/2.0, little-endian, C order; the five dtypes).
Tensor loadNpy(const std::string &path);
void saveNpy(const Tensor &t, const std::string &path);

// ---- template definitions ----

template <typename T> T saturatingCast(double v) {
  constexpr T lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  if (v != v) return lo;
  // -(double)lo is 2^31 or 2^63 exactly: every double below it (and >= lo) converts.
  if (v >= -static_cast<double>(lo)) return hi;
  if (v <= static_cast<double>(lo)) return lo;
  return static_cast<T>(v);
}

template <typename T> T *Tensor::data() const {
  requireArray("Tensor::data");
  if (DTypeOf<T>::value != dtype_)
    throw TypeError(std::string("Tensor::data: tensor has dtype ") + dtypeName(dtype_) +
                    ", requested " + dtypeName(DTypeOf<T>::value));
  return static_cast<T *>(data_);
}

template <typename T> const T &Tensor::opaqueAs() const {
  const T *v =
      dynamic_cast<const T *>(opaque_.get()); // a checked downcast of a value, like std::any_cast
  if (!v)
    throw TypeError(std::string("Tensor::opaqueAs: the value is ") +
                    (opaque_ ? "another kind of opaque value: " + opaque_->str()
                             : "an array, not an opaque value"));
  return *v;
}

template <typename T> Tensor Tensor::fromVector(const std::vector<T> &data, Shape shape) {
  if (shapeSize(shape) != static_cast<int64_t>(data.size()))
    throw ShapeError("Tensor::fromVector: " + std::to_string(data.size()) +
                     " values do not fill shape " + shapeStr(shape));
  Tensor t = empty(DTypeOf<T>::value, shape);
  T *out = t.data<T>();
  for (size_t i = 0; i < data.size(); ++i)
    out[i] = data[i];
  return t;
}

template <typename T> Tensor Tensor::borrow(T *data, const Shape &shape, const Shape &strides) {
  return wrap(std::shared_ptr<void>(), data, DTypeOf<T>::value, shape, strides);
}

template <typename T> std::vector<T> Tensor::toVector() const {
  Tensor c = contiguous();
  const T *p = c.data<T>();
  return std::vector<T>(p, p + c.size());
}

} // namespace graphjit
