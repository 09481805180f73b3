// Model log densities: logp broadcasting, the joint density of several random
// variables (against the sum of SciPy logpdfs, computed offline), and makeModel's
// transforms to the real line with their Jacobians.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
/// mu ~ N(1, 2); sigma ~ HalfNormal(1.5); p ~ U(-1, 3); b ~ Beta(2, 3); y ~ N(mu + p, sigma).
struct Toy {
  Var mu = normal(constant(1.0), constant(2.0), "mu");
  Var sigma = halfnormal(constant(1.5), "sigma");
  Var p = uniform(constant(-1.0), constant(3.0), "p");
  Var b = beta(constant(2.0), constant(3.0), "b");
  Var y = normal(mu + p, sigma, "y");
  Tensor data = Tensor::of({0.3, 1.7, -0.4});
};
// scipy.stats at mu=0.5, sigma=0.8, p=0.2, b=0.35 (norm, halfnorm, uniform, beta, norm.sum()).
const double kTerms[] = {-1.643335713764618, -0.773478682975114, -1.3862943611198906,
                         0.5735186931044141, -3.938947445671389};
const double kJoint = -7.168537510426598;
// The same point on the real line: log(0.8), logit(0.3), logit(0.35); the joint density
// there adds log(0.8) + log(4 * 0.3 * 0.7) + log(0.35 * 0.65).
const double kUnconstrained[] = {0.5, -0.2231435513142097, -0.8472978603872036,
                                 -0.6190392084062235};
const double kJointTransformed = -9.046639489476718;
} // namespace

TEST(Logp, ValueBroadcastsAgainstTheVariable) {
  // pm.logp(z, z_values): a scalar rv at a vector of values gives a vector.
  Var z = normal(constant(0.5), constant(2.0));
  Tensor lp = logp(z, constant(Tensor::of({-1.0, 0.0, 2.5}))).eval();
  ASSERT_EQ(lp.shape(), (Shape{3}));
  std::vector<double> want = {-1.89333571, -1.64333571, -2.11208571}; // scipy norm(0.5, 2)
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(lp.toDoubles()[i], want[i], 1e-8);
  // A vector rv at a scalar value: one term per element of the variable.
  Var v = normal(constant(Tensor::of({0.5, 0.5})), constant(2.0));
  EXPECT_EQ(logp(v, constant(0.0)).eval().shape(), (Shape{2}));
  // A vector rv at a matrix of values: one row of terms per value.
  EXPECT_EQ(logp(v, constant(Tensor::zeros(DType::Float64, {4, 2}))).eval().shape(), (Shape{4, 2}));
}

TEST(JointLogp, SumOfTheConditionalTermsMatchesScipy) {
  Toy t;
  Var mu = scalar("mu_v"), sigma = scalar("sigma_v"), p = scalar("p_v"), b = scalar("b_v");
  RVValues pairs = {{t.mu, mu}, {t.sigma, sigma}, {t.p, p}, {t.b, b}, {t.y, constant(t.data)}};
  Bindings at = {{mu, Tensor::scalar(0.5)},
                 {sigma, Tensor::scalar(0.8)},
                 {p, Tensor::scalar(0.2)},
                 {b, Tensor::scalar(0.35)}};
  std::vector<Var> terms = conditionalLogp(pairs);
  ASSERT_EQ(terms.size(), 5u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(evaluate(terms[i], at).item(), kTerms[i], 1e-12) << i;
  EXPECT_NEAR(evaluate(sum(terms[4]), at).item(), kTerms[4], 1e-12);
  Var joint = logp(pairs);
  EXPECT_EQ(joint.ndim(), 0);
  EXPECT_NEAR(evaluate(joint, at).item(), kJoint, 1e-12);
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    Function f = compile({mu, sigma, p, b}, {joint}, {}, mode);
    EXPECT_NEAR(f({at[0].second, at[1].second, at[2].second, at[3].second})[0].item(), kJoint,
                1e-12);
  }
  // No random variable is left in the graph: it is a function of the values alone.
  for (const Var &a : ancestors({joint}))
    EXPECT_EQ(asRandomVariable(a), nullptr);
}

TEST(JointLogp, AMissingValueIsNamed) {
  Toy t;
  try {
    conditionalLogp({{t.y, constant(t.data)}, {t.mu, scalar()}});
    FAIL() << "expected ValueError";
  } catch (const ValueError &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'sigma'"), std::string::npos) << m;
  }
}

