// Every problem of the workshop's optimization exercise reaches SciPy's answer (ScipyAnswers.h,
// computed offline by benchmarks/optimize_scipy.py) with the method the exercise names or its
// documented counterpart; the bonus round's constraints hold exactly as the exercise checks.
#include "ScipyAnswers.h"
#include "WorkshopProblems.h"

#include <gtest/gtest.h>

using namespace graphjit;
using namespace workshop;

namespace {
optim::MinimizeOptions method(const char *name) {
  optim::MinimizeOptions o;
  o.method = optim::methodFromName(name);
  return o;
}

double maxAbs(const Tensor &t) {
  double m = 0;
  for (int64_t i = 0; i < t.size(); ++i)
    m = std::max(m, std::fabs(t.getAsDouble(i)));
  return m;
}

double maxRelErr(const Tensor &got, const Tensor &want) {
  double err = 0;
  for (int64_t i = 0; i < want.size(); ++i)
    err = std::max(err, std::fabs(got.getAsDouble(i) - want.getAsDouble(i)) /
                            std::fabs(want.getAsDouble(i)));
  return err;
}
} // namespace

// Exercise 1: (x - a)^2 with a passed as data, Nelder-Mead.
TEST(Workshop, QuadraticNelderMeadWithArgs) {
  Var x = vector("x"), a = scalar("a");
  Var loss = sum(sqr(x - a));
  optim::OptimizeResult r = optim::minimize(loss, {x}, {Tensor::of({0.0})},
                                            {{a, Tensor::scalar(3.0)}}, method("nelder-mead"));
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_NEAR(r.fun, 0.0, 1e-8); // the exercise's check
  EXPECT_NEAR(r.x[0].getAsDouble(0), scipy::kQuadraticX, 1e-4);
  EXPECT_LE(r.nfev, scipy::kQuadraticNfev * 2);
}

// Exercise 2: sum of squares written as linear algebra, Powell (NLopt's BOBYQA).
TEST(Workshop, SumOfSquaresPowell) {
  Regression d = regression(100, 5, 1);
  Var X = matrix("X"), y = vector("y"), beta = vector("beta");
  optim::OptimizeResult r =
      optim::minimize(sse(beta, X, y), {beta}, {d.x0}, {{X, d.X}, {y, d.y}}, method("Powell"));
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_LT(maxRelErr(r.x[0], d.beta), 1e-7); // assert_allclose(res.x, true_beta)
  EXPECT_LE(r.nfev, scipy::kPowellNfev);
}

// Exercise 3: 101 parameters with the gradient, BFGS; from graphs and from a user's fused
// compiled Function (jac=True).
TEST(Workshop, SumOfSquaresBfgsGraphAndFusedFunction) {
  Regression d = regression(1000, 100, 2);
  Var X = matrix("X"), y = vector("y"), beta = vector("beta");
  Var loss = sse(beta, X, y);
  optim::OptimizeResult r =
      optim::minimize(loss, {beta}, {d.x0}, {{X, d.X}, {y, d.y}}, method("BFGS"));
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_LT(maxRelErr(r.x[0], d.beta), 1e-7);
  EXPECT_LT(maxAbs(r.jac[0]), 1e-4); // f_sse_grad(res.x) ~ 0
  EXPECT_LE(r.nfev, scipy::kBfgsNfev);

  Function fused = compile({beta, X, y}, {loss, grad(loss, beta)});
  optim::OptimizeResult f =
      optim::minimize(optim::CompiledObjective{fused}, d.x0, {d.X, d.y}, method("BFGS"));
  EXPECT_TRUE(f.success) << f.message;
  EXPECT_LT(maxRelErr(f.x[0], d.beta), 1e-7);
  EXPECT_EQ(f.nfev, r.nfev); // the same solver on the same numbers
}

// Exercise 4: the Bernoulli GLM's MAP with exact curvature: trust-ncg on Hessian-vector
// products, trust-exact on the dense Hessian, and a user's compiled hess.
TEST(Workshop, GlmMapTrustNcgAndTrustExact) {
  Glm d = glm(3);
  Var X = matrix("X"), y = vector("y"), beta = vector("beta");
  Var loss = glmNegLogp(beta, X, y);
  Tensor x0 = Tensor::zeros(DType::Float64, {10});
  Tensor want = Tensor::fromVector(scipy::kGlmX);
  Var b10 = tensor(DType::Float64, {10}, "b");
  Var l10 = glmNegLogp(b10, X, y);
  Function hessFn = compile({b10, X, y}, {hessian(l10, b10)});
  for (const char *m : {"trust-ncg", "Newton-CG", "trust-exact"}) {
    optim::OptimizeResult r = optim::minimize(loss, {beta}, {x0}, {{X, d.X}, {y, d.y}}, method(m));
    EXPECT_TRUE(r.success) << m << ": " << r.message;
    EXPECT_LT(maxAbsDiff(r.x[0], want), 1e-6) << m;
    EXPECT_TRUE(allclose(r.x[0], d.beta, 0.1, 0.1)) << m; // the exercise's check
    EXPECT_LT(maxAbs(r.jac[0]), 1e-4) << m;
    EXPECT_NEAR(r.fun, scipy::kGlmFun, 1e-6) << m;
    EXPECT_LE(r.nfev, scipy::kGlmNfev) << m;
    EXPECT_GT(r.nhev, 0) << m;
    if (std::string(m) == "trust-exact") { // the dense Hessian at x, as the graph computes it
      ASSERT_EQ(r.hess.shape(), (Shape{10, 10}));
      Tensor h = hessFn({r.x[0], d.X, d.y})[0];
      EXPECT_TRUE(allclose(r.hess, h, 1e-10, 1e-8));
    }
  }
  // The exercise's f_fused and f_hess as the user compiled them.
  optim::CompiledObjective obj{compile({b10, X, y}, {l10, grad(l10, b10)}), hessFn, std::nullopt};
  optim::OptimizeResult r = optim::minimize(obj, x0, {d.X, d.y}, method("trust-ncg"));
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_LT(maxAbsDiff(r.x[0], want), 1e-6);
}

