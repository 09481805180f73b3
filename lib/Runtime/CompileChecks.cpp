// compile() misuse checks, the shared-state lock and the interpret-mode copy rule.
#include "CompileChecks.h"

#include "graphjit/Support/Error.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

namespace graphjit::runtime {

namespace {
std::string describe(const Var &v) {
  return v.name().empty() ? v.type().str() : "'" + v.name() + "'";
}
} // namespace

void checkCompileArguments(const std::vector<Var> &inputs, const Updates &updates) {
  std::unordered_map<const Variable *, size_t> seen;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) continue; // compile() reports null inputs itself
    auto [it, fresh] = seen.emplace(inputs[i].get(), i);
    if (!fresh)
      throw ValueError("compile: input " + std::to_string(i) + " (" + describe(inputs[i]) +
                       ") is the same variable as input " + std::to_string(it->second) +
                       "; each input must be a distinct variable");
  }
  std::unordered_map<const Variable *, size_t> targets;
  for (size_t u = 0; u < updates.size(); ++u) {
    const Var &target = updates[u].first;
    if (!target) continue;
    auto [it, fresh] = targets.emplace(target.get(), u);
    if (!fresh)
      throw ValueError("compile: updates " + std::to_string(it->second) + " and " +
                       std::to_string(u) + " both update shared variable " + describe(target) +
                       "; give each shared variable at most one update");
  }
}

std::mutex &sharedStateMutex() {
  static auto *m = new std::mutex(); // never destroyed: Functions may run during exit
  return *m;
}

namespace {
constexpr size_t kUpdateLocks = 64;
std::mutex *updateLockTable() {
  static auto *table = new std::mutex[kUpdateLocks]; // never destroyed: calls may run during exit
  return table;
}
} // namespace

std::mutex &sharedUpdateMutex(const SharedStorage *storage) {
  size_t h = std::hash<const void *>()(storage);
  return updateLockTable()[(h ^ (h >> 6) ^ (h >> 12)) % kUpdateLocks];
}

std::vector<std::mutex *> updateLockOrder(const std::vector<Var> &sharedVars) {
  std::vector<std::mutex *> order;
  for (const Var &s : sharedVars)
    order.push_back(&sharedUpdateMutex(s->sharedStorage().get()));
  // Table order: every caller takes its locks lowest first.
  std::sort(order.begin(), order.end(), std::less<std::mutex *>());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  return order;
}

SharedUpdateLocks::SharedUpdateLocks(const std::vector<std::mutex *> &order) : order_(order) {
  for (std::mutex *m : order_)
    m->lock();
}

SharedUpdateLocks::~SharedUpdateLocks() {
  for (auto it = order_.rbegin(); it != order_.rend(); ++it)
    (*it)->unlock();
}

void appendSharedValues(const std::vector<Var> &sharedVars, std::vector<Tensor> &values) {
  if (sharedVars.empty()) return;
  std::lock_guard<std::mutex> lock(sharedStateMutex());
  for (const Var &s : sharedVars)
    values.push_back(s->sharedStorage()->value);
}

void applyUpdates(const std::vector<Var> &sharedVars,
                  const std::vector<std::pair<size_t, size_t>> &slots,
                  const std::vector<Tensor> &outs) {
  if (slots.empty()) return;
  std::lock_guard<std::mutex> lock(sharedStateMutex());
  for (auto &[slot, out] : slots)
    sharedVars[slot]->sharedStorage()->value = outs[out];
}

std::vector<Tensor> freshOutputs(std::vector<Tensor> outs) {
  for (Tensor &t : outs)
    t = t.clone();
  return outs;
}

} // namespace graphjit::runtime
