// sample_posterior over a model of the probability layer (makeModel): the
// flat unconstrained vector, draws reported on each variable's own scale and
// named by variable, against closed-form posteriors.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace graphjit;
using namespace graphjit::mcmc;

namespace {
double meanOf(const std::vector<double> &v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

void expectMean(const SampleResult &r, const std::string &name, double exact) {
  std::vector<double> v = r.variable(r.index(name));
  Draws x{v.data(), r.chains, r.draws};
  EXPECT_LT(std::abs(meanOf(v) - exact), 4 * mcse_mean(x))
      << name << ": mean " << meanOf(v) << " vs exact " << exact;
  EXPECT_LT(rhat(x), 1.01) << name;
}
} // namespace

TEST(ModelSampling, BetaBernoulliReportedOnTheUnitInterval) {
  // theta ~ Beta(2, 3), 11 successes in 30 trials: posterior Beta(13, 22). makeModel samples
  // logit(theta) ("theta_logodds__"); the draws come back as theta.
  Var theta = beta(constant(2.0), constant(3.0), "theta");
  std::vector<double> y(30, 0.0);
  for (int i = 0; i < 11; ++i)
    y[i * 2] = 1;
  Var obs = bernoulli(theta, "y");
  Model m = makeModel({theta}, {{obs, constant(Tensor::fromVector(y))}});
  SampleOptions o;
  o.draws = 1000;
  o.tune = 500;
  o.seed = 5;
  SampleResult r = sample_posterior(m, o);
  EXPECT_EQ(r.names, std::vector<std::string>{"theta"});
  for (double v : r.values)
    ASSERT_TRUE(v > 0 && v < 1) << v;
  expectMean(r, "theta", 13.0 / 35.0);
  EXPECT_EQ(r.divergences(), 0);
}

TEST(ModelSampling, VectorAndPositiveVariablesByName) {
  // w ~ N(0, 1) (2 coefficients), y ~ N(X w, 0.5): posterior mean P^-1 b with
  // P = [[13, 12], [12, 21]], b = [12.8, 21.2] (test/unit/Prob/ModelTest.cpp). An unrelated
  // s ~ HalfNormal(2) is sampled on the log scale and reported positive: E[s] = 2 sqrt(2/pi).
  Var w = normal(constant(Tensor::zeros(DType::Float64, {2})), constant(1.0), "w");
  Var s = halfnormal(constant(2.0), "s");
  Tensor X = Tensor::of({{1.0, 0.0}, {1.0, 1.0}, {1.0, 2.0}});
  Var obs = normal(matmul(constant(X), w), constant(0.5), "y");
  Model m = makeModel({w, s}, {{obs, constant(Tensor::of({0.1, 0.9, 2.2}))}});
  LogDensity d = modelLogDensity(m);
  EXPECT_EQ(d.dim, 3);
  EXPECT_EQ(d.names, (std::vector<std::string>{"w[0]", "w[1]", "s"}));
  SampleOptions o;
  o.draws = 1000;
  o.tune = 500;
  o.seed = 6;
  SampleResult r = sample_posterior(d, o);
  double det = 13 * 21 - 12 * 12;
  expectMean(r, "w[0]", (21 * 12.8 - 12 * 21.2) / det);
  expectMean(r, "w[1]", (13 * 21.2 - 12 * 12.8) / det);
  expectMean(r, "s", 2 * std::sqrt(2 / M_PI));
  for (int c = 0; c < r.chains; ++c)
    for (int k = 0; k < r.draws; ++k)
      ASSERT_GT(r.at(c, k, 2), 0);
}

TEST(ModelSampling, DiscreteFreeVariablesAreRefused) {
  Var k = poisson(constant(3.0), "k");
  Model m = makeModel({k});
  try {
    modelLogDensity(m);
    FAIL() << "expected TypeError";
  } catch (const TypeError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("'k'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("continuous"), std::string::npos) << msg;
  }
}