namespace {
/// The exercise's feasibility check: eq within 0.01, every ineq >= 0 exactly.
void expectFeasible(const std::vector<optim::Constraint> &cs, const Var &x, const Tensor &at) {
  for (const optim::Constraint &c : cs) {
    Tensor v = c.fun.eval({{x, at}});
    for (int64_t i = 0; i < v.size(); ++i) {
      if (c.kind == optim::Constraint::Eq)
        EXPECT_NEAR(v.getAsDouble(i), 0.0, 0.01);
      else
        EXPECT_GE(v.getAsDouble(i), 0.0) << "inequality " << i << " violated";
    }
  }
}
} // namespace

// Exercise 8: the budget allocation; trust-constr's counterpart SLSQP, and COBYLA, AUGLAG.
TEST(Workshop, BudgetAllocationTrustConstr) {
  Var x = vector("x"), alphas = vector("alphas"), lambdas = vector("lambdas"),
      budget = scalar("budget");
  std::vector<optim::Constraint> cs{{optim::Constraint::Eq, sum(x) - budget},
                                    {optim::Constraint::Ineq, x}};
  Tensor want = Tensor::fromVector(scipy::kBudgetX);
  for (const char *m : {"trust-constr", "SLSQP", "COBYLA", "AUGLAG"}) {
    optim::MinimizeOptions o = method(m);
    o.constraints = cs;
    optim::OptimizeResult r = optim::minimize(utilityLoss(x, alphas, lambdas), {x},
                                              {Tensor::full(DType::Float64, {8}, 1.0 / 8)},
                                              {{alphas, Tensor::fromVector(kAlphas)},
                                               {lambdas, Tensor::fromVector(kLambdas)},
                                               {budget, Tensor::scalar(1.0)}},
                                              o);
    EXPECT_TRUE(r.success) << m << ": " << r.message;
    EXPECT_NEAR(r.fun, scipy::kBudgetFun, 1e-5) << m;
    EXPECT_TRUE(allclose(r.x[0], want, 0.01, 0.01)) << m << " " << r.x[0].valuesStr();
    EXPECT_LE(r.maxcv, o.ctol) << m;
    Var xs = vector("xs");
    std::vector<optim::Constraint> check{{optim::Constraint::Eq, sum(xs) - 1.0},
                                         {optim::Constraint::Ineq, xs}};
    expectFeasible(check, xs, r.x[0]);
  }
}

// The bonus round: eight constraints over the allocation matrix, checked exactly.
TEST(Workshop, BonusRoundConstraintsHoldExactly) {
  Var x = vector("x"), alphas = vector("alphas"), lambdas = vector("lambdas"),
      budget = scalar("budget");
  optim::MinimizeOptions o = method("trust-constr");
  o.constraints = bonusConstraints(x, budget);
  optim::OptimizeResult r = optim::minimize(utilityLoss(x, alphas, lambdas), {x},
                                            {Tensor::full(DType::Float64, {8}, 1.0 / 8)},
                                            {{alphas, Tensor::fromVector(kAlphas)},
                                             {lambdas, Tensor::fromVector(kLambdas)},
                                             {budget, Tensor::scalar(1.0)}},
                                            o);
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_NEAR(r.fun, scipy::kBonusFun, 1e-5);
  EXPECT_TRUE(allclose(r.x[0], Tensor::fromVector(scipy::kBonusX), 1e-3, 1e-3))
      << r.x[0].valuesStr();
  // The exercise's expected answer, to its tolerance.
  EXPECT_NEAR(r.fun, -1.02, 0.01 + 0.01 * 1.02);
  EXPECT_TRUE(allclose(r.x[0],
                       Tensor::of({1.576e-01, 5.000e-02, 5.450e-02, 1.642e-01, 1.737e-01, 8.221e-02,
                                   2.671e-01, 5.071e-02}),
                       0.01, 0.01));
  Var xs = vector("xs"), b = scalar("b");
  std::vector<optim::Constraint> check = bonusConstraints(xs, b);
  for (optim::Constraint &c : check)
    c.fun = graph_replace(c.fun, {{b, constant(1.0)}});
  expectFeasible(check, xs, r.x[0]);
}
