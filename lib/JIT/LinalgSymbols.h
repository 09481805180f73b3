// Runtime functions of the linalg lowering (internal to lib/JIT).
#pragma once

namespace mlir {
class ExecutionEngine;
}

namespace graphjit::jit {

/// Makes the linalg runtime functions (cholesky, solve, det, ..., digamma) visible to `engine`.
void registerLinalgSymbols(mlir::ExecutionEngine &engine);

} // namespace graphjit::jit
