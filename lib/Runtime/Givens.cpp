// applyGivens: compile()'s `givens` option, one graph_replace over the outputs
// and the update expressions together so that shared subgraphs stay shared.
#include "graphjit/Runtime/Givens.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

namespace {
std::string describe(const Var &v) {
  return (v.name().empty() ? std::string("<unnamed>") : "'" + v.name() + "'") + " of type " +
         v.type().str();
}
} // namespace

GivenGraph applyGivens(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                       const Updates &updates, const Replacements &givens) {
  for (size_t i = 0; i < givens.size(); ++i) {
    const auto &[old, replacement] = givens[i];
    if (!old || !replacement)
      throw ValueError("compile: givens entry " + std::to_string(i) + " is null");
    if (old->isConstant() || old->owner())
      throw ValueError("compile: givens entry " + std::to_string(i) + " replaces " + describe(old) +
                       ", which is " + (old->isConstant() ? "a constant" : "computed") +
                       "; givens replace graph inputs or shared variables");
    for (const Var &in : inputs)
      if (in == old)
        throw ValueError(
            "compile: givens replaces " + describe(old) +
            ", which is also an input of the function (its value would never be read)");
    if (!replacement.type().isCompatible(old.type()))
      throw TypeError("compile: givens replaces " + describe(old) + " by a value of type " +
                      replacement.type().str() + ", expected " + old.type().str());
  }
  std::vector<Var> all = outputs;
  for (auto &[target, expr] : updates)
    all.push_back(expr);
  std::vector<Var> replaced = graph_replace(all, givens, /*strict=*/false);
  GivenGraph g;
  g.outputs.assign(replaced.begin(), replaced.begin() + outputs.size());
  for (size_t i = 0; i < updates.size(); ++i)
    g.updates.emplace_back(updates[i].first, replaced[outputs.size() + i]);
  return g;
}

} // namespace graphjit
