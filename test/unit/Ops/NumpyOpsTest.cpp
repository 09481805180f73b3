// The new NumPy-named ops and builders against NumPy's results (computed offline with NumPy and
// committed), through the interpreter and the JIT.
#include "OpTestUtil.h"

#include <cmath>
#include <functional>

using namespace graphjit;
using namespace graphjit::optest;

namespace {
using V = const Var &;
struct Case {
  std::string what;
  std::function<Var(V, V, V)> build;
  std::vector<double> want;
  Shape shape;
};

Var ints(std::vector<int64_t> i) { return constant(Tensor::fromVector(i)); }

// A = [[1,2,3],[4,5,6]], B = [[0.5,-1,2],[3,0.25,-2]], S = [[4,1,.5],[1,3,.25],[.5,.25,2]].
std::vector<Case> cases() {
  return {
      {"diagonal(A)", [](V a, V b, V s) { return diagonal(a); }, {1.0, 5.0}, {2}},
      {"diagonal(B,1)", [](V a, V b, V s) { return diagonal(b, 1); }, {-1.0, -2.0}, {2}},
      {"diag(A[0],1)",
       [](V a, V b, V s) { return diag(a(0), 1); },
       {0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0},
       {4, 4}},
      {"trace(S)", [](V a, V b, V s) { return trace(s); }, {9.0}, {}},
      {"cumsum(B,1)",
       [](V a, V b, V s) { return cumsum(b, 1); },
       {0.5, -0.5, 1.5, 3.0, 3.25, 1.25},
       {2, 3}},
      {"cumsum(B)",
       [](V a, V b, V s) { return cumsum(b); },
       {0.5, -0.5, 1.5, 4.5, 4.75, 2.75},
       {6}},
      {"cumprod(B,0)",
       [](V a, V b, V s) { return cumprod(b, 0); },
       {0.5, -1.0, 2.0, 1.5, -0.25, -4.0},
       {2, 3}},
      {"linspace(0,1,5)",
       [](V a, V b, V s) { return linspace(0, 1, 5); },
       {0.0, 0.25, 0.5, 0.75, 1.0},
       {5}},
      {"linspace(2,3,4,endpoint=False)",
       [](V a, V b, V s) { return linspace(2, 3, 4, false); },
       {2.0, 2.25, 2.5, 2.75},
       {4}},
      {"logspace(0,2,3)", [](V a, V b, V s) { return logspace(0, 2, 3); }, {1.0, 10.0, 100.0}, {3}},
      {"flip(B,1)",
       [](V a, V b, V s) { return flip(b, {1}); },
       {2.0, -1.0, 0.5, -2.0, 0.25, 3.0},
       {2, 3}},
      {"flip(B)", [](V a, V b, V s) { return flip(b); }, {-2.0, 0.25, 3.0, 2.0, -1.0, 0.5}, {2, 3}},
      {"nan_to_num",
       [](V a, V b, V s) {
         return nan_to_num(constant(Tensor::of({NAN, INFINITY, -INFINITY, 1.5})));
       },
       {0.0, 1.7976931348623157e+308, -1.7976931348623157e+308, 1.5},
       {4}},
      {"var(B)", [](V a, V b, V s) { return var(b); }, {2.8420138888888893}, {}},
      {"var(B,1,ddof1)",
       [](V a, V b, V s) { return var(b, IntList{1}, false, 1); },
       {2.25, 6.270833333333333},
       {2}},
      {"std(B,0)",
       [](V a, V b, V s) { return graphjit::std(b, IntList{0}); },
       {1.25, 0.625, 2.0},
       {3}},
      {"tile(A[0],(2,2))",
       [](V a, V b, V s) { return tile(a(0), {2, 2}); },
       {1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0},
       {2, 6}},
      {"repeat(B,2,0)",
       [](V a, V b, V s) { return repeat(b, 2, 0); },
       {0.5, -1.0, 2.0, 0.5, -1.0, 2.0, 3.0, 0.25, -2.0, 3.0, 0.25, -2.0},
       {4, 3}},
      {"repeat(A,2)",
       [](V a, V b, V s) { return repeat(a, 2); },
       {1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0, 6.0, 6.0},
       {12}},
      {"roll(B,1,1)",
       [](V a, V b, V s) { return roll(b, 1, 1); },
       {2.0, 0.5, -1.0, -2.0, 3.0, 0.25},
       {2, 3}},
      {"roll(B,-4)",
       [](V a, V b, V s) { return roll(b, -4); },
       {0.25, -2.0, 0.5, -1.0, 2.0, 3.0},
       {2, 3}},
      {"outer",
       [](V a, V b, V s) { return outer(a(0), b(1)); },
       {3.0, 0.25, -2.0, 6.0, 0.5, -4.0, 9.0, 0.75, -6.0},
       {3, 3}},
      {"tensordot(A,B.T,1)",
       [](V a, V b, V s) { return tensordot(a, transpose(b), 1); },
       {4.5, -2.5, 9.0, 1.25},
       {2, 2}},
      {"tensordot(A,B,2)", [](V a, V b, V s) { return tensordot(a, b, 2); }, {5.75}, {}},
      {"tensordot(A,B,([0],[0]))",
       [](V a, V b, V s) { return tensordot(a, b, IntList{0}, IntList{0}); },
       {12.5, 0.0, -6.0, 16.0, -0.75, -6.0, 19.5, -1.5, -6.0},
       {3, 3}},
      {"kron(A,B[:,:2])",
       [](V a, V b, V s) { return kron(a, b(slice(), slice(0, 2))); },
       {0.5, -1.0, 1.0, -2.0, 1.5, -3.0, 3.0,  0.25, 6.0,  0.5,  9.0,  0.75,
        2.0, -4.0, 2.5, -5.0, 3.0, -6.0, 12.0, 1.0,  15.0, 1.25, 18.0, 1.5},
       {4, 6}},
      {"norm(B)", [](V a, V b, V s) { return norm(b); }, {4.2793106921559225}, {}},
      {"norm(B[0],1)", [](V a, V b, V s) { return norm(b(0), 1.0); }, {3.5}, {}},
      {"norm(B[0],inf)", [](V a, V b, V s) { return norm(b(0), INFINITY); }, {2.0}, {}},
      {"norm(B[0],3)", [](V a, V b, V s) { return norm(b(0), 3.0); }, {2.089669598190616}, {}},
      {"norm(B,1) matrix", [](V a, V b, V s) { return norm(b, 1.0); }, {4.0}, {}},
      {"norm(B,inf) matrix", [](V a, V b, V s) { return norm(b, INFINITY); }, {5.25}, {}},
      {"norm(B,axis=1)",
       [](V a, V b, V s) { return norm(b, std::nullopt, IntList{1}); },
       {2.29128784747792, 3.61420807370024},
       {2}},
      {"matrix_power(S,3)",
       [](V a, V b, V s) { return matrix_power(s, 3); },
       {77.75, 39.4375, 16.90625, 39.4375, 37.75, 9.578125, 16.90625, 9.578125, 10.6875},
       {3, 3}},
      {"matrix_power(S,-2)",
       [](V a, V b, V s) { return matrix_power(s, -2); },
       {0.08931660899653976, -0.055449826989619366, -0.044809688581314865, -0.05544982698961937,
        0.1413494809688581, -0.015570934256055359, -0.044809688581314865, -0.015570934256055359,
        0.2719723183391003},
       {3, 3}},
      {"matrix_power(S,0)",
       [](V a, V b, V s) { return matrix_power(s, 0); },
       {1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0},
       {3, 3}},
      {"sort(B)", [](V a, V b, V s) { return sort(b); }, {-1.0, 0.5, 2.0, -2.0, 0.25, 3.0}, {2, 3}},
      {"sort(B,0)",
       [](V a, V b, V s) { return sort(b, 0); },
       {0.5, -1.0, -2.0, 3.0, 0.25, 2.0},
       {2, 3}},
      {"argsort(B)",
       [](V a, V b, V s) { return argsort(b); },
       {1.0, 0.0, 2.0, 2.0, 1.0, 0.0},
       {2, 3}},
      {"argsort(B,None)",
       [](V a, V b, V s) { return argsort(b, std::nullopt); },
       {5.0, 1.0, 4.0, 0.0, 2.0, 3.0},
       {6}},
      {"einsum ij,kj->ik",
       [](V a, V b, V s) { return einsum("ij,kj->ik", {a, b}); },
       {4.5, -2.5, 9.0, 1.25},
       {2, 2}},
      {"einsum ii->i", [](V a, V b, V s) { return einsum("ii->i", {s}); }, {4.0, 3.0, 2.0}, {3}},
      {"einsum ij->", [](V a, V b, V s) { return einsum("ij->", {a}); }, {21.0}, {}},
      {"einsum ij,ij,j->i",
       [](V a, V b, V s) { return einsum("ij,ij,j->i", {a, b, a(1)}); },
       {28.0, -17.75},
       {2}},
      {"einsum ij->ji",
       [](V a, V b, V s) { return einsum("ij->ji", {b}); },
       {0.5, 3.0, -1.0, 0.25, 2.0, -2.0},
       {3, 2}},
      {"A[[1,0,1],[2,2,0]]",
       [](V a, V b, V s) { return advanced_subtensor(a, {ints({1, 0, 1}), ints({2, 2, 0})}); },
       {6.0, 3.0, 4.0},
       {3}},
      {"inc A[[0,0,1],[1,1,2]] += B[0]",
       [](V a, V b, V s) {
         return advanced_inc_subtensor(a, {ints({0, 0, 1}), ints({1, 1, 2})}, b(0));
       },
       {1.0, 1.5, 3.0, 4.0, 5.0, 8.0},
       {2, 3}},
      {"set B[[1,0],[0,2]] = 7",
       [](V a, V b, V s) {
         return advanced_set_subtensor(b, {ints({1, 0}), ints({0, 2})}, constant(7.0));
       },
       {0.5, -1.0, 7.0, 7.0, 0.25, -2.0},
       {2, 3}},
      {"A[[1,1,0]]",
       [](V a, V b, V s) { return advanced_subtensor(a, {ints({1, 1, 0})}); },
       {4.0, 5.0, 6.0, 4.0, 5.0, 6.0, 1.0, 2.0, 3.0},
       {3, 3}},
      {"broadcast_arrays",
       [](V a, V b, V s) {
         return broadcast_arrays({expand_dims(a(0), 0), constant(Tensor::of({{1.0}, {2.0}}))})[1];
       },
       {1.0, 1.0, 1.0, 2.0, 2.0, 2.0},
       {2, 3}},
  };
}
} // namespace

