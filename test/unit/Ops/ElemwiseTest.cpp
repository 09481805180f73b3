// Elementwise ops against hand-computed values, over dtypes, broadcasting and
// size-0/size-1 dims; inferShape against perform; errors on bad input.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace graphjit;

namespace {
Tensor run(const Var &out, const Bindings &b) { return evaluate(out, b); }

// Evaluates fn on inputs of the given values and checks against `expected`,
// also checking that inferShape agrees with the produced shape.
void expectValues(const std::function<Var(const std::vector<Var> &)> &fn,
                  const std::vector<Tensor> &args, const Tensor &expected, double tol = 1e-12) {
  std::vector<Var> vars;
  Bindings b;
  for (size_t i = 0; i < args.size(); ++i) {
    vars.push_back(
        tensor(args[i].dtype(), Shape(args[i].ndim(), kUnknownDim), "a" + std::to_string(i)));
    b.emplace_back(vars.back(), args[i]);
  }
  Var out = fn(vars);
  Tensor got = run(out, b);
  EXPECT_EQ(got.dtype(), expected.dtype()) << out.owner()->op().str();
  EXPECT_TRUE(allclose(got, expected, tol, tol))
      << out.owner()->op().str() << ": got " << got.str() << ", expected " << expected.str();
  std::vector<Shape> shapes;
  for (auto &a : args)
    shapes.push_back(a.shape());
  if (out.owner()->op().name() != "dimshuffle")
    EXPECT_EQ(out.owner()->op().inferShape(shapes)[0], got.shape());
}

Tensor f64(std::initializer_list<double> v) { return Tensor::of(v); }
Tensor f32(std::initializer_list<double> v) { return Tensor::of(v, DType::Float32); }
Tensor i64(std::initializer_list<double> v) { return Tensor::of(v, DType::Int64); }
Tensor i32(std::initializer_list<double> v) { return Tensor::of(v, DType::Int32); }
Tensor b1(std::initializer_list<double> v) { return Tensor::of(v, DType::Bool); }

using V = const std::vector<Var> &;
} // namespace

TEST(Elemwise, BinaryArithmeticFloat) {
  Tensor a = f64({1.5, -2, 7}), b = f64({2, 4, -2});
  expectValues([](V v) { return v[0] + v[1]; }, {a, b}, f64({3.5, 2, 5}));
  expectValues([](V v) { return v[0] - v[1]; }, {a, b}, f64({-0.5, -6, 9}));
  expectValues([](V v) { return v[0] * v[1]; }, {a, b}, f64({3, -8, -14}));
  expectValues([](V v) { return v[0] / v[1]; }, {a, b}, f64({0.75, -0.5, -3.5}));
  expectValues([](V v) { return floor_div(v[0], v[1]); }, {a, b}, f64({0, -1, -4}));
  expectValues([](V v) { return mod(v[0], v[1]); }, {a, b}, f64({1.5, 2, -1}));
  expectValues([](V v) { return pow(v[0], v[1]); }, {a, b}, f64({2.25, 16, 1.0 / 49}));
  expectValues([](V v) { return maximum(v[0], v[1]); }, {a, b}, f64({2, 4, 7}));
  expectValues([](V v) { return minimum(v[0], v[1]); }, {a, b}, f64({1.5, -2, -2}));
}

TEST(Elemwise, IntegerArithmeticFollowsPython) {
  Tensor a = i64({7, -7, 7, -7}), b = i64({2, 2, -2, -2});
  expectValues([](V v) { return floor_div(v[0], v[1]); }, {a, b}, i64({3, -4, -4, 3}));
  expectValues([](V v) { return mod(v[0], v[1]); }, {a, b}, i64({1, 1, -1, -1}));
  expectValues([](V v) { return v[0] * v[1]; }, {a, b}, i64({14, -14, -14, 14}));
  expectValues([](V v) { return pow(v[0], v[1]); }, {i64({2, 3, -2}), i64({10, 3, 3})},
               i64({1024, 27, -8}));
  // True division of ints is float64, as in NumPy.
  expectValues([](V v) { return v[0] / v[1]; }, {a, b}, f64({3.5, -3.5, -3.5, 3.5}));
  // Division by zero is defined (0) rather than a crash.
  expectValues([](V v) { return floor_div(v[0], v[1]); }, {i32({5}), i32({0})}, i32({0}));
  expectValues([](V v) { return mod(v[0], v[1]); }, {i32({5}), i32({0})}, i32({0}));
}

