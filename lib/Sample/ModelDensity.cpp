// A probability model (makeModel) as the sampler's log density: its value
// variables packed into one flat float64 vector on the unconstrained space, the
// joint logp and gradient compiled over it, and the draws reported on the
// variables' own (constrained) scale, one named value per element.
#include "graphjit/Graph/Clone.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Inputs.h"
#include "graphjit/Ops/MathBuilders.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Prob/Model.h"
#include "graphjit/Sample/Sample.h"
#include "graphjit/Support/Error.h"

#include <cstring>

namespace graphjit::mcmc {

namespace {
int64_t numel(const Var &v) {
  int64_t n = 1;
  for (int64_t s : v.type().shape)
    n *= s;
  return n;
}

/// "w[2]" for a vector's element, "w[1, 0]" for a matrix's, "w" for a scalar.
std::string elementName(const std::string &name, const std::vector<int64_t> &shape, int64_t flat) {
  if (shape.empty()) return name;
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  std::string s = name + "[";
  for (size_t d = 0; d < idx.size(); ++d)
    s += (d ? ", " : "") + std::to_string(idx[d]);
  return s + "]";
}
} // namespace

LogDensity modelLogDensity(const Model &model, const CompileOptions &options) {
  if (!model.logp || model.values.empty())
    throw ValueError("modelLogDensity: the model has no free variables to sample");
  // Each value variable's slot in the flat vector.
  int64_t dim = 0;
  std::vector<int64_t> offsets;
  for (size_t i = 0; i < model.values.size(); ++i) {
    const Var &v = model.values[i];
    const std::string what = "modelLogDensity: free variable '" + model.rvs[i].name() + "'";
    if (!isFloat(v.dtype()))
      throw TypeError(what + " is " + std::string(dtypeName(v.dtype())) +
                      "; NUTS samples continuous variables only (marginalize discrete ones)");
    for (int64_t s : v.type().shape)
      if (s < 0) throw TypeError(what + " has a shape not known at build time: " + v.type().str());
    offsets.push_back(dim);
    dim += numel(v);
  }
  Var x = tensor(DType::Float64, {dim}, "x");
  Replacements pieces;
  for (size_t i = 0; i < model.values.size(); ++i) {
    const Var &v = model.values[i];
    int64_t n = numel(v);
    Var piece = v.ndim() == 0 ? x[offsets[i]]
                              : reshape(subtensor(x, {slice(offsets[i], offsets[i] + n)}),
                                        IntList(v.type().shape.begin(), v.type().shape.end()));
    if (v.dtype() != DType::Float64) piece = cast(piece, v.dtype());
    pieces.emplace_back(v, piece);
  }
  Var logp = graph_replace(model.logp, pieces, /*strict=*/false);
  if (logp.dtype() != DType::Float64) logp = cast(logp, DType::Float64);
  LogDensity d = compileLogDensity(logp, x, options);

  // The reported values: every free variable on its own scale, flattened, in model order.
  std::vector<Var> flat;
  for (size_t i = 0; i < model.constrained.size(); ++i) {
    Var c = graph_replace(model.constrained[i], pieces, /*strict=*/false);
    c = cast(c, DType::Float64);
    flat.push_back(c.ndim() == 0 ? reshape(c, {1}) : flatten(c));
    std::string name = model.rvs[i].name().empty() ? "rv" + std::to_string(i) : model.rvs[i].name();
    const auto &shape = model.values[i].type().shape;
    std::vector<int64_t> sh(shape.begin(), shape.end());
    for (int64_t k = 0; k < numel(model.values[i]); ++k)
      d.names.push_back(elementName(name, sh, k));
  }
  Var all = flat.size() == 1 ? flat[0] : concatenate(flat, 0);
  Function f = compile({x}, {all}, {}, options);
  int64_t reported = static_cast<int64_t>(d.names.size());
  d.constrain = [f, dim, reported](const double *q, double *out) {
    Tensor r = f({Tensor::fromVector(std::vector<double>(q, q + dim))})[0];
    std::memcpy(out, r.data<double>(), sizeof(double) * reported);
  };
  return d;
}

SampleResult sample_posterior(const Model &model, const SampleOptions &options) {
  return sample_posterior(modelLogDensity(model), options);
}

} // namespace graphjit::mcmc
