// Indexing ops (subtensor, inc_subtensor, take, inc_take) against
// hand-computed values (Python slice semantics), over dtypes, negative
// indices and steps, size-0/size-1 dims; inferShape against perform; typed
// errors; direct checks of their L_ops.
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace graphjit;
using namespace graphjit::optest;
using std::nullopt;

TEST(Indexing, SliceSemanticsMatchPython) {
  // a = [0, 1, 2, 3, 4]; expected values are Python's a[start:stop:step].
  struct Case {
    IndexEntry e;
    std::vector<double> want;
  };
  std::vector<Case> cases = {
      {slice(), {0, 1, 2, 3, 4}},
      {slice(nullopt, nullopt, -1), {4, 3, 2, 1, 0}},
      {slice(3, 0, -1), {3, 2, 1}},
      {slice(-2, nullopt), {3, 4}},
      {slice(-2), {0, 1, 2}},
      {slice(1, 4, 2), {1, 3}},
      {slice(10, nullopt), {}},
      {slice(-10, 2), {0, 1}},
      {slice(nullopt, nullopt, -2), {4, 2, 0}},
      {slice(-1, -6, -1), {4, 3, 2, 1, 0}},
      {slice(-1, -10, -2), {4, 2, 0}},
      {slice(4, -10, -3), {4, 1}},
      {slice(2, 2), {}},
      {slice(0, 10, 3), {0, 3}},
      {slice(3, 1), {}},
      {slice(1, nullopt, -1), {1, 0}},
      {slice(nullopt, 1, -1), {4, 3, 2}},
      {slice(5, nullopt, -1), {4, 3, 2, 1, 0}},
      {slice(0, 5, 7), {0}},
      {slice(1, nullopt, INT64_MAX), {1}},
      {slice(nullopt, nullopt, INT64_MIN), {4}},
      {slice(INT64_MIN, INT64_MAX), {0, 1, 2, 3, 4}},
      {slice(INT64_MAX, INT64_MIN, -1), {4, 3, 2, 1, 0}},
  };
  Var a = vector("a", DType::Int64);
  Var s = tensor(DType::Int64, {5}, "s");
  for (auto &c : cases) {
    Tensor want = Tensor::fromVector(c.want, {int64_t(c.want.size())}).astype(DType::Int64);
    expectEq(run(a(c.e), {{a, iota({5}, DType::Int64)}}), want);
    // With a static dim, the output length is static too.
    Var ys = s(c.e);
    EXPECT_EQ(ys.type().shape, (Shape{int64_t(c.want.size())})) << c.e.str();
    expectEq(run(ys, {{s, iota({5}, DType::Int64)}}), want);
  }
}

TEST(Indexing, BasicIndexingOfMatrices) {
  Var x = tensor(DType::Float64, {3, 4}, "x");
  Tensor xv = iota({3, 4}); // [[0,1,2,3],[4,5,6,7],[8,9,10,11]]
  Bindings b{{x, xv}};
  EXPECT_EQ(x(0).type().str(), "f64[4]");
  expectEq(run(x(0), b), vals({4}, {0, 1, 2, 3}));
  expectEq(run(x[-1], b), vals({4}, {8, 9, 10, 11}));
  Var col = x(slice(1, 3), -1);
  EXPECT_EQ(col.type().str(), "f64[2]");
  expectEq(run(col, b), vals({2}, {7, 11}));
  Var strided = x(slice(), slice(nullopt, nullopt, 2));
  EXPECT_EQ(strided.type().str(), "f64[3,2]");
  expectEq(run(strided, b), vals({3, 2}, {0, 2, 4, 6, 8, 10}));
  expectEq(run(x(slice(nullopt, nullopt, -1), slice(nullopt, nullopt, -3)), b),
           vals({3, 2}, {11, 8, 7, 4, 3, 0}));
  Var elem = x(2, 1);
  EXPECT_EQ(elem.type().str(), "f64[]");
  expectEq(run(elem, b), Tensor::scalar(9));
  expectEq(run(x(-2, -4), b), Tensor::scalar(4));
  // No entries: a copy; a slice keeping one row gives a static 1.
  expectEq(run(x(), b), xv);
  EXPECT_EQ(x(slice(1, 2)).type().str(), "f64[1,4]");
  // Chained indexing.
  expectEq(run(x[1][2], b), Tensor::scalar(6));
}

