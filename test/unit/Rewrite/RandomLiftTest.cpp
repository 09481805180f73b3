// The random-variable lifts (opt-in, tag random_lift): where they fire, what the lifted
// graph draws (the kept elements' law), the generator update that follows the lifted draw.
#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
/// Rules applied and the rewritten graph.
std::vector<Var> lifted(const std::vector<Var> &outs, std::vector<std::string> *rules = nullptr) {
  std::vector<Var> roots = graphInputs(outs);
  FunctionGraph fg(roots, outs, true);
  RewriteOptions o;
  o.query = "random_lift";
  if (rules) o.listener = [&](const RewriteEvent &e) { rules->push_back(e.rule); };
  rewriteGraph(fg, o);
  Replacements back;
  for (size_t i = 0; i < roots.size(); ++i)
    back.emplace_back(fg.inputs()[i], roots[i]);
  return graph_replace(fg.outputs(), back);
}

int countOps(const std::vector<Var> &outs, const std::string &name) {
  int n = 0;
  for (Apply *a : toposort(outs))
    n += a->op().name() == name;
  return n;
}

void meanAndSd(const Tensor &t, double *mean, double *sd) {
  std::vector<double> v = t.astype(DType::Float64).toDoubles();
  double s = 0, ss = 0;
  for (double x : v)
    s += x;
  *mean = s / v.size();
  for (double x : v)
    ss += (x - *mean) * (x - *mean);
  *sd = std::sqrt(ss / (v.size() - 1));
}
} // namespace

TEST(RandomLift, IndexedDrawBecomesADrawOfTheIndexedParameters) {
  // normal(mu, 2)[1000:3000] with mu = 3 everywhere -> normal(mu[1000:3000], 2): 2000 draws,
  // mean 3 and sd 2 within five standard errors.
  Var mu = constant(Tensor::full(DType::Float64, {4000}, 3.0));
  Var x = subtensor(normal(mu, constant(2.0)), {IndexEntry::slice(1000, 3000)});
  std::vector<std::string> rules;
  std::vector<Var> out = lifted({x}, &rules);
  ASSERT_EQ(rules, std::vector<std::string>{"local_subtensor_rv_lift"});
  EXPECT_EQ(countOps(out, "subtensor"), 1); // on mu, below the draw
  const RandomVariableOp *rv = asRandomVariable(out[0]);
  ASSERT_NE(rv, nullptr);
  EXPECT_EQ(out[0].type().shape, (Shape{2000}));
  double m, s;
  meanAndSd(evaluate(out, {})[0], &m, &s);
  EXPECT_NEAR(m, 3.0, 5 * 2.0 / std::sqrt(2000.0));
  EXPECT_NEAR(s, 2.0, 5 * 2.0 / std::sqrt(2 * 2000.0));
}

TEST(RandomLift, StretchedParameterDimsAreIndexedWithZeroOrKeptWhole) {
  // mu [1,3] and sigma [4,1] broadcast to [4,3]; row 2 -> normal(mu[0], sigma[2]) of shape [3].
  Var mu = constant(Tensor::of({{10.0, 20.0, 30.0}}));
  Var sigma = constant(Tensor::of({{1.0}, {1.0}, {1e-9}, {1.0}}));
  Var x = subtensor(normal(mu, sigma), {IndexEntry::at(2)});
  std::vector<Var> out = lifted({x});
  ASSERT_NE(asRandomVariable(out[0]), nullptr);
  Tensor v = evaluate(out, {})[0];
  ASSERT_EQ(v.shape(), (Shape{3}));
  EXPECT_NEAR(v.toDoubles()[0], 10.0, 1e-6); // sigma of row 2 is tiny: the draw is mu
  EXPECT_NEAR(v.toDoubles()[2], 30.0, 1e-6);
}