TEST(NumpyOps, MatchNumpyInInterpreterAndJit) {
  std::vector<Tensor> args{Tensor::of({{1, 2, 3}, {4, 5, 6}}),
                           Tensor::of({{0.5, -1, 2}, {3, 0.25, -2}}),
                           Tensor::of({{4, 1, 0.5}, {1, 3, 0.25}, {0.5, 0.25, 2}})};
  // Static shapes, then unknown dims (where a builder needs static ones it must say so).
  for (bool known : {true, false}) {
    Var a = known ? tensor(DType::Float64, {2, 3}, "a") : matrix("a");
    Var b = known ? tensor(DType::Float64, {2, 3}, "b") : matrix("b");
    Var s = known ? tensor(DType::Float64, {3, 3}, "s") : matrix("s");
    Bindings in{{a, args[0]}, {b, args[1]}, {s, args[2]}};
    for (const Case &c : cases()) {
      SCOPED_TRACE(c.what + (known ? " (static shapes)" : " (unknown dims)"));
      Var out;
      try {
        out = c.build(a, b, s);
      } catch (const NotImplementedError &e) {
        EXPECT_FALSE(known) << e.what();
        EXPECT_NE(std::string(e.what()).find("static"), std::string::npos) << e.what();
        continue;
      }
      Tensor want = Tensor::fromVector(c.want, c.shape);
      Tensor got = run(out, in);
      EXPECT_EQ(got.shape(), c.shape);
      EXPECT_TRUE(allclose(got.astype(DType::Float64), want, 1e-12, 1e-12)) << got.str();
      Function f = compile({a, b, s}, {out});
      Tensor jit = f(args)[0];
      EXPECT_TRUE(allclose(jit.astype(DType::Float64), want, 1e-12, 1e-12)) << jit.str();
    }
  }
}

