// Small models written as graphjit graphs over one unconstrained vector, with
// their exact or reference posteriors, for the sampler tests.
#pragma once

#include "PosteriordbData.h"
#include "graphjit/graphjit.h"

#include <cmath>
#include <vector>

namespace samplemodels {
using namespace graphjit;

/// mu ~ N(1, 2); y_i ~ N(mu, 1.5), i < 20. Posterior N(postMean, postSd).
struct NormalNormal {
  std::vector<double> y;
  double m0 = 1, s0 = 2, sigma = 1.5, postMean = 0, postSd = 0;
  mcmc::LogDensity model;
  NormalNormal() {
    for (int i = 0; i < 20; ++i)
      y.push_back(2.0 + std::sin(1.7 * i) * 1.3);
    double sum = 0;
    for (double v : y)
      sum += v;
    double prec = 1 / (s0 * s0) + y.size() / (sigma * sigma);
    postMean = (m0 / (s0 * s0) + sum / (sigma * sigma)) / prec;
    postSd = 1 / std::sqrt(prec);
    Var x = tensor(DType::Float64, {1}, "x");
    Var mu = x[0];
    Var lp = logp(normal(constant(m0), constant(s0)), mu) +
             sum_(logp(normal(mu, constant(sigma)), constant(Tensor::fromVector(y))));
    model = mcmc::compileLogDensity(lp, x);
    model.names = {"mu"};
  }
  static Var sum_(const Var &v) { return graphjit::sum(v); }
};

/// theta ~ Beta(2, 3); 11 successes in 30 Bernoulli trials. Sampled as z = logit(theta) with
/// the Jacobian log theta + log(1 - theta); reported as theta. Posterior Beta(13, 22).
struct BetaBernoulli {
  double a = 13, b = 22;
  mcmc::LogDensity model;
  BetaBernoulli() {
    std::vector<double> y(30, 0.0);
    for (int i = 0; i < 11; ++i)
      y[i * 2] = 1;
    Var x = tensor(DType::Float64, {1}, "x");
    Var z = x[0];
    Var theta = sigmoid(z);
    Var logJac = -softplus(-z) - softplus(z);
    Var lp = logp(beta(constant(2.0), constant(3.0)), theta) +
             graphjit::sum(logp(bernoulli(theta), constant(Tensor::fromVector(y)))) + logJac;
    model = mcmc::compileLogDensity(lp, x);
    model.names = {"theta"};
    model.constrain = [](const double *x, double *out) { out[0] = 1 / (1 + std::exp(-x[0])); };
  }
  double mean() const { return a / (a + b); }
  double sd() const { return std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))); }
};

/// x_i ~ N(0, s_i) independently, s_i from 0.5 to 5 (so the mass matrix has to adapt).
struct IidNormal {
  int64_t dim;
  std::vector<double> scales;
  mcmc::LogDensity model;
  explicit IidNormal(int64_t d) : dim(d) {
    for (int64_t i = 0; i < d; ++i)
      scales.push_back(0.5 + 4.5 * i / std::max<int64_t>(1, d - 1));
    Var x = tensor(DType::Float64, {d}, "x");
    Var s = constant(Tensor::fromVector(scales));
    Var lp = graphjit::sum(logp(normal(constant(0.0), s), x));
    model = mcmc::compileLogDensity(lp, x);
  }
};