TEST(Indexing, DtypesRanksAndUnknownShapes) {
  Var t = tensor(DType::Int32, {kUnknownDim, kUnknownDim, kUnknownDim}, "t");
  Tensor tv = iota({2, 3, 4}, DType::Int32);
  Var y = t(1, slice(nullopt, nullopt, -1));
  EXPECT_EQ(y.type().str(), "i32[?,?]");
  expectEq(run(y, {{t, tv}}),
           vals({3, 4}, {20, 21, 22, 23, 16, 17, 18, 19, 12, 13, 14, 15}, DType::Int32));
  expectEq(run(t(-1, 0, slice(1, nullopt, 2)), {{t, tv}}), vals({2}, {13, 15}, DType::Int32));
  Var bvec = vector("b", DType::Bool);
  expectEq(run(bvec(slice(1, nullopt)), {{bvec, vals({3}, {1, 0, 1}, DType::Bool)}}),
           vals({2}, {0, 1}, DType::Bool));
  Var f = matrix("f", DType::Float32);
  expectEq(run(f(slice(), 0), {{f, iota({2, 2}, DType::Float32)}}),
           vals({2}, {0, 2}, DType::Float32));
  // Size-0 and size-1 dims.
  Var e = tensor(DType::Float64, {0, 3}, "e");
  Var ec = e(slice(), 1);
  EXPECT_EQ(ec.type().str(), "f64[0]");
  EXPECT_EQ(run(ec, {{e, iota({0, 3})}}).shape(), (Shape{0}));
  EXPECT_EQ(run(e(slice(nullopt, nullopt, -1)), {{e, iota({0, 3})}}).shape(), (Shape{0, 3}));
  Var one = tensor(DType::Float64, {1, 1}, "one");
  expectEq(run(one(0, 0), {{one, vals({1, 1}, {5})}}), Tensor::scalar(5));
  EXPECT_EQ(one(slice(1, nullopt)).type().str(), "f64[0,1]");
}

TEST(Indexing, Errors) {
  Var x = tensor(DType::Float64, {3, 4}, "x");
  // Static dims: caught when the graph is built.
  expectThrowWith<IndexError>([&] { x(3); }, {"subtensor", "index 3", "axis 0", "size 3"});
  expectThrowWith<IndexError>([&] { x(0, -5); }, {"subtensor", "index -5", "axis 1", "size 4"});
  expectThrowWith<IndexError>([&] { x(0, 0, 0); }, {"subtensor", "too many indices"});
  EXPECT_THROW(x(slice(0, 3, 0)), ValueError);
  // Unknown dims: caught when evaluated.
  Var m = matrix("m");
  Var r = m(slice(), 2);
  expectThrowWith<IndexError>([&] { evaluate(r, {{m, iota({2, 2})}}); },
                              {"subtensor", "index 2", "axis 1", "size 2"});
  EXPECT_THROW(evaluate(m(0), {{m, iota({0, 2})}}), IndexError);
  EXPECT_THROW(scalar("s")(0), IndexError);
}

