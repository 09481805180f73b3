// Random streams inside scan: each step draws afresh from the generator state the previous
// step left, the generator comes out advanced (an update compile() applies), and the
// interpreter and the JIT draw the same values from the same seed.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
double mean(const std::vector<double> &v) {
  double s = 0;
  for (double x : v)
    s += x;
  return s / static_cast<double>(v.size());
}
double variance(const std::vector<double> &v) {
  double m = mean(v), s = 0;
  for (double x : v)
    s += (x - m) * (x - m);
  return s / static_cast<double>(v.size() - 1);
}
} // namespace

TEST(ScanRandom, EachStepDrawsAfresh) {
  RandomStream rs(11);
  Var n = scalar("n", DType::Int64);
  ScanResult r = scan(
      [&](const std::vector<Var> &) {
        return StepResult({rs.normal(constant(2.0), constant(3.0))});
      },
      {}, {OutputInfo()}, {}, n);
  ASSERT_EQ(r.updates.size(), 1u);
  Function f = compile({n}, {r.outputs[0]});
  std::vector<double> x = f({Tensor::scalar(4000, DType::Int64)})[0].toDoubles();
  ASSERT_EQ(x.size(), 4000u);
  // Mean 2 (sd 3 / sqrt(4000) = 0.047) and variance 9 (sd about 9 * sqrt(2 / 4000) = 0.2).
  EXPECT_NEAR(mean(x), 2.0, 4 * 3.0 / std::sqrt(4000.0));
  EXPECT_NEAR(variance(x), 9.0, 4 * 9.0 * std::sqrt(2.0 / 4000));
  // Lag-1 autocorrelation near 0: the steps do not repeat one draw.
  double m = mean(x), c = 0;
  for (size_t t = 1; t < x.size(); ++t)
    c += (x[t] - m) * (x[t - 1] - m);
  EXPECT_LT(std::abs(c / (x.size() - 1) / variance(x)), 4 / std::sqrt(4000.0));
}

TEST(ScanRandom, TheGeneratorComesOutAdvanced) {
  RandomStream rs(5);
  ScanResult r = scan(
      [&](const std::vector<Var> &a) {
        return StepResult({a[0] + rs.uniform(constant(0.0), constant(1.0))});
      },
      {}, {OutputInfo(constant(0.0))}, {}, 10);
  Function f = compile({}, {r.outputs[0]});
  std::vector<double> first = f({})[0].toDoubles(), second = f({})[0].toDoubles();
  EXPECT_NE(first, second); // the second call starts where the first left the generator
  // Reseeding restarts the same sequence of calls.
  rs.seed(5);
  std::vector<double> again = f({})[0].toDoubles(), next = f({})[0].toDoubles();
  EXPECT_EQ(again, first);
  EXPECT_EQ(next, second);
  for (double v : first) {
    EXPECT_GT(v, 0.0);
    EXPECT_LT(v, 10.0);
  }
}

TEST(ScanRandom, InterpreterAndJITDrawTheSameValues) {
  RandomStream rs(3);
  Var mu = scalar("mu");
  ScanResult r = scan(
      [&](const std::vector<Var> &a) {
        Var x = 0.9 * a[0] + rs.normal(mu, constant(0.5));
        return StepResult({x, exp(x)});
      },
      {}, {OutputInfo(constant(0.0)), OutputInfo()}, {}, 50);
  Function interp = compile({mu}, {r.outputs[0], r.outputs[1]}, {}, Mode::Interpret);
  Function jit = compile({mu}, {r.outputs[0], r.outputs[1]}, {}, Mode::JIT);
  rs.seed(3);
  std::vector<Tensor> a = interp({Tensor::scalar(0.2)});
  rs.seed(3);
  std::vector<Tensor> b = jit({Tensor::scalar(0.2)});
  for (int o = 0; o < 2; ++o) {
    std::vector<double> x = a[o].toDoubles(), y = b[o].toDoubles();
    ASSERT_EQ(x.size(), 50u);
    for (size_t k = 0; k < x.size(); ++k)
      EXPECT_NEAR(x[k], y[k], 1e-12 * (1 + std::abs(x[k])));
  }
}

TEST(ScanRandom, NoGradientThroughDrawsIsAClearError) {
  RandomStream rs(1);
  Var s = scalar("s");
  ScanResult r = scan(
      [&](const std::vector<Var> &a) { return StepResult({a[0] + rs.normal(constant(0.0), s)}); },
      {}, {OutputInfo(constant(0.0))}, {}, 3);
  EXPECT_THROW(grad(sum(r.outputs[0]), {s}), NotImplementedError);
}
