// The workshop's optimization problems timed: minimize()'s evaluations and wall time per problem
// (median of several warm runs: the Functions come from the in-memory cache, as SciPy's
// functions are compiled before its timer starts). SciPy's figures come from the committed
// benchmarks/optimize_scipy.py; pass its `--table` output file to print the ratios:
//   /usr/bin/python3 benchmarks/optimize_scipy.py --table > /tmp/scipy.txt
//   build/benchmarks/graphjit-bench-optimize /tmp/scipy.txt
#include "../test/unit/Optim/WorkshopProblems.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

using namespace graphjit;
using namespace workshop;

namespace {
struct Figure {
  int nfev = 0;
  double seconds = 0;
};

Figure measure(const std::function<optim::OptimizeResult()> &run, int repeats) {
  run(); // compiles; later runs hit the in-memory cache
  std::vector<double> t;
  int nfev = 0;
  for (int i = 0; i < repeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    nfev = run().nfev;
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return {nfev, t[t.size() / 2]};
}

optim::MinimizeOptions method(const char *name) {
  optim::MinimizeOptions o;
  o.method = optim::methodFromName(name);
  o.progressSeconds = 0;
  return o;
}
} // namespace

int main(int argc, char **argv) {
  std::map<std::string, Figure> scipy;
  if (argc > 1) {
    std::ifstream in(argv[1]);
    std::string name;
    Figure f;
    while (in >> name >> f.nfev >> f.seconds)
      scipy[name] = f;
  }
  std::map<std::string, std::pair<std::string, Figure>> ours;
  Var x = vector("x"), a = scalar("a"), X = matrix("X"), y = vector("y"), beta = vector("beta");
  ours["quadratic"] = {"Nelder-Mead", measure(
                                          [&] {
                                            return optim::minimize(
                                                sum(sqr(x - a)), {x}, {Tensor::of({0.0})},
                                                {{a, Tensor::scalar(3.0)}}, method("Nelder-Mead"));
                                          },
                                          9)};
  Regression small = regression(100, 5, 1);
  ours["sse_powell"] = {"Powell (BOBYQA)",
                        measure(
                            [&] {
                              return optim::minimize(sse(beta, X, y), {beta}, {small.x0},
                                                     {{X, small.X}, {y, small.y}},
                                                     method("Powell"));
                            },
                            5)};
  Regression big = regression(1000, 100, 2);
  ours["sse_bfgs"] = {"BFGS (LD_LBFGS)",
                      measure(
                          [&] {
                            return optim::minimize(sse(beta, X, y), {beta}, {big.x0},
                                                   {{X, big.X}, {y, big.y}}, method("BFGS"));
                          },
                          5)};
  Glm g = glm(3);
  ours["glm_map"] = {"trust-ncg",
                     measure(
                         [&] {
                           return optim::minimize(glmNegLogp(beta, X, y), {beta},
                                                  {Tensor::zeros(DType::Float64, {10})},
                                                  {{X, g.X}, {y, g.y}}, method("trust-ncg"));
                         },
                         5)};
  Var alphas = vector("alphas"), lambdas = vector("lambdas"), budget = scalar("budget");
  optim::Args mm{{alphas, Tensor::fromVector(kAlphas)},
                 {lambdas, Tensor::fromVector(kLambdas)},
                 {budget, Tensor::scalar(1.0)}};
  Tensor x0 = Tensor::full(DType::Float64, {8}, 1.0 / 8);
  ours["budget"] = {"trust-constr (SLSQP)",
                    measure(
                        [&] {
                          optim::MinimizeOptions o = method("trust-constr");
                          o.constraints = {{optim::Constraint::Eq, sum(x) - budget},
                                           {optim::Constraint::Ineq, x}};
                          return optim::minimize(utilityLoss(x, alphas, lambdas), {x}, {x0}, mm, o);
                        },
                        5)};
  ours["bonus"] = {"trust-constr (SLSQP)",
                   measure(
                       [&] {
                         optim::MinimizeOptions o = method("trust-constr");
                         o.constraints = bonusConstraints(x, budget);
                         return optim::minimize(utilityLoss(x, alphas, lambdas), {x}, {x0}, mm, o);
                       },
                       5)};
  // Nelder-Mead on every problem it can take (SciPy's algorithm: the counts should agree).
  ours["nm_sse"] = {"Nelder-Mead", measure(
                                       [&] {
                                         return optim::minimize(sse(beta, X, y), {beta}, {small.x0},
                                                                {{X, small.X}, {y, small.y}},
                                                                method("Nelder-Mead"));
                                       },
                                       5)};
  ours["nm_glm"] = {"Nelder-Mead", measure(
                                       [&] {
                                         return optim::minimize(
                                             glmNegLogp(beta, X, y), {beta},
                                             {Tensor::zeros(DType::Float64, {10})},
                                             {{X, g.X}, {y, g.y}}, method("Nelder-Mead"));
                                       },
                                       3)};
  ours["nm_budget_bounds"] = {"Nelder-Mead", measure(
                                                 [&] {
                                                   optim::MinimizeOptions o = method("Nelder-Mead");
                                                   o.bounds = {{0.0, 0.3}};
                                                   return optim::minimize(
                                                       utilityLoss(x, alphas, lambdas), {x}, {x0},
                                                       mm, o);
                                                 },
                                                 5)};
  std::printf("%-12s %-22s %8s %12s %10s %12s %8s %8s\n", "problem", "method", "nfev", "seconds",
              "scipy nfev", "scipy s", "nfev x", "time x");
  for (const auto &[name, m] : ours) {
    const Figure &f = m.second;
    // Nelder-Mead on every problem it can take (SciPy's algorithm: the counts should agree).
  ours["nm_sse"] = {"Nelder-Mead", measure(
                                       [&] {
                                         return optim::minimize(sse(beta, X, y), {beta}, {small.x0},
                                                                {{X, small.X}, {y, small.y}},
                                                                method("Nelder-Mead"));
                                       },
                                       5)};
  ours["nm_glm"] = {"Nelder-Mead", measure(
                                       [&] {
                                         return optim::minimize(
                                             glmNegLogp(beta, X, y), {beta},
                                             {Tensor::zeros(DType::Float64, {10})},
                                             {{X, g.X}, {y, g.y}}, method("Nelder-Mead"));
                                       },
                                       3)};
  ours["nm_budget_bounds"] = {"Nelder-Mead", measure(
                                                 [&] {
                                                   optim::MinimizeOptions o = method("Nelder-Mead");
                                                   o.bounds = {{0.0, 0.3}};
                                                   return optim::minimize(
                                                       utilityLoss(x, alphas, lambdas), {x}, {x0},
                                                       mm, o);
                                                 },
                                                 5)};
  std::printf("%-12s %-22s %8d %12.6f", name.c_str(), m.first.c_str(), f.nfev, f.seconds);
    auto s = scipy.find(name);
    if (s != scipy.end())
      std::printf(" %10d %12.6f %8.2f %8.3f", s->second.nfev, s->second.seconds,
                  double(f.nfev) / s->second.nfev, f.seconds / s->second.seconds);
    std::printf("\n");
  }
  return 0;
}
