// Fusion of linalg.generic ops whose results have several readers (internal to lib/JIT).
#pragma once

#include "mlir/Pass/Pass.h"

#include <memory>

namespace graphjit::jit {

/// MLIR's elementwise fusion fuses a producer only into its single reader: a value read by two
/// loops (the logistic regression's z, read by the loss and by the gradient) stays in memory, and
/// fusing it anyway clones its body into each reader, so exp runs once per reader. This pass
/// instead merges a producer P and one reader C that share their iteration space (identity maps)
/// into one multi-result linalg.generic: P's body runs once per point, C reads P's values in
/// registers, and P's other readers read the merged op's results. Reductions merge too (a loop
/// dim reduced by either op is reduced in the merged op); P's values that C reads must not depend
/// on P's accumulators. Runs before MLIR's elementwise fusion.
std::unique_ptr<mlir::Pass> createFuseMultiUsePass();

} // namespace graphjit::jit
