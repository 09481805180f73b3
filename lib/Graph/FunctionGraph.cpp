// FunctionGraph: the mutable view rewrites work on (clients, replace, toposort, listeners).
#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <unordered_set>

namespace graphjit {

FunctionGraph::FunctionGraph(std::vector<Var> inputs, std::vector<Var> outputs, bool clone) {
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i]) throw ValueError("FunctionGraph: output " + std::to_string(i) + " is null");
  if (clone) {
    Replacements fresh;
    for (const Var &in : inputs) {
      if (!in) throw ValueError("FunctionGraph: an input is null");
      fresh.emplace_back(in, Var::input(in.type(), in.name()));
    }
    outputs = clone_replace(outputs, fresh);
    for (auto &[oldIn, newIn] : fresh)
      inputs_.push_back(newIn);
  } else {
    inputs_ = inputs;
  }
  for (const Var &in : inputs_)
    isInput_[in.get()] = true;
  for (const Var &root : graphInputs(outputs))
    if (!isInput_.count(root.get()))
      throw ValueError("FunctionGraph: the outputs depend on input '" +
                       (root.name().empty() ? std::string("<unnamed>") : root.name()) +
                       "' of type " + root.type().str() + ", which is not among the inputs");
  outputs_ = outputs;
  for (size_t i = 0; i < outputs_.size(); ++i) {
    importVar(outputs_[i]);
    addClient(outputs_[i], Client{nullptr, static_cast<int>(i)});
  }
}

FunctionGraph::~FunctionGraph() = default;

std::vector<Apply *> FunctionGraph::toposort() const { return graphjit::toposort(outputs_); }

const std::vector<Client> &FunctionGraph::clients(const Var &v) const {
  static const std::vector<Client> none;
  auto it = clients_.find(v.get());
  return it == clients_.end() ? none : it->second;
}

void FunctionGraph::addClient(const Var &v, Client c) {
  auto &cs = clients_[v.get()];
  clientPos_[c] = cs.size();
  cs.push_back(c);
}

void FunctionGraph::removeClient(const Var &v, Client c) {
  auto &cs = clients_[v.get()];
  auto at = clientPos_.find(c);
  size_t p = at != clientPos_.end() && at->second < cs.size() && cs[at->second] == c
                 ? at->second
                 : static_cast<size_t>(std::find(cs.begin(), cs.end(), c) - cs.begin());
  if (p == cs.size()) return;
  // The last client takes the freed place: O(1), and deterministic (no pointer order involved).
  cs[p] = cs.back();
  clientPos_[cs[p]] = p;
  cs.pop_back();
  clientPos_.erase(c);
}

std::vector<Apply *> FunctionGraph::importVar(const Var &v) {
  // Only nodes not in the graph yet are visited: importing a small replacement on top of a
  // large graph costs the replacement's size, not the graph's.
  std::vector<Apply *> fresh;
  std::unordered_set<Variable *> seen;
  std::vector<std::pair<Var, size_t>> stack;
  auto visit = [&](const Var &u) {
    if (!seen.insert(u.get()).second) return;
    Apply *owner = u->owner();
    if (!owner) {
      if (!u->isConstant() && !u->isShared() && !isInput_.count(u.get()))
        throw ValueError("FunctionGraph: replacement depends on '" + u.name() +
                         "', which is not an input of the graph");
      return;
    }
    if (!nodes_.count(owner)) stack.emplace_back(u, 0);
  };
  visit(v);
  while (!stack.empty()) {
    auto &[u, next] = stack.back();
    Apply *owner = u->owner();
    if (next < owner->inputs().size()) {
      Var in = owner->inputs()[next++];
      visit(in);
      continue;
    }
    stack.pop_back();
    if (!nodes_.count(owner)) {
      importNode(owner);
      fresh.push_back(owner);
    }
  }
  return fresh;
}

void FunctionGraph::importNode(Apply *node) {
  nodes_[node] = node->shared_from_this();
  for (size_t i = 0; i < node->inputs().size(); ++i)
    addClient(node->inputs()[i], Client{node, static_cast<int>(i)});
  for (auto *l : listeners_)
    l->onImport(*this, node);
}