TEST(Model, TransformedDensityOnTheRealLine) {
  Toy t;
  Model m = makeModel({t.b, t.p, t.sigma, t.mu}, {{t.y, constant(t.data)}});
  ASSERT_EQ(m.values.size(), 4u);
  // Parents first, in the order the graph holds them; PyMC's value names.
  std::vector<std::string> names;
  for (const Var &v : m.values)
    names.push_back(v.name());
  std::vector<Var> order = {t.mu, t.sigma, t.p, t.b};
  std::vector<std::string> want = {"mu", "sigma_log__", "p_interval__", "b_logodds__"};
  for (size_t i = 0; i < 4; ++i) {
    size_t k = std::find(m.rvs.begin(), m.rvs.end(), order[i]) - m.rvs.begin();
    ASSERT_LT(k, 4u);
    EXPECT_EQ(m.values[k].name(), want[i]);
  }
  // The values in the model's order.
  std::vector<Tensor> u(4), c(4);
  const double constrainedAt[] = {0.5, 0.8, 0.2, 0.35};
  for (size_t i = 0; i < 4; ++i) {
    size_t k = std::find(m.rvs.begin(), m.rvs.end(), order[i]) - m.rvs.begin();
    u[k] = Tensor::scalar(kUnconstrained[i]);
    c[k] = Tensor::scalar(constrainedAt[i]);
  }
  Bindings at;
  for (size_t k = 0; k < 4; ++k)
    at.emplace_back(m.values[k], u[k]);
  EXPECT_NEAR(evaluate(m.logp, at).item(), kJointTransformed, 1e-12);
  std::vector<Tensor> back = m.toConstrained(u), fwd = m.toUnconstrained(c);
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(back[k].item(), c[k].item(), 1e-12) << k;
    EXPECT_NEAR(fwd[k].item(), u[k].item(), 1e-12) << k;
  }
  // Compiled with its gradient, as an optimizer or a sampler takes it.
  std::vector<Var> g = grad(m.logp, m.values);
  std::vector<Var> outs = {m.logp};
  outs.insert(outs.end(), g.begin(), g.end());
  Function f = compile(m.values, outs);
  std::vector<Tensor> r = f(u);
  EXPECT_NEAR(r[0].item(), kJointTransformed, 1e-12);
  // Every value is on the real line: far from the support's edge the density is finite.
  std::vector<Tensor> far = {Tensor::scalar(-30.0), Tensor::scalar(30.0), Tensor::scalar(-30.0),
                             Tensor::scalar(30.0)};
  EXPECT_TRUE(std::isfinite(f(far)[0].item()));
  // Without transforms the values are the variables themselves.
  Model plain = makeModel({t.mu, t.sigma, t.p, t.b}, {{t.y, constant(t.data)}}, {false});
  Bindings atPlain;
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(plain.transforms[i], nullptr);
    atPlain.emplace_back(plain.values[i], Tensor::scalar(constrainedAt[i]));
  }
  EXPECT_NEAR(evaluate(plain.logp, atPlain).item(), kJoint, 1e-12);
}

TEST(Model, ConjugateNormalPosteriorIsTheMaximum) {
  // w ~ N(0, 1) (2 coefficients), y ~ N(X w, 0.5): the posterior is normal with precision
  // I + X^T X / s^2 and mean Sigma X^T y / s^2; its mean is where the gradient of logp is zero.
  Var w = normal(constant(Tensor::zeros(DType::Float64, {2})), constant(1.0), "w");
  Tensor X = Tensor::of({{1.0, 0.0}, {1.0, 1.0}, {1.0, 2.0}});
  Tensor y = Tensor::of({0.1, 0.9, 2.2});
  Var obs = normal(matmul(constant(X), w), constant(0.5), "y");
  Model m = makeModel({w}, {{obs, constant(y)}});
  // Closed form: P = I + X^T X / 0.25 = [[13, 12], [12, 21]], b = X^T y / 0.25 = [12.8, 21.2].
  double P[2][2] = {{13, 12}, {12, 21}}, bb[2] = {12.8, 21.2};
  double det = P[0][0] * P[1][1] - P[0][1] * P[1][0];
  double mean0 = (P[1][1] * bb[0] - P[0][1] * bb[1]) / det;
  double mean1 = (P[0][0] * bb[1] - P[1][0] * bb[0]) / det;
  Tensor post = Tensor::of({mean0, mean1});
  Tensor g = evaluate(grad(m.logp, m.values[0]), {{m.values[0], post}});
  EXPECT_NEAR(g.toDoubles()[0], 0.0, 1e-10);
  EXPECT_NEAR(g.toDoubles()[1], 0.0, 1e-10);
  // The Hessian is -P: logp at mean + d is logp at mean - d^T P d / 2.
  Tensor d = Tensor::of({mean0 + 0.1, mean1 - 0.2});
  double l0 = evaluate(m.logp, {{m.values[0], post}}).item();
  double l1 = evaluate(m.logp, {{m.values[0], d}}).item();
  double quad = 0.1 * 0.1 * 13 - 2 * 0.1 * 0.2 * 12 + 0.2 * 0.2 * 21;
  EXPECT_NEAR(l1 - l0, -0.5 * quad, 1e-10);
}
