// Random variables as graph nodes (PyMC's RandomVariable ops): a distribution
// kind applied to parameter graphs. logp(rv, value) turns one into a log
// density graph; sample(rv, n, seed) draws on the host.
//
// The rv node itself is not compiled: its only job is to carry the
// distribution and its parameters, so that logp and the change of variables
// (Prob/ChangeOfVariables.h) can read them back from the graph.
#pragma once

#include "graphjit/Graph/Op.h"

#include <cstdint>

namespace graphjit {

enum class Dist {
  Normal,      ///< (mu, sigma)
  HalfNormal,  ///< (sigma); support x >= 0
  LogNormal,   ///< (mu, sigma); log x ~ Normal(mu, sigma)
  MvNormal,    ///< (mu[k], cov[k,k]); logp through cholesky(cov)
  MvNormalChol,///< (mu[k], L[k,k]) with cov = L L^T, L lower triangular
  MvNormalDiag,///< (mu[k], sigma[k]); independent coordinates
  Uniform,     ///< (lower, upper)
  Exponential, ///< (lam): rate
  Gamma,       ///< (alpha, beta): shape and rate
  Beta,        ///< (alpha, beta)
  StudentT,    ///< (nu, mu, sigma)
  Laplace,     ///< (mu, b)
  Bernoulli,   ///< (p): values 0 or 1
  Categorical, ///< (p[k]): values 0 .. k-1
  Poisson,     ///< (mu): values 0, 1, 2, ...
};

/// "normal", "mvnormal_chol", ...
const char *distName(Dist d);
/// Number of parameters of `d`.
int distArity(Dist d);
/// True for distributions over vectors (the last axis is one event).
bool isMultivariate(Dist d);
/// True for distributions over integers (their values are int64).
bool isDiscrete(Dist d);

/// The op of a random-variable node: rv_<dist>(params...). Scalar distributions
/// broadcast their parameters (the rv's shape); multivariate ones give a vector.
/// perform draws one value with a fixed seed (attr), so evaluation is reproducible.
class RandomVariableOp : public Op {
public:
  RandomVariableOp(Dist dist, uint64_t seed) : dist_(dist), seed_(seed) {}
  Dist dist() const { return dist_; }
  std::string name() const override;
  Attrs attrs() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// Random variables have no gradient with respect to their parameters here.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;

private:
  Dist dist_;
  uint64_t seed_;
};

/// A random variable of distribution `d` with the given parameter graphs (numbers become constants).
/// Throws ValueError for the wrong number of parameters, ShapeError for shapes that do not fit.
Var randomVariable(Dist d, std::vector<Var> params, const std::string &name = "");
/// The RandomVariableOp of `v`'s owner, or null when `v` is not a random variable.
const RandomVariableOp *asRandomVariable(const Var &v);

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

/// Log density (or mass) of `rv` at `value`, as a graph, elementwise over the
/// rv's batch (multivariate: one value per vector). -inf outside the support or
/// for invalid parameters, never NaN. When `rv` is not a random variable but a
/// function of one, the density is derived by the change of variables
/// (Prob/ChangeOfVariables.h).
Var logp(const Var &rv, const Var &value);

/// n independent draws of `rv` (shape [n] + rv's shape), from a seeded
/// generator: the same seed gives the same draws. The parameters must be
/// computable without inputs (constants, shared variables) or bound in `bindings`.
Tensor sample(const Var &rv, int64_t n, uint64_t seed,
              const std::vector<std::pair<Var, Tensor>> &bindings = {});

} // namespace graphjit
