// Every spelling of each stabilized function, and the gradients grad() builds from
// them, evaluated where the naive graph overflows, underflows or cancels (±800 and
// ±90, 1e-20, the branch point -ln 2 of log1mexp) through the interpreter after
// fast_run and through the JIT, against mpmath references (StabilityRefs.h) at
// rtol 1e-12 (float64) and 1e-5 (float32). Each case also checks that the naive
// graph, not rewritten, misses the reference somewhere (so the case tests a rule).
#include "StabilityRefs.h"

#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace graphjit;
using Refs = std::vector<std::pair<double, double>>;

namespace {
struct Tolerance {
  double rtol, atol;
};
Tolerance tolFor(DType d) {
  return d == DType::Float32 ? Tolerance{1e-5, 1e-37} : Tolerance{1e-12, 1e-300};
}

bool closeTo(double got, double ref, Tolerance t) {
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref;
  return std::abs(got - ref) <= t.rtol * std::abs(ref) + t.atol;
}

/// Values of `out` (a function of x) at the reference points, per evaluation path.
/// Returns true if the naive graph (not rewritten) agrees with the references everywhere.
bool checkSpelling(const std::string &what, DType dtype,
                   const std::function<Var(const Var &)> &build, const Refs &refs, Tolerance tol) {
  Var x = vector("x", dtype);
  Var out = build(x);
  std::vector<double> xs;
  for (auto &[v, r] : refs)
    xs.push_back(v);
  Tensor in = Tensor::fromVector(xs).astype(dtype);
  auto agree = [&](const Tensor &got, const char *path, bool expect) {
    Tensor g = got.astype(DType::Float64);
    bool all = true;
    for (size_t i = 0; i < refs.size(); ++i) {
      bool ok = closeTo(g.getAsDouble(static_cast<int64_t>(i)), refs[i].second, tol);
      all &= ok;
      if (expect)
        EXPECT_TRUE(ok) << what << " [" << path << "] at x = " << refs[i].first << ": got "
                        << g.getAsDouble(i) << ", reference " << refs[i].second;
    }
    return all;
  };
  agree(evaluate(simplify({out})[0], {{x, in}}), "interpreter after fast_run", true);
  agree(compile({x}, {out}).call1({in}), "JIT", true);
  return agree(evaluate(out, {{x, in}}), "naive", false);
}

void checkAll(const std::string &what,
              const std::vector<std::function<Var(const Var &)>> &spellings, const Refs &f64,
              const Refs *f32 = nullptr) {
  bool naiveAccurate = true;
  for (size_t i = 0; i < spellings.size(); ++i) {
    std::string name = what + " spelling " + std::to_string(i);
    naiveAccurate &=
        checkSpelling(name + " (f64)", DType::Float64, spellings[i], f64, tolFor(DType::Float64));
    if (f32)
      naiveAccurate &= checkSpelling(name + " (f32)", DType::Float32, spellings[i], *f32,
                                     tolFor(DType::Float32));
  }
  EXPECT_FALSE(naiveAccurate) << what
                              << ": every naive spelling is accurate at these points already";
}

/// d/dx sum(f(x)), built by grad() from the naive f.
std::function<Var(const Var &)> gradOf(std::function<Var(const Var &)> f) {
  return [f](const Var &x) { return grad(sum(f(x)), x); };
}
} // namespace

using namespace stability_refs;

TEST(Stability, Softplus) {
  checkAll("softplus",
           {[](const Var &x) { return log(1.0 + exp(x)); },
            [](const Var &x) { return log(exp(x) + 1.0); },
            [](const Var &x) { return log1p(exp(x)); },
            [](const Var &x) { return -log(sigmoid(-x)); },
            [](const Var &x) { return -log(1.0 / (1.0 + exp(x))); }},
           kSoftplusF64, &kSoftplusF32);
}

TEST(Stability, Sigmoid) {
  checkAll("sigmoid",
           {[](const Var &x) { return 1.0 / (1.0 + exp(-x)); },
            [](const Var &x) { return exp(x) / (1.0 + exp(x)); },
            [](const Var &x) { return reciprocal(exp(-x) + 1.0); },
            [](const Var &x) { return exp(x) * (1.0 / (exp(x) + 1.0)); }},
           kSigmoidF64, &kSigmoidF32);
}

