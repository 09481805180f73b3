// 200 seeded random graphs: fast_run never changes values (interpreter, within
// tolerance) and never grows a graph unless a rule that says why was applied.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <random>

using namespace graphjit;

namespace {
class Gen {
public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  int pick(int n) { return static_cast<int>(rng_() % n); }
  Var build(const Var &x, const Var &y, int depth) {
    if (depth == 0) return pick(2) ? x : y;
    Var a = build(x, y, depth - 1), b = build(x, y, depth - 1);
    switch (pick(18)) {
    case 0:
      return a + b;
    case 1:
      return a - b;
    case 2:
      return a * b;
    case 3:
      return a / (sqr(b) + 1.0);
    case 4:
      return a + 0.0;
    case 5:
      return a * 1.0;
    case 6:
      return -(-a);
    case 7:
      return a + a;
    case 8:
      return log(1.0 + exp(a));
    case 9:
      return log(sigmoid(a));
    case 10:
      return 1.0 - sigmoid(a);
    case 11:
      return exp(a) * exp(b);
    case 12:
      return pow(a, 2.0);
    case 13:
      return a - a + b;
    case 14:
      return log(exp(a));
    case 15:
      return sqrt(sqr(a));
    case 16:
      return (a * b) / (sqr(a) + 1.0);
    default:
      return exp(a) - 1.0;
    }
  }
  Tensor values(int64_t n) {
    std::uniform_real_distribution<double> u(-2, 2);
    std::vector<double> v(static_cast<size_t>(n));
    for (double &e : v)
      e = u(rng_);
    return Tensor::fromVector(v);
  }

private:
  std::mt19937_64 rng_;
};
} // namespace

TEST(RewriteProperty, FastRunKeepsValuesOnRandomGraphs) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Gen g(seed);
    Var x = vector("x"), y = vector("y");
    Var out = g.build(x, y, 1 + g.pick(4));
    FunctionGraph fg({x, y}, {out});
    size_t before = fg.toposort().size();
    std::vector<std::string> growers;
    RewriteOptions o;
    o.listener = [&](const RewriteEvent &e) {
      for (const NodeRewriter &r : rewriteRegistry().all())
        if (r.name == e.rule && !r.growsBecause.empty()) growers.push_back(r.name);
    };
    rewriteGraph(fg, o);
    Tensor xv = g.values(5), yv = g.values(5);
    Tensor a = evaluate(out, {{x, xv}, {y, yv}});
    Tensor b = evaluate(fg.outputs(), {{fg.inputs()[0], xv}, {fg.inputs()[1], yv}})[0];
    ASSERT_TRUE(allclose(b, a, 1e-9, 1e-9)) << "seed " << seed << "\n"
                                            << dprint(out) << "became\n"
                                            << dprint(fg.outputs()) << a.str() << "\n"
                                            << b.str();
    if (fg.toposort().size() > before)
      EXPECT_FALSE(growers.empty())
          << "seed " << seed << ": the graph grew from " << before << " to " << fg.toposort().size()
          << " nodes and no rule says why\n"
          << dprint(out);
  }
}