TEST(Indexing, SetAndIncSubtensor) {
  Var x = tensor(DType::Float64, {3, 4}, "x");
  Tensor xv = iota({3, 4});
  Bindings b{{x, xv}};
  Var s = set_subtensor(x, {IndexEntry::at(1)}, constant(5.0));
  EXPECT_EQ(s.type().str(), "f64[3,4]");
  expectEq(run(s, b), vals({3, 4}, {0, 1, 2, 3, 5, 5, 5, 5, 8, 9, 10, 11}));
  expectEq(xv, iota({3, 4})); // the input is not modified
  // inc with a vector broadcast over the rows of a strided, reversed region.
  Var v = tensor(DType::Float64, {2}, "v");
  Var inc = inc_subtensor(x, {slice(nullopt, nullopt, -2), slice(1, 3)}, v);
  expectEq(run(inc, {{x, xv}, {v, vals({2}, {100, 200})}}),
           vals({3, 4}, {0, 101, 202, 3, 4, 5, 6, 7, 8, 109, 210, 11}));
  // A static-1 dim of y broadcasts; negative int index.
  Var c = tensor(DType::Float64, {2, 1}, "c");
  Var sc = set_subtensor(x, {slice(0, 2), IndexEntry::slice(-2, nullopt)}, c);
  expectEq(run(sc, {{x, xv}, {c, vals({2, 1}, {-1, -2})}}),
           vals({3, 4}, {0, 1, -1, -1, 4, 5, -2, -2, 8, 9, 10, 11}));
  // Int dtype, y of a smaller dtype is converted; bool inc is logical or.
  Var xi = matrix("xi", DType::Int32);
  Var yb = scalar("yb", DType::Bool);
  expectEq(run(inc_subtensor(xi, {IndexEntry::at(-1), IndexEntry::at(0)}, yb),
               {{xi, iota({2, 2}, DType::Int32)}, {yb, Tensor::scalar(1, DType::Bool)}}),
           vals({2, 2}, {0, 1, 3, 3}, DType::Int32));
  Var bx = vector("bx", DType::Bool);
  expectEq(run(inc_subtensor(bx, {slice()}, yb),
               {{bx, vals({2}, {0, 1}, DType::Bool)}, {yb, Tensor::scalar(1, DType::Bool)}}),
           vals({2}, {1, 1}, DType::Bool));
  // Empty regions are no-ops.
  expectEq(run(inc_subtensor(x, {slice(2, 1)}, constant(1.0)), b), xv);
}

TEST(Indexing, SetSubtensorErrors) {
  Var x = tensor(DType::Float64, {3, 4}, "x");
  EXPECT_THROW(set_subtensor(x, {IndexEntry::at(3)}, constant(1.0)), IndexError);
  expectThrowWith<ShapeError>(
      [&] { set_subtensor(x, {IndexEntry::at(0)}, tensor(DType::Float64, {3}, "y")); },
      {"inc_subtensor", "f64[3]", "f64[4]"});
  EXPECT_THROW(set_subtensor(x, {IndexEntry::at(0)}, matrix("y2")), ShapeError);
  Var xi = matrix("xi", DType::Int32);
  expectThrowWith<TypeError>([&] { set_subtensor(xi, {IndexEntry::at(0)}, constant(1.5)); },
                             {"set_subtensor", "f64", "i32"});
  // Known only at run time: wrong size, and a run-time 1 on a dim of unknown size.
  Var m = matrix("m"), y = vector("y");
  Var s = set_subtensor(m, {IndexEntry::at(0)}, y);
  EXPECT_THROW(evaluate(s, {{m, iota({2, 3})}, {y, iota({2})}}), ShapeError);
  expectThrowWith<ShapeError>([&] { evaluate(s, {{m, iota({2, 3})}, {y, iota({1})}}); },
                              {"inc_subtensor", "static 1"});
  expectEq(run(s, {{m, iota({2, 3})}, {y, vals({3}, {7, 8, 9})}}),
           vals({2, 3}, {7, 8, 9, 3, 4, 5}));
}

TEST(Indexing, Take) {
  Var x = tensor(DType::Float64, {3, 2}, "x");
  Tensor xv = iota({3, 2});
  Var i = vector("i", DType::Int64);
  Var t0 = take(x, i);
  EXPECT_EQ(t0.type().str(), "f64[?,2]");
  expectEq(run(t0, {{x, xv}, {i, vals({4}, {2, -3, 2, -1}, DType::Int64)}}),
           vals({4, 2}, {4, 5, 0, 1, 4, 5, 4, 5}));
  Var i32 = tensor(DType::Int32, {2, 2}, "i32");
  Var t1 = take(x, i32, -1);
  EXPECT_EQ(t1.type().str(), "f64[3,2,2]");
  expectEq(run(t1, {{x, xv}, {i32, vals({2, 2}, {1, 0, 1, 1}, DType::Int32)}}),
           vals({3, 2, 2}, {1, 0, 1, 1, 3, 2, 3, 3, 5, 4, 5, 5}));
  Var k = scalar("k", DType::Int64);
  expectEq(run(take(x, k, 1), {{x, xv}, {k, Tensor::scalar(-1, DType::Int64)}}),
           vals({3}, {1, 3, 5}));
  // Size-0 indices and size-0 other dims.
  EXPECT_EQ(run(t0, {{x, xv}, {i, iota({0}, DType::Int64)}}).shape(), (Shape{0, 2}));
  Var e = tensor(DType::Int32, {0, 3}, "e");
  EXPECT_EQ(
      run(take(e, i, 1), {{e, iota({0, 3}, DType::Int32)}, {i, vals({2}, {2, 0}, DType::Int64)}})
          .shape(),
      (Shape{0, 2}));
  // Errors.
  expectThrowWith<IndexError>(
      [&] { evaluate(t0, {{x, xv}, {i, vals({2}, {0, 3}, DType::Int64)}}); },
      {"take", "index 3", "axis 0", "size 3"});
  EXPECT_THROW(evaluate(t0, {{x, xv}, {i, vals({1}, {-4}, DType::Int64)}}), IndexError);
  expectThrowWith<TypeError>([&] { take(x, vector("f")); }, {"take", "indices", "f64[?]"});
  EXPECT_THROW(take(x, i, 2), IndexError);
  EXPECT_THROW(take(scalar("s"), i), IndexError);
  // Constant indices: checked at build time against a static dim.
  expectEq(run(take(x, {-1, 0}, 1), {{x, xv}}), vals({3, 2}, {1, 0, 3, 2, 5, 4}));
  EXPECT_EQ(take(x, IntList{}, 0).type().str(), "f64[0,2]");
  expectThrowWith<IndexError>([&] { take(x, {0, 3}); }, {"take", "index 3", "size 3"});
  Var m = matrix("m");
  Var tm = take(m, {5});
  EXPECT_THROW(evaluate(tm, {{m, iota({2, 2})}}), IndexError);
}

