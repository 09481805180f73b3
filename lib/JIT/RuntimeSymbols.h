// Symbols the JIT'd code links against (internal to lib/JIT).
#pragma once

namespace mlir {
class ExecutionEngine;
}

namespace graphjit::jit {

/// Makes graphjit's implementations of MLIR runtime helpers (memrefCopy) visible to `engine`.
void registerRuntimeSymbols(mlir::ExecutionEngine &engine);

} // namespace graphjit::jit
