// ifelse: values, laziness (interpreter and JIT), gradient, text IR.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
/// x * x[5]: fails with IndexError for the 2-element vectors used here.
Var failing(const Var &x) { return x * x[5]; }
} // namespace

TEST(IfElse, PicksTheBranch) {
  Var c = scalar("c", DType::Bool), x = vector("x");
  Var y = ifelse(c, exp(x), x * 3.0);
  Tensor xv = Tensor::of({1.0, 2.0});
  auto yes = y.eval({{c, Tensor::scalar(1, DType::Bool)}, {x, xv}}).toDoubles();
  auto no = y.eval({{c, Tensor::scalar(0, DType::Bool)}, {x, xv}}).toDoubles();
  EXPECT_NEAR(yes[1], std::exp(2.0), 1e-12);
  EXPECT_EQ(no[1], 6.0);
}

TEST(IfElse, SeveralOutputs) {
  Var c = scalar("c", DType::Int64), x = vector("x"), a = scalar("a");
  std::vector<Var> outs = ifelse(c, {x + a, sum(x)}, {x - a, a});
  auto v = evaluate(
      outs,
      {{c, Tensor::scalar(0, DType::Int64)}, {x, Tensor::of({1.0, 2.0})}, {a, Tensor::scalar(10)}});
  EXPECT_EQ(v[0].toDoubles()[1], -8.0);
  EXPECT_EQ(v[1].item(), 10.0);
}

TEST(IfElse, OnlyTheTakenBranchRunsInTheInterpreter) {
  Var c = scalar("c", DType::Bool), x = vector("x");
  Var y = ifelse(c, x + 1.0, failing(x));
  Tensor xv = Tensor::of({1.0, 2.0});
  EXPECT_EQ(y.eval({{c, Tensor::scalar(1, DType::Bool)}, {x, xv}}).toDoubles()[0], 2.0);
  EXPECT_THROW(y.eval({{c, Tensor::scalar(0, DType::Bool)}, {x, xv}}), IndexError);
}

TEST(IfElse, OnlyTheTakenBranchRunsInCompiledCode) {
  Var c = scalar("c", DType::Bool), x = vector("x");
  Var y = ifelse(c, x + 1.0, failing(x));
  Function f = compile({c, x}, {y});
  Tensor xv = Tensor::of({1.0, 2.0});
  EXPECT_EQ(f({Tensor::scalar(1, DType::Bool), xv})[0].toDoubles()[1], 3.0);
  EXPECT_THROW(f({Tensor::scalar(0, DType::Bool), xv}), IndexError);
}

TEST(IfElse, GradientIsAnIfElseOfTheBranchGradients) {
  for (double pick : {0.0, 1.0}) {
    verify_grad(
        [pick](const std::vector<Var> &v) {
          Var c = constant(pick, DType::Bool);
          return ifelse(c, exp(v[0]) * v[1], sin(v[0]) + v[1] * v[1]);
        },
        {Tensor::of({0.3, -0.7}), Tensor::of({1.5, 0.5})});
  }
  // The gradient is as lazy as the forward: the failing branch's gradient never runs.
  Var c = scalar("c", DType::Bool), x = vector("x");
  Var g = grad(sum(ifelse(c, x * x, failing(x))), x);
  Bindings b{{c, Tensor::scalar(1, DType::Bool)}, {x, Tensor::of({3.0, 4.0})}};
  EXPECT_EQ(g.eval(b).toDoubles(), (std::vector<double>{6, 8}));
  b[0].second = Tensor::scalar(0, DType::Bool);
  EXPECT_THROW(g.eval(b), IndexError);
}

TEST(IfElse, TextRoundTrip) {
  Var c = scalar("c", DType::Bool), x = vector("x");
  Var y = ifelse(c, exp(x), x * 3.0);
  std::string text = printFunction({"f", {c, x}, {y}});
  TextFunction back = parseFunction(text);
  EXPECT_EQ(printFunction(back), text);
  Tensor xv = Tensor::of({1.0, 2.0});
  EXPECT_EQ(evaluate(back.outputs[0],
                     {{back.inputs[0], Tensor::scalar(0, DType::Bool)}, {back.inputs[1], xv}})
                .toDoubles()[1],
            6.0);
}

TEST(IfElse, EqualBranchesMakeEqualOps) {
  Var c = scalar("c", DType::Bool), x = vector("x");
  Var a = ifelse(c, exp(x), x), b = ifelse(c, exp(x), x);
  EXPECT_TRUE(a.owner()->op() == b.owner()->op());
  EXPECT_FALSE(a.owner()->op() == ifelse(c, x, exp(x)).owner()->op());
}

TEST(IfElse, Errors) {
  Var c = scalar("c", DType::Bool), x = vector("x"), m = matrix("m");
  EXPECT_THROW(ifelse(c, x, m), TypeError);
  EXPECT_THROW(ifelse(scalar("f"), x, x + 1.0), TypeError);
  EXPECT_THROW(ifelse(c, {x}, {x, x}), ValueError);
}
