// Literals of tensor elements for arith.constant: integers are printed from
// their exact int64 value, never through a double (2^53 + 1 stays itself).
#include "Emitter.h"

namespace graphjit::lower {

std::string elementLiteral(const Tensor &t, int64_t flat) {
  if (t.dtype() == DType::Bool) return t.getAsInt64(flat) != 0 ? "1" : "0";
  if (isInteger(t.dtype())) return std::to_string(t.getAsInt64(flat));
  return scalarLiteral(t.getAsDouble(flat), t.dtype());
}

} // namespace graphjit::lower
