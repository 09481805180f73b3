// The joint log density of several random variables (PyMC's conditional_logp):
// each variable's density with every random variable of the model replaced by
// its value, so the result is a graph over value variables alone.
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Prob/RandomVariable.h"

#include <unordered_set>

namespace graphjit {

namespace {
std::string describe(const Var &v) {
  return (v.name().empty() ? std::string("<unnamed>") : "'" + v.name() + "'") + " of type " +
         v.type().str();
}
} // namespace

std::vector<Var> conditionalLogp(const RVValues &rvValues) {
  Replacements replace;
  std::unordered_set<Variable *> keys;
  for (size_t i = 0; i < rvValues.size(); ++i) {
    const auto &[rv, value] = rvValues[i];
    if (!rv || !value) throw ValueError("conditionalLogp: pair " + std::to_string(i) + " is null");
    if (!keys.insert(rv.get()).second)
      throw ValueError("conditionalLogp: " + describe(rv) + " is given twice");
    // A value of another shape (observed data that fixes the variable's length) cannot stand
    // in for the variable inside other graphs; a term that needs it is reported below.
    if (value.type().isCompatible(rv.type())) replace.emplace_back(rv, value);
  }
  std::vector<Var> terms;
  for (const auto &[rv, value] : rvValues)
    terms.push_back(logp(rv, value));
  // One replacement over all terms, so parameter graphs shared by several terms stay shared.
  terms = graph_replace(terms, replace, /*strict=*/false);
  for (size_t i = 0; i < terms.size(); ++i) {
    // Every missing variable is named, not only the first the walk meets.
    std::vector<std::string> missing;
    for (const Var &a : ancestors({terms[i]}))
      if (asRandomVariable(a)) missing.push_back(describe(a));
    if (missing.empty()) continue;
    std::string list = missing[0];
    for (size_t k = 1; k < missing.size(); ++k)
      list += (k + 1 == missing.size() ? " and " : ", ") + missing[k];
    throw ValueError("conditionalLogp: the density of " + describe(rvValues[i].first) +
                     " depends on the random variable" + (missing.size() > 1 ? "s " : " ") + list +
                     ", which " + (missing.size() > 1 ? "have" : "has") +
                     " no value; pass {rv, value} for " + (missing.size() > 1 ? "them" : "it") +
                     " too");
  }
  return terms;
}

Var logp(const RVValues &rvValues) {
  if (rvValues.empty()) throw ValueError("logp: no {rv, value} pairs given");
  Var total;
  for (const Var &term : conditionalLogp(rvValues)) {
    Var s = term.ndim() == 0 ? term : sum(term);
    total = total ? total + s : s;
  }
  return total;
}

} // namespace graphjit
