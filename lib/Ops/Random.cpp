// The random-variable op rv_<dist>(rng, size, params...) -> (next_rng, draw):
// distribution table, type rule, perform, batching rule, builders, registration.
#include "graphjit/Ops/Random.h"
#include "graphjit/Graph/DefaultUpdate.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"

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
int paramCoreRank(Dist d, int i) {
  if (d == Dist::Categorical) return 1;
  if (!isMultivariate(d)) return 0;
  return i == 0 || d == Dist::MvNormalDiag ? 1 : 2;
}
int eventRank(Dist d) { return isMultivariate(d) ? 1 : 0; }

std::string RandomVariableOp::name() const { return std::string("rv_") + distName(dist_); }

namespace {
/// The draw's dtype: int64 for discrete distributions, float32 when every parameter is
/// float32, float64 otherwise.
DType drawDType(Dist d, const std::vector<DType> &params) {
  if (isDiscrete(d)) return DType::Int64;
  bool all32 = !params.empty();
  for (DType t : params)
    all32 &= t == DType::Float32;
  return all32 ? DType::Float32 : DType::Float64;
}

/// The batch part of each parameter's shape (all but its core dims), broadcast.
Shape batchShape(Dist d, const std::string &op, const std::vector<Shape> &params) {
  std::vector<Shape> batches;
  for (size_t i = 0; i < params.size(); ++i) {
    int core = paramCoreRank(d, static_cast<int>(i));
    if (static_cast<int>(params[i].size()) < core)
      throw ShapeError(op + ": parameter " + std::to_string(i) + " needs at least " +
                       std::to_string(core) + " dims, got shape " + shapeStr(params[i]));
    batches.emplace_back(params[i].begin(), params[i].end() - core);
  }
  return broadcastStatic(op, batches);
}

/// The event dims of one draw: [k] for the multivariate normals (k from mu or the second
/// parameter), [] otherwise. Checks that the core dims agree.
Shape eventShape(Dist d, const std::string &op, const std::vector<Shape> &params) {
  if (!isMultivariate(d)) return {};
  int64_t k = params[0].back();
  const Shape &p = params[1];
  int coreP = paramCoreRank(d, 1);
  for (int j = 0; j < coreP; ++j) {
    int64_t v = p[p.size() - coreP + j];
    if (v != kUnknownDim && k != kUnknownDim && v != k)
      throw ShapeError(op + ": mu has " + std::to_string(k) +
                       " coordinates but the second parameter has shape " + shapeStr(p));
    if (k == kUnknownDim) k = v;
  }
  return {k};
}
} // namespace

std::vector<TensorType> RandomVariableOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  std::string op = name();
  if (static_cast<int>(in.size()) != distArity(dist_) + 2)
    throw ValueError(op + ": expected (rng, size, " + std::to_string(distArity(dist_)) +
                     " parameters), got " + std::to_string(in.size()) + " inputs");
  if (!in[0].kindAs<RandomGeneratorType>())
    throw TypeError(op + ": input 0 must be a generator (rng), got " + in[0].str());
  const TensorType &size = in[1];
  if (!size.isTensor() || !isInteger(size.dtype) || size.ndim() != 1 ||
      size.shape[0] == kUnknownDim)
    throw TypeError(op + ": size must be an int vector of static length, got " + size.str());
  std::vector<TensorType> params(in.begin() + 2, in.end());
  std::vector<DType> dtypes;
  for (auto &t : params) {
    if (!t.isTensor() || !isFloat(t.dtype))
      throw TypeError(op + ": parameters must be float, got " + t.str());
    dtypes.push_back(t.dtype);
  }
  DType out = drawDType(dist_, dtypes);
  // Parameters are [batch..., core...]: core dims (mu's [k], cov's [k,k], p's [k]) define one
  // event, batch dims broadcast (right-aligned) into the batch of events.
  std::vector<Shape> shapes;
  for (auto &t : params)
    shapes.push_back(t.shape);
  Shape batch = batchShape(dist_, op, shapes), event = eventShape(dist_, op, shapes);
  int64_t sizeLen = size.shape[0];
  Shape shape = batch;
  if (sizeLen > 0) {
    // With a size, the batch dims come from its values: known statically only where a
    // parameter fixes them (dims != 1).
    if (static_cast<int64_t>(batch.size()) > sizeLen)
      throw ShapeError(op + ": size has " + std::to_string(sizeLen) +
                       " dims but the parameters' batch has " + std::to_string(batch.size()));
    shape.assign(static_cast<size_t>(sizeLen), kUnknownDim);
    for (size_t i = 0; i < batch.size(); ++i)
      if (batch[i] != 1 && batch[i] != kUnknownDim) shape[sizeLen - batch.size() + i] = batch[i];
  }
  shape.insert(shape.end(), event.begin(), event.end());
  return {rngType(), TensorType(out, shape)};
}