TEST(Elemwise, DTypePromotion) {
  expectValues([](V v) { return v[0] + v[1]; }, {i32({1, 2}), f32({0.5, 0.5})}, f32({1.5, 2.5}));
  expectValues([](V v) { return v[0] + v[1]; }, {i64({1, 2}), f32({0.5, 0.5})}, f64({1.5, 2.5}));
  expectValues([](V v) { return v[0] + v[1]; }, {i32({1, 2}), i64({3, 4})}, i64({4, 6}));
  expectValues([](V v) { return v[0] + v[1]; }, {b1({1, 0}), b1({1, 0})}, i64({2, 0}));
  expectValues([](V v) { return exp(v[0]); }, {i32({0, 1})}, f64({1, std::exp(1.0)}));
  // Python scalars take the tensor's dtype.
  expectValues([](V v) { return v[0] * 2.0; }, {f32({1, 2})}, f32({2, 4}));
  expectValues([](V v) { return v[0] + 1.0; }, {i32({1, 2})}, i32({2, 3}));
  expectValues([](V v) { return v[0] * 0.5; }, {i32({1, 2})}, f64({0.5, 1}));
}

TEST(Elemwise, UnaryMath) {
  Tensor x = f64({0.5, 1, 2});
  auto m = [&](std::function<double(double)> f) { return f64({f(0.5), f(1), f(2)}); };
  expectValues([](V v) { return exp(v[0]); }, {x}, m([](double a) { return std::exp(a); }));
  expectValues([](V v) { return log(v[0]); }, {x}, m([](double a) { return std::log(a); }));
  expectValues([](V v) { return log1p(v[0]); }, {x}, m([](double a) { return std::log1p(a); }));
  expectValues([](V v) { return expm1(v[0]); }, {x}, m([](double a) { return std::expm1(a); }));
  expectValues([](V v) { return log2(v[0]); }, {x}, f64({-1, 0, 1}));
  expectValues([](V v) { return log10(v[0]); }, {f64({1, 10, 1000})}, f64({0, 1, 3}));
  expectValues([](V v) { return sqrt(v[0]); }, {f64({0, 4, 2.25})}, f64({0, 2, 1.5}));
  expectValues([](V v) { return sqr(v[0]); }, {f64({-3, 0.5, 2})}, f64({9, 0.25, 4}));
  expectValues([](V v) { return abs(v[0]); }, {f64({-3, 0, 2})}, f64({3, 0, 2}));
  expectValues([](V v) { return sign(v[0]); }, {f64({-3, 0, 2})}, f64({-1, 0, 1}));
  expectValues([](V v) { return -v[0]; }, {i32({-3, 0, 2})}, i32({3, 0, -2}));
  expectValues([](V v) { return sigmoid(v[0]); }, {f64({0, 2})},
               f64({0.5, 1 / (1 + std::exp(-2.0))}));
  expectValues([](V v) { return softplus(v[0]); }, {x},
               m([](double a) { return std::log1p(std::exp(a)); }));
  expectValues([](V v) { return tanh(v[0]); }, {x}, m([](double a) { return std::tanh(a); }));
  expectValues([](V v) { return sin(v[0]); }, {x}, m([](double a) { return std::sin(a); }));
  expectValues([](V v) { return cos(v[0]); }, {x}, m([](double a) { return std::cos(a); }));
  expectValues([](V v) { return erf(v[0]); }, {f64({0, 0.5})}, f64({0, 0.5204998778130465}));
  expectValues([](V v) { return reciprocal(v[0]); }, {f64({2, -4})}, f64({0.5, -0.25}));
  expectValues([](V v) { return exp(v[0]); }, {f32({0, 1})}, f32({1, 2.7182817f}), 1e-6);
}

TEST(Elemwise, StableReferenceFunctionsAtExtremes) {
  // The oracle itself must be accurate where naive formulas fail.
  expectValues([](V v) { return softplus(v[0]); }, {f64({800, -800, 1e-20})},
               f64({800, 0, std::log1p(1.0)}), 1e-15);
  expectValues([](V v) { return sigmoid(v[0]); }, {f64({800, -800})}, f64({1, 0}));
  expectValues([](V v) { return log1p(v[0]); }, {f64({1e-20})}, f64({1e-20}), 1e-30);
  expectValues([](V v) { return expm1(v[0]); }, {f64({1e-20})}, f64({1e-20}), 1e-30);
  Tensor sp = evaluate(softplus(constant(-40.0)));
  EXPECT_NEAR(sp.item(), std::exp(-40.0), 1e-30);
}

