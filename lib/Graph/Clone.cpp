// clone_replace / graph_replace: copies of a graph with some variables swapped.
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Support/Error.h"

#include <unordered_map>

namespace graphjit {

namespace {
std::vector<Var> rebuild(const std::vector<Var> &outputs, const Replacements &replace, bool strict,
                         bool copyAll) {
  std::unordered_map<Variable *, Var> mapped;
  for (auto &[oldVar, newVar] : replace) {
    if (!oldVar || !newVar) throw ValueError("graph_replace: null variable in replacements");
    bool ok = strict ? oldVar.type() == newVar.type() : oldVar.type().isCompatible(newVar.type());
    if (!ok)
      throw TypeError("graph_replace: cannot replace '" + oldVar.name() + "' of type " +
                      oldVar.type().str() + " by '" + newVar.name() + "' of type " +
                      newVar.type().str() + (strict ? " (strict: types must be equal)" : ""));
    mapped[oldVar.get()] = newVar;
  }
  auto lookup = [&](const Var &v) {
    auto it = mapped.find(v.get());
    return it == mapped.end() ? v : it->second;
  };
  for (Apply *node : toposort(outputs)) {
    bool skip = true;
    for (int i = 0; i < node->numOutputs(); ++i)
      if (!mapped.count(node->output(i).get())) skip = false;
    if (skip) continue; // every output replaced
    std::vector<Var> ins;
    bool changed = copyAll;
    for (const Var &in : node->inputs()) {
      Var n = lookup(in);
      changed |= n != in;
      ins.push_back(n);
    }
    if (!changed) continue;
    auto made = Apply::make(node->opPtr(), ins);
    for (int i = 0; i < node->numOutputs(); ++i) {
      Var oldOut = node->output(i);
      if (mapped.count(oldOut.get())) continue;
      Var newOut = made->output(i);
      newOut->name = oldOut.name();
      mapped[oldOut.get()] = newOut;
    }
  }
  std::vector<Var> result;
  for (const Var &o : outputs)
    result.push_back(lookup(o));
  return result;
}
} // namespace

std::vector<Var> graph_replace(const std::vector<Var> &outputs, const Replacements &replace,
                               bool strict) {
  return rebuild(outputs, replace, strict, false);
}

Var graph_replace(const Var &output, const Replacements &replace, bool strict) {
  return rebuild({output}, replace, strict, false)[0];
}

std::vector<Var> clone_replace(const std::vector<Var> &outputs, const Replacements &replace,
                               bool strict) {
  return rebuild(outputs, replace, strict, true);
}

} // namespace graphjit
