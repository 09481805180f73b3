// Rules written as a compact pattern: "add(x, x) -> mul(2, x)".
//
// Lowercase names bind subgraphs (a name used twice must bind the same
// variable), numbers match constants whose elements all equal them (looking
// through rank-aligning dimshuffles), and op names are elementwise functions.
// An optional constraint sees the bindings. The engine still refuses any
// replacement that would change a type, so patterns need no shape checks.
#pragma once

#include "graphjit/Rewrite/Rewrite.h"

#include <functional>
#include <map>
#include <string>

namespace graphjit {

/// A NodeRewriter for phase `tag` from `rule`; throws ValueError for a malformed pattern.
NodeRewriter patternRule(const std::string &name, const std::string &tag, const std::string &rule,
                         std::function<bool(const std::map<std::string, Var> &)> constraint = {});

} // namespace graphjit
