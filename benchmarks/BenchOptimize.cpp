// The workshop's optimization problems timed: minimize()'s evaluations and wall time per problem
// (median of several warm runs: the Functions come from the in-memory cache, as SciPy's
// functions are compiled before its timer starts), against SciPy's from the committed
// benchmarks/optimize_scipy.py. Paired runs: each pair runs the SciPy script, then ours, so both
// see the same machine load; the ratios printed are the medians over the pairs of each pair's
// ratio.
//   build/benchmarks/graphjit-bench-optimize --pairs 5      # runs /usr/bin/python3 the script
//   build/benchmarks/graphjit-bench-optimize TABLE          # one table from `--table`
// Run from the source tree (or set GRAPHJIT_SCIPY_SCRIPT to the script's path).
#include "../test/unit/Optim/WorkshopProblems.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

using Table = std::map<std::string, Figure>;

Table readTable(std::istream &in) {
  Table t;
  std::string name;
  Figure f;
  while (in >> name >> f.nfev >> f.seconds)
    t[name] = f;
  return t;
}

/// One run of the SciPy script's --table (empty if it cannot run).
Table runScipy() {
  const char *script = std::getenv("GRAPHJIT_SCIPY_SCRIPT");
  std::string cmd = std::string("/usr/bin/python3 ") +
                    (script ? script : "benchmarks/optimize_scipy.py") + " --table 2>/dev/null";
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) return {};
  std::string out;
  char buf[4096];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, got);
  pclose(p);
  std::istringstream in(out);
  return readTable(in);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Every problem once (each a median of warm runs): name -> (method, figure).
std::map<std::string, std::pair<std::string, Figure>> runOurs() {
  std::map<std::string, std::pair<std::string, Figure>> ours;
  Var x = vector("x"), a = scalar("a"), X = matrix("X"), y = vector("y"), beta = vector("beta");
  Var alphas = vector("alphas"), lambdas = vector("lambdas"), budget = scalar("budget");
  // The graphs are built once, as SciPy's functions are defined before its timer starts; each
  // timed run is the minimize() call (its flat graphs and Functions are reused after the first).
  Var quadLoss = sum(sqr(x - a)), sseLoss = sse(beta, X, y), glmLoss = glmNegLogp(beta, X, y);
  Var utility = utilityLoss(x, alphas, lambdas);
  std::vector<optim::Constraint> budgetCons = {{optim::Constraint::Eq, sum(x) - budget},
                                               {optim::Constraint::Ineq, x}};
  std::vector<optim::Constraint> bonusCons = bonusConstraints(x, budget);
  ours["quadratic"] = {"Nelder-Mead", measure(
                                          [&] {
                                            return optim::minimize(
                                                quadLoss, {x}, {Tensor::of({0.0})},
                                                {{a, Tensor::scalar(3.0)}}, method("Nelder-Mead"));
                                          },
                                          9)};
  Regression small = regression(100, 5, 1);
  ours["sse_powell"] = {"Powell (BOBYQA)",
                        measure(
                            [&] {
                              return optim::minimize(sseLoss, {beta}, {small.x0},
                                                     {{X, small.X}, {y, small.y}},
                                                     method("Powell"));
                            },
                            5)};
  Regression big = regression(1000, 100, 2);
  ours["sse_bfgs"] = {"BFGS (LD_LBFGS)", measure(
                                             [&] {
                                               return optim::minimize(sseLoss, {beta}, {big.x0},
                                                                      {{X, big.X}, {y, big.y}},
                                                                      method("BFGS"));
                                             },
                                             5)};
  Glm g = glm(3);
  ours["glm_map"] = {"trust-ncg", measure(
                                      [&] {
                                        return optim::minimize(
                                            glmLoss, {beta}, {Tensor::zeros(DType::Float64, {10})},
                                            {{X, g.X}, {y, g.y}}, method("trust-ncg"));
                                      },
                                      5)};
  optim::Args mm{{alphas, Tensor::fromVector(kAlphas)},
                 {lambdas, Tensor::fromVector(kLambdas)},
                 {budget, Tensor::scalar(1.0)}};
  Tensor x0 = Tensor::full(DType::Float64, {8}, 1.0 / 8);
  ours["budget"] = {"trust-constr (SLSQP)", measure(
                                                [&] {
                                                  optim::MinimizeOptions o = method("trust-constr");
                                                  o.constraints = budgetCons;
                                                  return optim::minimize(utility, {x}, {x0}, mm, o);
                                                },
                                                5)};
  ours["bonus"] = {"trust-constr (SLSQP)", measure(
                                               [&] {
                                                 optim::MinimizeOptions o = method("trust-constr");
                                                 o.constraints = bonusCons;
                                                 return optim::minimize(utility, {x}, {x0}, mm, o);
                                               },
                                               5)};
  // Nelder-Mead on every problem it can take (SciPy's algorithm: the counts should agree).
  ours["nm_sse"] = {"Nelder-Mead", measure(
                                       [&] {
                                         return optim::minimize(sseLoss, {beta}, {small.x0},
                                                                {{X, small.X}, {y, small.y}},
                                                                method("Nelder-Mead"));
                                       },
                                       5)};
  ours["nm_glm"] = {"Nelder-Mead", measure(
                                       [&] {
                                         return optim::minimize(
                                             glmLoss, {beta}, {Tensor::zeros(DType::Float64, {10})},
                                             {{X, g.X}, {y, g.y}}, method("Nelder-Mead"));
                                       },
                                       3)};
  ours["nm_budget_bounds"] = {"Nelder-Mead", measure(
                                                 [&] {
                                                   optim::MinimizeOptions o = method("Nelder-Mead");
                                                   o.bounds = {{0.0, 0.3}};
                                                   return optim::minimize(utility, {x}, {x0}, mm,
                                                                          o);
                                                 },
                                                 5)};
  return ours;
}
} // namespace

