// Reductions, argmax/argmin, softmax and logsumexp against hand-computed values.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
Tensor m23() { return Tensor::of({{1, -2, 3}, {4, 5, -6}}); }

Tensor eval1(const Var &out, const Var &in, const Tensor &v) {
  Tensor r = evaluate(out, {{in, v}});
  // inferShape agrees with perform for the last node.
  if (out.owner() && out.owner()->op().name() != "dimshuffle") {
    std::vector<Shape> shapes;
    for (const Var &i : out.owner()->inputs())
      shapes.push_back(i == in ? v.shape() : evaluate(i, {{in, v}}).shape());
    EXPECT_EQ(out.owner()->op().inferShape(shapes)[0], r.shape()) << out.owner()->op().str();
  }
  return r;
}
} // namespace

TEST(Reduce, SumOverAxesAndKeepdims) {
  Var x = matrix("x");
  EXPECT_EQ(eval1(sum(x), x, m23()).str(), "f64[] 5");
  EXPECT_EQ(eval1(sum(x, 0), x, m23()).str(), "f64[3] [5, 3, -3]");
  EXPECT_EQ(eval1(sum(x, -1), x, m23()).str(), "f64[2] [2, 3]");
  EXPECT_EQ(eval1(sum(x, 1, true), x, m23()).str(), "f64[2,1] [[2], [3]]");
  EXPECT_EQ(sum(x, 1, true).type().str(), "f64[?,1]");
  EXPECT_EQ(eval1(sum(x, IntList{0, 1}, true), x, m23()).str(), "f64[1,1] [[5]]");
  EXPECT_EQ(sum(x, 0).owner()->op().str(), "sum{axes=[0]}");
}

TEST(Reduce, EveryKind) {
  Var x = matrix("x");
  EXPECT_EQ(eval1(prod(x, 1), x, m23()).str(), "f64[2] [-6, -120]");
  EXPECT_EQ(eval1(max(x, 0), x, m23()).str(), "f64[3] [4, 5, 3]");
  EXPECT_EQ(eval1(min(x), x, m23()).str(), "f64[] -6");
  EXPECT_EQ(eval1(mean(x, 1), x, m23()).str(), "f64[2] [0.6666666666666666, 1]");
  Var b = tensor(DType::Bool, {kUnknownDim, kUnknownDim}, "b");
  Tensor bv = Tensor::of({{1, 0}, {1, 1}}, DType::Bool);
  EXPECT_EQ(eval1(all(b, 1), b, bv).str(), "b1[2] [false, true]");
  EXPECT_EQ(eval1(any(b, 0), b, bv).str(), "b1[2] [true, true]");
}

TEST(Reduce, DTypes) {
  Var i = vector("i", DType::Int32);
  Tensor iv = Tensor::of({1, 2, 3}, DType::Int32);
  EXPECT_EQ(eval1(sum(i), i, iv).str(), "i64[] 6");
  EXPECT_EQ(eval1(prod(i), i, iv).str(), "i64[] 6");
  EXPECT_EQ(eval1(max(i), i, iv).str(), "i32[] 3");
  EXPECT_EQ(eval1(mean(i), i, iv).str(), "f64[] 2");
  Var f = vector("f", DType::Float32);
  EXPECT_EQ(eval1(sum(f), f, Tensor::of({0.5, 0.25}, DType::Float32)).str(), "f32[] 0.75");
  Var b = vector("b", DType::Bool);
  EXPECT_EQ(eval1(sum(b), b, Tensor::of({1, 1, 0}, DType::Bool)).str(), "i64[] 2");
}

TEST(Reduce, EmptyAndSizeOne) {
  Var x = matrix("x");
  Tensor e = Tensor::zeros(DType::Float64, {0, 3});
  EXPECT_EQ(eval1(sum(x, 0), x, e).str(), "f64[3] [0, 0, 0]");
  EXPECT_EQ(eval1(prod(x, 0), x, e).str(), "f64[3] [1, 1, 1]");
  EXPECT_EQ(eval1(sum(x, 1), x, e).str(), "f64[0] []");
  EXPECT_TRUE(std::isnan(eval1(mean(x), x, e).item()));
  EXPECT_THROW(evaluate(max(x, 0), {{x, e}}), ValueError);
  Var s = tensor(DType::Float64, {0, 2}, "s");
  EXPECT_THROW(max(s, 0), ValueError); // known empty at build
  Tensor one = Tensor::of({7.0}).reshaped({1, 1});
  EXPECT_EQ(eval1(max(x, 1), x, one).str(), "f64[1] [7]");
  Var sc = scalar("sc");
  EXPECT_EQ(eval1(sum(sc), sc, Tensor::scalar(4)).str(), "f64[] 4");
}

TEST(Reduce, NaNPropagatesThroughMaxMin) {
  Var v = vector("v");
  EXPECT_TRUE(std::isnan(eval1(max(v), v, Tensor::of({1, NAN, 3})).item()));
  EXPECT_TRUE(std::isnan(eval1(min(v), v, Tensor::of({NAN, 1})).item()));
}

TEST(Reduce, BadAxes) {
  Var x = matrix("x");
  EXPECT_THROW(sum(x, 2), IndexError);
  EXPECT_THROW(sum(x, -3), IndexError);
  EXPECT_THROW(sum(x, IntList{0, 0}), IndexError);
  EXPECT_THROW(opRegistry().make("sum", Attrs{{"axes", IntList{1, 0}}}), ValueError);
  EXPECT_THROW(opRegistry().make("sum", {}), ValueError);
  try {
    applyOp1(opRegistry().make("max", Attrs{{"axes", IntList{3}}}), {x});
    FAIL();
  } catch (const IndexError &e) {
    EXPECT_NE(std::string(e.what()).find("max"), std::string::npos);
  }
}

