// The random-variable op: distribution table, type rule, builders, registration.
#include "graphjit/Ops/Random.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"

#include <atomic>

namespace graphjit {

namespace {
struct DistInfo {
  Dist dist;
  const char *name;
  int arity;
};
const DistInfo kDists[] = {
    {Dist::Normal, "normal", 2},
    {Dist::HalfNormal, "halfnormal", 1},
    {Dist::LogNormal, "lognormal", 2},
    {Dist::MvNormal, "mvnormal", 2},
    {Dist::MvNormalChol, "mvnormal_chol", 2},
    {Dist::MvNormalDiag, "mvnormal_diag", 2},
    {Dist::Uniform, "uniform", 2},
    {Dist::Exponential, "exponential", 1},
    {Dist::Gamma, "gamma", 2},
    {Dist::Beta, "beta", 2},
    {Dist::StudentT, "studentt", 3},
    {Dist::Laplace, "laplace", 2},
    {Dist::Bernoulli, "bernoulli", 1},
    {Dist::Categorical, "categorical", 1},
    {Dist::Poisson, "poisson", 1},
};
const DistInfo &info(Dist d) {
  for (auto &i : kDists)
    if (i.dist == d) return i;
  throw ValueError("random variable: unknown distribution");
}

/// NumPy broadcasting of static shapes (right-aligned); unknown dims stay unknown
/// unless another operand fixes them.
Shape broadcastStatic(const std::string &op, const std::vector<Shape> &shapes) {
  size_t r = 0;
  for (auto &s : shapes)
    r = std::max(r, s.size());
  Shape out(r, 1);
  std::vector<bool> unknown(r, false);
  for (auto &s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      size_t d = r - s.size() + i;
      int64_t v = s[i];
      if (v == 1) continue;
      if (v == kUnknownDim) {
        if (out[d] == 1) unknown[d] = true;
        continue;
      }
      if (out[d] != 1 && out[d] != v)
        throw ShapeError(op + ": parameter shapes do not broadcast (" + std::to_string(out[d]) +
                         " vs " + std::to_string(v) + " at axis " + std::to_string(d) + ")");
      out[d] = v;
    }
  for (size_t d = 0; d < r; ++d)
    if (unknown[d] && out[d] == 1) out[d] = kUnknownDim;
  return out;
}
} // namespace

const std::vector<Dist> &allDists() {
  static const std::vector<Dist> all = [] {
    std::vector<Dist> r;
    for (auto &i : kDists)
      r.push_back(i.dist);
    return r;
  }();
  return all;
}

const char *distName(Dist d) { return info(d).name; }
int distArity(Dist d) { return info(d).arity; }
bool isMultivariate(Dist d) {
  return d == Dist::MvNormal || d == Dist::MvNormalChol || d == Dist::MvNormalDiag;
}
bool isDiscrete(Dist d) {
  return d == Dist::Bernoulli || d == Dist::Categorical || d == Dist::Poisson;
}

std::string RandomVariableOp::name() const { return std::string("rv_") + distName(dist_); }
Attrs RandomVariableOp::attrs() const { return Attrs{{"seed", static_cast<int64_t>(seed_)}}; }

std::vector<TensorType> RandomVariableOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  std::string op = name();
  if (static_cast<int>(in.size()) != distArity(dist_))
    throw ValueError(op + ": expected " + std::to_string(distArity(dist_)) + " parameters, got " +
                     std::to_string(in.size()));
  for (auto &t : in)
    if (!isFloat(t.dtype)) throw TypeError(op + ": parameters must be float, got " + t.str());
  DType out = isDiscrete(dist_) ? DType::Int64 : DType::Float64;
  if (dist_ == Dist::Categorical) {
    if (in[0].ndim() != 1) throw ShapeError(op + ": p must be a vector, got " + in[0].str());
    return {TensorType(out, {})};
  }
  if (isMultivariate(dist_)) {
    const TensorType &mu = in[0], &p = in[1];
    bool square = dist_ != Dist::MvNormalDiag;
    if (mu.ndim() != 1) throw ShapeError(op + ": mu must be a vector, got " + mu.str());
    if (p.ndim() != (square ? 2 : 1))
      throw ShapeError(op + ": expected " + (square ? "a [k,k] matrix" : "a [k] vector") +
                       " as second parameter, got " + p.str());
    for (int d = 0; d < p.ndim(); ++d)
      if (p.shape[d] != kUnknownDim && mu.shape[0] != kUnknownDim && p.shape[d] != mu.shape[0])
        throw ShapeError(op + ": mu is " + mu.str() + " but the second parameter is " + p.str());
    return {TensorType(out, {mu.shape[0] != kUnknownDim ? mu.shape[0] : p.shape[0]})};
  }
  std::vector<Shape> shapes;
  for (auto &t : in)
    shapes.push_back(t.shape);
  return {TensorType(out, broadcastStatic(op, shapes))};
}

std::vector<Shape> RandomVariableOp::inferShape(const std::vector<Shape> &in) const {
  if (dist_ == Dist::Categorical) return {Shape{}};
  if (isMultivariate(dist_)) {
    if (in[0].size() != 1 || in[1].empty() || in[1][0] != in[0][0])
      throw ShapeError(name() + ": mu of shape " + shapeStr(in[0]) + " does not fit " +
                       shapeStr(in[1]));
    return {in[0]};
  }
  Shape s = broadcastStatic(name(), in);
  for (int64_t d : s)
    if (d == kUnknownDim) throw ShapeError(name() + ": parameter shapes do not broadcast");
  return {s};
}