TEST(Indexing, IncAndSetTake) {
  Var x = matrix("x");
  Tensor xv = iota({3, 2});
  Var i = vector("i", DType::Int64);
  Var y = matrix("y");
  Tensor iv = vals({3}, {2, 0, -1}, DType::Int64);
  Tensor yv = vals({3, 2}, {10, 20, 30, 40, 50, 60});
  // Repeated indices accumulate for inc; the last one wins for set.
  expectEq(run(inc_take(x, i, y), {{x, xv}, {i, iv}, {y, yv}}),
           vals({3, 2}, {30, 41, 2, 3, 64, 85}));
  expectEq(run(set_take(x, i, y), {{x, xv}, {i, iv}, {y, yv}}),
           vals({3, 2}, {30, 40, 2, 3, 50, 60}));
  // Scalar update broadcast, along axis 1, int dtype.
  Var xi = matrix("xi", DType::Int32);
  Var yi = scalar("yi", DType::Int32);
  expectEq(run(inc_take(xi, i, yi, 1), {{xi, iota({2, 2}, DType::Int32)},
                                        {i, vals({3}, {1, 1, 0}, DType::Int64)},
                                        {yi, Tensor::scalar(5, DType::Int32)}}),
           vals({2, 2}, {5, 11, 7, 13}, DType::Int32));
  // Errors.
  expectThrowWith<IndexError>(
      [&] {
        evaluate(inc_take(x, i, y), {{x, xv}, {i, vals({3}, {0, 1, 3}, DType::Int64)}, {y, yv}});
      },
      {"inc_take", "index 3", "size 3"});
  EXPECT_THROW(evaluate(inc_take(x, i, y), {{x, xv}, {i, iv}, {y, iota({2, 2})}}), ShapeError);
  EXPECT_THROW(inc_take(matrix("xi2", DType::Int32), i, y), TypeError);
  EXPECT_THROW(inc_take(x, vector("fi"), y), TypeError);
}

TEST(Indexing, SubtensorGrad) {
  Var x = matrix("x");
  Var y = x(slice(nullopt, nullopt, -2), 1);
  Var g = vector("g");
  Var gx = lop(y, {g})[0];
  EXPECT_EQ(gx.type().str(), "f64[?,?]");
  expectEq(run(gx, {{x, iota({3, 2})}, {g, vals({2}, {1, 2})}}), vals({3, 2}, {0, 2, 0, 0, 0, 1}));
  EXPECT_FALSE(lop(y, {Var()})[0]);
}