void FunctionGraph::pruneIfUnused(Apply *node) {
  if (!nodes_.count(node)) return;
  for (int i = 0; i < node->numOutputs(); ++i)
    if (!clients(node->output(i)).empty()) return;
  auto keep = nodes_[node]; // alive until we are done with it
  nodes_.erase(node);
  for (auto *l : listeners_)
    l->onPrune(*this, node);
  for (int i = 0; i < node->numOutputs(); ++i)
    clients_.erase(node->output(i).get());
  for (size_t i = 0; i < node->inputs().size(); ++i) {
    const Var &in = node->inputs()[i];
    removeClient(in, Client{node, static_cast<int>(i)});
    if (Apply *owner = in->owner()) pruneIfUnused(owner);
  }
}

bool FunctionGraph::buildsOnAncestors(const Var &old, const Var &replacement,
                                      const std::vector<Apply *> &fresh) const {
  // The values the replacement reads from the existing graph.
  std::vector<Var> frontier;
  std::unordered_set<Apply *> isFresh(fresh.begin(), fresh.end());
  if (fresh.empty()) {
    if (Apply *o = replacement->owner()) frontier = o->inputs();
  } else {
    for (Apply *n : fresh)
      for (const Var &in : n->inputs())
        if (!in->owner() || !isFresh.count(in->owner())) frontier.push_back(in);
  }
  // Ancestors of `old`, a few levels down.
  std::unordered_set<Variable *> below;
  std::vector<std::pair<Variable *, int>> todo{{old.get(), 0}};
  while (!todo.empty() && below.size() < 512) {
    auto [u, depth] = todo.back();
    todo.pop_back();
    if (Apply *o = u->owner(); o && depth < 8)
      for (const Var &in : o->inputs())
        if (below.insert(in.get()).second) todo.emplace_back(in.get(), depth + 1);
  }
  for (const Var &u : frontier)
    if (u == old || (u->owner() && !below.count(u.get()))) return false;
  return true;
}

void FunctionGraph::replace(const Var &oldRef, const Var &replacementRef,
                            const std::string &reason) {
  // Copies: the arguments may alias outputs_ or an input slot that we rewrite.
  const Var old = oldRef, replacement = replacementRef;
  if (!old || !replacement) throw ValueError("FunctionGraph::replace: null variable");
  if (old == replacement) return;
  if (!replacement.type().isCompatible(old.type()))
    throw TypeError("FunctionGraph::replace (" + reason + "): replacement type " +
                    replacement.type().str() + " is incompatible with " + old.type().str());
  std::vector<Apply *> fresh = importVar(replacement);
  for (auto *l : listeners_)
    l->onReplace(*this, old, replacement, reason);
  // Nodes computing the replacement may themselves use `old`; rewiring them would make a cycle.
  // Usually the replacement is built from values below `old` (its ancestors, which cannot
  // depend on it): checked within a few levels, which spares a walk of the whole graph.
  std::unordered_set<Apply *> feeding;
  if (!buildsOnAncestors(old, replacement, fresh))
    for (Apply *n : graphjit::toposort({replacement}))
      feeding.insert(n);
  std::vector<Client> users = clients(old);
  for (const Client &c : users) {
    if (c.node && feeding.count(c.node)) continue;
    removeClient(old, c);
    if (c.node)
      c.node->setInput(c.index, replacement);
    else
      outputs_[c.index] = replacement;
    addClient(replacement, c);
  }
  if (Apply *owner = old->owner()) pruneIfUnused(owner);
}

void FunctionGraph::replaceOutput(int i, const Var &replacementRef, const std::string &reason) {
  const Var replacement = replacementRef;
  if (i < 0 || i >= static_cast<int>(outputs_.size()))
    throw IndexError("FunctionGraph::replaceOutput: no output " + std::to_string(i));
  Var old = outputs_[i];
  if (!replacement.type().isCompatible(old.type()))
    throw TypeError("FunctionGraph::replaceOutput: type " + replacement.type().str() +
                    " is incompatible with " + old.type().str());
  importVar(replacement);
  for (auto *l : listeners_)
    l->onReplace(*this, old, replacement, reason);
  removeClient(old, Client{nullptr, i});
  outputs_[i] = replacement;
  addClient(replacement, Client{nullptr, i});
  if (Apply *owner = old->owner()) pruneIfUnused(owner);
}

void FunctionGraph::addListener(FunctionGraphListener *l) { listeners_.push_back(l); }

void FunctionGraph::removeListener(FunctionGraphListener *l) {
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), l), listeners_.end());
}

} // namespace graphjit
