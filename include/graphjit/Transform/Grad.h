// Reverse-mode automatic differentiation (PyTensor's grad), built on each
// Op's L_op (vector-Jacobian product), plus jacobian, hessian and forward mode.
//
// Gradients are graphs: grad() returns new variables that compute the
// derivative; the original graph is not modified.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <utility>
#include <vector>

namespace graphjit {

/// What grad() does when the cost does not depend on a `wrt` variable.
enum class DisconnectedPolicy {
  Raise,  ///< throw ValueError (the default, as in PyTensor)
  Ignore, ///< return zeros of wrt's shape
  Warn,   ///< print a warning to stderr, return zeros
};

struct GradOptions {
  DisconnectedPolicy disconnected = DisconnectedPolicy::Raise;
  /// Variables treated as constants: no gradient flows through them.
  std::vector<Var> consider_constant;
  /// Gradients already known for some variables (cost may then be null):
  /// {var, d(cost)/d(var)}; each gradient has the variable's type.
  std::vector<std::pair<Var, Var>> known_grads;
  /// jacobian/hessian: batch one vector-Jacobian product over basis vectors (vectorize_graph)
  /// even when the shapes are static, instead of one gradient per element: one pass (e.g. a
  /// matrix product) instead of n. Unknown sizes always take this path.
  bool vectorizeJacobian = false;
};

/// d(cost)/d(wrt[i]) for a scalar float cost. Integer or bool `wrt` throw
/// TypeError (they have no gradient); a non-scalar cost throws ShapeError.
std::vector<Var> grad(const Var &cost, const std::vector<Var> &wrt,
                      const GradOptions &options = {});
Var grad(const Var &cost, const Var &wrt, const GradOptions &options = {});

/// Identity whose gradient is zero (PyTensor's disconnected_grad / JAX's stop_gradient).
Var stop_gradient(const Var &x);

/// Jacobian of `expr` with respect to `wrt`: shape expr.shape + wrt.shape. A static-shaped
/// `expr` is differentiated element by element; one with unknown dims (a shared f64[?]) by
/// vectorize_graph over the rows of an identity as large as expr (NotImplementedError naming
/// the op if an op on the way has no batching rule).
Var jacobian(const Var &expr, const Var &wrt, const GradOptions &options = {});
/// Hessian of a scalar cost: jacobian(grad(cost, wrt), wrt), for any shape of wrt.
Var hessian(const Var &cost, const Var &wrt, const GradOptions &options = {});

/// Vector-Jacobian product: sum_k eval_points[k]^T d(outputs[k])/d(wrt[i]).
std::vector<Var> Lop(const std::vector<Var> &outputs, const std::vector<Var> &wrt,
                     const std::vector<Var> &eval_points);
/// Jacobian-vector product (forward mode): sum_i d(outputs[k])/d(wrt[i]) eval_points[i],
/// by transposing reverse mode (the double-L_op trick).
std::vector<Var> Rop(const std::vector<Var> &outputs, const std::vector<Var> &wrt,
                     const std::vector<Var> &eval_points);
/// JAX's name for Rop.
inline std::vector<Var> jvp(const std::vector<Var> &outputs, const std::vector<Var> &wrt,
                            const std::vector<Var> &eval_points) {
  return Rop(outputs, wrt, eval_points);
}

} // namespace graphjit
