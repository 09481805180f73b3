// Loops and branches in the graph: scan and ifelse (docs/control-flow.md).
#pragma once

#include "graphjit/ControlFlow/IfElse.h"
#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/ControlFlow/Scan.h"
#include "graphjit/ControlFlow/ShapeGraph.h"

namespace graphjit {

/// Registers ifelse and scan in the op registry (called by lib/Ops/Registry.cpp).
void registerControlFlowOps(class OpRegistry &registry);
/// Registers scan_save_mem and scan_hoist_invariant (called by lib/Rewrite/Registry.cpp).
void registerControlFlowRewrites(class RewriteRegistry &registry);

} // namespace graphjit
