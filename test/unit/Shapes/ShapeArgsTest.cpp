// Sizes as graph values (issue 21): alloc/zeros/ones/full and eye with int64 scalar
// sizes against the same builders with numbers (interpreter and JIT, gradients),
// negative sizes, and one compiled PageRank step run on two sizes.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
Tensor ramp(const Shape &shape, double scale = 0.1) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  for (int64_t i = 0; i < t.size(); ++i)
    p[i] = scale * static_cast<double>(i % 7) + 0.05;
  return t;
}

Tensor i64(int64_t v) { return Tensor::scalar(static_cast<double>(v), DType::Int64); }

const Mode kModes[] = {Mode::Interpret, Mode::JIT};
} // namespace

TEST(ShapeArgs, SymbolicSizesMatchNumbers) {
  Var n = scalar("n", DType::Int64), m = scalar("m", DType::Int64);
  for (Mode md : kModes) {
    Function f = compile({n, m},
                         {zeros({n, m}), ones({n}), full({m, n}, 2.5), eye(n), eye(n, m, 1),
                          eye(n, m, -1, DType::Int64), alloc(constant(7.0), {m})},
                         {}, md);
    for (auto [a, b] : {std::pair<int64_t, int64_t>{3, 4}, {0, 2}, {1, 1}, {5, 2}}) {
      std::vector<Tensor> got = f({i64(a), i64(b)});
      std::vector<Tensor> want = evaluate(
          std::vector<Var>{zeros(Shape{a, b}), ones(Shape{a}), full(Shape{b, a}, 2.5), eye(a),
                           eye(a, b, 1), eye(a, b, -1, DType::Int64), full(Shape{b}, 7.0)},
          {});
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].dtype(), want[i].dtype()) << i;
        EXPECT_TRUE(allclose(got[i], want[i]))
            << i << ": " << got[i].str() << " vs " << want[i].str();
      }
    }
  }
}

TEST(ShapeArgs, ConstantSizesGiveTheStaticOps) {
  Var three = constant(Tensor::scalar(3, DType::Int64));
  Var z = zeros({three, three}), e = eye(three);
  EXPECT_EQ(z.type(), TensorType(DType::Float64, {3, 3}));
  EXPECT_EQ(e->owner()->op().name(), "eye");
  // shape_i of a static dim is a constant, so eye(x.shape[0]) of a static x is today's eye.
  Var x = tensor(DType::Float64, {4, 2}, "x");
  EXPECT_EQ(eye(shape_i(x, 0))->owner()->op().name(), "eye");
}

TEST(ShapeArgs, NegativeSizesAreValueErrors) {
  Var n = scalar("n", DType::Int64);
  for (Mode md : kModes) {
    for (Var out : {zeros({n}), eye(n)}) {
      Function f = compile({n}, {out}, {}, md);
      try {
        f({i64(-2)});
        FAIL() << "no error";
      } catch (const ValueError &e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("-2"), std::string::npos) << msg;
        EXPECT_TRUE(msg.find("alloc") != std::string::npos || msg.find("eye") != std::string::npos)
            << msg;
      }
    }
  }
  EXPECT_THROW(zeros({constant(Tensor::scalar(-1, DType::Int64))}), ValueError);
  EXPECT_THROW(zeros({scalar("f")}), TypeError); // a float size
}

TEST(ShapeArgs, GradientThroughAlloc) {
  // d/dv sum(alloc(v, n, len(x)) * x) = n * sum(x).
  Var v = scalar("v"), x = vector("x"), n = scalar("n", DType::Int64);
  Var cost = sum(alloc(v, {n, shape_i(x, 0)}) * x);
  Var g = grad(cost, v);
  for (Mode md : kModes) {
    Tensor got = compile({v, x, n}, {g}, {}, md).call1({Tensor::scalar(0.5), ramp({4}), i64(3)});
    EXPECT_NEAR(got.item(), 3 * evaluate(sum(x), {{x, ramp({4})}}).item(), 1e-12);
  }
}

TEST(ShapeArgs, PageRankStepCompiledOnceRunsOnAnySize) {
  // One damped step r' = (d M + (1 - d) I) r / |.|, I = eye(M.shape[0]): one compile, two sizes.
  Var M = matrix("M"), r = vector("r");
  const double d = 0.85;
  auto step = [&](const Var &I) {
    Var next = matmul(d * M + (1 - d) * I, r);
    return next / sum(next);
  };
  Var out = step(eye(shape_i(M, 0)));
  Function f = compile({M, r}, {out});
  for (int64_t n : {80, 2000}) {
    Tensor Mv = ramp({n, n}, 1.0 / static_cast<double>(n)), rv = ramp({n}, 0.01);
    Var Ms = tensor(DType::Float64, {n, n}, "Ms"), rs = tensor(DType::Float64, {n}, "rs");
    Var ref = matmul(d * Ms + (1 - d) * eye(n), rs);
    Tensor want = evaluate(ref / sum(ref), {{Ms, Mv}, {rs, rv}});
    EXPECT_TRUE(allclose(f.call1({Mv, rv}), want, 1e-9, 1e-12)) << n;
  }
}

TEST(ShapeArgs, BracedNumbersStayStatic) {
  // {} and {2, 3} would also convert to Sizes (numbers become constant Vars): the numeric
  // builders must win, giving the static ops of old.
  Var s = zeros({}, DType::Int64), z = zeros({2, 3}), o = ones({4}), f = full({2}, 1.5);
  Var a = alloc(constant(2.0), {3});
  EXPECT_EQ(s.type().str(), "i64[]");
  EXPECT_EQ(z.type().str(), "f64[2,3]");
  EXPECT_EQ(o.type().str(), "f64[4]");
  EXPECT_EQ(f.type().str(), "f64[2]");
  EXPECT_EQ(a.type().str(), "f64[3]");
  EXPECT_TRUE(allclose(a.eval(), Tensor::of({2.0, 2.0, 2.0})));
  // A Var in the braces makes the size symbolic.
  Var n = scalar("n", DType::Int64);
  EXPECT_EQ(zeros({n}).type().str(), "f64[?]");
}