TEST(Elemwise, ComparisonsAndLogic) {
  Tensor a = f64({1, 2, 3}), b = f64({2, 2, 2});
  expectValues([](V v) { return v[0] < v[1]; }, {a, b}, b1({1, 0, 0}));
  expectValues([](V v) { return v[0] <= v[1]; }, {a, b}, b1({1, 1, 0}));
  expectValues([](V v) { return v[0] > v[1]; }, {a, b}, b1({0, 0, 1}));
  expectValues([](V v) { return v[0] >= v[1]; }, {a, b}, b1({0, 1, 1}));
  expectValues([](V v) { return eq(v[0], v[1]); }, {a, b}, b1({0, 1, 0}));
  expectValues([](V v) { return neq(v[0], v[1]); }, {a, b}, b1({1, 0, 1}));
  expectValues([](V v) { return logical_and(v[0], v[1]); }, {b1({1, 1, 0}), b1({1, 0, 0})},
               b1({1, 0, 0}));
  expectValues([](V v) { return logical_or(v[0], v[1]); }, {b1({1, 1, 0}), b1({1, 0, 0})},
               b1({1, 1, 0}));
  expectValues([](V v) { return logical_not(v[0]); }, {b1({1, 0})}, b1({0, 1}));
  // int64 comparisons are exact beyond 2^53.
  Tensor big = Tensor::fromVector<int64_t>({(int64_t(1) << 60) + 1});
  Tensor big2 = Tensor::fromVector<int64_t>({int64_t(1) << 60});
  expectValues([](V v) { return v[0] > v[1]; }, {big, big2}, b1({1}));
}

TEST(Elemwise, WhereClipCast) {
  expectValues([](V v) { return where(v[0], v[1], v[2]); },
               {b1({1, 0, 1}), f64({1, 2, 3}), f64({-1, -2, -3})}, f64({1, -2, 3}));
  expectValues([](V v) { return where(v[0], v[1], v[2]); },
               {b1({1, 0}), i32({1, 2}), f32({-1, -2})}, f32({1, -2}));
  expectValues([](V v) { return clip(v[0], 0.0, 1.0); }, {f64({-1, 0.5, 2})}, f64({0, 0.5, 1}));
  expectValues([](V v) { return clip(v[0], v[1], v[2]); },
               {i64({-5, 5, 50}), i64({0, 0, 0}), i64({10, 10, 10})}, i64({0, 5, 10}));
  expectValues([](V v) { return cast(v[0], DType::Int32); }, {f64({-1.5, 2.7})}, i32({-1, 2}));
  expectValues([](V v) { return cast(v[0], DType::Bool); }, {f64({0, 2.7})}, b1({0, 1}));
  expectValues([](V v) { return cast(v[0], DType::Float64); }, {i64({3})}, f64({3}));
}

