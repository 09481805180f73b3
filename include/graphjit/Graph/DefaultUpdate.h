// Default updates of shared variables (PyTensor's `default_update`): the
// expression compile() updates a shared variable with when the caller gives no
// update for it — a generator's next_rng, so that each call draws afresh.
#pragma once

#include "graphjit/Graph/Variable.h"

namespace graphjit {

/// Sets the default update of `sharedVar`; a null `update` removes it. The expression is
/// held weakly (its graph reads `sharedVar`): once nothing holds it, it is gone.
/// ValueError when `sharedVar` is not shared, TypeError when the types differ.
void setDefaultUpdate(const Var &sharedVar, const Var &update);
/// The default update of a shared variable, or null.
Var defaultUpdate(const Var &sharedVar);

} // namespace graphjit
