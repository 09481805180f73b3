// Builders of graph inputs and constants: scalar, vector, matrix, tensor, constant, shared.
#include "graphjit/Ops/Inputs.h"

namespace graphjit {

Var scalar(const std::string &name, DType dtype) { return Var::input(TensorType(dtype, {}), name); }
Var vector(const std::string &name, DType dtype) {
  return Var::input(TensorType(dtype, {kUnknownDim}), name);
}
Var matrix(const std::string &name, DType dtype) {
  return Var::input(TensorType(dtype, {kUnknownDim, kUnknownDim}), name);
}
Var tensor(DType dtype, const Shape &shape, const std::string &name) {
  return Var::input(TensorType(dtype, shape), name);
}
Var tensor(const std::string &name, DType dtype, const Shape &shape) {
  return tensor(dtype, shape, name);
}

} // namespace graphjit
