// The reference interpreter: evaluates a graph node by node with each Op's
// perform. Slow and simple on purpose: it is the oracle the JIT is tested against.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <utility>
#include <vector>

namespace graphjit {

using Bindings = std::vector<std::pair<Var, Tensor>>;

/// Values of `outputs` given values for their inputs. Constants and shared
/// variables supply their own values. Throws ValueError for an unbound input,
/// TypeError/ShapeError when a bound value does not fit its variable's type or
/// when shapes do not fit at some node (the message names the op).
std::vector<Tensor> evaluate(const std::vector<Var> &outputs, const Bindings &bindings = {});
Tensor evaluate(const Var &output, const Bindings &bindings = {});

} // namespace graphjit
