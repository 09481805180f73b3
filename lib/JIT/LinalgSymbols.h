// Runtime functions of the linalg lowering (internal to lib/JIT).
#pragma once

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

namespace graphjit::jit {

/// Adds the linalg runtime functions (cholesky, solve, det, ..., digamma) to `symbols`.
void addLinalgSymbols(llvm::orc::MangleAndInterner &interner, llvm::orc::SymbolMap &symbols);

} // namespace graphjit::jit
