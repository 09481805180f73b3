// givens: substitute variables in a graph before it is compiled (PyTensor's
// function(..., givens=...)), e.g. a shared data set replaced by a slice of it.
#pragma once

#include "graphjit/Graph/Clone.h"
#include "graphjit/Runtime/Function.h"

#include <vector>

namespace graphjit {

struct GivenGraph {
  std::vector<Var> outputs;
  Updates updates; ///< same targets, expressions with the givens substituted
};

/// `outputs` and the update expressions with every given `old` replaced by its
/// `new` (types must be compatible). Throws ValueError when an `old` is null,
/// a constant, computed, or one of `inputs` (it would never be read), and
/// TypeError naming both types when a replacement does not fit.
GivenGraph applyGivens(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                       const Updates &updates, const Replacements &givens);

} // namespace graphjit
