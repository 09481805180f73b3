// Products and norms built from matmul, dimshuffle, reshape and reductions, as PyTensor builds
// them: tensordot, kron, einsum (a subset), norm, matrix_power.
#pragma once

#include "graphjit/Graph/Attrs.h"
#include "graphjit/Graph/Variable.h"

#include <optional>
#include <string>
#include <vector>

namespace graphjit {

/// Sum over the last `axes` axes of a and the first `axes` of b.
Var tensordot(const Var &a, const Var &b, int64_t axes = 2);
/// Sum over a's axes `axesA` paired with b's `axesB`; the free axes of a, then of b, remain.
Var tensordot(const Var &a, const Var &b, const IntList &axesA, const IntList &axesB);
/// Kronecker product (ranks aligned by leading 1s); needs static shapes but for one dim.
Var kron(const Var &a, const Var &b);
/// einsum with an explicit output ("ij,jk->ik"): letters only, no ellipsis. A letter repeated in
/// one operand takes its diagonal; letters missing from the output are summed.
Var einsum(const std::string &subscripts, const std::vector<Var> &operands);
/// NumPy norm: vectors (1-d, or one axis): ord 2 (default), 1, inf, -inf, 0, any p; matrices
/// (2-d, or two axes): "fro" (default), 1, -1, inf, -inf. ord 2 / "nuc" of a matrix need an SVD
/// and are refused.
Var norm(const Var &x, std::optional<double> ord = std::nullopt,
         std::optional<IntList> axis = std::nullopt, bool keepdims = false);
Var norm(const Var &x, const std::string &ord, std::optional<IntList> axis = std::nullopt,
         bool keepdims = false);
/// M^n for a square matrix by repeated squaring; n < 0 inverts first; n = 0 gives the identity.
Var matrix_power(const Var &m, int64_t n);

} // namespace graphjit