TEST(Indexing, IncSubtensorGrad) {
  Var x = matrix("x"), y = vector("y");
  Tensor gv = vals({2, 3}, {1, 2, 3, 4, 5, 6});
  Var g = matrix("g");
  Var inc = inc_subtensor(x, {IndexEntry::at(1), slice(1, nullopt)}, y);
  auto gi = lop(inc, {g});
  ASSERT_EQ(gi.size(), 2u);
  EXPECT_EQ(gi[0], g); // inc: the gradient passes through unchanged
  expectEq(run(gi[1], {{g, gv}}), vals({2}, {5, 6}));
  Var set = set_subtensor(x, {IndexEntry::at(1), slice(1, nullopt)}, y);
  auto gs = lop(set, {g});
  expectEq(run(gs[0], {{g, gv}}), vals({2, 3}, {1, 2, 3, 4, 0, 0}));
  expectEq(run(gs[1], {{g, gv}}), vals({2}, {5, 6}));
}

TEST(Indexing, TakeGrads) {
  Var x = matrix("x");
  Var i = vector("i", DType::Int64);
  Tensor iv = vals({3}, {1, 1, -1}, DType::Int64);
  Var t = take(x, i, 1);
  Var g = matrix("g");
  auto gt = lop(t, {g});
  ASSERT_EQ(gt.size(), 2u);
  EXPECT_FALSE(gt[1]); // integer indices: no gradient
  // Repeated indices accumulate.
  expectEq(run(gt[0], {{x, iota({2, 3})}, {i, iv}, {g, vals({2, 3}, {1, 2, 3, 4, 5, 6})}}),
           vals({2, 3}, {0, 3, 3, 0, 9, 6}));

  Var y = matrix("y");
  Var set = set_take(x, i, y, 1);
  auto gs = lop(set, {g});
  ASSERT_EQ(gs.size(), 3u);
  EXPECT_FALSE(gs[1]);
  Bindings b{{i, iv}, {g, vals({2, 3}, {1, 2, 3, 4, 5, 6})}};
  expectEq(run(gs[0], b), vals({2, 3}, {1, 0, 0, 4, 0, 0}));
  expectEq(run(gs[2], b), vals({2, 3}, {2, 2, 3, 5, 5, 6}));
  auto ginc = lop(inc_take(x, i, y, 1), {g});
  EXPECT_EQ(ginc[0], g);
}

TEST(Indexing, Registered) {
  const OpRegistry &r = opRegistry();
  for (const char *name : {"subtensor", "inc_subtensor", "take", "inc_take"}) {
    ASSERT_TRUE(r.contains(name)) << name;
    OpPtr op = r.make(name, r.exampleAttrs(name));
    EXPECT_EQ(op->attrs(), r.exampleAttrs(name)) << name;
  }
  Var x = matrix("x");
  Var y = x(slice(1, nullopt), -1);
  EXPECT_EQ(y.owner()->op().str(), "subtensor{idx=(1:,-1)}");
  EXPECT_TRUE(*r.make("subtensor", y.owner()->op().attrs()) == y.owner()->op());
  EXPECT_EQ(set_subtensor(x, {IndexEntry::at(0)}, constant(0.0)).owner()->op().str(),
            "inc_subtensor{idx=(0), set=true}");
}

TEST(Indexing, ThroughCompileWithSharedState) {
  // A running "write a row, then read a column" program through compile(),
  // with a 0-input op (arange) and a multi-output op (split) in the graph.
  Var acc = shared(Tensor::zeros(DType::Float64, {2, 3}), "acc");
  Var row = vector("row");
  Var i = scalar("i", DType::Int64);
  Var updated = inc_take(acc, stack({i}), expand_dims(row, 0));
  auto halves = split(reshape(updated, {-1}), {2, 4});
  Var idx = arange(0, 3, 2); // [0, 2]
  Function f = compile({row, i}, {take(updated, idx, 1), halves[0]}, {{acc, updated}});
  auto out = f({Tensor::of({1, 2, 3}), Tensor::scalar(1, DType::Int64)});
  expectEq(out[0], vals({2, 2}, {0, 0, 1, 3}));
  expectEq(out[1], vals({2}, {0, 0}));
  out = f({Tensor::of({10, 20, 30}), Tensor::scalar(-2, DType::Int64)});
  expectEq(out[0], vals({2, 2}, {10, 30, 1, 3}));
  expectEq(getValue(acc), vals({2, 3}, {10, 20, 30, 1, 2, 3}));
  EXPECT_THROW(f({Tensor::of({1, 2, 3}), Tensor::scalar(2, DType::Int64)}), IndexError);
}
