// Symbolic inputs, named as in PyTensor: scalar("a"), vector("x"), matrix("X"),
// tensor(dtype, {kUnknownDim, 1}, "t"). Dims of these are unknown unless given.
#pragma once

#include "graphjit/Graph/Variable.h"

namespace graphjit {

Var scalar(const std::string &name = "", DType dtype = DType::Float64);
Var vector(const std::string &name = "", DType dtype = DType::Float64);
Var matrix(const std::string &name = "", DType dtype = DType::Float64);
/// Any rank; use kUnknownDim (-1) for dims known only at run time, 1 for broadcastable ones.
Var tensor(DType dtype, const Shape &shape, const std::string &name = "");
Var tensor(const std::string &name, DType dtype, const Shape &shape);

} // namespace graphjit
