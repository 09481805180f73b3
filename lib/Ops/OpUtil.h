// Helpers shared by op implementations (internal to lib/Ops).
#pragma once

#include "graphjit/Graph/Op.h"
#include "graphjit/Support/Error.h"

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace graphjit::detail {

/// Updates y aligned to a region of rank `rank`: leading broadcastable dims
/// added, dtype converted to x's when that loses nothing.
Var alignUpdate(const Var &x, const Var &y, int rank, const std::string &op);
/// y fits a region of shape `region` (static types): equal rank, and each dim
/// equal or a static 1.
void checkUpdateType(const TensorType &x, const TensorType &y, const Shape &region,
                     const std::string &op);

/// Maps a possibly negative axis into [0, ndim); throws IndexError naming `op`.
int normalizeAxis(int64_t axis, int ndim, const std::string &op);
/// `axis` as an op stores it: non-negative, so that no consumer (lowering, batching rule, rewrite)
/// sees -1 (the rank is known only when a builder applies the op, which normalizes first). Throws
/// ValueError naming `op` otherwise.
int64_t storedAxis(int64_t axis, const std::string &op);
/// Integer arithmetic wraps (as NumPy's does) instead of overflowing, which is UB in C++: every
/// perform that adds or multiplies integers goes through these. Floats are plain arithmetic.
template <typename T> T wrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <typename T> T wrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
  } else {
    return a - b;
  }
}
template <typename T> T wrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}
/// Checks the number of inputs; throws ValueError naming `op`.
void expectArity(const std::string &op, size_t got, size_t expected);
/// "x" for types in error messages.
std::string typesStr(const std::vector<TensorType> &types);
/// Shape of `t` padded with leading 1s to `ndim` dims, strides 0 where size is 1
/// and the output is larger: the strides a broadcasting read uses.
Shape broadcastStrides(const Tensor &t, const Shape &outShape);

/// Calls f(outFlat, offsets) for every output element, with the element
/// offset of each input (already contiguous or strided; strides from
/// broadcastStrides).
template <typename F>
void forEachBroadcast(const Shape &outShape, const std::vector<Shape> &inStrides, F f) {
  int64_t n = shapeSize(outShape);
  if (n == 0) return;
  size_t nd = outShape.size(), ni = inStrides.size();
  std::vector<int64_t> idx(nd, 0), off(ni, 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    f(flat, off);
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < outShape[d]) {
        for (size_t k = 0; k < ni; ++k)
          off[k] += inStrides[k][d];
        break;
      }
      for (size_t k = 0; k < ni; ++k)
        off[k] -= inStrides[k][d] * (outShape[d] - 1);
      idx[d] = 0;
    }
  }
}

/// Converts a double to T without undefined behaviour (NaN/out of range ints saturate).
template <typename T> T saturatingCast(double v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return std::numeric_limits<T>::min();
    if (v >= static_cast<double>(std::numeric_limits<T>::max()))
      return std::numeric_limits<T>::max();
    if (v <= static_cast<double>(std::numeric_limits<T>::min()))
      return std::numeric_limits<T>::min();
    return static_cast<T>(v);
  }
}

} // namespace graphjit::detail
