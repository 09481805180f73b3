// Loop lowering: a node whose op is a loop (scan) becomes one MLIR function
// with an scf.for (or scf.while for `until`) inside, so that the steps run
// without returning to the host. See docs/control-flow.md, "How scan compiles".
//
// Calling convention: one tensor argument per input of the node (n_steps
// first), then one memref per output of the node (the stacked values, the
// caller allocates [rows, ...row shape] with rows = n_steps, or 1 for an output
// that keeps only its last value), then a memref<i64> that receives the number
// of steps run (below n_steps only when `until` stopped the loop).
#pragma once

#include "graphjit/Lower/Lower.h"

namespace graphjit {

/// Whether nodes of kind `opName` have a loop lowering (their body may still refuse).
bool hasLoopLowering(const std::string &opName);

/// The function `@<name>` running all steps of `node`. Throws NotImplementedError
/// when the body cannot run inside one kernel (an op without a lowering, a value
/// that is not a tensor, a run-time check): the caller then keeps the host loop.
LoweredFunction lowerLoop(const Apply &node, const std::string &name = "loop");

} // namespace graphjit
