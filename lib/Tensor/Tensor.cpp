// Tensor: aligned buffers, construction, conversion and printing of n-d arrays.
#include "graphjit/Tensor/Tensor.h"
#include "Buffer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <map>
#include <mutex>

namespace graphjit {

int64_t checkedShapeSize(const Shape &s, DType dtype, const std::string &where) {
  // The product of the nonzero dims must fit even when a 0 makes the tensor empty:
  // strides and the sizes of reductions over the 0 axis are built from it.
  int64_t nonzero = static_cast<int64_t>(dtypeSize(dtype)), n = 1;
  for (int64_t d : s) {
    if (d < 0) throw ShapeError(where + ": negative dimension in shape " + shapeStr(s));
    if (d == 0)
      n = 0;
    else if (__builtin_mul_overflow(nonzero, d, &nonzero))
      throw ShapeError(where + ": impossible size: shape " + shapeStr(s) + " of " +
                       dtypeName(dtype) + " needs more than 2^63 bytes");
  }
  return n == 0 ? 0 : nonzero / static_cast<int64_t>(dtypeSize(dtype));
}

int64_t shapeSize(const Shape &s) {
  int64_t n = 1;
  bool empty = false;
  for (int64_t d : s) {
    if (d == 0)
      empty = true;
    else if (d < 0 || __builtin_mul_overflow(n, d, &n))
      return checkedShapeSize(s, DType::Bool, "shapeSize"); // throws the explanation
  }
  return empty ? 0 : n;
}

Shape contiguousStrides(const Shape &s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    if (s[i] > 1 && __builtin_mul_overflow(acc, s[i], &acc))
      checkedShapeSize(s, DType::Bool, "contiguousStrides"); // throws
  }
  return st;
}

std::string shapeStr(const Shape &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

namespace {
template <typename T> T convertDouble(double v) {
  if constexpr (std::is_same_v<T, bool>)
    return v != 0;
  else if constexpr (std::is_integral_v<T>)
    return saturatingCast<T>(v);
  else
    return static_cast<T>(v);
}
} // namespace

namespace {
/// Row-major test: dims of extent 1 may have any stride.
bool rowMajor(const Shape &shape, const Shape &strides) {
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] > 1 && strides[i] != acc) return false;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return true;
}

std::shared_ptr<TensorLayout> newLayout(const Shape &shape, const Shape &strides) {
  auto l = std::make_shared<TensorLayout>();
  l->size = checkedShapeSize(shape, DType::Bool, "Tensor");
  int64_t nz = 1;
  for (int64_t d : shape)
    if (d) nz *= d; // no overflow: checked above for 1-byte elements
  l->nonzeroSize = nz;
  l->shape = shape;
  l->strides = strides.empty() && !shape.empty() ? contiguousStrides(shape) : strides;
  l->contiguous = rowMajor(l->shape, l->strides);
  return l;
}

/// Recent contiguous layouts of this thread, by a hash of the shape (a miss makes a new one).
constexpr size_t kLayoutCache = 64;
struct LayoutCache {
  LayoutPtr entries[kLayoutCache];
};
} // namespace

const LayoutPtr &Tensor::scalarLayout() {
  static const LayoutPtr *l = new LayoutPtr(newLayout({}, {})); // never destroyed
  return *l;
}

LayoutPtr contiguousLayout(const Shape &shape) {
  if (shape.empty()) return Tensor::scalarLayout();
  size_t h = shape.size();
  for (int64_t d : shape)
    h = h * 1000003u ^ static_cast<size_t>(d);
  thread_local LayoutCache cache;
  LayoutPtr &slot = cache.entries[(h ^ (h >> 17)) % kLayoutCache];
  if (!slot || slot->shape != shape) slot = newLayout(shape, {});
  return slot;
}

LayoutPtr stridedLayout(const Shape &shape, const Shape &strides) {
  if (strides.empty()) return contiguousLayout(shape);
  if (strides.size() != shape.size())
    throw ShapeError("Tensor::wrap: " + std::to_string(strides.size()) +
                     " strides for a shape of rank " + std::to_string(shape.size()));
  return newLayout(shape, strides);
}

