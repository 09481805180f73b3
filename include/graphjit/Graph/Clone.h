// Copying graphs, optionally substituting variables (PyTensor's clone_replace
// and graph_replace). Originals are never modified.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <utility>
#include <vector>

namespace graphjit {

using Replacements = std::vector<std::pair<Var, Var>>;

/// Rebuilds `outputs` with every `old` replaced by its `new`. Nodes are
/// re-made with Op type rules, so refined shapes propagate. Inputs, constants
/// and shared variables that are not replaced are kept (not copied).
/// strict=true requires each replacement to have exactly the old type;
/// strict=false allows any compatible type (e.g. a known dim for an unknown one).
/// Throws TypeError naming both types.
std::vector<Var> graph_replace(const std::vector<Var> &outputs, const Replacements &replace,
                               bool strict = true);
Var graph_replace(const Var &output, const Replacements &replace, bool strict = true);

/// Like graph_replace, but every Apply node is copied even without replacements
/// (a deep copy of the computation; roots are shared).
std::vector<Var> clone_replace(const std::vector<Var> &outputs, const Replacements &replace = {},
                               bool strict = true);

} // namespace graphjit
