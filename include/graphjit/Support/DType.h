// Element types of tensors and the NumPy-style rules that combine them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace graphjit {

/// Element types, ordered by promotion rank (bool < ints < floats).
enum class DType : uint8_t { Bool, Int32, Int64, Float32, Float64 };

/// Short name used in printed types and the text IR: b1 i32 i64 f32 f64.
const char *dtypeName(DType t);
/// Parses a short name ("f64") or a NumPy name ("float64"); throws ValueError.
DType parseDType(std::string_view name);
/// Bytes per element.
size_t dtypeSize(DType t);
bool isFloat(DType t);
bool isInteger(DType t); // int32, int64 (not bool)

/// NumPy-like promotion of two operand dtypes (int64 with float32 gives float64).
DType promoteTypes(DType a, DType b);
/// The dtype a float-valued function of `t` returns (ints and bool become float64).
DType floatResult(DType t);

/// Maps a C++ element type to its DType at compile time.
template <typename T> struct DTypeOf;
template <> struct DTypeOf<bool> {
  static constexpr DType value = DType::Bool;
};
template <> struct DTypeOf<int32_t> {
  static constexpr DType value = DType::Int32;
};
template <> struct DTypeOf<int64_t> {
  static constexpr DType value = DType::Int64;
};
template <> struct DTypeOf<float> {
  static constexpr DType value = DType::Float32;
};
template <> struct DTypeOf<double> {
  static constexpr DType value = DType::Float64;
};

/// Calls `f(T{})` with the C++ element type of `t`: the one place dtype
/// dispatch happens, so kernels are written once as templates.
template <typename F> decltype(auto) dispatchDType(DType t, F &&f) {
  switch (t) {
  case DType::Bool:
    return f(bool{});
  case DType::Int32:
    return f(int32_t{});
  case DType::Int64:
    return f(int64_t{});
  case DType::Float32:
    return f(float{});
  case DType::Float64:
    break;
  }
  return f(double{});
}

} // namespace graphjit
