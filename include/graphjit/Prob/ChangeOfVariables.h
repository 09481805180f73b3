// The automatic change of variables (PyMC's measurable transforms): the log
// density of y = T(x), x a random variable, derived from the graph of y.
//
// Walking from y back to the random variable, each op is inverted and the log
// of its inverse's Jacobian is added:  log p_y(v) = log p_x(T^-1(v)) + log|d T^-1/dv|.
// Invertible steps: neg, exp, log, expm1, log1p, sqrt, reciprocal, sigmoid, tanh,
// softplus, identity and float casts; add/sub/mul/true_div with an operand that
// does not depend on x; and concatenations of column slices of one tensor
// where each slice is an invertible function of the slices already recovered
// (affine coupling layers: b' = b * exp(s(a)) + t(a), any graphs s and t; at most
// one part may have an unknown width). A value outside a step's image (exp at v <= 0, ...)
// gets -inf, never NaN.
// The Jacobian is tracked elementwise in the layout of the value, so every
// step above keeps it diagonal or triangular; for a multivariate x the terms
// of one event (the last axis) are summed.
#pragma once

#include "graphjit/Graph/Variable.h"

namespace graphjit {

/// log p(y = value) for y a function of exactly one random variable. Throws
/// ValueError naming the op when a step cannot be inverted, and when y does not
/// depend on a random variable. The result is an ordinary graph.
Var transformedLogp(const Var &y, const Var &value);

/// The random variable y is a function of, and the value of it that maps to `value`
/// (T^-1(value)) -- the first half of transformedLogp.
std::pair<Var, Var> invertToRandomVariable(const Var &y, const Var &value);

} // namespace graphjit
