// The Jacobian by vectorizing a vector-Jacobian product over basis vectors (any shapes).
#pragma once

#include "graphjit/Transform/Grad.h"

namespace graphjit::detail {

/// d(expr)/d(wrt) with shape expr.shape + wrt.shape; expr may have unknown dims.
Var jacobianVectorized(const Var &expr, const Var &wrt, const GradOptions &options);

} // namespace graphjit::detail
