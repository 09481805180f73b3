// FunctionGraph: a mutable view of a computation for rewriting. It owns a
// copy of the graph (the caller's graph is never touched), tracks who uses
// each variable, and tells listeners about every change.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace graphjit {

class FunctionGraph;

/// A use of a variable: input `index` of `node`, or, when node is null,
/// output `index` of the FunctionGraph.
struct Client {
  Apply *node;
  int index;
  bool operator==(const Client &o) const { return node == o.node && index == o.index; }
};

class FunctionGraphListener {
public:
  virtual ~FunctionGraphListener() = default;
  virtual void onImport(FunctionGraph &, Apply *) {}
  virtual void onPrune(FunctionGraph &, Apply *) {}
  /// Called once per replace(), before clients are rewired.
  virtual void onReplace(FunctionGraph &, const Var & /*old*/, const Var & /*replacement*/,
                         const std::string & /*reason*/) {}
};

class FunctionGraph {
public:
  /// With clone=true the graph between `inputs` and `outputs` is copied and
  /// `inputs()` are fresh variables. Throws ValueError if an output depends
  /// on a root that is neither in `inputs` nor a constant/shared variable.
  FunctionGraph(std::vector<Var> inputs, std::vector<Var> outputs, bool clone = true);
  ~FunctionGraph();
  FunctionGraph(const FunctionGraph &) = delete;
  FunctionGraph &operator=(const FunctionGraph &) = delete;

  const std::vector<Var> &inputs() const { return inputs_; }
  const std::vector<Var> &outputs() const { return outputs_; }
  /// Apply nodes, inputs before users (recomputed; deterministic).
  std::vector<Apply *> toposort() const;
  size_t numNodes() const { return nodes_.size(); }
  bool contains(const Apply *node) const { return nodes_.count(const_cast<Apply *>(node)) > 0; }
  const std::vector<Client> &clients(const Var &v) const;

  /// Makes every user of `old` use `replacement` instead. The types must be
  /// compatible (TypeError otherwise); nodes that become unused are pruned.
  void replace(const Var &old, const Var &replacement, const std::string &reason = "");
  /// Replaces output `i` only.
  void replaceOutput(int i, const Var &replacement, const std::string &reason = "");

  void addListener(FunctionGraphListener *l);
  void removeListener(FunctionGraphListener *l);

private:
  /// Imports the nodes computing v that are not in the graph yet; returns them, inputs first.
  std::vector<Apply *> importVar(const Var &v);
  /// True if `replacement` reads only ancestors of `old` (then it cannot depend on `old`).
  bool buildsOnAncestors(const Var &old, const Var &replacement,
                         const std::vector<Apply *> &fresh) const;
  void importNode(Apply *node);
  void pruneIfUnused(Apply *node);
  void addClient(const Var &v, Client c);
  void removeClient(const Var &v, Client c);

  std::vector<Var> inputs_, outputs_;
  std::unordered_map<Apply *, std::shared_ptr<Apply>> nodes_;
  std::unordered_map<Variable *, std::vector<Client>> clients_;
  /// Where each client sits in its variable's list (a use (node, input) belongs to one variable),
  /// so removing one is O(1): a value with 25,000 users costs no more per rewrite than one with 2.
  struct ClientHash {
    size_t operator()(const Client &c) const {
      return std::hash<const void *>()(c.node) * 31 + static_cast<size_t>(c.index);
    }
  };
  std::unordered_map<Client, size_t, ClientHash> clientPos_;
  std::unordered_map<Variable *, bool> isInput_;
  std::vector<FunctionGraphListener *> listeners_;
};

} // namespace graphjit
