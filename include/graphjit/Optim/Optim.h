// Optimizers as graph updates (PyTorch's optim, PyTensor's updates): each
// returns the Updates that one training step applies to the parameters and
// to the optimizer's own state (shared variables), so compile(inputs, {loss},
// updates) gives a Function whose every call is one step.
#pragma once

#include "graphjit/Runtime/Function.h"

namespace graphjit::optim {

/// p <- p - lr * g.
Updates sgd(const Var &loss, const std::vector<Var> &params, double lr);
/// v <- mu v + g; p <- p - lr v (PyTorch's momentum; nesterov: p <- p - lr (g + mu v)).
Updates momentum(const Var &loss, const std::vector<Var> &params, double lr, double mu = 0.9,
                 bool nesterov = false);
/// Adam (Kingma and Ba 2015) with bias correction:
/// m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g^2; t <- t + 1;
/// p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
Updates adam(const Var &loss, const std::vector<Var> &params, double lr = 1e-3, double beta1 = 0.9,
             double beta2 = 0.999, double eps = 1e-8);

} // namespace graphjit::optim
