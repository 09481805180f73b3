// Finite-difference checking of symbolic gradients (PyTensor's verify_grad).
#pragma once

#include "graphjit/Graph/Variable.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace graphjit {

struct VerifyGradOptions {
  /// Finite-difference step; 0 picks one by dtype (1e-6 for f64, 1e-2 for f32... scaled to the
  /// point).
  double eps = 0;
  /// Tolerances on |analytic - numeric| <= abs_tol + rel_tol * |numeric|; 0 = by dtype.
  double abs_tol = 0, rel_tol = 0;
  /// Random directions tried per check.
  int directions = 3;
  uint64_t seed = 42;
};

/// Checks grad() of fn at `point` by central differences along random
/// directions. fn gets one symbolic input per point tensor (unknown dims, the
/// point's dtype) and returns any float expression; it is reduced to a scalar
/// by a random projection. Throws Error with the largest discrepancy on failure.
void verify_grad(const std::function<Var(const std::vector<Var> &)> &fn,
                 const std::vector<Tensor> &point, const VerifyGradOptions &options = {});

} // namespace graphjit