Tensor::Tensor(Uninit) : layout_(scalarLayout()) {}

Tensor::Tensor() : Tensor(zeros(DType::Float64, {})) {}

Tensor Tensor::empty(DType dtype, const Shape &shape) {
  return emptyOf(dtype, contiguousLayout(shape));
}

Tensor Tensor::emptyOf(DType dtype, const LayoutPtr &layout) {
  size_t es = dtypeSize(dtype);
  if (layout->nonzeroSize > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(es))
    checkedShapeSize(layout->shape, dtype, "Tensor"); // throws the explanation
  Tensor t{Uninit{}};
  t.dtype_ = dtype;
  t.layout_ = layout;
  t.buffer_ = allocateBuffer(static_cast<size_t>(layout->size) * es);
  t.data_ = t.buffer_.get();
  return t;
}

Tensor Tensor::zeros(DType dtype, const Shape &shape) {
  Tensor t = empty(dtype, shape);
  std::memset(t.data_, 0, static_cast<size_t>(shapeSize(shape)) * dtypeSize(dtype));
  return t;
}

Tensor Tensor::full(DType dtype, const Shape &shape, double value) {
  Tensor t = empty(dtype, shape);
  dispatchDType(dtype, [&](auto tag) {
    using T = decltype(tag);
    std::fill_n(static_cast<T *>(t.data_), t.size(), convertDouble<T>(value));
  });
  return t;
}

Tensor Tensor::scalar(double value, DType dtype) { return full(dtype, {}, value); }

Tensor Tensor::of(std::initializer_list<Element> data, DType dtype) {
  std::vector<double> values;
  for (const Element &e : data)
    values.push_back(e.value);
  return fromVector(values, {int64_t(data.size())}).astype(dtype);
}

Tensor Tensor::of(std::initializer_list<std::initializer_list<double>> rows, DType dtype) {
  std::vector<double> flat;
  size_t cols = rows.size() ? rows.begin()->size() : 0;
  for (auto &r : rows) {
    if (r.size() != cols)
      throw ShapeError("Tensor::of: ragged rows (expected " + std::to_string(cols) +
                       " columns, got " + std::to_string(r.size()) + ")");
    flat.insert(flat.end(), r.begin(), r.end());
  }
  return fromVector(flat, {int64_t(rows.size()), int64_t(cols)}).astype(dtype);
}

Tensor Tensor::wrap(std::shared_ptr<void> owner, void *data, DType dtype, const Shape &shape,
                    const Shape &strides) {
  checkedShapeSize(shape, dtype, "Tensor::wrap");
  Tensor t{Uninit{}};
  t.dtype_ = dtype;
  t.layout_ = stridedLayout(shape, strides);
  t.buffer_ = std::move(owner);
  t.data_ = data;
  return t;
}

int64_t Tensor::dim(int axis) const {
  int n = ndim();
  if (axis < -n || axis >= n)
    throw IndexError("Tensor::dim: axis " + std::to_string(axis) + " out of range for rank " +
                     std::to_string(n));
  return shape()[axis < 0 ? axis + n : axis];
}

Tensor Tensor::operator[](int64_t i) const {
  requireArray("Tensor::operator[]");
  if (ndim() == 0) throw IndexError("Tensor[" + std::to_string(i) + "]: a scalar has no entries");
  const Shape &dims = shape(), &steps = strides();
  int64_t n = dims[0];
  if (i < -n || i >= n)
    throw IndexError("Tensor[" + std::to_string(i) + "]: index out of range for a first axis of " +
                     std::to_string(n));
  if (i < 0) i += n;
  Shape shape(dims.begin() + 1, dims.end()), strides(steps.begin() + 1, steps.end());
  char *p = static_cast<char *>(data_) + i * steps[0] * static_cast<int64_t>(dtypeSize(dtype_));
  return wrap(buffer_, p, dtype_, shape, strides);
}

