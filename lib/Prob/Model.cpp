// makeModel: a model's joint log density over unconstrained value variables,
// the default transform of each distribution and the maps between the spaces.
#include "graphjit/Prob/Model.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"

#include <algorithm>
#include <unordered_map>

namespace graphjit {

TransformPtr defaultTransform(const Var &rv, const std::vector<Var> &params) {
  const RandomVariableOp *op = asRandomVariable(rv);
  if (!op) return nullptr;
  switch (op->dist()) {
  case Dist::HalfNormal:
  case Dist::LogNormal:
  case Dist::Exponential:
  case Dist::Gamma:
    return expTransform(); // (0, inf) = exp(R)
  case Dist::Beta:
    return sigmoidTransform(); // (0, 1) = sigmoid(R)
  case Dist::Uniform:          // (lower, upper) = lower + (upper - lower) sigmoid(R)
    return chainTransform({sigmoidTransform(), affineTransform(params[1] - params[0], params[0])});
  default:
    return nullptr;
  }
}

namespace {
/// PyMC's value-variable suffix for a transform.
std::string suffix(const Var &rv) {
  switch (asRandomVariable(rv)->dist()) {
  case Dist::Uniform:
    return "_interval__";
  case Dist::Beta:
    return "_logodds__";
  default:
    return "_log__";
  }
}

/// `free` ordered parents before children (a variable's transform may read its parents).
std::vector<Var> parentsFirst(const std::vector<Var> &free) {
  std::unordered_map<Variable *, size_t> position;
  std::vector<Var> all = ancestors(free);
  for (size_t i = 0; i < all.size(); ++i)
    position[all[i].get()] = i;
  std::vector<Var> sorted = free;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const Var &a, const Var &b) {
    return position[a.get()] < position[b.get()];
  });
  return sorted;
}
} // namespace

Model makeModel(const std::vector<Var> &free, const RVValues &observed,
                const ModelOptions &options) {
  Model m;
  for (size_t i = 0; i < free.size(); ++i)
    if (!asRandomVariable(free[i]))
      throw ValueError("makeModel: free variable " + std::to_string(i) + " ('" + free[i].name() +
                       "') is not a random variable");
  m.rvs = parentsFirst(free);
  // Each variable's transform reads its parameters with the earlier variables already
  // replaced (by their constrained values, and for toUnconstrained by plain inputs).
  Replacements toValues, toInputs;
  for (const Var &rv : m.rvs) {
    std::vector<Var> params = rvParams(rv);
    TransformPtr t;
    if (options.transform) {
      std::vector<Var> overValues = graph_replace(params, toValues, /*strict=*/false);
      t = defaultTransform(rv, overValues);
    }
    std::string name = rv.name().empty() ? "rv" : rv.name();
    Var value = Var::input(rv.type(), t ? name + suffix(rv) : name);
    Var x = t ? t->forward(value) : value;
    Var in = Var::input(rv.type(), name);
    Var u = in;
    if (t) {
      std::vector<Var> overInputs = graph_replace(params, toInputs, /*strict=*/false);
      u = defaultTransform(rv, overInputs)->inverse(in);
    }
    m.values.push_back(value);
    m.transforms.push_back(t);
    m.constrained.push_back(x);
    m.constrainedInputs.push_back(in);
    m.unconstrainedOf.push_back(u);
    toValues.emplace_back(rv, x);
    toInputs.emplace_back(rv, in);
  }
  RVValues pairs;
  for (size_t i = 0; i < m.rvs.size(); ++i)
    pairs.emplace_back(m.rvs[i], m.constrained[i]);
  pairs.insert(pairs.end(), observed.begin(), observed.end());
  m.terms = conditionalLogp(pairs);
  for (size_t i = 0; i < m.rvs.size(); ++i)
    if (m.transforms[i]) m.terms[i] = m.terms[i] + m.transforms[i]->logDetJacobian(m.values[i]);
  for (const Var &term : m.terms) {
    Var s = term.ndim() == 0 ? term : sum(term);
    m.logp = m.logp ? m.logp + s : s;
  }
  return m;
}

std::vector<Tensor> Model::toConstrained(const std::vector<Tensor> &v) const {
  if (v.size() != values.size())
    throw ValueError("Model::toConstrained: expected " + std::to_string(values.size()) +
                     " values, got " + std::to_string(v.size()));
  Bindings b;
  for (size_t i = 0; i < v.size(); ++i)
    b.emplace_back(values[i], v[i]);
  return evaluate(constrained, b);
}

std::vector<Tensor> Model::toUnconstrained(const std::vector<Tensor> &c) const {
  if (c.size() != constrainedInputs.size())
    throw ValueError("Model::toUnconstrained: expected " +
                     std::to_string(constrainedInputs.size()) + " values, got " +
                     std::to_string(c.size()));
  Bindings b;
  for (size_t i = 0; i < c.size(); ++i)
    b.emplace_back(constrainedInputs[i], c[i]);
  return evaluate(unconstrainedOf, b);
}

} // namespace graphjit