TEST(Elemwise, BroadcastingAndSizeZeroOne) {
  Var m = matrix("m");
  Var row = tensor(DType::Float64, {1, kUnknownDim}, "row");
  Var col = tensor(DType::Float64, {kUnknownDim, 1}, "col");
  Var v = vector("v");
  Tensor mv = Tensor::of({{1, 2, 3}, {4, 5, 6}});
  EXPECT_TRUE(
      allclose(evaluate(m + row, {{m, mv}, {row, Tensor::of({10, 20, 30}).reshaped({1, 3})}}),
               Tensor::of({{11, 22, 33}, {14, 25, 36}})));
  EXPECT_TRUE(allclose(evaluate(m * col, {{m, mv}, {col, Tensor::of({2, 3}).reshaped({2, 1})}}),
                       Tensor::of({{2, 4, 6}, {12, 15, 18}})));
  // Rank alignment: a vector adds to each row.
  Var mv2 = m + v;
  EXPECT_EQ(mv2.type().str(), "f64[?,?]");
  EXPECT_TRUE(allclose(evaluate(mv2, {{m, mv}, {v, Tensor::of({1, 1, 1})}}),
                       Tensor::of({{2, 3, 4}, {5, 6, 7}})));
  // Outer sum through two broadcast dims.
  EXPECT_TRUE(allclose(evaluate(col + row, {{col, Tensor::of({1, 2}).reshaped({2, 1})},
                                            {row, Tensor::of({10, 20}).reshaped({1, 2})}}),
                       Tensor::of({{11, 21}, {12, 22}})));
  // Size 0 dims.
  Tensor empty = Tensor::zeros(DType::Float64, {0, 3});
  Tensor r = evaluate(exp(m) + row, {{m, empty}, {row, Tensor::of({1, 2, 3}).reshaped({1, 3})}});
  EXPECT_EQ(r.shape(), (Shape{0, 3}));
  // Size 1 non-broadcastable (unknown) dims match sizes of 1 only.
  Tensor one = Tensor::of({5}).reshaped({1, 1});
  EXPECT_TRUE(allclose(evaluate(m + m, {{m, one}}), Tensor::of({10}).reshaped({1, 1})));
  // Scalars.
  Var s = scalar("s");
  EXPECT_DOUBLE_EQ(evaluate(s * s + 1.0, {{s, Tensor::scalar(3)}}).item(), 10);
}

TEST(Elemwise, StaticTypesPropagate) {
  Var a = tensor(DType::Float32, {3, 1}, "a");
  Var b = tensor(DType::Float32, {1, 4}, "b");
  EXPECT_EQ((a + b).type().str(), "f32[3,4]");
  Var c = tensor(DType::Float64, {kUnknownDim, 4}, "c");
  EXPECT_EQ((a + c).type().str(), "f64[3,4]"); // a known size wins over an unknown one
  EXPECT_EQ((a < b).type().str(), "b1[3,4]");
}

TEST(Elemwise, BadInputThrowsNamingTheOp) {
  Var a = tensor(DType::Float64, {3}, "a"), b = tensor(DType::Float64, {4}, "b");
  try {
    (void)(a + b);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("add"), std::string::npos) << msg;
    EXPECT_NE(msg.find("3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("4"), std::string::npos) << msg;
  }
  EXPECT_THROW(where(vector("c"), a, a), TypeError); // condition must be bool
  // Runtime mismatch of unknown dims.
  Var x = vector("x"), y = vector("y");
  EXPECT_THROW(evaluate(x + y, {{x, Tensor::of({1, 2, 3})}, {y, Tensor::of({1, 2})}}), ShapeError);
  // A run-time size 1 does not stretch a dim whose type is not broadcastable.
  try {
    evaluate(x + y, {{x, Tensor::of({1, 2, 3})}, {y, Tensor::of({1})}});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError &e) {
    EXPECT_NE(std::string(e.what()).find("declare the dim as a static 1"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("(or 1)"), std::string::npos)
        << e.what(); // not the misleading old hint
  }
  // Wrong input dtype or rank at evaluation.
  EXPECT_THROW(evaluate(exp(x), {{x, Tensor::of({1.0}, DType::Float32)}}), TypeError);
  EXPECT_THROW(evaluate(exp(x), {{x, Tensor::of({1.0}).reshaped({1, 1})}}), TypeError);
  EXPECT_THROW(evaluate(exp(x), {}), ValueError);
  // Unknown op name and bad attrs through the registry.
  EXPECT_THROW(opRegistry().make("no_such_op", {}), ValueError);
  EXPECT_THROW(opRegistry().make("add", Attrs{{"axis", int64_t(1)}}), ValueError);
  EXPECT_THROW(opRegistry().make("cast", {}), ValueError);
}

TEST(Elemwise, RegistryRebuildsEqualOps) {
  Var x = vector("x");
  Var y = cast(exp(x), DType::Float32);
  const Op &op = y.owner()->op();
  OpPtr rebuilt = opRegistry().make(op.name(), op.attrs());
  EXPECT_EQ(*rebuilt, op);
  for (ScalarFn fn : allScalarFns()) {
    std::string n = scalarFnInfo(fn).name;
    ASSERT_TRUE(opRegistry().contains(n)) << n;
    ScalarFn back;
    ASSERT_TRUE(scalarFnFromName(n, back));
    EXPECT_EQ(back, fn);
  }
}