TEST(ArgReduce, FirstExtremeWins) {
  Var x = matrix("x");
  Tensor v = Tensor::of({{1, 5, 5}, {7, 0, 7}});
  EXPECT_EQ(eval1(argmax(x, 1), x, v).str(), "i64[2] [1, 0]");
  EXPECT_EQ(eval1(argmin(x, 0), x, v).str(), "i64[3] [0, 1, 0]");
  EXPECT_EQ(eval1(argmax(x), x, v).str(), "i64[] 3");
  EXPECT_EQ(eval1(argmax(x, 1, true), x, v).str(), "i64[2,1] [[1], [0]]");
  EXPECT_EQ(eval1(argmax(x, -1), x, Tensor::of({{1, NAN, 3}})).str(), "i64[1] [1]");
  EXPECT_THROW(evaluate(argmax(x), {{x, Tensor::zeros(DType::Float64, {0, 2})}}), ValueError);
  EXPECT_THROW(argmax(x, 2), IndexError);
  Var i = vector("i", DType::Int64);
  EXPECT_EQ(eval1(argmin(i), i, Tensor::of({3, -1, -1}, DType::Int64)).str(), "i64[] 1");
}

TEST(Softmax, ValuesAndStability) {
  Var x = matrix("x");
  Tensor v = Tensor::of({{0, 0}, {1000, 1000 + std::log(3.0)}});
  Tensor sm = eval1(softmax(x), x, v);
  EXPECT_TRUE(allclose(sm, Tensor::of({{0.5, 0.5}, {0.25, 0.75}}), 1e-12, 1e-12)) << sm.str();
  Tensor lsm = eval1(log_softmax(x), x, v);
  EXPECT_TRUE(
      allclose(lsm, Tensor::of({{std::log(0.5), std::log(0.5)}, {std::log(0.25), std::log(0.75)}}),
               1e-12, 1e-12))
      << lsm.str();
  Tensor col = eval1(softmax(x, 0), x, Tensor::of({{0, 1}, {0, 1}}));
  EXPECT_TRUE(allclose(col, Tensor::of({{0.5, 0.5}, {0.5, 0.5}})));
  // log_softmax keeps precision where log(softmax) underflows.
  Tensor far = eval1(log_softmax(x), x, Tensor::of({0.0, -800.0}).reshaped({1, 2}));
  EXPECT_NEAR(far.getAsDouble(1), -800, 1e-9);
  EXPECT_THROW(softmax(x, 2), IndexError);
  EXPECT_EQ(softmax(vector("i", DType::Int32)).dtype(), DType::Float64);
}

TEST(LogSumExp, StableAndExact) {
  Var x = matrix("x");
  Tensor v = Tensor::of({{1000, 1000}, {-1000, -1000}});
  Tensor r = evaluate(logsumexp(x, 1), {{x, v}});
  EXPECT_TRUE(allclose(r, Tensor::of({1000 + std::log(2.0), -1000 + std::log(2.0)}), 1e-14, 0))
      << r.str();
  Tensor inf =
      evaluate(logsumexp(x, 1), {{x, Tensor::of({{-INFINITY, -INFINITY}, {INFINITY, 0}})}});
  EXPECT_EQ(inf.str(), "f64[2] [-inf, inf]");
  EXPECT_EQ(logsumexp(x, 1, true).type().str(), "f64[?,1]");
  Tensor all = evaluate(logsumexp(x), {{x, Tensor::of({{0, 0}, {0, 0}})}});
  EXPECT_NEAR(all.item(), std::log(4.0), 1e-15);
}

TEST(Reduce, DirectGradients) {
  // d/dx sum(x * x) along axis 1, and prod with one zero.
  Var x = matrix("x");
  Var y = sum(x, 1);
  Var g = vector("g");
  auto gx = y.owner()->op().L_op({x}, {y}, {g});
  Tensor r = evaluate(gx[0], {{x, m23()}, {g, Tensor::of({10, 20})}});
  EXPECT_EQ(r.str(), "f64[2,3] [[10, 10, 10], [20, 20, 20]]");

  Var v = vector("v");
  Var p = prod(v);
  Var gs = scalar("gs");
  auto gp = p.owner()->op().L_op({v}, {p}, {gs});
  EXPECT_EQ(evaluate(gp[0], {{v, Tensor::of({2, 3, 4})}, {gs, Tensor::scalar(1)}}).str(),
            "f64[3] [12, 8, 6]");
  EXPECT_EQ(evaluate(gp[0], {{v, Tensor::of({2, 0, 4})}, {gs, Tensor::scalar(1)}}).str(),
            "f64[3] [0, 8, 0]");
  EXPECT_EQ(evaluate(gp[0], {{v, Tensor::of({0, 0, 4})}, {gs, Tensor::scalar(1)}}).str(),
            "f64[3] [0, 0, 0]");

  Var mx = max(v);
  auto gm = mx.owner()->op().L_op({v}, {mx}, {gs});
  EXPECT_EQ(evaluate(gm[0], {{v, Tensor::of({1, 5, 2})}, {gs, Tensor::scalar(3)}}).str(),
            "f64[3] [0, 3, 0]");

  Var mn = mean(x);
  auto gmean = mn.owner()->op().L_op({x}, {mn}, {gs});
  EXPECT_EQ(evaluate(gmean[0], {{x, m23()}, {gs, Tensor::scalar(6)}}).str(),
            "f64[2,3] [[1, 1, 1], [1, 1, 1]]");
}
