// eigh, svd, qr, pinv, lstsq and expm against NumPy / SciPy values (scripts/linalg_reference.py),
// their identities, gradients by finite differences, and stacks through Blockwise.
#include "OpTestUtil.h"

#include <cmath>

using namespace graphjit;
using namespace graphjit::optest;

namespace {
// Inputs of scripts/linalg_reference.py.
const Tensor kS = Tensor::of({{4, 1, -2}, {1, 3, 0.5}, {-2, 0.5, 5}});
const Tensor kA = Tensor::of({{1, 2, 0.5}, {-1, 0.3, 2}, {0.7, -0.4, 1.1}, {2, 1, -0.6}});
const Tensor kB = Tensor::of({{1, -2}, {0.5, 0}, {3, 1}, {-1, 2.5}});
const Tensor kE = Tensor::of({{0.3, 2.7, -0.9}, {-2.1, 0.6, 1.2}, {1.5, -0.3, -1.8}});
// Their NumPy / SciPy results.
const Tensor kEighW = Tensor::fromVector(
    std::vector<double>{1.5842066930926233, 3.839336452466482, 6.5764568544408935}, {3});
const Tensor kEighV = Tensor::fromVector(
    std::vector<double>{-0.6382426181957049, 0.4453394849537662, -0.6279483286543612,
                        0.6145469400410328, 0.7860144038136981, -0.06718195802147697,
                        -0.46365765258959585, 0.4287821126615602, 0.7753499087873775},
    {3, 3});
const Tensor kSvdS = Tensor::fromVector(
    std::vector<double>{3.1153206318096776, 2.48228609824583, 1.3011660491560801}, {3});
const Tensor kQrQ = Tensor::fromVector(
    std::vector<double>{-0.3925343359894298, -0.7933107634862249, -0.05810766374253473,
                        0.3925343359894298, -0.4453659903379257, -0.6226023709107025,
                        -0.27477403519260085, 0.41408166420462994, -0.7803245231231521,
                        -0.7850686719788595, 0.02904380410252916, -0.009133770490980592},
    {4, 3});
const Tensor kQrR = Tensor::fromVector(
    std::vector<double>{-2.5475478405713994, -1.3424674290838499, 0.7575912684595993, 0.0,
                        -1.8568201856531497, -0.8493238142553883, 0.0, 0.0, -2.127135286833551},
    {3, 3});
const Tensor kPinv = Tensor::fromVector(
    std::vector<double>{-0.05634980907398923, -0.12288538085459251, 0.4228893089404569,
                        0.31872095598053835, 0.41474640768547344, 0.10597307976184295,
                        -0.390802566216421, -0.017605765786067987, 0.02731733336483433,
                        0.2926952388804131, 0.36684292153544296, 0.004293930220384401},
    {3, 4});
const Tensor kLstsq = Tensor::fromVector(
    std::vector<double>{0.8321544713395471, 1.3323913170397814, -0.6870689852968008,
                        -1.2643097960525382, 1.2698997871909856, 0.3229430803567353},
    {3, 2});
const Tensor kExpm = Tensor::fromVector(
    std::vector<double>{-0.8869219397123238, 1.2824615765441438, 0.718129726345865,
                        -0.578036598470624, -0.5440997532864436, 0.41347787939385705,
                        0.06141767261468683, 0.8403559425448819, 0.3191989578840738},
    {3, 3});

bool close(const Tensor &a, const Tensor &b, double tol = 1e-12) {
  return a.shape() == b.shape() && allclose(a, b, tol, tol);
}
/// Columns of `v` flipped to the sign of `ref`'s (eigen- and singular vectors are unique up to
/// sign).
Tensor alignColumns(const Tensor &v, const Tensor &ref) {
  std::vector<double> a = v.toDoubles(), r = ref.toDoubles();
  int64_t rows = v.dim(0), cols = v.dim(1);
  for (int64_t j = 0; j < cols; ++j) {
    double dot = 0;
    for (int64_t i = 0; i < rows; ++i)
      dot += a[i * cols + j] * r[i * cols + j];
    if (dot < 0)
      for (int64_t i = 0; i < rows; ++i)
        a[i * cols + j] = -a[i * cols + j];
  }
  return Tensor::fromVector(a, v.shape());
}
} // namespace

