// sample(): ancestral sampling (PyMC's pm.draw) of any graph over random
// variables. The random variables are drawn parents first, n at a time: a
// child's parameters are its parameter graph vectorized over the parents'
// draws, so row i of every result is one joint draw of all ancestors. The
// samplers themselves live with the op, in lib/Ops/RandomDraw.cpp.
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Prob/RandomVariable.h"
#include "graphjit/Transform/Vectorize.h"

#include <unordered_set>

namespace graphjit {

namespace {
/// SplitMix64's finalizer: independent-looking seeds for streams k = 1, 2, ...
uint64_t mix(uint64_t seed, uint64_t k) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (k + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
/// The k-th random variable's stream. The first keeps `seed` itself, so sample() of a
/// single random variable draws what it always drew for that seed.
uint64_t streamSeed(uint64_t seed, size_t k) { return k == 0 ? seed : mix(seed, k); }

/// The random variables `outputs` depend on, parents before children.
std::vector<Var> randomAncestors(const std::vector<Var> &outputs) {
  std::vector<Var> rvs;
  for (const Var &v : ancestors(outputs))
    if (asRandomVariable(v)) rvs.push_back(v);
  return rvs;
}

bool dependsOnAny(const Var &v, const Replacements &drawn) {
  std::unordered_set<Variable *> keys;
  for (auto &[rv, draws] : drawn)
    keys.insert(rv.get());
  for (const Var &a : ancestors({v}))
    if (keys.count(a.get())) return true;
  return false;
}

/// Row i of a tensor of n rows, as a tensor of the remaining shape.
Tensor row(const Tensor &t, int64_t i) {
  Shape core(t.shape().begin() + 1, t.shape().end());
  int64_t m = shapeSize(core);
  std::vector<double> all = t.toDoubles();
  std::vector<double> r(all.begin() + i * m, all.begin() + (i + 1) * m);
  return Tensor::fromVector(r, core).astype(t.dtype());
}

/// n rows of equal shape stacked into one tensor [n] + shape.
Tensor stackRows(const std::vector<Tensor> &rows, const Shape &core, DType dtype) {
  std::vector<double> all;
  for (const Tensor &r : rows) {
    std::vector<double> d = r.toDoubles();
    all.insert(all.end(), d.begin(), d.end());
  }
  Shape s{static_cast<int64_t>(rows.size())};
  s.insert(s.end(), core.begin(), core.end());
  return Tensor::fromVector(all, s).astype(dtype);
}

/// The shape of one draw of `rv` for these parameter values: the static shape when the
/// type knows it, else the op's shape rule.
Shape drawShape(const Var &rv, const std::vector<Tensor> &params) {
  const Shape &s = rv.type().shape;
  bool known = true;
  for (int64_t d : s)
    known &= d != kUnknownDim;
  if (known) return s;
  std::vector<Shape> shapes{Shape{}, Shape{0}}; // the generator's and an empty size's
  for (const Tensor &t : params)
    shapes.push_back(t.shape());
  return asRandomVariable(rv)->inferShape(shapes)[1];
}

/// `t` (n rows of `core`-rank values) with axes of size 1 inserted after the first so that
/// its core lines up (right-aligned) with a draw of rank `rank`.
Tensor alignRows(const Tensor &t, size_t rank) {
  Shape s = t.shape();
  if (s.size() - 1 >= rank) return t;
  s.insert(s.begin() + 1, rank - (s.size() - 1), 1);
  return t.reshaped(s);
}

/// n draws of `rv` whose parameter values carry a leading axis of n where `batched`.
Tensor drawBatched(const Var &rv, const std::vector<Tensor> &params,
                   const std::vector<bool> &batched, int64_t n, uint64_t seed) {
  Dist dist = asRandomVariable(rv)->dist();
  bool any = false;
  for (bool b : batched)
    any |= b;
  if (!any) return drawSamples(dist, params, drawShape(rv, params), n, seed);
  std::vector<Tensor> first;
  for (size_t j = 0; j < params.size(); ++j)
    first.push_back(batched[j] ? row(params[j], 0) : params[j]);
  Shape core = drawShape(rv, first);
  if (!isMultivariate(dist) && dist != Dist::Categorical) {
    // Elementwise distributions broadcast their parameters: one draw of shape [n] + core
    // whose parameters differ per row.
    std::vector<Tensor> aligned;
    for (size_t j = 0; j < params.size(); ++j)
      aligned.push_back(batched[j] ? alignRows(params[j], core.size()) : params[j]);
    Shape full{n};
    full.insert(full.end(), core.begin(), core.end());
    return drawSamples(dist, aligned, full, 1, seed).reshaped(full);
  }
  // One event per row: draw each row from a stream of its own.
  std::vector<Tensor> rows;
  DType dtype = DType::Float64;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<Tensor> p;
    for (size_t j = 0; j < params.size(); ++j)
      p.push_back(batched[j] ? row(params[j], i) : params[j]);
    Tensor d = drawSamples(dist, p, core, 1, mix(seed, static_cast<uint64_t>(i)));
    dtype = d.dtype();
    rows.push_back(d.reshaped(core));
  }
  return stackRows(rows, core, dtype);
}

/// The values of `vars` for every row of the draws in `drawn` (each [n] + shape): the
/// graphs vectorized over the draws, evaluated once; a var that does not depend on a
/// draw is repeated n times. `batched[i]` says which results carry the axis of n.
std::vector<Tensor> evaluateOverDraws(const std::vector<Var> &vars, const Replacements &drawn,
                                      const Bindings &bindings, std::vector<bool> &batched) {
  batched.assign(vars.size(), false);
  std::vector<Var> toBatch;
  for (size_t i = 0; i < vars.size(); ++i)
    batched[i] = !drawn.empty() && dependsOnAny(vars[i], drawn);
  std::vector<Var> graphs = vars;
  if (!drawn.empty()) {
    std::vector<Var> dependent;
    for (size_t i = 0; i < vars.size(); ++i)
      if (batched[i]) dependent.push_back(vars[i]);
    if (!dependent.empty()) {
      std::vector<Var> v = vectorize_graph(dependent, drawn);
      for (size_t i = 0, k = 0; i < vars.size(); ++i)
        if (batched[i]) graphs[i] = v[k++];
    }
  }
  return evaluate(graphs, bindings);
}
} // namespace

std::vector<Tensor> sample(const std::vector<Var> &vars, int64_t n, uint64_t seed,
                           const Bindings &bindings) {
  for (size_t i = 0; i < vars.size(); ++i)
    if (!vars[i]) throw ValueError("sample: variable " + std::to_string(i) + " is null");
  if (n < 0) throw ValueError("sample: the number of draws must be >= 0, got " + std::to_string(n));
  std::vector<Var> rvs = randomAncestors(vars);
  if (rvs.empty())
    throw ValueError("sample: the variables do not depend on a random variable (build one with "
                     "normal(), gamma(), ...)");
  // Parents first: each random variable's parameters are evaluated over its parents' draws.
  Replacements drawn;
  for (size_t k = 0; k < rvs.size(); ++k) {
    std::vector<bool> batched;
    std::vector<Tensor> params = evaluateOverDraws(rvParams(rvs[k]), drawn, bindings, batched);
    Tensor draws = drawBatched(rvs[k], params, batched, n, streamSeed(seed, k));
    drawn.emplace_back(rvs[k], constant(draws));
  }
  std::vector<bool> batched;
  std::vector<Tensor> values = evaluateOverDraws(vars, drawn, bindings, batched);
  for (size_t i = 0; i < values.size(); ++i)
    if (!batched[i]) { // not random: the same value in every row
      std::vector<Tensor> rows(static_cast<size_t>(n), values[i]);
      values[i] = stackRows(rows, values[i].shape(), values[i].dtype());
    }
  return values;
}

Tensor sample(const Var &var, int64_t n, uint64_t seed, const Bindings &bindings) {
  if (!var) throw ValueError("sample: the variable is null");
  return sample(std::vector<Var>{var}, n, seed, bindings)[0];
}

} // namespace graphjit
