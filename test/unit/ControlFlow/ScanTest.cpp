// scan: sequences, taps, non-sequences, n_steps, until, per-step outputs; interpreter and JIT.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(Scan, CumulativeSumOverASequence) {
  Var xs = vector("xs");
  ScanResult r = scan([](const std::vector<Var> &a) { return StepResult({a[0] + a[1]}); }, {xs},
                      {OutputInfo(constant(0.0))});
  auto v = r.outputs[0].eval({{xs, Tensor::of({1.0, 2.0, 3.0, 4.0})}}).toDoubles();
  EXPECT_EQ(v, (std::vector<double>{1, 3, 6, 10}));
  EXPECT_EQ(r.last(0).eval({{xs, Tensor::of({1.0, 2.0})}}).item(), 3.0);
}

TEST(Scan, SeveralPastTapsMakeFibonacci) {
  Var init = vector("init");
  ScanResult r = scan([](const std::vector<Var> &a) { return StepResult({a[0] + a[1]}); }, {},
                      {OutputInfo(init, {-2, -1})}, {}, 8);
  auto v = r.outputs[0].eval({{init, Tensor::of({0.0, 1.0})}}).toDoubles();
  EXPECT_EQ(v, (std::vector<double>{1, 2, 3, 5, 8, 13, 21, 34}));
}

TEST(Scan, NonSequencesAndSymbolicSteps) {
  Var a = scalar("a"), x0 = scalar("x0"), n = scalar("n", DType::Int64);
  ScanResult r = scan([](const std::vector<Var> &v) { return StepResult({v[0] * v[1]}); }, {},
                      {OutputInfo(x0)}, {a}, n);
  auto v = r.outputs[0]
               .eval({{a, Tensor::scalar(2)},
                      {x0, Tensor::scalar(1)},
                      {n, Tensor::scalar(5, DType::Int64)}})
               .toDoubles();
  EXPECT_EQ(v, (std::vector<double>{2, 4, 8, 16, 32}));
}

TEST(Scan, ImplicitNonSequences) {
  Var a = scalar("a"), x0 = scalar("x0");
  ScanResult r = scan([&](const std::vector<Var> &v) { return StepResult({v[0] + a}); }, {},
                      {OutputInfo(x0)}, {}, 3);
  EXPECT_EQ(r.last(0).eval({{a, Tensor::scalar(2)}, {x0, Tensor::scalar(1)}}).item(), 7.0);
}

TEST(Scan, UntilStopsAfterTheStepThatMakesItTrue) {
  Var x0 = scalar("x0");
  ScanResult r = scan(
      [](const std::vector<Var> &v) {
        Var next = v[0] * 2.0;
        return StepResult({next}, next > 100.0);
      },
      {}, {OutputInfo(x0)}, {}, 1000);
  auto v = r.outputs[0].eval({{x0, Tensor::scalar(1)}}).toDoubles();
  EXPECT_EQ(v, (std::vector<double>{2, 4, 8, 16, 32, 64, 128}));
}

TEST(Scan, PerStepOutputsAreNotFedBack) {
  Var xs = vector("xs");
  ScanResult r =
      scan([](const std::vector<Var> &a) { return StepResult({a[0] + a[1], a[0] * a[0]}); }, {xs},
           {OutputInfo(constant(0.0)), OutputInfo()});
  auto v = evaluate(r.outputs, {{xs, Tensor::of({1.0, 2.0, 3.0})}});
  EXPECT_EQ(v[0].toDoubles(), (std::vector<double>{1, 3, 6}));
  EXPECT_EQ(v[1].toDoubles(), (std::vector<double>{1, 4, 9}));
}

