// Checks and call-time rules of compile()/Function that are not about running
// code: misuse refused at compile time, the lock that makes updates atomic,
// and the copy rules both modes share (see docs/runtime.md). Internal to lib/Runtime.
#pragma once

#include "graphjit/Runtime/Function.h"

#include <mutex>

namespace graphjit::runtime {

/// Refuses the same Var twice among `inputs` and two updates of one shared
/// variable (ValueError naming both positions).
void checkCompileArguments(const std::vector<Var> &inputs, const Updates &updates);

/// Appends the current values of `sharedVars` to `values`, read together under
/// the shared-state lock (a consistent snapshot, never a torn Tensor).
void appendSharedValues(const std::vector<Var> &sharedVars, std::vector<Tensor> &values);

/// Writes `outs[out]` into `sharedVars[slot]` for every (slot, out), all under
/// one hold of the shared-state lock, so no reader sees half the updates.
void applyUpdates(const std::vector<Var> &sharedVars,
                  const std::vector<std::pair<size_t, size_t>> &slots,
                  const std::vector<Tensor> &outs);

/// A shared variable's update lock: held by every Function call that updates it, from reading to
/// writing back, and by setValue, so one update never overwrites another's. A fixed table of
/// locks (a variable's is chosen by its storage's address; two variables may share one).
std::mutex &sharedUpdateMutex(const SharedStorage *storage);
/// The update locks of the storages of `sharedVars`, each once, in table order (the one order
/// every caller uses, so two Functions that update overlapping variables cannot deadlock).
std::vector<std::mutex *> updateLockOrder(const std::vector<Var> &sharedVars);
/// Holds the locks of `order` (from updateLockOrder) for its lifetime.
class SharedUpdateLocks {
public:
  explicit SharedUpdateLocks(const std::vector<std::mutex *> &order);
  ~SharedUpdateLocks();
  SharedUpdateLocks(const SharedUpdateLocks &) = delete;
  SharedUpdateLocks &operator=(const SharedUpdateLocks &) = delete;

private:
  const std::vector<std::mutex *> &order_;
};

/// The shared-state lock (getValue/setValue and the two functions above). Taken only briefly and
/// never while waiting for an update lock.
std::mutex &sharedStateMutex();

/// Interpret mode hands out what the JIT hands out: a fresh buffer per output,
/// never an input, a constant, a shared value or another output.
std::vector<Tensor> freshOutputs(std::vector<Tensor> outs);

} // namespace graphjit::runtime