/// posteriordb's eight_schools-eight_schools_noncentered: theta_trans ~ N(0, 1), mu ~ N(0, 5),
/// tau ~ half-Cauchy(0, 5), y ~ N(mu + tau theta_trans, sigma). Sampled over
/// (theta_trans[8], mu, log tau); reported as theta[1..8], mu, tau.
struct EightSchools {
  mcmc::LogDensity model;
  // posteriordb reference_posteriors/summary_statistics/mean_value (10,000 draws of Stan NUTS).
  std::vector<double> refMean = {
      6.15050229334425, 4.9395811407422,  3.90590609001582, 4.79601675138494, 3.6144363246799,
      4.0511475789675,  6.31716975886893, 4.88399694353288, 4.41051833695493, 3.60205952364059};
  std::vector<double> refMcse = {0.0557375282295219, 0.0462293788624847, 0.0542313705632124,
                                 0.0474935816762281, 0.0461450610244603, 0.0485195392528031,
                                 0.0498766794075794, 0.0542511606560972, 0.0330374705950917,
                                 0.0318615135640706};
  EightSchools() {
    std::vector<double> y = {28, 8, -3, 7, -1, 1, 18, 12}, sigma = {15, 10, 16, 11, 9, 11, 10, 18};
    Var x = tensor(DType::Float64, {10}, "x");
    Var tt = subtensor(x, {slice(0, 8)});
    Var mu = x[8], logTau = x[9];
    Var tau = exp(logTau);
    Var theta = mu + tau * tt;
    Var lp = graphjit::sum(logp(normal(constant(0.0), constant(1.0)), tt)) +
             graphjit::sum(logp(normal(theta, constant(Tensor::fromVector(sigma))),
                                constant(Tensor::fromVector(y)))) +
             logp(normal(constant(0.0), constant(5.0)), mu) +
             logp(studentt(constant(1.0), constant(0.0), constant(5.0)), tau) + logTau;
    model = mcmc::compileLogDensity(lp, x);
    for (int j = 1; j <= 8; ++j)
      model.names.push_back("theta[" + std::to_string(j) + "]");
    model.names.push_back("mu");
    model.names.push_back("tau");
    model.constrain = [](const double *x, double *out) {
      double tau = std::exp(x[9]);
      for (int j = 0; j < 8; ++j)
        out[j] = x[8] + tau * x[j];
      out[8] = x[8];
      out[9] = tau;
    };
  }
};

/// posteriordb's sblrc-blr: beta ~ N(0, 10) (5), sigma ~ N+(0, 10), y ~ N(X beta, sigma),
/// sampled over (beta, log sigma); reported as beta[1..5], sigma.
struct Sblrc {
  mcmc::LogDensity model;
  Sblrc() {
    using namespace posteriordb;
    std::vector<double> X(SblrcX, SblrcX + SblrcN * SblrcD), y(SblrcY, SblrcY + SblrcN);
    Var x = tensor(DType::Float64, {SblrcD + 1}, "x");
    Var b = subtensor(x, {slice(0, SblrcD)});
    Var logSigma = x[SblrcD];
    Var sigma = exp(logSigma);
    Var lp = graphjit::sum(logp(normal(constant(0.0), constant(10.0)), b)) +
             logp(normal(constant(0.0), constant(10.0)), sigma) + logSigma +
             graphjit::sum(
                 logp(normal(matmul(constant(Tensor::fromVector(X, {SblrcN, SblrcD})), b), sigma),
                      constant(Tensor::fromVector(y))));
    model = mcmc::compileLogDensity(lp, x);
    for (int j = 1; j <= SblrcD; ++j)
      model.names.push_back("beta[" + std::to_string(j) + "]");
    model.names.push_back("sigma");
    model.constrain = [](const double *q, double *out) {
      for (int j = 0; j < posteriordb::SblrcD; ++j)
        out[j] = q[j];
      out[posteriordb::SblrcD] = std::exp(q[posteriordb::SblrcD]);
    };
  }
};

/// posteriordb's wells_data-wells_dist: a logistic regression with Stan's flat prior,
/// switched ~ bernoulli_logit(beta[1] + beta[2] dist), N = 3020. The log density is written as
/// Stan's bernoulli_logit: sum(y eta - softplus(eta)).
struct Wells {
  mcmc::LogDensity model;
  Wells() {
    using namespace posteriordb;
    std::vector<double> dist(posteriordb::WellsDist, posteriordb::WellsDist + WellsN),
        y(WellsSwitched, WellsSwitched + WellsN);
    Var b = tensor(DType::Float64, {2}, "beta");
    Var eta = b[0] + b[1] * constant(Tensor::fromVector(dist));
    Var lp = graphjit::sum(constant(Tensor::fromVector(y)) * eta - softplus(eta));
    model = mcmc::compileLogDensity(lp, b);
    model.names = {"beta[1]", "beta[2]"};
  }
};

} // namespace samplemodels
