// Every product form the JIT lowers to BLAS (or to a loop nest, for integers) against
// the interpreter: vector.vector, matrix.vector, vector.matrix, matrix.matrix, outer
// products, transposed and dimshuffled operands (strided views), stacks with and
// without broadcasting, float32 and float64, mixed dtypes, and sizes 0, 1 and odd.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <random>

using namespace graphjit;

namespace {
constexpr int64_t U = kUnknownDim;

Tensor randomTensor(const Shape &shape, DType t, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(static_cast<size_t>(shapeSize(shape)));
  for (double &e : v)
    e = t == DType::Float32 || t == DType::Float64 ? u(rng) : std::floor(5 * u(rng));
  return Tensor::fromVector(v, shape).astype(t);
}

std::string shapeText(const Shape &s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i)
    r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

/// Outputs named for messages, compiled with and without rewrites and by the interpreter.
struct Forms {
  std::vector<Var> inputs, outputs;
  std::vector<std::string> names;
  void add(const std::string &name, const Var &v) { names.push_back(name), outputs.push_back(v); }

  void expectMatch(const std::vector<Tensor> &values, const std::string &what) const {
    Function ref = compile(inputs, outputs, {}, Mode::Interpret);
    std::vector<Tensor> expected = ref(values);
    for (const char *rewrites : {"fast_run", ""}) {
      CompileOptions o;
      o.rewrites = rewrites;
      std::vector<Tensor> got = compile(inputs, outputs, {}, o)(values);
      ASSERT_EQ(got.size(), expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        std::string where = names[i] + " " + what + " (rewrites \"" + rewrites + "\")";
        EXPECT_EQ(got[i].dtype(), expected[i].dtype()) << where;
        ASSERT_EQ(got[i].shape(), expected[i].shape()) << where;
        double tol = got[i].dtype() == DType::Float32 ? 2e-5 : 1e-12;
        EXPECT_TRUE(allclose(got[i], expected[i], tol, tol))
            << where << "\nJIT    " << got[i].str() << "\ninterp " << expected[i].str();
      }
    }
  }
};

class Products : public ::testing::TestWithParam<DType> {};

TEST_P(Products, MatrixAndVectorFormsMatchTheInterpreter) {
  DType t = GetParam();
  // A[m,k], B[k,n]; At[k,m] and Bt[n,k] are stored transposed; u[m], v[k], v2[k], w[n].
  Var A = tensor(t, {U, U}, "A"), B = tensor(t, {U, U}, "B"), At = tensor(t, {U, U}, "At"),
      Bt = tensor(t, {U, U}, "Bt"), u = tensor(t, {U}, "u"), v = tensor(t, {U}, "v"),
      v2 = tensor(t, {U}, "v2"), w = tensor(t, {U}, "w");
  Forms f;
  f.inputs = {A, B, At, Bt, u, v, v2, w};
  f.add("v.v2 (dot)", dot(v, v2));
  f.add("A@v (gemv)", dot(A, v));
  f.add("u@A (gemv, transposed)", dot(u, A));
  f.add("A@B (gemm)", dot(A, B));
  f.add("At^T@v", dot(transpose(At), v));
  f.add("u@At^T", dot(u, transpose(At)));
  f.add("At^T@B", dot(transpose(At), B));
  f.add("A@Bt^T", dot(A, transpose(Bt)));
  f.add("At^T@Bt^T", dot(transpose(At), transpose(Bt)));
  f.add("outer(u, w)", outer(u, w));
  f.add("u[:,None]@w[None,:] (ger)", matmul(expand_dims(u, 1), expand_dims(w, 0)));
  f.add("v[None,:]@B (a row)", matmul(expand_dims(v, 0), B));
  f.add("A@v[:,None] (a column)", matmul(A, expand_dims(v, 1)));
  f.add("(A@B)^T@u", dot(transpose(dot(A, B)), u));
  f.add("sum(A@B * 2)", sum(dot(A, B) * 2.0));
  // Sizes 0, 1 and odd, in every position (m, k, n).
  const std::vector<std::array<int64_t, 3>> sizes = {{0, 3, 2},  {3, 0, 2},   {2, 3, 0}, {1, 1, 1},
                                                     {1, 5, 1},  {7, 1, 5},   {5, 7, 1}, {1, 7, 5},
                                                     {13, 7, 9}, {33, 65, 17}};
  uint64_t seed = 1;
  for (auto [m, k, n] : sizes) {
    std::vector<Tensor> values = {randomTensor({m, k}, t, seed++), randomTensor({k, n}, t, seed++),
                                  randomTensor({k, m}, t, seed++), randomTensor({n, k}, t, seed++),
                                  randomTensor({m}, t, seed++),    randomTensor({k}, t, seed++),
                                  randomTensor({k}, t, seed++),    randomTensor({n}, t, seed++)};
    f.expectMatch(values, std::string(dtypeName(t)) + " m,k,n = " + std::to_string(m) + "," +
                              std::to_string(k) + "," + std::to_string(n));
  }
}

TEST_P(Products, StaticShapesMatchTheInterpreter) {
  DType t = GetParam();
  Var A = tensor(t, {5, 3}, "A"), B = tensor(t, {3, 4}, "B"), v = tensor(t, {5}, "v");
  Forms f;
  f.inputs = {A, B, v};
  f.add("A@B", dot(A, B));
  f.add("v@A", dot(v, A));
  f.add("A^T@v", dot(transpose(A), v));
  f.add("B^T@A^T", dot(transpose(B), transpose(A)));
  f.expectMatch({randomTensor({5, 3}, t, 1), randomTensor({3, 4}, t, 2), randomTensor({5}, t, 3)},
                dtypeName(t));
}

TEST_P(Products, StacksMatchTheInterpreter) {
  DType t = GetParam();
  // S[b,m,k], T[b,k,n]; S1[1,m,k] broadcasts; St[b,k,m] is stored transposed; P[m,b,k] has its
  // batch axis inside.
  Var S = tensor(t, {U, U, U}, "S"), T = tensor(t, {U, U, U}, "T"), S1 = tensor(t, {1, U, U}, "S1"),
      St = tensor(t, {U, U, U}, "St"), P = tensor(t, {U, U, U}, "P"), v = tensor(t, {U}, "v"),
      Q = tensor(t, {2, 1, U, U}, "Q"), R = tensor(t, {1, 3, U, U}, "R");
  Forms f;
  f.inputs = {S, T, S1, St, P, v, Q, R};
  f.add("S@T (batched gemm)", matmul(S, T));
  f.add("S1@T (broadcast batch)", matmul(S1, T));
  f.add("St^T@T", matmul(dimshuffle(St, {0, 2, 1}), T));
  f.add("T^T@S^T (both transposed)", matmul(dimshuffle(T, {0, 2, 1}), dimshuffle(S, {0, 2, 1})));
  f.add("P moved (strided batch)@T", matmul(dimshuffle(P, {1, 0, 2}), T));
  f.add("S@v (stack @ vector)", matmul(S, v));
  f.add("Q@R (rank 4, both broadcast)", matmul(Q, R));
  const std::vector<std::array<int64_t, 4>> sizes = {{3, 2, 4, 5}, {0, 2, 3, 4}, {2, 0, 3, 4},
                                                     {2, 3, 0, 4}, {1, 1, 1, 1}, {5, 7, 3, 1}};
  uint64_t seed = 100;
  for (auto [b, m, k, n] : sizes) {
    std::vector<Tensor> values = {
        randomTensor({b, m, k}, t, seed++),    randomTensor({b, k, n}, t, seed++),
        randomTensor({1, m, k}, t, seed++),    randomTensor({b, k, m}, t, seed++),
        randomTensor({m, b, k}, t, seed++),    randomTensor({k}, t, seed++),
        randomTensor({2, 1, m, k}, t, seed++), randomTensor({1, 3, k, n}, t, seed++)};
    f.expectMatch(values, std::string(dtypeName(t)) + " b,m,k,n = " + shapeText({b, m, k, n}));
  }
}

INSTANTIATE_TEST_SUITE_P(FloatTypes, Products, ::testing::Values(DType::Float64, DType::Float32),
                         [](const auto &info) { return std::string(dtypeName(info.param)); });

TEST(ProductsMixed, MixedAndIntegerDTypesMatchTheInterpreter) {
  Var Af = tensor(DType::Float32, {U, U}, "Af"), vd = tensor(DType::Float64, {U}, "vd"),
      Ai = tensor(DType::Int32, {U, U}, "Ai"), Bi = tensor(DType::Int64, {U, U}, "Bi"),
      vi = tensor(DType::Int64, {U}, "vi"), Ci = tensor(DType::Int64, {U, U}, "Ci");
  Forms f;
  f.inputs = {Af, vd, Ai, Bi, vi, Ci};
  f.add("f32 @ f64", dot(Af, vd));
  f.add("int32^T @ f64", dot(transpose(Ai), dot(Af, vd)));
  f.add("int32 @ int64 (loop nest)", dot(Ai, Bi));
  f.add("int64 vector @ int64^T", dot(vi, transpose(Bi)));
  f.add("int32^T @ int64^T (loop nest, transposes moved)", dot(transpose(Ai), transpose(Ci)));
  f.add("int32^T @ int64 (loop nest in the source's row order)", dot(transpose(Ai), dot(Ai, Bi)));
  f.add("int64 @ (int32^T)^T (loop nest of row dots without rewrites)",
        dot(Ci, transpose(transpose(Ai))));
  for (auto [m, k, n] :
       std::vector<std::array<int64_t, 3>>{{3, 4, 5}, {0, 2, 3}, {1, 1, 1}, {9, 0, 2}})
    f.expectMatch({randomTensor({m, k}, DType::Float32, 1), randomTensor({k}, DType::Float64, 2),
                   randomTensor({m, k}, DType::Int32, 3), randomTensor({k, n}, DType::Int64, 4),
                   randomTensor({n}, DType::Int64, 5), randomTensor({n, m}, DType::Int64, 6)},
                  "m,k,n = " + shapeText({m, k, n}));
}

TEST(ProductsMixed, LogisticRegressionGradientMatchesTheInterpreter) {
  // The graph exactly as grad builds it: its X^T @ e becomes dot(e, X) in specialize.
  Var X = matrix("X"), y = vector("y"), w = vector("w"), b = scalar("b");
  Var p = sigmoid(dot(X, w) + b);
  Var loss = -mean(y * log(p) + (1.0 - y) * log(1.0 - p));
  auto g = grad(loss, {w, b});
  Forms f;
  f.inputs = {X, y, w, b};
  f.add("loss", loss);
  f.add("dloss/dw", g[0]);
  f.add("dloss/db", g[1]);
  Tensor yv = randomTensor({37}, DType::Float64, 2);
  std::vector<double> labels = yv.toDoubles();
  for (double &l : labels)
    l = l > 0 ? 1 : 0;
  f.expectMatch({randomTensor({37, 5}, DType::Float64, 1), Tensor::fromVector(labels),
                 randomTensor({5}, DType::Float64, 3), Tensor::scalar(0.25)},
                "N = 37, D = 5");
}
} // namespace
