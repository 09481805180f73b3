// Random variables as graph nodes, as PyTensor has them: rv_<dist>(rng, size,
// params...) -> (next_rng, draw). `rng` is a generator state (RandomGeneratorType:
// a Philox4x32-10 key and counter); a draw is a pure function of (state,
// position), so the interpreter and compiled code give bitwise-identical draws,
// and next_rng is the state advanced past every counter block the draw used.
// `size` is an int64 vector: empty for "the parameters' broadcast shape",
// otherwise the draw's shape, the parameters broadcast against it as NumPy's
// size= does. The probability layer (lib/Prob) reads the distribution and the
// parameters back through asRandomVariable / rvParams.
#pragma once

#include "graphjit/Graph/Op.h"
#include "graphjit/Support/Philox.h"

#include <cstdint>
#include <functional>
#include <initializer_list>

namespace graphjit {

enum class Dist {
  Normal,       ///< (mu, sigma)
  HalfNormal,   ///< (sigma); support x >= 0
  LogNormal,    ///< (mu, sigma); log x ~ Normal(mu, sigma)
  MvNormal,     ///< (mu[k], cov[k,k]); logp through cholesky(cov)
  MvNormalChol, ///< (mu[k], L[k,k]) with cov = L L^T, L lower triangular
  MvNormalDiag, ///< (mu[k], sigma[k]); independent coordinates
  Uniform,      ///< (lower, upper)
  Exponential,  ///< (lam): rate
  Gamma,        ///< (alpha, beta): shape and rate
  Beta,         ///< (alpha, beta)
  StudentT,     ///< (nu, mu, sigma)
  Laplace,      ///< (mu, b)
  Bernoulli,    ///< (p): values 0 or 1
  Categorical,  ///< (p[k]): values 0 .. k-1
  Poisson,      ///< (mu): values 0, 1, 2, ...
};

/// Every distribution, in declaration order (registration walks it).
const std::vector<Dist> &allDists();
/// "normal", "mvnormal_chol", ...
const char *distName(Dist d);
/// Number of parameters of `d`.
int distArity(Dist d);
/// True for distributions over vectors (the last axis is one event).
bool isMultivariate(Dist d);
/// True for distributions over integers (their values are int64).
bool isDiscrete(Dist d);
/// Core dims of parameter i (one event's): 1 for mu and p vectors, 2 for cov and L, 0 for
/// scalar distributions' parameters. Leading dims beyond them are batch dims.
int paramCoreRank(Dist d, int i);
/// Dims of one event of the draw: 1 for the multivariate normals, 0 otherwise.
int eventRank(Dist d);

/// The op of a random-variable node: rv_<dist>(rng, size, params...) -> (next_rng, draw).
/// Scalar distributions broadcast their parameters (and `size`); multivariate ones draw
/// events along a last axis of length k (size gives the batch shape before it); categorical
/// draws a scalar per batch element. Parameters are [batch..., core...] (core: mu [k], cov
/// [k,k], p [k]); their batch dims broadcast into the draw's batch. The draw is float64 unless
/// every float parameter is float32 (then float32); discrete distributions draw int64.
class RandomVariableOp : public Op {
public:
  explicit RandomVariableOp(Dist dist) : dist_(dist) {}
  Dist dist() const { return dist_; }
  std::string name() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  /// Reads the generator and the size from the inputs; throws ValueError naming the
  /// distribution and the value for an invalid parameter (sigma < 0, p outside [0, 1], NaN).
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// Random variables have no gradient with respect to their parameters here:
  /// throws NotImplementedError (take the gradient of logp instead).
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// Batched parameters: the batch dims become leading dims of the draw (size grows by them);
  /// the generator and its advance stay one (one joint draw of the whole batch).
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  /// A draw: never folded, merged or dropped as if it were a function of its inputs.
  bool isPure() const override { return false; }
  bool acceptsNonTensorInputs() const override { return true; }

private:
  Dist dist_;
};

// ---- Reading a random variable back (lib/Prob codes against these) ----

/// The RandomVariableOp of `v`'s owner when `v` is the draw (output 1) of a random-variable
/// node, else null.
const RandomVariableOp *asRandomVariable(const Var &v);
/// The parameters of the random variable whose draw is `draw` (the node's inputs after rng
/// and size). ValueError when `draw` is not a random variable.
std::vector<Var> rvParams(const Var &draw);
/// The generator the draw reads (input 0).
Var rvRng(const Var &draw);
/// The size input (an int64 vector; length 0 for "the parameters' shape").
Var rvSize(const Var &draw);
/// The advanced generator (output 0 of the draw's node).
Var rvNextRng(const Var &draw);

// ---- Building random variables ----

/// A random variable of distribution `d` with the given parameter graphs (numbers become
/// constants), drawing from a fresh shared generator whose default update is the advanced
/// generator (as pm.Normal does): compile() applies it, so each call draws afresh. Throws
/// ValueError for the wrong number of parameters, ShapeError for shapes that do not fit.
Var randomVariable(Dist d, std::vector<Var> params, const std::string &name = "");
/// The same with an explicit generator (a Var of rngType(): shared, constant or input) and
/// size (an int64 vector Var; null for none). Returns the draw; rvNextRng(draw) is next_rng.
/// No default update is attached.
Var randomVariable(Dist d, const Var &rng, const Var &size, std::vector<Var> params,
                   const std::string &name = "");
/// A constant int64 vector for `size` arguments.
Var sizeOf(const std::vector<int64_t> &size);

// Builders, PyMC parameter names and order; the draw comes from a fresh shared generator.
Var normal(const Var &mu, const Var &sigma, const std::string &name = "");
Var halfnormal(const Var &sigma, const std::string &name = "");
Var lognormal(const Var &mu, const Var &sigma, const std::string &name = "");
/// Full covariance: logp factors it with cholesky.
Var mvnormal(const Var &mu, const Var &cov, const std::string &name = "");
/// Covariance given by its lower Cholesky factor (cov = L L^T).
Var mvnormal_chol(const Var &mu, const Var &chol, const std::string &name = "");
Var mvnormal_diag(const Var &mu, const Var &sigma, const std::string &name = "");
Var uniform(const Var &lower, const Var &upper, const std::string &name = "");
Var exponential(const Var &lam, const std::string &name = "");
Var gamma(const Var &alpha, const Var &beta, const std::string &name = "");
Var beta(const Var &alpha, const Var &beta, const std::string &name = "");
Var studentt(const Var &nu, const Var &mu, const Var &sigma, const std::string &name = "");
Var laplace(const Var &mu, const Var &b, const std::string &name = "");
Var bernoulli(const Var &p, const std::string &name = "");
Var categorical(const Var &p, const std::string &name = "");
Var poisson(const Var &mu, const std::string &name = "");

// The same with an explicit generator and size (`size` may be null).
Var normal(const Var &rng, const Var &size, const Var &mu, const Var &sigma,
           const std::string &name = "");
Var uniform(const Var &rng, const Var &size, const Var &lower, const Var &upper,
            const std::string &name = "");

// ---- Host sampling (the op's perform, sample() and the JIT's host step) ----

/// Draws of `dist` with concrete parameter values `params` into a tensor of `shape` (the
/// draw's shape: for multivariate distributions its last axis is the event) from the
/// generator state (key, counter). Returns the draw and sets `*next` to the advanced counter.
/// Same state, same draws, on every platform and thread count (element i's bits depend
/// only on the state and i). `dtype` is the draw's dtype (Float64/Float32 or Int64).
Tensor drawFromState(Dist dist, const std::vector<Tensor> &params, const Shape &shape, DType dtype,
                     uint64_t key, const PhiloxCounter &counter, PhiloxCounter *next);

/// n draws of `dist` with concrete parameter values `params`, each of `shape`
/// (the rv's shape): a tensor of shape [n] + shape, from a fresh generator seeded
/// with `seed`.
Tensor drawSamples(Dist dist, const std::vector<Tensor> &params, const Shape &shape, int64_t n,
                   uint64_t seed);

/// Threads a host draw may use on this thread (0: the machine's cores); JitThreadsScope
/// sets it for a call. Draws are the same for every thread count.
class RandomThreadsScope {
public:
  explicit RandomThreadsScope(int n);
  ~RandomThreadsScope();
  RandomThreadsScope(const RandomThreadsScope &) = delete;
  RandomThreadsScope &operator=(const RandomThreadsScope &) = delete;

private:
  int previous_;
};

/// Runs fn(0 .. n-1), each once, on up to n threads, returning when all are done.
using RandomParallelFor = void (*)(int n, const std::function<void(int)> &fn);
/// Large host draws split their element ranges on `pool` (the JIT installs its worker
/// pool; without one they start threads of their own). The bits do not depend on it.
void setRandomParallelFor(RandomParallelFor pool);

/// rv_<dist> for every distribution.
void registerRandomOps(class OpRegistry &registry);

} // namespace graphjit
