// Moves loads down to their first use in blocks with calls, so their values are not live (and
// spilled) across the calls.
#include "SinkLoads.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"

#include <vector>

namespace graphjit::jit {

namespace {
/// A call that is not an intrinsic: the callee may use every caller-saved register.
bool isRealCall(const llvm::Instruction &i) {
  const auto *call = llvm::dyn_cast<llvm::CallBase>(&i);
  return call && !llvm::isa<llvm::IntrinsicInst>(call);
}

/// The first user of `load` in its block (nullptr when a user is elsewhere or a PHI).
llvm::Instruction *firstUserInBlock(llvm::LoadInst &load) {
  llvm::Instruction *first = nullptr;
  for (llvm::User *u : load.users()) {
    auto *user = llvm::dyn_cast<llvm::Instruction>(u);
    if (!user || user->getParent() != load.getParent() || llvm::isa<llvm::PHINode>(user))
      return nullptr;
    if (!first || user->comesBefore(first)) first = user;
  }
  return first;
}

/// Moves `load` before its first user if a call lies between them and nothing between may write
/// memory (the load would then read another value).
bool sinkLoad(llvm::LoadInst &load) {
  if (!load.isSimple()) return false;
  llvm::Instruction *user = firstUserInBlock(load);
  if (!user) return false;
  bool crossesCall = false;
  for (llvm::Instruction *i = load.getNextNode(); i != user; i = i->getNextNode()) {
    if (i->mayWriteToMemory()) return false;
    crossesCall |= isRealCall(*i);
  }
  if (!crossesCall) return false;
  load.moveBefore(user);
  return true;
}

bool sinkInBlock(llvm::BasicBlock &block) {
  bool hasCall = false;
  std::vector<llvm::LoadInst *> loads;
  for (llvm::Instruction &i : block) {
    hasCall |= isRealCall(i);
    if (auto *load = llvm::dyn_cast<llvm::LoadInst>(&i)) loads.push_back(load);
  }
  if (!hasCall) return false;
  bool changed = false;
  // Last first: a load feeding another load's address then follows that load down.
  for (auto it = loads.rbegin(); it != loads.rend(); ++it)
    changed |= sinkLoad(**it);
  return changed;
}
} // namespace

bool sinkLoadsToUses(llvm::Function &f) {
  bool changed = false;
  for (llvm::BasicBlock &block : f)
    changed |= sinkInBlock(block);
  return changed;
}

} // namespace graphjit::jit