TEST(LinalgDecomp, ValuesMatchNumPyAndSciPy) {
  Var s = matrix("s"), a = matrix("a"), b = matrix("b"), e = matrix("e");
  auto [w, v] = eigh(s);
  auto [u, sv, vh] = svd(a);
  auto [q, r] = qr(a);
  std::vector<Var> outs{w, v,       u,           sv,      vh,          q,
                        r, pinv(a), lstsq(a, b), expm(e), eigvalsh(s), svdvals(a)};
  Bindings bind{{s, kS}, {a, kA}, {b, kB}, {e, kE}};
  std::vector<Tensor> got = evaluate(outs, bind);
  for (size_t i = 0; i < outs.size(); ++i) {
    Tensor one = run(outs[i], bind); // also checks inferShape and the static type
    EXPECT_TRUE(close(one, got[i])) << i;
  }
  EXPECT_TRUE(close(got[0], kEighW));
  EXPECT_TRUE(close(alignColumns(got[1], kEighV), kEighV));
  EXPECT_TRUE(close(got[3], kSvdS));
  EXPECT_TRUE(close(got[5], kQrQ, 1e-11));
  EXPECT_TRUE(close(got[6], kQrR, 1e-11));
  EXPECT_TRUE(close(got[7], kPinv));
  EXPECT_TRUE(close(got[8], kLstsq));
  EXPECT_TRUE(close(got[9], kExpm, 1e-11));
  EXPECT_TRUE(close(got[10], kEighW));
  EXPECT_TRUE(close(got[11], kSvdS));
  // U diag(s) Vh = A with orthonormal U.
  Tensor rebuilt = evaluate(matmul(u * dimshuffle(sv, {-1, 0}), vh), bind);
  EXPECT_TRUE(close(rebuilt, kA));
  auto [fu, fs, fvh] = svd(a, true);
  EXPECT_EQ(fu.type().str(), "f64[?,?]");
  std::vector<Tensor> full = evaluate({fu, fvh}, bind);
  EXPECT_EQ(full[0].shape(), (Shape{4, 4}));
  EXPECT_EQ(full[1].shape(), (Shape{3, 3}));
  // The JIT runs them as host steps: same values.
  Function f = compile({s, a, b, e}, outs);
  std::vector<Tensor> jit = f({kS, kA, kB, kE});
  for (size_t i = 0; i < outs.size(); ++i)
    EXPECT_TRUE(close(jit[i], got[i])) << i;
}

TEST(LinalgDecomp, Errors) {
  expectThrowWith<ShapeError>([] { eigh(tensor(DType::Float64, {2, 3})); }, {"eigh", "square"});
  expectThrowWith<ShapeError>([] { expm(vector("v")); }, {"expm", "expected a matrix"});
  expectThrowWith<TypeError>([] { pinv(matrix("i", DType::Int64)); }, {"pinv", "float"});
  Var a = tensor(DType::Float64, {2, 3}, "a");
  expectThrowWith<NotImplementedError>([&] { grad(sum(std::get<0>(svd(a, true))), a); },
                                       {"svd", "U and Vh", "full_matrices=False"});
}

