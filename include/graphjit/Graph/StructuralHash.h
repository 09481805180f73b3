// Structural hash of a graph: equal for graphs that compute the same thing
// from inputs of the same types (ops, attributes, wiring, constants' values),
// whatever the variables are named. The compile caches key on it instead of
// printed text (cheap, and names do not split the cache).
#pragma once

#include "graphjit/Graph/Variable.h"
#include "graphjit/Support/Hash.h"

#include <string_view>
#include <vector>

namespace graphjit {

/// Hash of `outputs` as functions of `inputs` (in order), mixed with `salt`
/// (e.g. the rewrite query). Roots that are not in `inputs` are hashed as
/// constants (by value) or as "unbound" (by type).
Hash128 structuralHash(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                       std::string_view salt = "");

} // namespace graphjit
