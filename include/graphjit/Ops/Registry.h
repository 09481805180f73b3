// The registry of every op graphjit defines, built on first use by explicit
// registration calls (no static constructors).
#pragma once

#include "graphjit/Graph/OpRegistry.h"

namespace graphjit {

const OpRegistry &opRegistry();

/// Adds a user-defined op, so that text IR using it parses and prints (its name and attrs
/// rebuild it through `factory`). Register at start-up, before any parsing; a name that is
/// already taken is a ValueError.
void registerOp(const std::string &name, OpRegistry::Factory factory, Attrs exampleAttrs = {});

} // namespace graphjit
