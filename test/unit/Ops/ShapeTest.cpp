// Shape ops (shape, reshape, broadcast_to, full/zeros/ones/*_like,
// concatenate, stack, split, arange, eye) against hand-computed values, over
// dtypes and size-0/size-1 dims; inferShape against perform; typed errors;
// direct checks of their L_ops.
#include "OpTestUtil.h"

#include <gtest/gtest.h>

using namespace graphjit;
using namespace graphjit::optest;

TEST(Shape, ShapeOfVariousRanks) {
  Var m = matrix("m", DType::Int32);
  Var s = shape(m);
  EXPECT_EQ(s.type().str(), "i64[2]");
  expectEq(run(s, {{m, iota({2, 3}, DType::Int32)}}), vals({2}, {2, 3}, DType::Int64));
  expectEq(run(s, {{m, iota({0, 1}, DType::Int32)}}), vals({2}, {0, 1}, DType::Int64));
  Var x = scalar("x");
  EXPECT_EQ(shape(x).type().str(), "i64[0]");
  EXPECT_EQ(run(shape(x), {{x, Tensor::scalar(3)}}).shape(), (Shape{0}));
  EXPECT_FALSE(lop(s, {vector("g", DType::Int64)})[0]);
}

TEST(Shape, Reshape) {
  Var x = tensor(DType::Float64, {2, 3}, "x");
  Tensor xv = iota({2, 3});
  Var r = reshape(x, {3, 2});
  EXPECT_EQ(r.type().str(), "f64[3,2]");
  expectEq(run(r, {{x, xv}}), vals({3, 2}, {0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(reshape(x, {-1}).type().str(), "f64[6]");
  EXPECT_EQ(reshape(x, {1, -1, 3}).type().str(), "f64[1,2,3]");
  expectEq(run(reshape(x, {-1, 1}), {{x, xv}}), vals({6, 1}, {0, 1, 2, 3, 4, 5}));

  // Unknown input shape: -1 stays unknown, sizes are checked when evaluated.
  Var m = matrix("m", DType::Int32);
  Var r2 = reshape(m, {-1, 2});
  EXPECT_EQ(r2.type().str(), "i32[?,2]");
  expectEq(run(r2, {{m, iota({1, 4}, DType::Int32)}}), vals({2, 2}, {0, 1, 2, 3}, DType::Int32));
  expectThrowWith<ShapeError>([&] { evaluate(r2, {{m, iota({1, 3}, DType::Int32)}}); },
                              {"reshape", "[1,3]", "[-1,2]"});
  // To and from scalars and size-0.
  Var s = scalar("s");
  expectEq(run(reshape(s, {1, 1}), {{s, Tensor::scalar(7)}}), vals({1, 1}, {7}));
  expectEq(run(reshape(reshape(s, {1}), {}), {{s, Tensor::scalar(7)}}), Tensor::scalar(7));
  Var e = tensor(DType::Float32, {0, 3}, "e");
  EXPECT_EQ(reshape(e, {3, 0, 5}).type().str(), "f32[3,0,5]");
  EXPECT_EQ(run(reshape(e, {3, 0}), {{e, iota({0, 3}, DType::Float32)}}).shape(), (Shape{3, 0}));
}

TEST(Shape, ReshapeErrors) {
  Var x = tensor(DType::Float64, {2, 3}, "x");
  expectThrowWith<ShapeError>([&] { reshape(x, {4, 2}); }, {"reshape", "[2,3]", "[4,2]"});
  expectThrowWith<ShapeError>([&] { reshape(x, {4, -1}); }, {"reshape", "6 elements", "[4,-1]"});
  expectThrowWith<ValueError>([&] { reshape(x, {-1, -1}); }, {"reshape", "more than one -1"});
  expectThrowWith<ValueError>([&] { reshape(x, {-2, 3}); }, {"reshape", "-2"});
  // -1 next to a 0 is ambiguous (NumPy refuses too).
  Var e = tensor(DType::Float64, {0, 3}, "e");
  EXPECT_THROW(reshape(e, {0, -1}), ShapeError);
  // A statically empty input cannot become non-empty.
  Var e2 = tensor(DType::Float64, {kUnknownDim, 0}, "e2");
  EXPECT_THROW(reshape(e2, {2, 2}), ShapeError);
}

TEST(Shape, ReshapeGrad) {
  Var x = tensor(DType::Float64, {2, 3}, "x");
  Var r = reshape(x, {3, 2});
  Var g = tensor(DType::Float64, {3, 2}, "g");
  Var gx = lop(r, {g})[0];
  EXPECT_EQ(gx.type().str(), "f64[2,3]");
  expectEq(run(gx, {{g, iota({3, 2})}}), iota({2, 3}));
  // Dynamic input shape: reshape_like back.
  Var m = matrix("m");
  Var r2 = reshape(m, {-1});
  Var g2 = vector("g2");
  Var gm = lop(r2, {g2})[0];
  EXPECT_EQ(gm.owner()->op().name(), "reshape_like");
  EXPECT_EQ(gm.type().str(), "f64[?,?]");
  expectEq(run(gm, {{m, iota({2, 2})}, {g2, vals({4}, {4, 3, 2, 1})}}), vals({2, 2}, {4, 3, 2, 1}));
  EXPECT_THROW(evaluate(gm, {{m, iota({2, 2})}, {g2, vals({3}, {4, 3, 2})}}), ShapeError);
}

TEST(Shape, BroadcastTo) {
  Var v = tensor(DType::Int64, {3}, "v");
  Var b = broadcast_to(v, {2, 3});
  EXPECT_EQ(b.type().str(), "i64[2,3]");
  expectEq(run(b, {{v, vals({3}, {1, 2, 3}, DType::Int64)}}),
           vals({2, 3}, {1, 2, 3, 1, 2, 3}, DType::Int64));
  Var c = tensor(DType::Float32, {2, 1}, "c");
  expectEq(run(broadcast_to(c, {2, 3}), {{c, vals({2, 1}, {5, 6}, DType::Float32)}}),
           vals({2, 3}, {5, 5, 5, 6, 6, 6}, DType::Float32));
  expectEq(run(broadcast_to(c, {4, 0, 2, 0}), {{c, vals({2, 1}, {5, 6}, DType::Float32)}}),
           Tensor::zeros(DType::Float32, {4, 0, 2, 0}));
  Var s = scalar("s", DType::Bool);
  expectEq(run(broadcast_to(s, {2}), {{s, Tensor::scalar(1, DType::Bool)}}),
           vals({2}, {1, 1}, DType::Bool));
  // Unknown dim: must equal the target at run time (only a static 1 stretches).
  Var u = vector("u");
  Var bu = broadcast_to(u, {2, 3});
  EXPECT_EQ(bu.type().str(), "f64[2,3]");
  expectEq(run(bu, {{u, vals({3}, {1, 2, 3})}}), vals({2, 3}, {1, 2, 3, 1, 2, 3}));
  expectThrowWith<ShapeError>([&] { evaluate(bu, {{u, vals({1}, {1})}}); },
                              {"broadcast_to", "static 1"});
  expectThrowWith<ShapeError>([&] { evaluate(bu, {{u, vals({2}, {1, 2})}}); },
                              {"broadcast_to", "size 2", "expected 3"});
}

TEST(Shape, BroadcastToErrors) {
  Var v = tensor(DType::Float64, {3}, "v");
  expectThrowWith<ShapeError>([&] { broadcast_to(v, {2, 4}); },
                              {"broadcast_to", "f64[3]", "[2,4]"});
  expectThrowWith<ShapeError>([&] { broadcast_to(matrix("m"), {3}); },
                              {"broadcast_to", "lower rank"});
  EXPECT_THROW(broadcast_to(v, {-1, 3}), ValueError);
}

TEST(Shape, FullZerosOnes) {
  expectEq(run(full({2, 2}, 1.5)), vals({2, 2}, {1.5, 1.5, 1.5, 1.5}));
  expectEq(run(zeros({3}, DType::Int32)), vals({3}, {0, 0, 0}, DType::Int32));
  expectEq(run(ones({1, 2}, DType::Bool)), vals({1, 2}, {1, 1}, DType::Bool));
  EXPECT_EQ(zeros({0, 4}).type().str(), "f64[0,4]");
  EXPECT_EQ(run(zeros({0, 4})).shape(), (Shape{0, 4}));
  Var s = scalar("s");
  expectEq(run(alloc(s, {2}), {{s, Tensor::scalar(-1)}}), vals({2}, {-1, -1}));

  Var m = matrix("m", DType::Int32);
  Var z = zeros_like(m);
  EXPECT_EQ(z.type().str(), "i32[?,?]");
  expectEq(run(z, {{m, iota({2, 3}, DType::Int32)}}), Tensor::zeros(DType::Int32, {2, 3}));
  expectEq(run(ones_like(m, DType::Float32), {{m, iota({1, 2}, DType::Int32)}}),
           vals({1, 2}, {1, 1}, DType::Float32));
  expectEq(run(full_like(m, 7), {{m, iota({0, 2}, DType::Int32)}}),
           Tensor::zeros(DType::Int32, {0, 2}));
  EXPECT_FALSE(lop(z, {matrix("g", DType::Int32)})[0]);
}

TEST(Shape, Concatenate) {
  Var a = matrix("a"), b = matrix("b");
  Tensor av = iota({2, 2}), bv = vals({1, 2}, {10, 11});
  Var c0 = concatenate({a, b}, 0);
  EXPECT_EQ(c0.type().str(), "f64[?,?]");
  expectEq(run(c0, {{a, av}, {b, bv}}), vals({3, 2}, {0, 1, 2, 3, 10, 11}));
  Tensor cv = vals({2, 1}, {7, 8});
  expectEq(run(concatenate({a, b}, -1), {{a, av}, {b, cv}}), vals({2, 3}, {0, 1, 7, 2, 3, 8}));
  // Three inputs, one empty; static shapes propagate.
  Var x = tensor(DType::Int32, {2, kUnknownDim}, "x"),
      y = tensor(DType::Int32, {kUnknownDim, 3}, "y"), z = tensor(DType::Int32, {0, 3}, "z");
  Var c = concatenate({x, y, z}, 0);
  EXPECT_EQ(c.type().str(), "i32[?,3]");
  EXPECT_EQ(concatenate({x, z}, 0).type().str(), "i32[2,3]");
  expectEq(run(c, {{x, iota({2, 3}, DType::Int32)},
                   {y, iota({1, 3}, DType::Int32)},
                   {z, iota({0, 3}, DType::Int32)}}),
           vals({3, 3}, {0, 1, 2, 3, 4, 5, 0, 1, 2}, DType::Int32));
  // Dtypes are promoted (promoteTypes): i64 with f32 gives f64.
  Var i = vector("i", DType::Int64), f = vector("f", DType::Float32);
  Var mixed = concatenate({i, f});
  EXPECT_EQ(mixed.type().str(), "f64[?]");
  expectEq(
      run(mixed, {{i, vals({1}, {1}, DType::Int64)}, {f, vals({2}, {0.5, 2}, DType::Float32)}}),
      vals({3}, {1, 0.5, 2}));
  // A single input is a copy.
  expectEq(run(concatenate({i}), {{i, vals({2}, {4, 5}, DType::Int64)}}),
           vals({2}, {4, 5}, DType::Int64));
}

TEST(Shape, ConcatenateErrors) {
  Var a = tensor(DType::Float64, {2, 3}, "a"), b = tensor(DType::Float64, {2, 4}, "b");
  expectThrowWith<ShapeError>([&] { concatenate({a, b}, 0); }, {"concatenate", "3", "4"});
  EXPECT_EQ(concatenate({a, b}, 1).type().str(), "f64[2,7]");
  EXPECT_THROW(concatenate({a, vector("v")}, 0), ShapeError);
  EXPECT_THROW(concatenate({}, 0), ValueError);
  EXPECT_THROW(concatenate({scalar("s")}, 0), ShapeError);
  EXPECT_THROW(concatenate({a, b}, 2), IndexError);
  // Mismatch known only at run time.
  Var m = matrix("m"), n = matrix("n");
  expectThrowWith<ShapeError>(
      [&] { evaluate(concatenate({m, n}, 0), {{m, iota({2, 2})}, {n, iota({2, 3})}}); },
      {"concatenate", "[2,3]", "[2,2]"});
}

TEST(Shape, ConcatenateGrad) {
  // Static sizes: the gradient is a split.
  Var a = tensor(DType::Float64, {2, 2}, "a"), b = tensor(DType::Float64, {1, 2}, "b");
  Var c = concatenate({a, b}, 0);
  Var g = tensor(DType::Float64, {3, 2}, "g");
  auto gs = lop(c, {g});
  ASSERT_EQ(gs.size(), 2u);
  EXPECT_EQ(gs[0].owner()->op().str(), "split{axis=0, sizes=[2,1]}");
  Tensor gv = vals({3, 2}, {1, 2, 3, 4, 5, 6});
  expectEq(run(gs[0], {{g, gv}}), vals({2, 2}, {1, 2, 3, 4}));
  expectEq(run(gs[1], {{g, gv}}), vals({1, 2}, {5, 6}));
  // Dynamic sizes: split_like reads them from the inputs' shapes.
  Var m = matrix("m"), n = matrix("n");
  Var c2 = concatenate({m, n}, 1);
  Var g2 = matrix("g2");
  auto gs2 = lop(c2, {g2});
  EXPECT_EQ(gs2[0].owner()->op().name(), "split_like");
  Bindings bind{{m, iota({2, 1})}, {n, iota({2, 2})}, {g2, gv.reshaped({2, 3})}};
  expectEq(run(gs2[0], bind), vals({2, 1}, {1, 4}));
  expectEq(run(gs2[1], bind), vals({2, 2}, {2, 3, 5, 6}));
}

TEST(Shape, Stack) {
  Var a = vector("a"), b = vector("b");
  Tensor av = vals({2}, {1, 2}), bv = vals({2}, {3, 4});
  Var s0 = stack({a, b});
  EXPECT_EQ(s0.type().str(), "f64[2,?]");
  expectEq(run(s0, {{a, av}, {b, bv}}), vals({2, 2}, {1, 2, 3, 4}));
  expectEq(run(stack({a, b}, 1), {{a, av}, {b, bv}}), vals({2, 2}, {1, 3, 2, 4}));
  expectEq(run(stack({a, b, a}, -1), {{a, av}, {b, bv}}), vals({2, 3}, {1, 3, 1, 2, 4, 2}));
  Var s = scalar("s", DType::Int64);
  expectEq(run(stack({s, s}), {{s, Tensor::scalar(9, DType::Int64)}}),
           vals({2}, {9, 9}, DType::Int64));
  EXPECT_THROW(stack({a, matrix("m")}), ShapeError);
  EXPECT_THROW(stack({a, b}, 2), IndexError);
}

TEST(Shape, Split) {
  Var x = tensor(DType::Int32, {3, 2}, "x");
  Tensor xv = iota({3, 2}, DType::Int32);
  auto parts = split(x, {1, 2}, 0);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].type().str(), "i32[1,2]");
  EXPECT_EQ(parts[1].type().str(), "i32[2,2]");
  expectEq(run(parts[0], {{x, xv}}), vals({1, 2}, {0, 1}, DType::Int32));
  expectEq(run(parts[1], {{x, xv}}), vals({2, 2}, {2, 3, 4, 5}, DType::Int32));
  auto cols = split(x, {0, 1, 1}, -1);
  EXPECT_EQ(run(cols[0], {{x, xv}}).shape(), (Shape{3, 0}));
  expectEq(run(cols[2], {{x, xv}}), vals({3, 1}, {1, 3, 5}, DType::Int32));

  expectThrowWith<ShapeError>([&] { split(x, {1, 1}, 0); }, {"split", "sum to 2", "3"});
  EXPECT_THROW(split(x, {-1, 4}, 0), ValueError);
  EXPECT_THROW(split(x, {3}, 2), IndexError);
  EXPECT_THROW(split(scalar("s"), {1}, 0), ShapeError);
  Var v = vector("v");
  auto pv = split(v, {2, 2});
  expectThrowWith<ShapeError>([&] { evaluate(pv[0], {{v, iota({5})}}); },
                              {"split", "sum to 4", "5"});
}

TEST(Shape, SplitGrad) {
  Var v = vector("v");
  auto parts = split(v, {2, 1});
  Var g0 = vector("g0"), g1 = vector("g1");
  Var both = lop(parts[0], {g0, g1})[0];
  expectEq(run(both, {{g0, vals({2}, {1, 2})}, {g1, vals({1}, {3})}}), vals({3}, {1, 2, 3}));
  // A missing output gradient counts as zeros.
  Var only1 = lop(parts[0], {Var(), g1})[0];
  expectEq(run(only1, {{v, iota({3})}, {g1, vals({1}, {3})}}), vals({3}, {0, 0, 3}));
  EXPECT_FALSE(lop(parts[0], {Var(), Var()})[0]);
}

TEST(Shape, Arange) {
  Var a = arange(5);
  EXPECT_EQ(a.type().str(), "i64[5]");
  expectEq(run(a), vals({5}, {0, 1, 2, 3, 4}, DType::Int64));
  expectEq(run(arange(1, 2, 0.25)), vals({4}, {1, 1.25, 1.5, 1.75}));
  expectEq(run(arange(5, 0, -2)), vals({3}, {5, 3, 1}, DType::Int64));
  expectEq(run(arange(-1, 2, 1, DType::Float32)), vals({3}, {-1, 0, 1}, DType::Float32));
  expectEq(run(arange(0, 1, 0.4, DType::Int32)), vals({3}, {0, 0, 0}, DType::Int32));
  EXPECT_EQ(arange(3, 1).type().str(), "i64[0]");
  EXPECT_EQ(run(arange(3, 1)).shape(), (Shape{0}));
  EXPECT_EQ(arange(0).type().str(), "i64[0]");
  EXPECT_THROW(arange(0, 1, 0), ValueError);
  EXPECT_THROW(arange(0, 1, 1, DType::Bool), TypeError);
  EXPECT_TRUE(lop(a, {vector("g", DType::Int64)}).empty());
}

TEST(Shape, Eye) {
  expectEq(run(eye(3)), vals({3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1}));
  expectEq(run(eye(2, 3, 1)), vals({2, 3}, {0, 1, 0, 0, 0, 1}));
  expectEq(run(eye(3, 2, -1, DType::Int32)), vals({3, 2}, {0, 0, 1, 0, 0, 1}, DType::Int32));
  expectEq(run(eye(2, 2, 5, DType::Bool)), Tensor::zeros(DType::Bool, {2, 2}));
  EXPECT_EQ(eye(0).type().str(), "f64[0,0]");
  EXPECT_EQ(run(eye(0, 4)).shape(), (Shape{0, 4}));
  EXPECT_THROW(eye(-1), ValueError);
}

TEST(Shape, Registered) {
  const OpRegistry &r = opRegistry();
  for (const char *name : {"shape", "reshape", "reshape_like", "broadcast_to", "full_like",
                           "concatenate", "split", "split_like", "arange", "eye"}) {
    ASSERT_TRUE(r.contains(name)) << name;
    OpPtr op = r.make(name, r.exampleAttrs(name));
    EXPECT_EQ(op->name(), name);
    EXPECT_EQ(op->attrs(), r.exampleAttrs(name)) << name;
  }
  // Ops rebuilt from their attrs are equal to the originals.
  Var x = tensor(DType::Float64, {2, 3}, "x");
  Var y = reshape(x, {3, -1});
  OpPtr again = r.make("reshape", y.owner()->op().attrs());
  EXPECT_TRUE(*again == y.owner()->op());
  EXPECT_EQ(y.owner()->op().str(), "reshape{shape=[3,-1]}");
  EXPECT_THROW(r.make("reshape", Attrs{}), ValueError);
}