TEST(Stability, LogSigmoid) {
  checkAll("log sigmoid",
           {[](const Var &x) { return log(sigmoid(x)); },
            [](const Var &x) { return log(1.0 / (1.0 + exp(-x))); },
            [](const Var &x) { return -log(1.0 + exp(-x)); },
            [](const Var &x) { return log(exp(x) / (1.0 + exp(x))); }},
           kLogSigmoidF64, &kLogSigmoidF32);
}

TEST(Stability, Expm1AndLog1p) {
  checkAll("expm1",
           {[](const Var &x) { return exp(x) - 1.0; }, [](const Var &x) { return -1.0 + exp(x); },
            [](const Var &x) { return exp(x) + (-1.0); },
            [](const Var &x) { return -(1.0 - exp(x)); }},
           kExpm1);
  checkAll("log1p",
           {[](const Var &x) { return log(1.0 + x); }, [](const Var &x) { return log(x + 1.0); }},
           kLog1p);
  checkAll("log1p(-x)", {[](const Var &x) { return log(1.0 - x); }}, kLog1pNeg);
}

TEST(Stability, Log1mexpBothBranches) {
  checkAll("log1mexp",
           {[](const Var &x) { return log(1.0 - exp(x)); },
            [](const Var &x) { return log1p(-exp(x)); },
            [](const Var &x) { return log(-expm1(x)); }},
           kLog1mexp);
}

TEST(Stability, LogAddExp) {
  checkAll("logaddexp", {[](const Var &x) { return log(exp(x) + exp(x - 1.0)); }},
           kLogAddExpShift1);
}

TEST(Stability, SqrtOfASquare) {
  Refs big{{1e200, 1e200}, {-1e200, 1e200}, {1e-200, 1e-200}, {-3.0, 3.0}};
  checkAll("sqrt(x*x)",
           {[](const Var &x) { return sqrt(x * x); },
            [](const Var &x) { return sqrt(pow(x, 2.0)); },
            [](const Var &x) { return sqrt(sqr(x)); }},
           big);
}

TEST(Stability, GradientsEndStable) {
  // grad(log(1 + exp(x))) is exp(x) / (1 + exp(x)) as grad() builds it: sigmoid(x) after fast_run.
  checkAll("grad softplus",
           {gradOf([](const Var &x) { return log(1.0 + exp(x)); }),
            gradOf([](const Var &x) { return log1p(exp(x)); })},
           kSigmoidF64, &kSigmoidF32);
  checkAll("grad log sigmoid",
           {gradOf([](const Var &x) { return log(sigmoid(x)); }),
            gradOf([](const Var &x) { return log(1.0 / (1.0 + exp(-x))); })},
           kDLogSigmoidF64, &kDLogSigmoidF32);
  checkAll("grad cross-entropy", {gradOf([](const Var &x) {
             Var p = sigmoid(x);
             return -(0.25 * log(p) + 0.75 * log(1.0 - p));
           })},
           kDBceF64, &kDBceF32);
  checkAll("grad log1mexp", {gradOf([](const Var &x) { return log(1.0 - exp(x)); })}, kDLog1mexp);
}

// Each family's gradient built by grad() from every spelling before any rewrite: the products
// it writes (1 / sigmoid(-x) * sigmoid(x) * sigmoid(-x), -exp(x) / sqr(1 + exp(x)), ...) cancel
// and become sigmoids again (issue 22: NaN at x = 800 before).
TEST(Stability, GradientsOfEverySpelling) {
  checkAll("grad log(1 - sigmoid)",
           {gradOf([](const Var &x) { return log(1.0 - sigmoid(x)); }),
            gradOf([](const Var &x) { return log1p(-sigmoid(x)); }),
            gradOf([](const Var &x) { return log(sigmoid(-x)); })},
           kDLog1mSigmoidF64, &kDLog1mSigmoidF32);
  checkAll("grad softplus (more spellings)",
           {gradOf([](const Var &x) { return -log(1.0 / (1.0 + exp(x))); }),
            gradOf([](const Var &x) { return -log(sigmoid(-x)); }),
            gradOf([](const Var &x) { return log(exp(x) + 1.0); })},
           kSigmoidF64, &kSigmoidF32);
  checkAll("grad log sigmoid (more spellings)",
           {gradOf([](const Var &x) { return log(exp(x) / (1.0 + exp(x))); }),
            gradOf([](const Var &x) { return -log(1.0 + exp(-x)); })},
           kDLogSigmoidF64, &kDLogSigmoidF32);
  checkAll("grad sigmoid",
           {gradOf([](const Var &x) { return 1.0 / (1.0 + exp(-x)); }),
            gradOf([](const Var &x) { return exp(x) / (1.0 + exp(x)); }),
            gradOf([](const Var &x) { return reciprocal(exp(-x) + 1.0); })},
           kDSigmoidF64, &kDSigmoidF32);
  checkAll("grad cross-entropy (two sigmoid nodes)", {gradOf([](const Var &x) {
             return -(0.25 * log(sigmoid(x)) + 0.75 * log(1.0 - sigmoid(x)));
           })},
           kDBceF64, &kDBceF32);
  // d/da logaddexp(a, a - 1) = sigmoid(1) + sigmoid(-1) = 1 everywhere.
  Refs ones;
  for (auto &[x, v] : kLogAddExpShift1)
    ones.emplace_back(x, 1.0);
  checkAll("grad logaddexp", {gradOf([](const Var &x) { return log(exp(x) + exp(x - 1.0)); })},
           ones);
}

