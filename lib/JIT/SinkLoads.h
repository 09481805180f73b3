// Moves loads down to their first use across calls (internal to lib/JIT).
#pragma once

namespace llvm {
class Function;
}

namespace graphjit::jit {

/// In each block that calls a function, moves every simple load whose users are all in the block
/// down to just before its first user, when nothing in between may write memory. Returns whether
/// anything moved. The vectorizer emits a loop body's loads at its top; a call to a vector math
/// function clobbers every vector register, so each load value used after the call is spilled
/// and reloaded. Loaded where used, it is not live across the call: the fused exp/log1p chain's
/// loop lost one spill and one reload per call and ran 5% faster (issue 24).
bool sinkLoadsToUses(llvm::Function &f);

} // namespace graphjit::jit
