// Walking graphs: topological order, inputs, ancestors. All orders are
// deterministic (depth-first over inputs in order), never pointer-hashed.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <vector>

namespace graphjit {

/// Apply nodes needed to compute `outputs`, inputs before users.
std::vector<Apply *> toposort(const std::vector<Var> &outputs);
/// Every variable `outputs` depend on (themselves included), in topological order.
std::vector<Var> ancestors(const std::vector<Var> &outputs);
/// Root variables that are neither constants nor shared: what a caller must supply.
std::vector<Var> graphInputs(const std::vector<Var> &outputs);
/// Shared variables `outputs` read.
std::vector<Var> sharedInputs(const std::vector<Var> &outputs);

} // namespace graphjit
