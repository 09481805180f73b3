// vectorize_graph: batch a core graph automatically (PyTensor's vectorize_graph,
// JAX's vmap over leading axes).
#pragma once

#include "graphjit/Graph/Clone.h"

namespace graphjit {

/// Rebuilds `outputs` with each `old` input replaced by a batched `new` one:
/// the same dtype and core dims, plus B leading batch dims (B the same for
/// every replacement). Each node that depends on a batched input is rewritten
/// by its op's batching rule, so the outputs gain the same B leading dims; nodes
/// that do not depend on one are kept as they are. Throws TypeError for a
/// replacement that does not fit and NotImplementedError, naming the op, where a
/// rule cannot batch a node (e.g. a reshape to static sizes over unknown batch dims).
std::vector<Var> vectorize_graph(const std::vector<Var> &outputs, const Replacements &replace);
Var vectorize_graph(const Var &output, const Replacements &replace);

} // namespace graphjit
