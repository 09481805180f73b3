// What compile() derives from a graph before it can look its schedule up (the default updates,
// the shared variables read, the structural hash), remembered by the graph's identity: compiling
// the same graph again costs a lookup, not walks of the whole graph (issue 24).
#pragma once

#include "graphjit/Graph/Variable.h"
#include "graphjit/Support/Hash.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace graphjit::runtime {

struct CompileFront {
  std::vector<std::pair<Var, Var>> updates; ///< the caller's updates, then the default ones
  std::vector<Var> sharedVars;              ///< shared variables the graph reads or updates
  Hash128 key;                              ///< structural hash of the graph with its salt
};

/// The front remembered for exactly these variables and salt, if they are all alive and no
/// Apply anywhere was rewired since (graphEditCount() == `edits` then).
std::optional<CompileFront> findCompileFront(const std::vector<Var> &inputs,
                                             const std::vector<Var> &outputs,
                                             const std::vector<std::pair<Var, Var>> &givenUpdates,
                                             const std::string &salt);
/// Remembers `front` (computed when graphEditCount() was `edits`). Graphs holding opaque
/// constants are not remembered: their values' own hashes may change.
void rememberCompileFront(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                          const std::vector<std::pair<Var, Var>> &givenUpdates,
                          const std::string &salt, const CompileFront &front, uint64_t edits);

} // namespace graphjit::runtime
