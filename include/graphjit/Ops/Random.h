// Random variables as graph nodes (PyMC's RandomVariable ops): a distribution
// kind applied to parameter graphs, rv_<dist>{seed}(params...). The op lives
// here, registered like every other op, so a graph holding one prints, parses,
// compiles (as a host step) and reloads from the disk cache. The probability
// layer (Prob/RandomVariable.h) reads the distribution and parameters back for
// logp and the change of variables.
#pragma once

#include "graphjit/Graph/Op.h"

#include <cstdint>

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

/// The op of a random-variable node: rv_<dist>{seed}(params...). Scalar
/// distributions broadcast their parameters (the rv's shape); multivariate ones
/// give a vector. perform draws one value from the seed (an attr), so the
/// interpreter and the JIT (which runs it as a host step) give the same values.
class RandomVariableOp : public Op {
public:
  RandomVariableOp(Dist dist, uint64_t seed) : dist_(dist), seed_(seed) {}
  Dist dist() const { return dist_; }
  uint64_t seed() const { return seed_; }
  std::string name() const override;
  Attrs attrs() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// Random variables have no gradient with respect to their parameters here:
  /// throws NotImplementedError (take the gradient of logp instead).
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// Batches the parameters: a fresh random variable over the batched parameters, one
  /// independent draw per batch element (posterior predictive). Refuses multivariate
  /// distributions and categorical, whose parameters are one event.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  /// A draw: never folded, merged or dropped as if it were a function of its inputs.
  bool isPure() const override { return false; }

private:
  Dist dist_;
  uint64_t seed_;
};

/// A random variable of distribution `d` with the given parameter graphs (numbers become
/// constants). Throws ValueError for the wrong number of parameters, ShapeError for shapes that do
/// not fit.
Var randomVariable(Dist d, std::vector<Var> params, const std::string &name = "");
/// The RandomVariableOp of `v`'s owner, or null when `v` is not a random variable.
const RandomVariableOp *asRandomVariable(const Var &v);
/// The distribution parameters of the random variable `v` (PyTensor's dist_params), in the
/// order of its builder. Throws ValueError when `v` is not a random variable.
std::vector<Var> rvParams(const Var &v);

// Builders, PyMC parameter names and order.
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

/// n draws of `dist` with concrete parameter values `params`, each of `shape`
/// (the rv's shape): a tensor of shape [n] + shape. Same seed, same draws, on
/// every platform (the generator and each transformation are written out).
Tensor drawSamples(Dist dist, const std::vector<Tensor> &params, const Shape &shape, int64_t n,
                   uint64_t seed);

/// rv_<dist> for every distribution.
void registerRandomOps(class OpRegistry &registry);

} // namespace graphjit
