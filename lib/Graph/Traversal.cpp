// Walks over graphs: ancestors, topological order, inputs of a set of outputs.
#include "graphjit/Graph/Traversal.h"

#include <unordered_set>

namespace graphjit {

namespace {
// Iterative DFS (deep graphs must not overflow the stack): post-order over
// variables, calling visit(var) once each after its owner's inputs.
template <typename F> void postorder(const std::vector<Var> &outputs, F visit) {
  std::unordered_set<Variable *> seen;
  std::vector<std::pair<Var, size_t>> stack;
  for (const Var &out : outputs) {
    if (!out || !seen.insert(out.get()).second) continue;
    stack.emplace_back(out, 0);
    while (!stack.empty()) {
      auto &[v, next] = stack.back();
      Apply *owner = v->owner();
      if (owner && next < owner->inputs().size()) {
        const Var &in = owner->inputs()[next++];
        if (seen.insert(in.get()).second) stack.emplace_back(in, 0);
        continue;
      }
      Var done = v;
      stack.pop_back();
      visit(done);
    }
  }
}
} // namespace

std::vector<Apply *> toposort(const std::vector<Var> &outputs) {
  std::vector<Apply *> order;
  std::unordered_set<Apply *> placed;
  postorder(outputs, [&](const Var &v) {
    if (Apply *a = v->owner(); a && placed.insert(a).second) order.push_back(a);
  });
  return order;
}

std::vector<Var> ancestors(const std::vector<Var> &outputs) {
  std::vector<Var> r;
  postorder(outputs, [&](const Var &v) { r.push_back(v); });
  return r;
}

std::vector<Var> graphInputs(const std::vector<Var> &outputs) {
  std::vector<Var> r;
  postorder(outputs, [&](const Var &v) {
    if (!v->owner() && !v->isConstant() && !v->isShared()) r.push_back(v);
  });
  return r;
}

std::vector<Var> sharedInputs(const std::vector<Var> &outputs) {
  std::vector<Var> r;
  postorder(outputs, [&](const Var &v) {
    if (v->isShared()) r.push_back(v);
  });
  return r;
}

} // namespace graphjit
