// Default updates of shared variables, kept beside the variables (by their storage) and
// held weakly, so the update's graph, which reads the variable, makes no cycle.
#include "graphjit/Graph/DefaultUpdate.h"
#include "graphjit/Support/Error.h"

#include <mutex>
#include <unordered_map>

namespace graphjit {

namespace {
struct Entry {
  std::weak_ptr<SharedStorage> storage; // detects a storage freed and its address reused
  std::weak_ptr<Variable> update;
};
std::mutex &tableMutex() {
  static auto *m = new std::mutex();
  return *m;
}
std::unordered_map<const SharedStorage *, Entry> &table() {
  static auto *t = new std::unordered_map<const SharedStorage *, Entry>();
  return *t;
}
} // namespace

void setDefaultUpdate(const Var &v, const Var &update) {
  if (!v || !v->isShared()) throw ValueError("setDefaultUpdate: not a shared variable");
  if (update && !update.type().isCompatible(v.type()))
    throw TypeError("setDefaultUpdate: the update of '" + v.name() + "' has type " +
                    update.type().str() + ", expected " + v.type().str());
  std::lock_guard<std::mutex> lock(tableMutex());
  auto &t = table();
  if (t.size() > 64) // drop entries whose variable or update is gone
    for (auto it = t.begin(); it != t.end();)
      it = it->second.storage.expired() || it->second.update.expired() ? t.erase(it) : ++it;
  if (!update) {
    t.erase(v->sharedStorage().get());
    return;
  }
  t[v->sharedStorage().get()] = Entry{v->sharedStorage(), update.ptr()};
}

Var defaultUpdate(const Var &v) {
  if (!v || !v->isShared()) return Var();
  std::lock_guard<std::mutex> lock(tableMutex());
  auto it = table().find(v->sharedStorage().get());
  if (it == table().end() || it->second.storage.lock() != v->sharedStorage()) return Var();
  return Var(it->second.update.lock());
}

} // namespace graphjit
