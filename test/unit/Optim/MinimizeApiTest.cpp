// minimize()'s interface: SciPy's method names, bounds, Hessians with respect to shared f64[?]
// parameters, the callback, the progress line, and errors that leave values unchanged.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
optim::MinimizeOptions method(const char *name) {
  optim::MinimizeOptions o;
  o.method = optim::methodFromName(name);
  return o;
}
} // namespace

TEST(MinimizeApi, MethodNamesAreSciPys) {
  EXPECT_EQ(optim::methodFromName("l-bfgs-b"), optim::Method::LBFGSB);
  EXPECT_EQ(optim::methodFromName("TRUST-NCG"), optim::Method::TrustNCG);
  EXPECT_EQ(optim::methodName(optim::Method::TrustExact), "trust-exact");
  for (const char *m : {"Nelder-Mead", "Powell", "BFGS", "L-BFGS-B", "SLSQP", "COBYLA",
                        "trust-constr", "Newton-CG", "trust-ncg", "trust-exact", "AUGLAG"})
    EXPECT_EQ(optim::methodName(optim::methodFromName(m)), m);
  try {
    optim::methodFromName("dogleg");
    ADD_FAILURE();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("trust-ncg"), std::string::npos) << e.what();
  }
}

// L-BFGS-B: the minimum of sum((x - 3)^2) in [0, 2]^n is on the upper bound.
TEST(MinimizeApi, BoundsHoldExactly) {
  Var x = vector("x");
  for (const char *m : {"L-BFGS-B", "SLSQP", "Powell", "COBYLA"}) {
    optim::MinimizeOptions o = method(m);
    o.bounds = {{0.0, 2.0}};
    optim::OptimizeResult r =
        optim::minimize(sum(sqr(x - 3.0)), {x}, {Tensor::of({0.5, 1.0, 1.5})}, {}, o);
    EXPECT_TRUE(r.success) << m << ": " << r.message;
    for (int i = 0; i < 3; ++i) {
      EXPECT_LE(r.x[0].getAsDouble(i), 2.0) << m;
      EXPECT_NEAR(r.x[0].getAsDouble(i), 2.0, 1e-6) << m;
    }
  }
  optim::MinimizeOptions o = method("trust-ncg");
  o.bounds = {{0.0, 2.0}};
  EXPECT_THROW(optim::minimize(sum(sqr(x - 3.0)), {x}, {Tensor::of({0.5})}, {}, o), ValueError);
  o = method("L-BFGS-B");
  o.bounds = {{0, 1}, {0, 1}};
  EXPECT_THROW(optim::minimize(sum(sqr(x - 3.0)), {x}, {Tensor::of({0.5, 1, 1})}, {}, o),
               ShapeError);
}

// A shared parameter is f64[?]; its Hessian needs static dims, which minimize resolves from the
// value, so trust-exact and trust-ncg work on it directly (the "static shape" error).
TEST(MinimizeApi, HessianWithRespectToASharedUnknownSizeParameter) {
  Var w = shared(Tensor::of({-1.2, 1.0}), "w");
  ASSERT_FALSE(w.type().isStatic());
  Var a = w[0], b = w[1];
  Var rosen = sqr(1.0 - a) + 100.0 * sqr(b - sqr(a));
  for (const char *m : {"trust-exact", "trust-ncg"}) {
    setValue(w, Tensor::of({-1.2, 1.0}));
    optim::OptimizeResult r = optim::minimize(rosen, {w}, method(m));
    EXPECT_TRUE(r.success) << m << ": " << r.message;
    EXPECT_NEAR(getValue(w).getAsDouble(0), 1.0, 1e-6) << m;
    EXPECT_NEAR(getValue(w).getAsDouble(1), 1.0, 1e-6) << m;
    // SciPy 1.10 takes 26 evaluations with trust-exact, 30 with trust-ncg, stopping at gtol 1e-5
    // (x within 6e-7 of the optimum); ours stop at gtol 1e-8.
    EXPECT_LE(r.nfev, std::string(m) == "trust-exact" ? 26 : 32) << m << " nit " << r.nit;
    if (std::string(m) == "trust-exact") {
      // The exact Hessian at (1, 1): [[802, -400], [-400, 200]].
      EXPECT_TRUE(allclose(r.hess, Tensor::of({{802.0, -400.0}, {-400.0, 200.0}}), 1e-4, 1e-4))
          << r.hess.valuesStr();
    }
  }
}

TEST(MinimizeApi, CallbackSeesEveryIterationAndCanStop) {
  Var x = vector("x");
  Var loss = sum(sqr(x - 1.0)) + sqr(sum(x));
  int calls = 0;
  optim::MinimizeOptions o = method("trust-ncg");
  o.callback = [&](const optim::IterationInfo &it) {
    ++calls;
    EXPECT_EQ(it.nit, calls);
    EXPECT_EQ(it.x->size(), 4u);
    return false;
  };
  optim::OptimizeResult r = optim::minimize(loss, {x}, {Tensor::zeros(DType::Float64, {4})}, {}, o);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(calls, r.nit);
  o.method = optim::Method::LBFGSB;
  o.callback = [](const optim::IterationInfo &it) { return it.nit == 2; };
  r = optim::minimize(loss, {x}, {Tensor::of({5.0, -3.0, 2.0, 7.0})}, {}, o);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.nit, 2);
  EXPECT_EQ(r.message, "stopped by the callback");
}

TEST(MinimizeApi, ProgressLineOnLongRuns) {
  Var x = vector("x");
  optim::MinimizeOptions o = method("Nelder-Mead");
  o.progressSeconds = 1e-9; // every iteration is "long"
  testing::internal::CaptureStderr();
  optim::minimize(sum(sqr(x - 2.0)), {x}, {Tensor::of({0.0, 0.0})}, {}, o);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("minimize[Nelder-Mead]:"), std::string::npos) << err;
  EXPECT_NE(err.find("nfev"), std::string::npos) << err;
}