TEST(Scan, MatrixStateMatchesTheJIT) {
  Var m = matrix("m"), x0 = vector("x0");
  ScanResult r = scan([](const std::vector<Var> &a) { return StepResult({tanh(dot(a[1], a[0]))}); },
                      {}, {OutputInfo(x0)}, {m}, 4);
  Tensor mv = Tensor::of({{0.5, -0.2}, {0.1, 0.9}}), xv = Tensor::of({1.0, 2.0});
  Tensor want = r.outputs[0].eval({{m, mv}, {x0, xv}});
  Function f = compile({m, x0}, {r.outputs[0]});
  Tensor got = f({mv, xv})[0];
  ASSERT_EQ(got.shape(), (Shape{4, 2}));
  for (int i = 0; i < 8; ++i)
    EXPECT_NEAR(got.getAsDouble(i), want.getAsDouble(i), 1e-12);
}

TEST(Scan, TextRoundTrip) {
  Var xs = vector("xs"), a = scalar("a");
  ScanResult r = scan([](const std::vector<Var> &v) { return StepResult({v[0] * v[2] + v[1]}); },
                      {xs}, {OutputInfo(constant(0.0))}, {a});
  std::string text = printFunction({"f", {xs, a}, {r.outputs[0]}});
  TextFunction back = parseFunction(text);
  EXPECT_EQ(printFunction(back), text);
  auto v = evaluate(back.outputs[0],
                    {{back.inputs[0], Tensor::of({1.0, 2.0})}, {back.inputs[1], Tensor::scalar(3)}})
               .toDoubles();
  EXPECT_EQ(v, (std::vector<double>{3, 9})); // s = x_t * a + s
}

TEST(Scan, Errors) {
  Var x0 = scalar("x0"), m = matrix("m");
  auto id = [](const std::vector<Var> &v) { return StepResult({v[0]}); };
  EXPECT_THROW(scan(id, {}, {OutputInfo(x0)}), ValueError); // no n_steps, no sequence
  EXPECT_THROW(scan(id, {}, {OutputInfo(x0, {-2, -1})}, {}, 3), ValueError);
  EXPECT_THROW(
      scan([&](const std::vector<Var> &) { return StepResult({m}); }, {}, {OutputInfo(x0)}, {}, 3),
      TypeError);
  Var xs = vector("xs");
  ScanResult r = scan([](const std::vector<Var> &v) { return StepResult({v[0] + v[1]}); }, {xs},
                      {OutputInfo(x0)}, {}, 5);
  EXPECT_THROW(r.outputs[0].eval({{xs, Tensor::of({1.0})}, {x0, Tensor::scalar(0)}}), ShapeError);
}

TEST(Scan, VectorizeGraphRunsOneLoopOverTheBatch) {
  // A batch of 2 sequences and 2 non-sequences against a loop over the batch.
  Var xs = vector("xs"), a = scalar("a");
  ScanResult r = scan([](const std::vector<Var> &v) { return StepResult({v[1] * v[2] + v[0]}); },
                      {xs}, {OutputInfo(constant(1.0))}, {a});
  Var xb = matrix("xb"), ab = vector("ab");
  Var yb = vectorize_graph(r.outputs[0], {{xs, xb}, {a, ab}});
  Tensor xv = Tensor::of({{1, 2, 3}, {4, 5, 6}}), av = Tensor::of({2.0, -1.0});
  Tensor got = yb.eval({{xb, xv}, {ab, av}});
  ASSERT_EQ(got.shape(), (Shape{2, 3}));
  for (int i = 0; i < 2; ++i) {
    Tensor want =
        r.outputs[0].eval({{xs, evaluate(constant(xv)[i])}, {a, evaluate(constant(av)[i])}});
    for (int t = 0; t < 3; ++t)
      EXPECT_EQ(got.getAsDouble(i * 3 + t), want.getAsDouble(t));
  }
  Var n = scalar("n", DType::Int64);
  ScanResult u =
      scan([](const std::vector<Var> &v) { return StepResult({v[0] * 2.0}, v[0] > 5.0); }, {},
           {OutputInfo(a)}, {}, n);
  EXPECT_THROW(vectorize_graph(u.outputs[0], {{a, ab}}), NotImplementedError);
}
