// Symbols the JIT'd code links against (internal to lib/JIT).
#pragma once

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

namespace graphjit::jit {

/// graphjit's implementations of MLIR runtime helpers (memrefCopy) and the
/// library calls kernels make (BLAS), by the names kernels link against.
llvm::orc::SymbolMap runtimeSymbolMap(llvm::orc::MangleAndInterner &interner);

} // namespace graphjit::jit
