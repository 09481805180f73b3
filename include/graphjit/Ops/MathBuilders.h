// PyTensor names that are one line over existing ops: square, tan, sinh, cosh, erfc, exp2, logit,
// flatten, swapaxes, take_along_axis, cho_solve.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <utility>

namespace graphjit {

/// x * x (PyTensor's square; the op is sqr).
Var square(const Var &x);
/// sin(x) / cos(x).
Var tan(const Var &x);
/// (exp(x) - exp(-x)) / 2 and (exp(x) + exp(-x)) / 2.
Var sinh(const Var &x);
Var cosh(const Var &x);
/// 1 - erf(x) (no extra precision in the far tail).
Var erfc(const Var &x);
/// 2 ** x.
Var exp2(const Var &x);
/// log(x / (1 - x)), the inverse of sigmoid.
Var logit(const Var &x);
/// x as a vector (ndim 1), or with its trailing dims merged so that `ndim` remain.
Var flatten(const Var &x, int ndim = 1);
/// x with axes a and b exchanged.
Var swapaxes(const Var &x, int64_t a, int64_t b);
/// NumPy take_along_axis: out[..., j, ...] = x[..., idx[..., j, ...], ...] along `axis`; idx has
/// x's rank. Built on advanced_subtensor with an index grid per other axis.
Var take_along_axis(const Var &x, const Var &idx, int64_t axis);
/// x with A x = b given A's Cholesky factor: two triangular solves (c_and_lower as in SciPy: the
/// factor and whether it is lower).
Var cho_solve(const std::pair<Var, bool> &c_and_lower, const Var &b);

} // namespace graphjit