Tensor Tensor::slice(int64_t start, int64_t stop, int64_t step, int axis) const {
  requireArray("Tensor::slice");
  const Shape &dims = this->shape(), &steps = this->strides();
  int a = axis < 0 ? axis + ndim() : axis;
  if (a < 0 || a >= ndim())
    throw IndexError("Tensor::slice: axis " + std::to_string(axis) + " out of range for rank " +
                     std::to_string(ndim()));
  if (step <= 0)
    throw ValueError("Tensor::slice: step must be positive, got " + std::to_string(step));
  int64_t n = dims[a];
  auto clamp = [n](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n); };
  int64_t b = clamp(start), e = clamp(stop);
  int64_t len = e > b ? (e - b + step - 1) / step : 0;
  Shape shape = dims, strides = steps;
  shape[a] = len;
  strides[a] = steps[a] * step;
  char *p = static_cast<char *>(data_) + b * steps[a] * static_cast<int64_t>(dtypeSize(dtype_));
  return wrap(buffer_, len == 0 ? data_ : p, dtype_, shape, strides);
}

namespace {
// Calls f(flatIndex, elementOffset) for every element in row-major order.
template <typename F> void forEachOffset(const Shape &shape, const Shape &strides, F f) {
  int64_t n = shapeSize(shape);
  if (n == 0) return;
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t off = 0;
  for (int64_t flat = 0; flat < n; ++flat) {
    f(flat, off);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}
} // namespace

Tensor Tensor::contiguous() const { return isContiguous() ? *this : clone(); }

Tensor Tensor::opaque(std::shared_ptr<const OpaqueValue> value) {
  if (!value) throw ValueError("Tensor::opaque: the value is null");
  Tensor t{Uninit{}};
  t.opaque_ = std::move(value);
  return t;
}

void Tensor::throwNotArray(const char *what) const {
  throw TypeError(std::string(what) + ": the value " + opaque_->str() +
                  " is not an array (an opaque value has no elements)");
}

Tensor Tensor::clone() const {
  if (opaque_) return *this; // immutable: a copy is the same value
  Tensor out = emptyOf(dtype_, layout_->contiguous ? layout_ : contiguousLayout(shape()));
  size_t es = dtypeSize(dtype_);
  if (isContiguous()) {
    std::memcpy(out.data_, data_, size() * es);
    return out;
  }
  auto *src = static_cast<const char *>(data_);
  auto *dst = static_cast<char *>(out.data_);
  forEachOffset(shape(), strides(), [&](int64_t flat, int64_t off) {
    std::memcpy(dst + flat * es, src + off * es, es);
  });
  return out;
}

Tensor Tensor::astype(DType dtype) const {
  requireArray("Tensor::astype");
  Tensor src = contiguous();
  if (dtype == dtype_) return src.clone();
  Tensor out = emptyOf(dtype, src.layout_);
  dispatchDType(dtype_, [&](auto from) {
    using F = decltype(from);
    dispatchDType(dtype, [&](auto to) {
      using T = decltype(to);
      const F *s = static_cast<const F *>(src.data_);
      T *d = static_cast<T *>(out.data_);
      for (int64_t i = 0, n = size(); i < n; ++i) {
        if constexpr (std::is_same_v<T, bool>) {
          d[i] = s[i] != F(0);
        } else if constexpr (std::is_integral_v<T> && std::is_floating_point_v<F>) {
          // NaN and out-of-range floats saturate: a plain cast would be undefined.
          d[i] = saturatingCast<T>(static_cast<double>(s[i]));
        } else {
          d[i] = static_cast<T>(s[i]);
        }
      }
    });
  });
  return out;
}

Tensor Tensor::reshaped(const Shape &shape) const {
  requireArray("Tensor::reshaped");
  if (shapeSize(shape) != size())
    throw ShapeError("Tensor::reshaped: cannot view shape " + shapeStr(this->shape()) + " as " +
                     shapeStr(shape));
  Tensor t = contiguous();
  t.layout_ = contiguousLayout(shape);
  return t;
}

namespace {
int64_t elementOffset(const Shape &shape, const Shape &strides, int64_t flat) {
  int64_t off = 0, rem = flat;
  for (size_t d = shape.size(); d-- > 0;) {
    off += (rem % std::max<int64_t>(shape[d], 1)) * strides[d];
    rem /= std::max<int64_t>(shape[d], 1);
  }
  return off;
}
} // namespace

double Tensor::getAsDouble(int64_t flat) const {
  requireArray("Tensor::getAsDouble");
  int64_t off = elementOffset(shape(), strides(), flat);
  return dispatchDType(dtype_, [&](auto tag) -> double {
    using T = decltype(tag);
    return static_cast<double>(static_cast<const T *>(data_)[off]);
  });
}

int64_t Tensor::getAsInt64(int64_t flat) const {
  requireArray("Tensor::getAsInt64");
  int64_t off = elementOffset(shape(), strides(), flat);
  return dispatchDType(dtype_, [&](auto tag) -> int64_t {
    using T = decltype(tag);
    T v = static_cast<const T *>(data_)[off];
    if constexpr (std::is_floating_point_v<T>)
      return saturatingCast<int64_t>(static_cast<double>(v));
    else
      return static_cast<int64_t>(v);
  });
}

double Tensor::item() const {
  if (size() != 1)
    throw ShapeError("Tensor::item: expected a tensor of one element, got shape " +
                     shapeStr(shape()));
  return getAsDouble(0);
}

std::vector<double> Tensor::toDoubles() const {
  Tensor c = astype(DType::Float64);
  const double *p = static_cast<const double *>(c.data_);
  return std::vector<double>(p, p + c.size());
}

namespace {
std::string formatElement(const Tensor &c, int64_t i, DType t) {
  if (t == DType::Bool) return c.getAsInt64(i) != 0 ? "true" : "false";
  if (!isFloat(t)) return fmt::format("{}", c.getAsInt64(i)); // exact above 2^53
  double v = c.getAsDouble(i);
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (t == DType::Float32) return fmt::format("{}", static_cast<float>(v));
  return fmt::format("{}", v);
}

void formatNested(const Tensor &t, size_t dim, int64_t offset, std::string &out) {
  if (dim == t.shape().size()) {
    out += formatElement(t, offset, t.dtype());
    return;
  }
  int64_t inner = 1;
  for (size_t d = dim + 1; d < t.shape().size(); ++d)
    inner *= t.shape()[d];
  out += "[";
  for (int64_t i = 0; i < t.shape()[dim]; ++i) {
    if (i) out += ", ";
    formatNested(t, dim + 1, offset + i * inner, out);
  }
  out += "]";
}
} // namespace

std::string Tensor::valuesStr() const {
  if (opaque_) return opaque_->str();
  std::string out;
  formatNested(contiguous(), 0, 0, out);
  return out;
}

std::string Tensor::str() const {
  if (opaque_) return opaque_->str();
  std::string s = dtypeName(dtype_);
  s += "[";
  for (size_t i = 0; i < shape().size(); ++i)
    s += (i ? "," : "") + std::to_string(shape()[i]);
  return s + "] " + valuesStr();
}

bool allclose(const Tensor &a, const Tensor &b, double rtol, double atol) {
  if (a.isOpaque() || b.isOpaque())
    return a.isOpaque() && b.isOpaque() && a.opaqueValue()->equals(*b.opaqueValue());
  if (a.shape() != b.shape()) return false;
  std::vector<double> x = a.toDoubles(), y = b.toDoubles();
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) {
      if (std::isnan(x[i]) != std::isnan(y[i])) return false;
      continue;
    }
    if (x[i] == y[i]) continue; // covers equal infinities
    if (!(std::fabs(x[i] - y[i]) <= atol + rtol * std::fabs(y[i]))) return false;
  }
  return true;
}

double maxAbsDiff(const Tensor &a, const Tensor &b) {
  if (a.shape() != b.shape())
    throw ShapeError("maxAbsDiff: shapes " + shapeStr(a.shape()) + " and " + shapeStr(b.shape()) +
                     " differ");
  if (a.isOpaque() || b.isOpaque())
    return allclose(a, b) ? 0.0 : std::numeric_limits<double>::infinity();
  std::vector<double> x = a.toDoubles(), y = b.toDoubles();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] != y[i]) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

} // namespace graphjit