TEST(NumpyOps, IsNanIsInfAndNumbersInComparisons) {
  Var x = vector("x");
  Tensor v = Tensor::of({NAN, INFINITY, -INFINITY, 1.5, 0.0});
  for (Mode m : {Mode::Interpret, Mode::JIT}) {
    Function f = compile({x}, {isnan(x), isinf(x), eq(x, 1.5), neq(0.0, x)}, {}, m);
    auto r = f({v});
    expectEq(r[0], Tensor::of({1, 0, 0, 0, 0}).astype(DType::Bool));
    expectEq(r[1], Tensor::of({0, 1, 1, 0, 0}).astype(DType::Bool));
    expectEq(r[2], Tensor::of({0, 0, 0, 1, 0}).astype(DType::Bool));
    expectEq(r[3], Tensor::of({1, 1, 1, 1, 0}).astype(DType::Bool));
  }
  // Integers are never NaN or infinite.
  Var i = vector("i", DType::Int64);
  expectEq(compile({i}, {isnan(i)})({Tensor::of({1, 2}, DType::Int64)})[0],
           Tensor::of({0, 0}).astype(DType::Bool));
}

TEST(NumpyOps, ErrorsNameTheOp) {
  expectThrowWith<ShapeError>([] { diag(tensor(DType::Float64, {2, 2, 2})); },
                              {"diag", "f64[2,2,2]"});
  expectThrowWith<ValueError>([] { diagonal(matrix("m"), 0, 1, 1); }, {"diagonal", "same"});
  expectThrowWith<IndexError>([] { cumsum(matrix("m"), 2); }, {"cumsum", "2"});
  expectThrowWith<NotImplementedError>([] { einsum("ij,jk", {matrix("a"), matrix("b")}); },
                                       {"einsum", "explicit output"});
  expectThrowWith<NotImplementedError>([] { norm(matrix("m"), 2.0); }, {"norm", "SVD"});
  expectThrowWith<NotImplementedError>([] { repeat(matrix("m"), 2, 0); }, {"repeat", "static"});
  expectThrowWith<TypeError>([] { advanced_subtensor(matrix("m"), {vector("f")}); },
                             {"advanced_subtensor", "int32 or int64"});
  Var m = matrix("m");
  expectThrowWith<IndexError>(
      [&] { evaluate(advanced_subtensor(m, {ints({2})}), {{m, Tensor::of({{1, 2}, {3, 4}})}}); },
      {"advanced_subtensor", "index 2", "size 2"});
}

