// scan: the reverse-scan gradient, the rewrites (scan_save_mem, hoisting), dprint.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
const ScanOp *scanNode(const std::vector<Var> &outs) {
  for (Apply *n : toposort(outs))
    if (n->op().name() == "scan") return dynamic_cast<const ScanOp *>(&n->op());
  return nullptr;
}
} // namespace

TEST(ScanGrad, MatchesFiniteDifferences) {
  // A sequence, a tap, a non-sequence; n_steps shorter than the sequence (its tail gets zeros).
  verify_grad(
      [](const std::vector<Var> &v) {
        return scan(
                   [](const std::vector<Var> &a) { return StepResult({tanh(a[1] * a[2] + a[0])}); },
                   {v[0]}, {OutputInfo(v[1])}, {v[2]}, 3)
            .outputs[0];
      },
      {Tensor::of({0.1, -0.4, 0.7, 0.2, 0.5}), Tensor::scalar(0.3), Tensor::scalar(0.9)});
}

TEST(ScanGrad, ThroughUntil) {
  // The loop stops after 3 steps (2 -> 4 -> 8 -> 16 > 10) whatever the small perturbation.
  Var x0 = scalar("x0"), a = scalar("a");
  ScanResult r = scan(
      [&](const std::vector<Var> &v) {
        Var next = v[0] * 2.0 + a;
        return StepResult({next}, next > 10.0);
      },
      {}, {OutputInfo(x0)}, {}, 100);
  std::vector<Var> g = grad(r.last(0), {x0, a});
  Bindings b{{x0, Tensor::scalar(1.9)}, {a, Tensor::scalar(0.0)}};
  EXPECT_NEAR(g[0].eval(b).item(), 8.0, 1e-12); // d(8 x0 + 7 a)/dx0
  EXPECT_NEAR(g[1].eval(b).item(), 7.0, 1e-12);
}

TEST(ScanGrad, CompiledAgreesWithInterpreter) {
  Var xs = vector("xs"), w = scalar("w");
  ScanResult r = scan([](const std::vector<Var> &a) { return StepResult({a[1] * a[2] + a[0]}); },
                      {xs}, {OutputInfo(constant(0.0))}, {w});
  Var g = grad(sum(r.outputs[0]), w);
  std::vector<Tensor> args{Tensor::of({1.0, 2.0, 3.0}), Tensor::scalar(0.5)};
  double jit = compile({xs, w}, {g})(args)[0].item();
  double interp = compile({xs, w}, {g}, {}, Mode::Interpret)(args)[0].item();
  EXPECT_NEAR(jit, interp, 1e-12);
  // s1 = 1, s2 = w + 2, s3 = w^2 + 2w + 3: d/dw of the sum at w = 0.5 is 1 + 2w + 2 = 4.
  EXPECT_NEAR(jit, 4.0, 1e-12);
}

TEST(ScanGrad, ForwardMode) {
  Var x0 = scalar("x0"), a = scalar("a"), dx = scalar("dx");
  ScanResult r = scan([](const std::vector<Var> &v) { return StepResult({v[0] * v[1]}); }, {},
                      {OutputInfo(x0)}, {a}, 3);
  Var jvp = Rop({r.last(0)}, {x0}, {dx})[0]; // d(a^3 x0) = a^3 dx
  EXPECT_NEAR(
      jvp.eval({{x0, Tensor::scalar(2)}, {a, Tensor::scalar(1.5)}, {dx, Tensor::scalar(1)}}).item(),
      3.375, 1e-12);
}

TEST(ScanRewrite, SaveMemKeepsTheLastRowOnly) {
  Var x0 = scalar("x0");
  ScanResult r = scan([](const std::vector<Var> &v) { return StepResult({v[0] + 1.0}); }, {},
                      {OutputInfo(x0)}, {}, 1000);
  std::vector<Var> out = simplify({r.last(0)});
  const ScanOp *op = scanNode(out);
  ASSERT_NE(op, nullptr);
  EXPECT_TRUE(op->layout().keepLast[0]);
  EXPECT_EQ(evaluate(out[0], {{graphInputs(out)[0], Tensor::scalar(1)}}).item(), 1001.0);
  // Every row used: nothing to save.
  std::vector<Var> all = simplify({r.outputs[0]});
  EXPECT_FALSE(scanNode(all)->layout().keepLast[0]);
}

TEST(ScanRewrite, LoopInvariantWorkMovesOut) {
  Var xs = vector("xs"), w = scalar("w");
  ScanResult r =
      scan([](const std::vector<Var> &a) { return StepResult({a[1] + a[0] * exp(a[2] * 2.0)}); },
           {xs}, {OutputInfo(constant(0.0))}, {w});
  std::vector<Var> out = simplify({r.outputs[0]}, "canonicalize");
  const ScanOp *op = scanNode(out);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->body().text().find("exp"), std::string::npos) << op->body().text();
  Tensor xv = Tensor::of({1.0, 2.0});
  std::vector<Var> ins = graphInputs(out);
  Bindings b;
  for (const Var &in : ins)
    b.emplace_back(in, in.name() == "xs" ? xv : Tensor::scalar(0.5));
  auto got = evaluate(out[0], b).toDoubles();
  double e = std::exp(1.0);
  EXPECT_NEAR(got[1], e + 2 * e, 1e-12);
}

TEST(ControlFlowPrint, DPrintShowsTheInnerGraphs) {
  Var x0 = scalar("x0"), c = scalar("c", DType::Bool);
  ScanResult r = scan([](const std::vector<Var> &v) { return StepResult({sin(v[0])}); }, {},
                      {OutputInfo(x0)}, {}, 5);
  std::string s = dprint(ifelse(c, r.last(0), x0));
  EXPECT_NE(s.find("Inner graphs:"), std::string::npos) << s;
  EXPECT_NE(s.find(" body:"), std::string::npos) << s;
  EXPECT_NE(s.find("← sin"), std::string::npos) << s;
  EXPECT_NE(s.find(" then:"), std::string::npos) << s;
  EXPECT_EQ(s.find("func @body"), std::string::npos) << s; // no text IR on node lines
}
