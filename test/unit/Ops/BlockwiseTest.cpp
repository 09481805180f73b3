// Blockwise: stacks of matrices through the linalg builders against a loop over the batch
// (interpreter and JIT), broadcasting batch dims, gradients by finite differences, the text
// round trip, and vectorize_graph's fallback for a user op that declares a signature.
#include "OpTestUtil.h"

#include <random>

using namespace graphjit;
using namespace graphjit::optest;

namespace {
/// Matrices of shape lead + [m, m]: random entries plus m on the diagonal (well conditioned).
Tensor stack(const Shape &lead, int64_t m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  Shape s = lead;
  s.push_back(m), s.push_back(m);
  std::vector<double> v(static_cast<size_t>(shapeSize(s)));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = u(rng) + (static_cast<int64_t>(i % (m * m)) % (m + 1) == 0 ? double(m) : 0.0);
  return Tensor::fromVector(v, s);
}
/// Element `e` of the leading axis.
Tensor at(const Tensor &t, int64_t e) {
  Shape s(t.shape().begin() + 1, t.shape().end());
  std::vector<double> v = t.toDoubles();
  int64_t n = shapeSize(s);
  return Tensor::fromVector(std::vector<double>(v.begin() + e * n, v.begin() + (e + 1) * n), s);
}
bool close(const Tensor &a, const Tensor &b) { return allclose(a, b, 1e-10, 1e-10); }
/// The op a variable's node applies.
std::string opOf(const Var &v) { return v.owner()->op().name(); }
} // namespace

TEST(Blockwise, InvOfAStackMatchesTheLoop) {
  Var x = tensor(DType::Float64, {-1, -1, -1}, "x");
  Var y = inv(x);
  EXPECT_EQ(opOf(y), "blockwise");
  EXPECT_EQ(y.type().str(), "f64[?,?,?]");
  Tensor xs = stack({4}, 3, 1), got = run(y, {{x, xs}});
  Function f = compile({x}, {y});
  Tensor jit = f({xs})[0];
  Var m = matrix("m");
  for (int64_t e = 0; e < 4; ++e) {
    Tensor want = evaluate(inv(m), {{m, at(xs, e)}});
    EXPECT_TRUE(close(at(got, e), want)) << e;
    EXPECT_TRUE(close(at(jit, e), want)) << e;
  }
}

TEST(Blockwise, EveryLinalgOpTakesAStack) {
  Var x = tensor(DType::Float64, {5, 3, 3}, "x"), m = matrix("m");
  Tensor xs = stack({5}, 3, 2);
  Tensor spd = evaluate(matmul(x, transpose(x, {0, 2, 1})) + 0.0, {{x, xs}});
  auto [s, l] = slogdet(x);
  std::vector<Var> outs{cholesky(x), det(x), s, l, tril(x, -1)};
  std::vector<Tensor> got = evaluate(outs, {{x, spd}});
  for (int64_t e = 0; e < 5; ++e) {
    auto [cs, cl] = slogdet(m);
    std::vector<Tensor> want =
        evaluate({cholesky(m), det(m), cs, cl, tril(m, -1)}, {{m, at(spd, e)}});
    for (size_t k = 0; k < outs.size(); ++k)
      EXPECT_TRUE(close(at(got[k], e), want[k])) << outs[k].owner()->op().displayStr() << " " << e;
  }
  EXPECT_EQ(outs[1].type().str(), "f64[5]");
}

TEST(Blockwise, SolveBroadcastsBatchDims) {
  // A shared by a batch of vector right-hand sides; a [2,1] batch against a [4] batch.
  Var a = matrix("a"), b = tensor(DType::Float64, {6, 3}, "b");
  Var x = solve(a, b, 1);
  EXPECT_EQ(x.type().str(), "f64[6,3]");
  Tensor as = stack({}, 3, 3), bs = stack({2}, 3, 4).reshaped({6, 3});
  Tensor got = run(x, {{a, as}, {b, bs}});
  Var v = vector("v");
  for (int64_t e = 0; e < 6; ++e)
    EXPECT_TRUE(close(at(got, e), evaluate(solve(a, v), {{a, as}, {v, at(bs, e)}})));

  Var A = tensor(DType::Float64, {2, 1, 3, 3}, "A"), B = tensor(DType::Float64, {4, 3, 2}, "B");
  Var X = solve_triangular(A, B, false, true);
  EXPECT_EQ(X.type().str(), "f64[2,4,3,2]");
  Tensor As = stack({2, 1}, 3, 5),
         Bs = evaluate(constant(stack({4}, 3, 6))(slice(), slice(), slice(0, 2)));
  Tensor Xs = run(X, {{A, As}, {B, Bs}});
  Tensor jit = compile({A, B}, {X})({As, Bs})[0];
  EXPECT_TRUE(close(Xs, jit));
  Var ma = matrix("ma"), mb = matrix("mb");
  Var core = solve_triangular(ma, mb, false, true);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j)
      EXPECT_TRUE(
          close(at(at(Xs, i), j), evaluate(core, {{ma, at(at(As, i), 0)}, {mb, at(Bs, j)}})));
}

