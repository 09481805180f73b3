// DType names, sizes and promotion rules.
#include "graphjit/Support/DType.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::Bool:
    return "b1";
  case DType::Int32:
    return "i32";
  case DType::Int64:
    return "i64";
  case DType::Float32:
    return "f32";
  case DType::Float64:
    return "f64";
  }
  return "?";
}

DType parseDType(std::string_view n) {
  if (n == "b1" || n == "bool") return DType::Bool;
  if (n == "i32" || n == "int32") return DType::Int32;
  if (n == "i64" || n == "int64") return DType::Int64;
  if (n == "f32" || n == "float32") return DType::Float32;
  if (n == "f64" || n == "float64") return DType::Float64;
  throw ValueError("unknown dtype '" + std::string(n) +
                   "': expected one of b1, i32, i64, f32, f64");
}

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::Bool:
    return 1;
  case DType::Int32:
    return 4;
  case DType::Int64:
    return 8;
  case DType::Float32:
    return 4;
  case DType::Float64:
    return 8;
  }
  return 0;
}

bool isFloat(DType t) { return t == DType::Float32 || t == DType::Float64; }
bool isInteger(DType t) { return t == DType::Int32 || t == DType::Int64; }

DType promoteTypes(DType a, DType b) {
  if (a > b) std::swap(a, b);
  // int64 does not fit in float32's mantissa: NumPy goes to float64.
  if (a == DType::Int64 && b == DType::Float32) return DType::Float64;
  return b;
}

DType floatResult(DType t) { return isFloat(t) ? t : DType::Float64; }

} // namespace graphjit