TEST(NumpyOps, RoundingAndInverseTrigMatchNumpy) {
  Var x = vector("x"), y = vector("y");
  Tensor xv = Tensor::of({0.5, 1.5, 2.5, -0.5, -1.5, -0.7}), yv = Tensor::of({-0.5, 0.25, 0.9});
  for (Mode m : {Mode::Interpret, Mode::JIT}) {
    auto r = compile({x, y}, {round(x), floor(x), ceil(x), arcsin(y), arccos(y), arctan(y * 3.0)},
                     {}, m)({xv, yv});
    EXPECT_TRUE(allclose(r[0], Tensor::of({0, 2, 2, 0, -2, -1}), 0, 0))
        << r[0].str(); // half to even
    EXPECT_TRUE(allclose(r[1], Tensor::of({0, 1, 2, -1, -2, -1}), 0, 0)) << r[1].str();
    EXPECT_TRUE(allclose(r[2], Tensor::of({1, 2, 3, 0, -1, 0}), 0, 0)) << r[2].str();
    EXPECT_TRUE(allclose(r[3],
                         Tensor::of({-0.5235987755982989, 0.25268025514207865, 1.1197695149986342}),
                         1e-14, 1e-14));
    EXPECT_TRUE(allclose(r[4],
                         Tensor::of({2.0943951023931957, 1.318116071652818, 0.45102681179626236}),
                         1e-14, 1e-14));
    EXPECT_TRUE(allclose(r[5],
                         Tensor::of({-0.982793723247329, 0.6435011087932844, 1.2160906747839564}),
                         1e-14, 1e-14));
  }
}