TEST(MinimizeApi, ErrorsNameTheInputAndLeaveValuesUnchanged) {
  Var w = shared(Tensor::of({1.0, 2.0}), "w"), X = matrix("X"), y = vector("y");
  Var loss = sum(sqr(y - dot(X, w)));
  auto unchanged = [&] { EXPECT_TRUE(allclose(getValue(w), Tensor::of({1.0, 2.0}), 0, 0)); };
  // A missing argument.
  try {
    optim::minimize(loss, {w}, {}, {{X, Tensor::zeros(DType::Float64, {3, 2})}});
    ADD_FAILURE();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("'y'"), std::string::npos) << e.what();
  }
  // An argument of the wrong rank.
  try {
    optim::minimize(
        loss, {w}, {},
        {{X, Tensor::zeros(DType::Float64, {3})}, {y, Tensor::zeros(DType::Float64, {3})}});
    ADD_FAILURE();
  } catch (const TypeError &e) {
    EXPECT_NE(std::string(e.what()).find("'X'"), std::string::npos) << e.what();
  }
  // Shapes that do not fit each other: the graph's own ShapeError, values unchanged.
  EXPECT_ANY_THROW(optim::minimize(
      loss, {w}, {},
      {{X, Tensor::zeros(DType::Float64, {3, 2})}, {y, Tensor::zeros(DType::Float64, {4})}}));
  // A starting value of the wrong rank.
  Var v = vector("v");
  EXPECT_THROW(optim::minimize(sum(v), {v}, {Tensor::zeros(DType::Float64, {2, 2})}, {}),
               ShapeError);
  // NaN along the way (sqrt of a negative) with a data argument.
  Var c = scalar("c");
  try {
    optim::minimize(sum(sqrt(w - c) + 3.0 * w), {w}, {}, {{c, Tensor::scalar(0.5)}});
    ADD_FAILURE();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
  unchanged();
  // Newton methods: a NaN trial point is an error too.
  try {
    optim::minimize(sum(sqrt(w - c) + 3.0 * w), {w}, {}, {{c, Tensor::scalar(0.5)}},
                    method("trust-ncg"));
    ADD_FAILURE();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
  unchanged();
}

// A user's compiled Function without a gradient runs the gradient-free methods; asking a
// gradient method of it is an error that says what is missing.
TEST(MinimizeApi, CompiledFunctionObjective) {
  Var x = vector("x"), a = scalar("a");
  Function f = compile({x, a}, {sum(sqr(x - a))});
  optim::OptimizeResult r = optim::minimize(optim::CompiledObjective{f}, Tensor::of({0.0, 0.0}),
                                            {Tensor::scalar(3.0)}, method("Nelder-Mead"));
  EXPECT_TRUE(r.success);
  EXPECT_NEAR(r.x[0].getAsDouble(1), 3.0, 1e-4);
  try {
    optim::minimize(optim::CompiledObjective{f}, Tensor::of({0.0}), {Tensor::scalar(3.0)},
                    method("BFGS"));
    ADD_FAILURE();
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("(loss, grad)"), std::string::npos) << e.what();
  }
}

// A refit of the same graphs reuses their Functions: new data, a new start and a new size each
// give their own answer (the data is never baked in, the shapes are part of what is reused).
TEST(MinimizeApi, RefitsTakeNewDataAndShapes) {
  Var x = vector("x"), a = vector("a");
  Var loss = sum(sqr(x - a));
  optim::MinimizeOptions o = method("trust-ncg");
  auto fit = [&](std::vector<double> target, std::vector<double> start) {
    optim::OptimizeResult r = optim::minimize(loss, {x}, {Tensor::fromVector(start)},
                                              {{a, Tensor::fromVector(target)}}, o);
    EXPECT_TRUE(r.success) << r.message;
    return r.x[0];
  };
  EXPECT_TRUE(allclose(fit({3.0, -1.0}, {0.0, 0.0}), Tensor::of({3.0, -1.0}), 1e-9, 1e-9));
  EXPECT_TRUE(allclose(fit({-2.0, 5.0}, {1.0, 1.0}), Tensor::of({-2.0, 5.0}), 1e-9, 1e-9));
  EXPECT_TRUE(
      allclose(fit({1.0, 2.0, 4.0}, {0.0, 0.0, 0.0}), Tensor::of({1.0, 2.0, 4.0}), 1e-9, 1e-9));
  o.method = optim::Method::LBFGSB; // another method builds its own Functions
  EXPECT_TRUE(allclose(fit({0.5, 0.25}, {0.0, 0.0}), Tensor::of({0.5, 0.25}), 1e-6, 1e-6));
}

// trust-ncg evaluates each trial point with H g in the same call: on a quadratic the Newton
// step is exact, so one step and two evaluations (the start and the answer) suffice, and the
// start's finiteness check is not counted twice.
TEST(MinimizeApi, TrustNcgCountsRealEvaluations) {
  Var x = vector("x");
  Var loss = sum(sqr(x - constant(Tensor::of({0.3, -0.2})))) * 0.5;
  optim::OptimizeResult r =
      optim::minimize(loss, {x}, {Tensor::of({0.0, 0.0})}, {}, method("trust-ncg"));
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_EQ(r.nfev, 2);
  EXPECT_EQ(r.njev, 2);
  EXPECT_TRUE(allclose(r.jac[0], Tensor::of({0.0, 0.0}), 0, 1e-12)) << r.jac[0].str();
}