TEST(LinalgDecomp, SvdGradientThroughUAndVh) {
  // Losses that do not depend on the signs LAPACK picks for singular vectors: U o U, Vh o Vh, and
  // the rebuilt A weighted; tall, wide and square inputs (distinct singular values).
  const Tensor wide = Tensor::of({{1, 2, 0.5, -1}, {-1, 0.3, 2, 0.25}, {0.7, -0.4, 1.1, 2}});
  for (const Tensor &x : {kA, wide, kE}) {
    verify_grad([](auto v) { return std::get<0>(svd(v[0])) * std::get<0>(svd(v[0])); }, {x});
    verify_grad([](auto v) { return std::get<2>(svd(v[0])) * std::get<2>(svd(v[0])); }, {x});
    verify_grad(
        [](auto v) {
          auto [u, s, vh] = svd(v[0]);
          return matmul(sqr(u) * dimshuffle(s, {-1, 0}), sqr(vh));
        },
        {x});
  }
  // U diag(s) Vh is A: its gradient through all three outputs is the weight itself.
  Var a = tensor(DType::Float64, {3, 4}, "a"), w = tensor(DType::Float64, {3, 4}, "w");
  auto [u, s, vh] = svd(a);
  Var g = grad(sum(matmul(u * dimshuffle(s, {-1, 0}), vh) * w), a);
  Tensor wv = Tensor::of({{1, -2, 0.5, 3}, {0.25, 1, -1, 2}, {4, 0, 1, -0.5}});
  EXPECT_TRUE(close(evaluate(g, {{a, wide}, {w, wv}}), wv, 1e-10));
}

TEST(LinalgDecomp, QrGradientOfWideMatrices) {
  const Tensor wide =
      Tensor::of({{1, 2, 0.5, -1, 0.3}, {-1, 0.3, 2, 0.25, 1}, {0.7, -0.4, 1.1, 2, -1}});
  verify_grad(
      [](auto v) {
        auto [q, r] = qr(v[0]);
        return matmul(sqr(q), sqr(r));
      },
      {wide});
  verify_grad([](auto v) { return qr(v[0]).second * qr(v[0]).second; }, {wide});
  verify_grad([](auto v) { return qr(v[0]).first * qr(v[0]).first; }, {wide});
  // Q R is A: the gradient through both outputs is the weight.
  Var a = tensor(DType::Float64, {3, 5}, "a");
  auto [q, r] = qr(a);
  Tensor wv = Tensor::of({{1, -2, 0.5, 3, 1}, {0.25, 1, -1, 2, 0}, {4, 0, 1, -0.5, 2}});
  Var g = grad(sum(matmul(q, r) * constant(wv)), a);
  EXPECT_TRUE(close(evaluate(g, {{a, wide}}), wv, 1e-10));
}

TEST(LinalgDecomp, GradientsByFiniteDifferences) {
  verify_grad([](auto v) { return eigh(v[0] + transpose(v[0])).first; }, {kS});
  verify_grad(
      [](auto v) {
        auto [w, vec] = eigh(v[0]);
        return vec * vec + dimshuffle(w, {-1, 0});
      },
      {kS});
  verify_grad([](auto v) { return svdvals(v[0]); }, {kA});
  verify_grad([](auto v) { return std::get<1>(svd(v[0])); }, {kA});
  verify_grad(
      [](auto v) {
        auto [q, r] = qr(v[0]);
        return matmul(q, r) + q;
      },
      {kA});
  verify_grad([](auto v) { return qr(v[0]).second; }, {kS});
  verify_grad([](auto v) { return pinv(v[0]); }, {kA});
  verify_grad([](auto v) { return lstsq(v[0], v[1]); }, {kA, kB});
  verify_grad([](auto v) { return expm(v[0]); }, {kE});
}

TEST(LinalgDecomp, StacksBatchThroughBlockwise) {
  Var x = tensor(DType::Float64, {2, 3, 3}, "x"), m = matrix("m");
  Tensor xs = Tensor::fromVector(
      [] {
        std::vector<double> v = kS.toDoubles(), e = kE.toDoubles();
        v.insert(v.end(), e.begin(), e.end());
        return v;
      }(),
      {2, 3, 3});
  Tensor got = evaluate(expm(x), {{x, xs}});
  EXPECT_EQ(expm(x).owner()->op().name(), "blockwise");
  std::vector<double> g = got.toDoubles();
  Tensor second = Tensor::fromVector(std::vector<double>(g.begin() + 9, g.end()), {3, 3});
  EXPECT_TRUE(close(second, kExpm, 1e-11));
  Tensor sv = evaluate(svdvals(x), {{x, xs}});
  EXPECT_EQ(sv.shape(), (Shape{2, 3}));
  verify_grad([](auto v) { return expm(v[0]); }, {xs});
}