TEST(Blockwise, Errors) {
  expectThrowWith<ShapeError>(
      [] { solve(tensor(DType::Float64, {2, 3, 3}), tensor(DType::Float64, {4, 3, 1})); },
      {"blockwise{solve}", "batch dims do not broadcast", "2 and 4"});
  expectThrowWith<ShapeError>([] { inv(tensor(DType::Float64, {2, 3, 4})); },
                              {"matrix_inverse", "square"});
  Var x = tensor(DType::Float64, {2, 2, 2}, "x");
  expectThrowWith<ValueError>(
      [&] {
        evaluate(inv(x),
                 {{x, Tensor::fromVector(std::vector<double>{1, 0, 0, 1, 1, 2, 2, 4}, {2, 2, 2})}});
      },
      {"matrix_inverse", "singular", "batch element 1"});
  expectThrowWith<ValueError>([] { GufuncSignature::parse("(m,m)(m)", "f"); },
                              {"f", "bad gufunc signature", "->"});
  EXPECT_EQ(GufuncSignature::parse(" (m, m),(m)-> (m),()", "f").str(), "(m,m),(m)->(m),()");
}

TEST(Blockwise, TextRoundTrip) {
  Var a = tensor(DType::Float64, {-1, 3, 3}, "a"), b = tensor(DType::Float64, {-1, 3, 2}, "b");
  TextFunction fn{"f", {a, b}, {solve_triangular(a, b, false, true), inv(a)}};
  std::string once = printFunction(fn);
  EXPECT_NE(once.find("blockwise{core=\"solve_triangular\", signature=\"(m,m),(m,n)->(m,n)\", "
                      "lower=false, trans=true}"),
            std::string::npos)
      << once;
  EXPECT_EQ(printFunction(parseFunction(once)), once);
  EXPECT_EQ(fn.outputs[1].owner()->op().displayStr(), "blockwise{matrix_inverse, (m,m)->(m,m)}");
}

TEST(Blockwise, GradientsByFiniteDifferences) {
  Tensor xs = stack({2}, 3, 7), bs = evaluate(constant(stack({2}, 3, 8))(slice(), 0));
  verify_grad([](auto v) { return inv(v[0]); }, {xs});
  verify_grad([](auto v) { return slogdet(v[0]).second + det(v[0]); }, {xs});
  // A shared by the batch: its gradient sums over the batch dims it broadcasts along.
  verify_grad([](auto v) { return solve(v[0], v[1], 1); }, {at(xs, 0), bs});
  verify_grad([](auto v) { return cholesky(matmul(v[0], transpose(v[0], {0, 2, 1}))); }, {xs});
  Var a = tensor(DType::Float64, {3, 3}, "a"), b = tensor(DType::Float64, {4, 3, 3}, "b");
  Var g = grad(sum(solve(a, b)), a);
  EXPECT_EQ(g.type().str(), "f64[3,3]");
}

namespace {
/// A user op with a signature and no batching rule: x / sum(x) over a vector.
class Normalize : public Op {
public:
  std::string name() const override { return "test_normalize"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    if (in.size() != 1 || in[0].ndim() != 1)
      throw ShapeError("test_normalize: expected one vector, got " + in[0].str());
    return {in[0]};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return in; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    std::vector<double> v = in[0].toDoubles();
    double s = 0;
    for (double x : v)
      s += x;
    for (double &x : v)
      x /= s;
    return {Tensor::fromVector(v)};
  }
  std::string gufuncSignature() const override { return "(n)->(n)"; }
};
} // namespace

TEST(Blockwise, VectorizeFallsBackToBlockwiseForASignature) {
  Var v = vector("v"), m = tensor(DType::Float64, {3, 4}, "m");
  Var out = applyOp1(std::make_shared<Normalize>(), {v}) * 2.0;
  Var batched = vectorize_graph(out, {{v, m}});
  EXPECT_EQ(batched.type().str(), "f64[3,4]");
  Tensor ms = evaluate(constant(stack({}, 4, 9))(slice(0, 3)));
  Tensor got = evaluate(batched, {{m, ms}});
  for (int64_t e = 0; e < 3; ++e)
    EXPECT_TRUE(close(at(got, e), evaluate(out, {{v, at(ms, e)}})));
  // Linear algebra batches the same way (its rule is Blockwise), also with a shared input.
  Var a = matrix("a"), b = vector("b"), bb = matrix("bb");
  Var x = vectorize_graph(solve(a, b), {{b, bb}});
  EXPECT_EQ(x.owner()->op().displayStr(), "blockwise{solve, (d0,d1),(d2)->(d3)}");
}