std::vector<Tensor> RandomVariableOp::perform(const std::vector<Tensor> &in) const {
  Shape s = inferShape([&] {
    std::vector<Shape> v;
    for (auto &t : in)
      v.push_back(t.shape());
    return v;
  }())[0];
  Tensor draws = drawSamples(dist_, in, s, 1, seed_);
  return {draws.reshaped(s)};
}

std::vector<Var> RandomVariableOp::L_op(const std::vector<Var> &, const std::vector<Var> &,
                                        const std::vector<Var> &) const {
  throw NotImplementedError(
      name() + ": random variables are not differentiable (take the gradient of logp)");
}

std::vector<Var> RandomVariableOp::vectorize(const Apply &node,
                                             const std::vector<BatchedVar> &inputs,
                                             int batchDims) const {
  // Scalar distributions broadcast their parameters, so the batched parameters give one
  // independent draw per batch element: the rv over them, from a stream of its own.
  if (isMultivariate(dist_) || dist_ == Dist::Categorical)
    cannotBatch(*this, "its parameters are one event (batch the draws with sample())");
  // Each parameter is lined up as [batch dims, core dims of the draw] (right-aligned
  // broadcasting would pair a batch dim with a core dim otherwise).
  int coreRank = node.outputType(0).ndim();
  std::vector<Var> params;
  for (const BatchedVar &in : inputs) {
    Var p = withBatchDims(in, batchDims);
    int missing = coreRank - (p.ndim() - batchDims);
    if (missing > 0) {
      IntList order;
      for (int d = 0; d < batchDims; ++d)
        order.push_back(d);
      order.insert(order.end(), missing, -1);
      for (int d = batchDims; d < p.ndim(); ++d)
        order.push_back(d);
      p = dimshuffle(p, order);
    }
    params.push_back(p);
  }
  return {randomVariable(dist_, params)};
}

Var randomVariable(Dist d, std::vector<Var> params, const std::string &name) {
  for (Var &p : params) {
    if (!p) throw ValueError(std::string("rv_") + distName(d) + ": a parameter is a null Var");
    if (!isFloat(p.dtype())) p = cast(p, DType::Float64);
  }
  // Each node draws from its own stream; the seed is part of the op's identity, so two
  // random variables with the same parameters are not merged by CSE.
  static std::atomic<uint64_t> counter{0};
  Var v = applyOp1(std::make_shared<RandomVariableOp>(d, ++counter), std::move(params));
  if (!name.empty()) v->name = name;
  return v;
}

const RandomVariableOp *asRandomVariable(const Var &v) {
  if (!v || !v->owner()) return nullptr;
  return dynamic_cast<const RandomVariableOp *>(&v->owner()->op());
}

std::vector<Var> rvParams(const Var &v) {
  if (!asRandomVariable(v))
    throw ValueError("rvParams: '" + (v ? v.type().str() : std::string("null")) +
                     "' is not a random variable");
  return v.owner()->inputs();
}

Var normal(const Var &mu, const Var &sigma, const std::string &n) {
  return randomVariable(Dist::Normal, {mu, sigma}, n);
}
Var halfnormal(const Var &sigma, const std::string &n) {
  return randomVariable(Dist::HalfNormal, {sigma}, n);
}
Var lognormal(const Var &mu, const Var &sigma, const std::string &n) {
  return randomVariable(Dist::LogNormal, {mu, sigma}, n);
}
Var mvnormal(const Var &mu, const Var &cov, const std::string &n) {
  return randomVariable(Dist::MvNormal, {mu, cov}, n);
}
Var mvnormal_chol(const Var &mu, const Var &chol, const std::string &n) {
  return randomVariable(Dist::MvNormalChol, {mu, chol}, n);
}
Var mvnormal_diag(const Var &mu, const Var &sigma, const std::string &n) {
  return randomVariable(Dist::MvNormalDiag, {mu, sigma}, n);
}
Var uniform(const Var &lower, const Var &upper, const std::string &n) {
  return randomVariable(Dist::Uniform, {lower, upper}, n);
}
Var exponential(const Var &lam, const std::string &n) {
  return randomVariable(Dist::Exponential, {lam}, n);
}
Var gamma(const Var &alpha, const Var &beta, const std::string &n) {
  return randomVariable(Dist::Gamma, {alpha, beta}, n);
}
Var beta(const Var &alpha, const Var &b, const std::string &n) {
  return randomVariable(Dist::Beta, {alpha, b}, n);
}
Var studentt(const Var &nu, const Var &mu, const Var &sigma, const std::string &n) {
  return randomVariable(Dist::StudentT, {nu, mu, sigma}, n);
}
Var laplace(const Var &mu, const Var &b, const std::string &n) {
  return randomVariable(Dist::Laplace, {mu, b}, n);
}
Var bernoulli(const Var &p, const std::string &n) {
  return randomVariable(Dist::Bernoulli, {p}, n);
}
Var categorical(const Var &p, const std::string &n) {
  return randomVariable(Dist::Categorical, {p}, n);
}
Var poisson(const Var &mu, const std::string &n) { return randomVariable(Dist::Poisson, {mu}, n); }

void registerRandomOps(OpRegistry &registry) {
  for (Dist d : allDists()) {
    std::string n = std::string("rv_") + distName(d);
    registry.add(
        n,
        [d, n](const Attrs &a) -> OpPtr {
          int64_t seed = a.get<int64_t>("seed", n.c_str());
          if (a.items().size() != 1) throw ValueError(n + ": takes only a seed, got " + a.str());
          return std::make_shared<RandomVariableOp>(d, static_cast<uint64_t>(seed));
        },
        Attrs{{"seed", int64_t(1)}});
  }
}

} // namespace graphjit
