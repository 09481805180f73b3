// The registry of every op graphjit defines, built on first use by explicit
// registration calls (no static constructors).
#pragma once

#include "graphjit/Graph/OpRegistry.h"

namespace graphjit {

const OpRegistry &opRegistry();

} // namespace graphjit