TEST(RandomLift, SizedAndMultivariateDrawsKeepTheirEventDims) {
  Var g = Var::shared(randomGeneratorValue(11), "g");
  Var mu = constant(Tensor::of({1.0, -1.0}));
  Var cov = constant(Tensor::of({{1.0, 0.0}, {0.0, 4.0}}));
  Var draws = randomVariable(Dist::MvNormal, g, sizeOf({50}), {mu, cov});
  Var rows = subtensor(draws, {IndexEntry::slice(10, 20)});
  std::vector<Var> out = lifted({rows});
  ASSERT_NE(asRandomVariable(out[0]), nullptr);
  EXPECT_EQ(evaluate(std::vector<Var>{rvSize(out[0])}, {})[0].toDoubles(),
            (std::vector<double>{10}));
  EXPECT_EQ(evaluate(out, {})[0].shape(), (Shape{10, 2}));
  // An index on the event dim changes the law (a marginal): not lifted.
  Var first = subtensor(randomVariable(Dist::MvNormal, g, sizeOf({50}), {mu, cov}),
                        {IndexEntry::slice(), IndexEntry::at(0)});
  EXPECT_EQ(asRandomVariable(lifted({first})[0]), nullptr);
}

TEST(RandomLift, LeavesADrawWithOtherUsersAlone) {
  Var d = normal(constant(Tensor::full(DType::Float64, {5}, 0.0)), constant(1.0));
  std::vector<std::string> rules;
  lifted({subtensor(d, {IndexEntry::at(1)}), d}, &rules);
  EXPECT_TRUE(rules.empty());
}

TEST(RandomLift, SizeLiftKeepsEveryBit) {
  Var g = Var::shared(randomGeneratorValue(5), "g");
  Var x = normal(g, sizeOf({3}), constant(Tensor::of({1.0, 2.0, 3.0})), constant(0.5));
  std::vector<std::string> rules;
  std::vector<Var> out = lifted({x}, &rules);
  ASSERT_FALSE(rules.empty()); // one event per replaced output (next_rng, draw)
  EXPECT_EQ(rules[0], "local_rv_size_lift");
  EXPECT_EQ(rvSize(out[0]).type().shape, (Shape{0}));
  EXPECT_TRUE(allclose(evaluate(std::vector<Var>{x}, {})[0], evaluate(out, {})[0], 0, 0));
}

TEST(RandomLift, CompiledLiftDrawsFreshAndAdvancesTheGeneratorPastTheKeptDraws) {
  // compile() with the lifts asked for: the default update follows the lifted draw, so the
  // generator moves past 10 normals (10 blocks), not 1000.
  RandomStream rs(9);
  Var x = rs.normal(constant(0.0), constant(1.0), {1000});
  Var kept = subtensor(x, {IndexEntry::slice(0, 10)});
  CompileOptions o;
  o.rewrites = "fast_run,random_lift";
  Function f = compile({}, {kept}, {}, o);
  Tensor a = f({})[0], b = f({})[0];
  EXPECT_EQ(a.shape(), (Shape{10}));
  EXPECT_FALSE(allclose(a, b, 0, 0));
  const RandomGeneratorState &s = randomGeneratorState(rvRng(x)->sharedStorage()->value);
  EXPECT_EQ(s.counter(), (PhiloxCounter{20, 0, 0, 0}));
}

TEST(RandomLift, BatchedParametersOfMultivariateDrawsAreIndexedOnTheirBatchDims) {
  // mvnormal_diag(mu [3,2], sigma [2])[2] -> mvnormal_diag(mu[2], sigma): the event of row 2.
  Var mu = constant(Tensor::of({{0.0, 1.0}, {2.0, 3.0}, {40.0, 50.0}}));
  Var x = subtensor(mvnormal_diag(mu, constant(Tensor::of({1e-9, 1e-9}))), {IndexEntry::at(2)});
  std::vector<Var> out = lifted({x});
  ASSERT_NE(asRandomVariable(out[0]), nullptr);
  EXPECT_EQ(rvParams(out[0])[0].type().shape, (Shape{2}));
  std::vector<double> v = evaluate(out, {})[0].toDoubles();
  EXPECT_NEAR(v[0], 40.0, 1e-6);
  EXPECT_NEAR(v[1], 50.0, 1e-6);
  // categorical(p [3,2])[1] -> categorical(p[1]).
  Var p = constant(Tensor::of({{1.0, 0.0}, {0.0, 1.0}, {1.0, 0.0}}));
  std::vector<Var> c = lifted({subtensor(categorical(p), {IndexEntry::at(1)})});
  ASSERT_NE(asRandomVariable(c[0]), nullptr);
  EXPECT_EQ(evaluate(c, {})[0].item(), 1.0);
}