std::vector<Shape> RandomVariableOp::inferShape(const std::vector<Shape> &in) const {
  // in[0] is the generator's (scalar) shape, in[1] the size vector's.
  if (in.size() < 2 || in[1].size() != 1 || in[1][0] != 0)
    throw NotImplementedError(name() + ": the draw's shape depends on the values of size; "
                                       "only perform knows it");
  std::vector<Shape> params(in.begin() + 2, in.end());
  Shape s = batchShape(dist_, name(), params), event = eventShape(dist_, name(), params);
  s.insert(s.end(), event.begin(), event.end());
  for (int64_t d : s)
    if (d == kUnknownDim) throw ShapeError(name() + ": parameter shapes do not broadcast");
  return {Shape{}, s};
}

std::vector<Tensor> RandomVariableOp::perform(const std::vector<Tensor> &in) const {
  std::string op = name();
  if (static_cast<int>(in.size()) != distArity(dist_) + 2)
    throw ValueError(op + ": expected " + std::to_string(distArity(dist_) + 2) + " inputs, got " +
                     std::to_string(in.size()));
  const RandomGeneratorState &state = randomGeneratorState(in[0]);
  std::vector<int64_t> size;
  for (double v : in[1].toDoubles())
    size.push_back(static_cast<int64_t>(v));
  std::vector<Tensor> params(in.begin() + 2, in.end());
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  for (auto &t : params) {
    shapes.push_back(t.shape());
    dtypes.push_back(t.dtype());
  }
  Shape shape;
  if (size.empty()) {
    shape = inferShape([&] {
      std::vector<Shape> v{Shape{}, Shape{0}};
      v.insert(v.end(), shapes.begin(), shapes.end());
      return v;
    }())[1];
  } else {
    for (int64_t d : size)
      if (d < 0) throw ValueError(op + ": size must be >= 0, got " + std::to_string(d));
    shape = Shape(size.begin(), size.end());
    // NumPy's size=: the parameters' batch must broadcast to exactly `size`.
    Shape batch = batchShape(dist_, op, shapes);
    std::vector<Shape> all{batch, shape};
    if (batch.size() > shape.size() || broadcastStatic(op, all) != shape)
      throw ShapeError(op + ": parameters of batch shape " + shapeStr(batch) +
                       " do not broadcast to size " + shapeStr(shape));
    Shape event = eventShape(dist_, op, shapes);
    shape.insert(shape.end(), event.begin(), event.end());
  }
  PhiloxCounter next;
  Tensor draw = drawFromState(dist_, params, shape, drawDType(dist_, dtypes), state.key(),
                              state.counter(), &next);
  return {randomGeneratorValue(state.key(), next), draw};
}

std::vector<Var> RandomVariableOp::L_op(const std::vector<Var> &, const std::vector<Var> &,
                                        const std::vector<Var> &) const {
  throw NotImplementedError(
      name() + ": random variables are not differentiable (take the gradient of logp)");
}