int main(int argc, char **argv) {
  int pairs = 1;
  std::string tableFile;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--pairs") && i + 1 < argc)
      pairs = std::max(1, std::atoi(argv[++i]));
    else
      tableFile = argv[i];
  }
  // Per problem: our figures, SciPy's, and each pair's time ratio.
  std::map<std::string, std::string> methods;
  std::map<std::string, std::vector<double>> oursT, scipyT, ratios;
  std::map<std::string, int> oursN, scipyN;
  for (int k = 0; k < pairs; ++k) {
    Table scipy;
    if (!tableFile.empty()) {
      std::ifstream in(tableFile);
      scipy = readTable(in);
    } else if (argc > 1) {
      scipy = runScipy();
    }
    for (const auto &[name, m] : runOurs()) {
      methods[name] = m.first;
      oursN[name] = m.second.nfev;
      oursT[name].push_back(m.second.seconds);
      auto s = scipy.find(name);
      if (s == scipy.end()) continue;
      scipyN[name] = s->second.nfev;
      scipyT[name].push_back(s->second.seconds);
      ratios[name].push_back(m.second.seconds / s->second.seconds);
    }
    std::fprintf(stderr, "pair %d of %d done\n", k + 1, pairs);
  }
  std::printf("%d paired run(s): seconds are medians over the pairs, time x the median of the "
              "pairs' ratios\n",
              pairs);
  std::printf("%-17s %-22s %6s %11s %10s %11s %7s %7s\n", "problem", "method", "nfev", "seconds",
              "scipy nfev", "scipy s", "nfev x", "time x");
  for (const auto &[name, method] : methods) {
    std::printf("%-17s %-22s %6d %11.6f", name.c_str(), method.c_str(), oursN[name],
                median(oursT[name]));
    if (scipyN.count(name))
      std::printf(" %10d %11.6f %7.2f %7.3f", scipyN[name], median(scipyT[name]),
                  double(oursN[name]) / scipyN[name], median(ratios[name]));
    std::printf("\n");
  }
  return 0;
}
