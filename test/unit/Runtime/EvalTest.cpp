// Var::eval: PyTensor's x.eval({x: value}).
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
std::string messageOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const Error &e) {
    return e.what();
  }
  return "(no exception)";
}
} // namespace

TEST(Eval, BindsInputsByVariable) {
  Var x = vector("x"), y = vector("y");
  Tensor r = (x * y + 1.0).eval({{x, Tensor::of({1, 2, 3})}, {y, Tensor::of({4, 5, 6})}});
  EXPECT_TRUE(allclose(r, Tensor::of({5, 11, 19}))) << r.str();
}

TEST(Eval, ConstantAndSharedGraphsNeedNoBindings) {
  Var c = constant(Tensor::of({1, 4, 9}));
  EXPECT_TRUE(allclose(sqrt(c).eval(), Tensor::of({1, 2, 3})));
  Var w = shared(Tensor::of({2, 3}), "w");
  EXPECT_DOUBLE_EQ(sum(w * w).eval().item(), 13.0);
}

TEST(Eval, RunsTheRewrittenGraph) {
  // log(1 + exp(x)) is rewritten to softplus(x): 1000, not inf, as a compiled Function gives.
  Var x = scalar("x");
  double r = log(1.0 + exp(x)).eval({{x, Tensor::scalar(1000.0)}}).item();
  EXPECT_NEAR(r, 1000.0, 1e-9);
}

TEST(Eval, ErrorsSayWhatIsMissingOrWrong) {
  Var x = vector("x"), y = vector("y");
  std::string m = messageOf([&] { (x + y).eval({{x, Tensor::of({1})}}); });
  EXPECT_NE(m.find("no value given for input 'y' of type f64[?]"), std::string::npos) << m;
  m = messageOf([&] { (x + y).eval({{x, Tensor::of({{1, 2}})}, {y, Tensor::of({1})}}); });
  EXPECT_NE(m.find("'x' of type f64[?] has type f64[1,2]"), std::string::npos) << m;
  // A computed variable may be bound (the graph is cut there), but only the node itself:
  // another exp(x) still needs x.
  m = messageOf([&] { exp(x).eval({{exp(x), Tensor::of({1})}}); });
  EXPECT_NE(m.find("no value given for input 'x'"), std::string::npos) << m;
  m = messageOf([&] { x.eval({{constant(1.0), Tensor::scalar(1)}}); });
  EXPECT_NE(m.find("not a graph input"), std::string::npos) << m;
  m = messageOf([&] { x.eval({{x, Tensor::of({1})}, {x, Tensor::of({2})}}); });
  EXPECT_NE(m.find("bound twice"), std::string::npos) << m;
  EXPECT_THROW(Var().eval(), ValueError);
}
