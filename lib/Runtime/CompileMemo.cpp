// compile()'s graph-derived front remembered by graph identity: cache hits that do not grow with
// the graph. Entries hold weak pointers only (a remembered graph is not kept alive by it).
#include "CompileMemo.h"
#include "graphjit/Graph/EditCount.h"
#include "graphjit/Graph/Traversal.h"

#include <memory>
#include <mutex>
#include <unordered_map>

namespace graphjit::runtime {

namespace {
using Weak = std::weak_ptr<Variable>;

struct Entry {
  std::vector<Weak> given;   // inputs, outputs, then each given update's target and expression
  std::vector<Weak> updates; // target, expression of each update (given and default)
  std::vector<Weak> shared;
  std::string salt;
  uint64_t edits = 0;
  Hash128 key;
};

std::vector<const Var *> givenVars(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                                   const std::vector<std::pair<Var, Var>> &updates) {
  std::vector<const Var *> all;
  all.reserve(inputs.size() + outputs.size() + 2 * updates.size());
  for (const Var &v : inputs)
    all.push_back(&v);
  for (const Var &v : outputs)
    all.push_back(&v);
  for (auto &[target, expr] : updates)
    all.push_back(&target), all.push_back(&expr);
  return all;
}

/// Variable addresses and counts: an address reused by a new variable finds the entry's weak
/// pointer expired, so the entry is checked, not trusted.
Hash128 identityKey(const std::vector<const Var *> &vars, size_t nIn, size_t nOut,
                    const std::string &salt) {
  Hasher h;
  h.str(salt).u64(nIn).u64(nOut).u64(vars.size());
  for (const Var *v : vars)
    h.u64(reinterpret_cast<uintptr_t>(v->get()));
  return h.finish();
}

bool lockAll(const std::vector<Weak> &weak, std::vector<Var> &out) {
  out.clear();
  out.reserve(weak.size());
  for (const Weak &w : weak) {
    std::shared_ptr<Variable> p = w.lock();
    if (!p) return false;
    out.emplace_back(std::move(p));
  }
  return true;
}

constexpr size_t kMaxEntries = 256;
std::mutex memoMutex;
std::unordered_map<Hash128, Entry, Hash128Hasher> &memo() {
  static auto *m = new std::unordered_map<Hash128, Entry, Hash128Hasher>(); // used at exit
  return *m;
}
} // namespace

std::optional<CompileFront> findCompileFront(const std::vector<Var> &inputs,
                                             const std::vector<Var> &outputs,
                                             const std::vector<std::pair<Var, Var>> &givenUpdates,
                                             const std::string &salt) {
  std::vector<const Var *> vars = givenVars(inputs, outputs, givenUpdates);
  Hash128 id = identityKey(vars, inputs.size(), outputs.size(), salt);
  std::lock_guard<std::mutex> lock(memoMutex);
  auto it = memo().find(id);
  if (it == memo().end()) return std::nullopt;
  const Entry &e = it->second;
  if (e.edits != graphEditCount() || e.salt != salt || e.given.size() != vars.size())
    return std::nullopt;
  for (size_t i = 0; i < vars.size(); ++i)
    if (e.given[i].lock().get() != vars[i]->get()) return std::nullopt;
  CompileFront f;
  std::vector<Var> flat;
  if (!lockAll(e.updates, flat) || !lockAll(e.shared, f.sharedVars)) return std::nullopt;
  for (size_t i = 0; i + 1 < flat.size(); i += 2)
    f.updates.emplace_back(flat[i], flat[i + 1]);
  f.key = e.key;
  return f;
}

void rememberCompileFront(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                          const std::vector<std::pair<Var, Var>> &givenUpdates,
                          const std::string &salt, const CompileFront &front, uint64_t edits) {
  std::vector<Var> roots = outputs;
  for (auto &[target, expr] : front.updates)
    roots.push_back(expr);
  for (const Var &v : ancestors(roots))
    if (v->isConstant() && v->constantValue().isOpaque()) return;
  std::vector<const Var *> vars = givenVars(inputs, outputs, givenUpdates);
  Entry e;
  e.salt = salt, e.edits = edits, e.key = front.key;
  for (const Var *v : vars)
    e.given.push_back(v->ptr());
  for (auto &[target, expr] : front.updates)
    e.updates.push_back(target.ptr()), e.updates.push_back(expr.ptr());
  for (const Var &v : front.sharedVars)
    e.shared.push_back(v.ptr());
  Hash128 id = identityKey(vars, inputs.size(), outputs.size(), salt);
  std::lock_guard<std::mutex> lock(memoMutex);
  if (memo().size() >= kMaxEntries) memo().clear(); // graphs compiled long ago: walk them again
  memo()[id] = std::move(e);
}

} // namespace graphjit::runtime