std::vector<Var> RandomVariableOp::vectorize(const Apply &node, const std::vector<BatchedVar> &in,
                                             int batchDims) const {
  if (in[0].batched || in[1].batched)
    throw NotImplementedError("vectorize_graph: " + name() +
                              ": a batch of generators or sizes is not supported (one generator "
                              "draws the whole batch)");
  // Parameters are [batch..., core...] and their batch dims broadcast: the leading batch dims
  // of vectorize_graph become leading batch dims of one joint draw (element by element the
  // same law). Each parameter is lined up as [B dims, the draw's own batch dims, its core dims]
  // first (right-aligned broadcasting would pair a B dim with another dim otherwise). A draw
  // with a size gets the B dims in front of its size.
  int64_t sizeLen = node.input(1).type().shape[0];
  int ownBatch =
      sizeLen > 0 ? static_cast<int>(sizeLen) : node.outputType(1).ndim() - eventRank(dist_);
  std::vector<Var> params;
  Var batchedParam;
  for (size_t i = 2; i < in.size(); ++i) {
    Var p = withBatchDims(in[i], batchDims);
    if (in[i].batched && !batchedParam) batchedParam = p;
    int missing = ownBatch - (p.ndim() - batchDims - paramCoreRank(dist_, static_cast<int>(i) - 2));
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
  Var size = in[1].var;
  if (sizeLen > 0) {
    if (!batchedParam) cannotBatch(*this, "no batched parameter gives the batch dims");
    Var lead = subtensor(shape(batchedParam), {IndexEntry::slice(0, batchDims)});
    size = concatenate({lead, cast(size, DType::Int64)}, 0);
  }
  std::vector<Var> inputs{in[0].var, size};
  inputs.insert(inputs.end(), params.begin(), params.end());
  return applyOp(std::make_shared<RandomVariableOp>(dist_), inputs);
}

namespace {
uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::vector<Var> floatParams(Dist d, std::vector<Var> params) {
  for (Var &p : params) {
    if (!p) throw ValueError(std::string("rv_") + distName(d) + ": a parameter is a null Var");
    if (!isFloat(p.dtype())) p = cast(p, DType::Float64);
  }
  return params;
}
} // namespace

Var sizeOf(const std::vector<int64_t> &size) {
  return Var::constant(
      Tensor::fromVector(size, Shape{static_cast<int64_t>(size.size())}).astype(DType::Int64));
}

Var randomVariable(Dist d, const Var &rng, const Var &size, std::vector<Var> params,
                   const std::string &name) {
  if (!rng) throw ValueError(std::string("rv_") + distName(d) + ": the generator is a null Var");
  std::vector<Var> inputs{rng, size ? size : sizeOf({})};
  for (Var &p : floatParams(d, std::move(params)))
    inputs.push_back(p);
  std::vector<Var> outs = applyOp(std::make_shared<RandomVariableOp>(d), std::move(inputs));
  if (!name.empty()) outs[1]->name = name;
  return outs[1];
}

Var randomVariable(Dist d, std::vector<Var> params, const std::string &name) {
  // A fresh shared generator per variable (pm.Normal's): keys from a process-wide counter,
  // so a program builds the same keys in the same order.
  static std::atomic<uint64_t> counter{0};
  Var rng = Var::shared(randomGeneratorValue(splitmix64(++counter)),
                        name.empty() ? "rng" : name + "_rng");
  Var draw = randomVariable(d, rng, Var(), std::move(params), name);
  setDefaultUpdate(rng, rvNextRng(draw));
  return draw;
}

const RandomVariableOp *asRandomVariable(const Var &v) {
  if (!v || !v->owner() || v->index() != 1) return nullptr;
  return dynamic_cast<const RandomVariableOp *>(&v->owner()->op());
}

namespace {
Apply &rvNode(const Var &draw, const char *what) {
  if (!asRandomVariable(draw))
    throw ValueError(std::string(what) + ": '" + (draw ? draw.type().str() : "null") +
                     "' is not the draw of a random variable");
  return *draw->owner();
}
} // namespace

std::vector<Var> rvParams(const Var &draw) {
  const auto &in = rvNode(draw, "rvParams").inputs();
  return std::vector<Var>(in.begin() + 2, in.end());
}
Var rvRng(const Var &draw) { return rvNode(draw, "rvRng").input(0); }
Var rvSize(const Var &draw) { return rvNode(draw, "rvSize").input(1); }
Var rvNextRng(const Var &draw) { return rvNode(draw, "rvNextRng").output(0); }

Var normal(const Var &rng, const Var &size, const Var &mu, const Var &sigma, const std::string &n) {
  return randomVariable(Dist::Normal, rng, size, {mu, sigma}, n);
}
Var uniform(const Var &rng, const Var &size, const Var &lower, const Var &upper,
            const std::string &n) {
  return randomVariable(Dist::Uniform, rng, size, {lower, upper}, n);
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
          if (!a.items().empty()) throw ValueError(n + ": takes no attributes, got " + a.str());
          return std::make_shared<RandomVariableOp>(d);
        },
        Attrs{});
  }
}

} // namespace graphjit
