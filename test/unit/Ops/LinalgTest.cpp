// Linear algebra ops against hand computations, their errors, and the JIT's
// runtime calls (including its failure checks).
#include "OpTestUtil.h"

#include <cmath>

using namespace graphjit;
using namespace graphjit::optest;

namespace {
const Tensor kA = Tensor::of({{4, 2}, {2, 3}}); // L = [[2, 0], [1, sqrt(2)]], det 8
}

TEST(Linalg, CholeskyByHand) {
  Var a = matrix("a");
  Tensor l = run(cholesky(a), {{a, kA}});
  EXPECT_TRUE(allclose(l, Tensor::of({{2, 0}, {1, std::sqrt(2.0)}}), 1e-14, 1e-14)) << l.str();
  // Only the lower triangle is read.
  Tensor l2 = run(cholesky(a), {{a, Tensor::of({{4, 99}, {2, 3}})}});
  EXPECT_TRUE(allclose(l2, l, 0, 0));
  expectThrowWith<ValueError>([&] { evaluate(cholesky(a), {{a, Tensor::of({{1, 2}, {2, 1}})}}); },
                              {"cholesky", "not positive definite", "order 2"});
  expectThrowWith<ShapeError>([&] { cholesky(vector("v")); },
                              {"cholesky", "expected a matrix", "f64[?]"});
  expectThrowWith<ShapeError>([&] { cholesky(tensor(DType::Float64, {2, 3})); },
                              {"square", "f64[2,3]"});
  expectThrowWith<TypeError>([&] { cholesky(matrix("i", DType::Int64)); }, {"float"});
}

TEST(Linalg, SolvesByHand) {
  Var a = matrix("a"), b = vector("b"), m = matrix("m");
  Tensor l = Tensor::of({{2, 0}, {1, 4}});
  // [[2,0],[1,4]] x = [2, 9] -> x = [1, 2]; transposed: [[2,1],[0,4]] x = [4, 8] -> [1, 2].
  expectEq(run(solve_triangular(a, b), {{a, l}, {b, Tensor::of({2, 9})}}), Tensor::of({1, 2}));
  expectEq(run(solve_triangular(a, b, true, true), {{a, l}, {b, Tensor::of({4, 8})}}),
           Tensor::of({1, 2}));
  // Upper: reads [[2, 5], [., 4]] from a full matrix.
  Tensor u = Tensor::of({{2, 5}, {7, 4}});
  expectEq(run(solve_triangular(a, b, false), {{a, u}, {b, Tensor::of({12, 8})}}),
           Tensor::of({1, 2}));
  Tensor x = run(solve(a, m), {{a, kA}, {m, Tensor::of({{8, 4}, {7, 5}})}});
  EXPECT_TRUE(allclose(x, Tensor::of({{1.25, 0.25}, {1.5, 1.5}}), 1e-14, 1e-14)) << x.str();
  expectThrowWith<ValueError>(
      [&] { evaluate(solve(a, b), {{a, Tensor::of({{1, 2}, {2, 4}})}, {b, Tensor::of({1, 1})}}); },
      {"solve", "singular"});
  expectThrowWith<ShapeError>(
      [&] { solve(tensor(DType::Float64, {2, 2}), tensor(DType::Float64, {3})); },
      {"solve", "3 rows", "expected 2"});
  expectThrowWith<ShapeError>([&] { evaluate(solve(a, b), {{a, kA}, {b, Tensor::of({1, 2, 3})}}); },
                              {"solve", "[3]", "[2,2]"});
}

TEST(Linalg, DeterminantsAndInverse) {
  Var a = matrix("a");
  EXPECT_NEAR(run(det(a), {{a, kA}}).item(), 8, 1e-14);
  auto [sign, logabs] = slogdet(a);
  Tensor neg = Tensor::of({{0, 1}, {1, 0}}); // a permutation: det -1
  EXPECT_EQ(evaluate(sign, {{a, neg}}).item(), -1);
  EXPECT_NEAR(evaluate(logabs, {{a, kA}}).item(), std::log(8.0), 1e-14);
  Tensor singular = Tensor::of({{1, 2}, {2, 4}});
  EXPECT_EQ(evaluate(det(a), {{a, singular}}).item(), 0);
  EXPECT_EQ(evaluate(sign, {{a, singular}}).item(), 0);
  EXPECT_EQ(evaluate(logabs, {{a, singular}}).item(), -INFINITY);
  Tensor ai = run(inv(a), {{a, kA}});
  EXPECT_TRUE(allclose(ai, Tensor::of({{0.375, -0.25}, {-0.25, 0.5}}), 1e-14, 1e-14)) << ai.str();
  expectEq(run(tril(a, -1), {{a, Tensor::of({{1, 2}, {3, 4}})}}), Tensor::of({{0, 0}, {3, 0}}));
  expectEq(run(triu(a), {{a, Tensor::of({{1, 2}, {3, 4}})}}), Tensor::of({{1, 2}, {0, 4}}));
}

TEST(Linalg, GradientsMatchFiniteDifferences) {
  Tensor spd = Tensor::of({{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}});
  verify_grad([](auto v) { return cholesky(v[0]); }, {spd});
  verify_grad([](auto v) { return slogdet(v[0]).second + det(v[0]); }, {spd});
  verify_grad([](auto v) { return solve(v[0], v[1]); }, {spd, Tensor::of({1, -2, 0.5})});
  // The MvNormal density through cholesky and solve_triangular, w.r.t. the covariance.
  verify_grad(
      [](auto v) {
        Var l = cholesky(v[0]);
        return sum(sqr(solve_triangular(l, v[1]))) + 2.0 * slogdet(l).second;
      },
      {spd, Tensor::of({0.3, -1, 2})});
}

TEST(Linalg, JitCallsAndReportsFailures) {
  Var a = matrix("a"), b = vector("b");
  auto [s, l] = slogdet(a);
  std::vector<Var> outs{cholesky(a), solve(a, b), solve_triangular(cholesky(a), b, true, true),
                        det(a),      s,           l,
                        inv(a),      tril(a)};
  Function jit = compile({a, b}, outs, {}, Mode::JIT),
           ref = compile({a, b}, outs, {}, Mode::Interpret);
  std::vector<Tensor> args{kA, Tensor::of({1, 2})};
  auto x = jit(args), y = ref(args);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_TRUE(allclose(x[i], y[i], 0, 0)) << i << ": " << x[i].str();
  Function chol = compile({a}, {cholesky(a)}, {}, Mode::JIT);
  expectThrowWith<Error>([&] { chol({Tensor::of({{1, 2}, {2, 1}})}); },
                         {"cholesky", "not positive definite"});
  expectThrowWith<Error>([&] { jit({Tensor::of({{4, 8}, {2, 4}}), Tensor::of({1, 2})}); },
                         {"singular"}); // PD lower triangle
  // Special functions.
  Var x1 = vector("x");
  Function sp = compile({x1}, {gammaln(x1), digamma(x1)}, {}, Mode::JIT);
  auto r = sp({Tensor::of({0.5, 1, 10, -1.5})});
  EXPECT_NEAR(r[0].getAsDouble(0), 0.5 * std::log(M_PI), 1e-14);
  EXPECT_NEAR(r[1].getAsDouble(1), -0.57721566490153286, 1e-14); // -Euler gamma
  EXPECT_NEAR(r[1].getAsDouble(2), 2.251752589066721, 1e-13);    // psi(10)
  EXPECT_NEAR(r[1].getAsDouble(3), 0.7031566406452432, 1e-13);   // psi(-1.5)
}