TEST(Stability, GradientOfLogSumExpIsSoftmax) {
  Var x = vector("x");
  Tensor v = Tensor::fromVector(std::vector<double>{800, -800, 0, 799});
  // softmax([800, -800, 0, 799]) = [1 / (1 + e^-1), 0, 0, e^-1 / (1 + e^-1)]
  double a = 1 / (1 + std::exp(-1.0)), b = 1 - a;
  Var g = grad(log(sum(exp(x))), x);
  for (const Tensor &t : {evaluate(simplify({g})[0], {{x, v}}), compile({x}, {g}).call1({v})}) {
    std::vector<double> got = t.toDoubles(), want{a, 0, 0, b};
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 1e-15) << "element " << i;
  }
  EXPECT_TRUE(std::isnan(evaluate(g, {{x, v}}).toDoubles()[0])); // the naive graph: inf / inf
}

TEST(Stability, RowsLogSumExpAndLogSoftmax) {
  Var m = matrix("m");
  std::vector<double> flat;
  for (auto &row : kMatrix)
    flat.insert(flat.end(), row.begin(), row.end());
  Tensor v = Tensor::fromVector(flat, {3, 3});
  Tensor w = Tensor::fromVector(kWeights);
  auto check = [&](const std::string &what, const Var &out, const std::vector<double> &ref,
                   double atol) {
    std::vector<Tensor> got{evaluate(simplify({out})[0], {{m, v}}), compile({m}, {out}).call1({v})};
    for (const Tensor &g : got)
      for (size_t i = 0; i < ref.size(); ++i)
        EXPECT_TRUE(closeTo(g.getAsDouble(static_cast<int64_t>(i)), ref[i], {1e-12, atol}))
            << what << " element " << i << ": got " << g.getAsDouble(i) << ", reference " << ref[i];
  };
  std::vector<double> lse(kRowLogSumExp.begin(), kRowLogSumExp.end()), lsm, dlsm;
  for (auto &row : kRowLogSoftmax)
    lsm.insert(lsm.end(), row.begin(), row.end());
  for (auto &row : kGradWeightedLogSoftmax)
    dlsm.insert(dlsm.end(), row.begin(), row.end());
  check("log(sum(exp(m), 1))", log(sum(exp(m), 1)), lse, 1e-300);
  check("log(sum(exp(m), 1, keepdims))", log(sum(exp(m), 1, true)), lse, 1e-300);
  check("m - log(sum(exp(m), 1, keepdims))", m - log(sum(exp(m), 1, true)), lsm, 1e-300);
  check("log(softmax(m))", log(softmax(m, 1)), lsm, 1e-300);
  check("log(exp(m) / sum(exp(m), keepdims))", log(exp(m) / sum(exp(m), 1, true)), lsm, 1e-300);
  // The gradient divides by softmax: w_j - sum(w) softmax_j after fast_run (cancellation: atol).
  Var wv = constant(w);
  check("grad sum(w * log(softmax(m)))", grad(sum(log(softmax(m, 1)) * wv), m), dlsm, 1e-13);
  check("grad sum(w * (m - log(sum(exp(m)))))", grad(sum((m - log(sum(exp(m), 1, true))) * wv), m),
        dlsm, 1e-13);
}
