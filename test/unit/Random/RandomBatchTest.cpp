// Multivariate and categorical random variables with batched parameters and under
// vectorize_graph (posterior predictive over a batch of parameters), against a loop.
#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
/// Row r of a [n, k] tensor.
std::vector<double> row(const Tensor &t, int64_t r) {
  std::vector<double> v = t.astype(DType::Float64).toDoubles();
  int64_t k = t.shape().back();
  return std::vector<double>(v.begin() + r * k, v.begin() + (r + 1) * k);
}
} // namespace

TEST(RandomBatch, MvNormalPosteriorPredictiveMatchesALoopOverTheRows) {
  // mvnormal(w, tiny cov) batched over 4 rows of w: each event is its row (to 1e-6), as a loop
  // of one draw per row gives; interpreter and JIT alike.
  Var w = vector("w");
  Var cov = constant(Tensor::of({{1e-14, 0.0}, {0.0, 1e-14}}));
  Tensor rows = Tensor::of({{0.0, 1.0}, {1.0, 0.0}, {2.0, -1.0}, {0.5, 0.5}});
  for (Dist d : {Dist::MvNormal, Dist::MvNormalChol, Dist::MvNormalDiag}) {
    Var second = d == Dist::MvNormalDiag   ? constant(Tensor::of({1e-7, 1e-7}))
                 : d == Dist::MvNormalChol ? constant(Tensor::of({{1e-7, 0.0}, {0.0, 1e-7}}))
                                           : cov;
    // An explicit generator: a builder's default update would read the unbatched w.
    Var y = randomVariable(d, Var::shared(randomGeneratorValue(2)), Var(), {w, second});
    Var yb = vectorize_graph(y, {{w, constant(rows)}});
    ASSERT_EQ(yb.type().shape, (Shape{4, 2})) << distName(d);
    for (Mode mode : {Mode::Interpret, Mode::JIT}) {
      Tensor got = compile({}, {yb}, {}, mode)({})[0];
      for (int64_t r = 0; r < 4; ++r) {
        Tensor loop = compile({w}, {y}, {}, mode)({Tensor::fromVector(row(rows, r), {2})})[0];
        std::vector<double> a = row(got, r), b = loop.toDoubles();
        for (int j = 0; j < 2; ++j)
          EXPECT_NEAR(a[j], b[j], 1e-5) << distName(d) << " row " << r;
      }
    }
  }
}

TEST(RandomBatch, BatchedCovariancesGiveEachEventItsOwnLaw) {
  // 2 batch elements x 20000 events: the sample covariance of each follows its own cov.
  Tensor mu = Tensor::of({{1.0, -1.0}, {0.0, 5.0}});
  Tensor cov = Tensor::fromVector(std::vector<double>{1.0, 0.5, 0.5, 2.0, 4.0, -1.0, -1.0, 1.0},
                                  Shape{2, 2, 2});
  Var g = Var::shared(randomGeneratorValue(3), "g");
  // size [20000, 2]: the batch of 2 broadcasts into the last batch dim.
  Var x = randomVariable(Dist::MvNormal, g, sizeOf({20000, 2}), {constant(mu), constant(cov)});
  Tensor t = x.eval();
  ASSERT_EQ(t.shape(), (Shape{20000, 2, 2}));
  std::vector<double> v = t.toDoubles();
  for (int b = 0; b < 2; ++b) {
    double m[2] = {0, 0}, c[2][2] = {{0, 0}, {0, 0}};
    const int n = 20000;
    for (int e = 0; e < n; ++e)
      for (int i = 0; i < 2; ++i)
        m[i] += v[(e * 2 + b) * 2 + i] / n;
    for (int e = 0; e < n; ++e)
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          c[i][j] += (v[(e * 2 + b) * 2 + i] - m[i]) * (v[(e * 2 + b) * 2 + j] - m[j]) / (n - 1);
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(m[i], mu.toDoubles()[b * 2 + i], 0.05) << b;
      for (int j = 0; j < 2; ++j)
        EXPECT_NEAR(c[i][j], cov.toDoubles()[(b * 2 + i) * 2 + j], 0.12) << b;
    }
  }
}

TEST(RandomBatch, CategoricalBatchesRowsOfProbabilities) {
  // One-hot rows draw their index exactly; vectorize_graph over p gives one draw per row, as a
  // loop does.
  Var p = vector("p");
  Var y = randomVariable(Dist::Categorical, Var::shared(randomGeneratorValue(4)), Var(), {p});
  Tensor rows = Tensor::of({{0.0, 0.0, 1.0}, {1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}});
  Var yb = vectorize_graph(y, {{p, constant(rows)}});
  ASSERT_EQ(yb.type().shape, (Shape{3}));
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    std::vector<double> got = compile({}, {yb}, {}, mode)({})[0].toDoubles();
    for (int64_t r = 0; r < 3; ++r)
      EXPECT_EQ(got[r],
                compile({p}, {y}, {}, mode)({Tensor::fromVector(row(rows, r), {3})})[0].item());
    EXPECT_EQ(got, (std::vector<double>{2, 0, 1}));
  }
  // Frequencies of a batched draw with size: row b's law in column b.
  Tensor probs = Tensor::of({{0.2, 0.8}, {0.7, 0.3}});
  Var g = Var::shared(randomGeneratorValue(5), "g");
  Tensor t = randomVariable(Dist::Categorical, g, sizeOf({40000, 2}), {constant(probs)}).eval();
  std::vector<double> v = t.toDoubles();
  for (int b = 0; b < 2; ++b) {
    double ones = 0;
    for (int e = 0; e < 40000; ++e)
      ones += v[e * 2 + b];
    EXPECT_NEAR(ones / 40000, probs.toDoubles()[b * 2 + 1], 0.01) << b;
  }
}

TEST(RandomBatch, SizedDrawsGetTheBatchDimsInFrontOfTheirSize) {
  // normal(mu, 1e-9, size=[3]) vectorized over 2 values of mu: shape [2, 3], rows = mu.
  Var mu = scalar("mu");
  Var g = Var::shared(randomGeneratorValue(9), "g");
  Var x = normal(g, sizeOf({3}), mu, constant(1e-9));
  Var xb = vectorize_graph(x, {{mu, constant(Tensor::of({-4.0, 7.0}))}});
  Tensor t = xb.eval();
  ASSERT_EQ(t.shape(), (Shape{2, 3}));
  std::vector<double> v = t.toDoubles();
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(v[i], i < 3 ? -4.0 : 7.0, 1e-6);
  // A multivariate draw with a size: [2, 5, k].
  Var w = vector("w");
  Var m =
      randomVariable(Dist::MvNormalDiag, g, sizeOf({5}), {w, constant(Tensor::of({1e-9, 1e-9}))});
  Tensor mt = vectorize_graph(m, {{w, constant(Tensor::of({{1.0, 2.0}, {3.0, 4.0}}))}}).eval();
  ASSERT_EQ(mt.shape(), (Shape{2, 5, 2}));
  EXPECT_NEAR(mt.toDoubles()[2 * 5 * 2 - 1], 4.0, 1e-6);
}

TEST(RandomBatch, BatchedParametersKeepTheirChecks) {
  Var g = Var::shared(randomGeneratorValue(1), "g");
  Tensor bad = Tensor::of({{0.2, 0.8}, {-0.5, 1.5}});
  EXPECT_THROW(randomVariable(Dist::Categorical, g, Var(), {constant(bad)}).eval(), ValueError);
  // Batches that do not broadcast are shape errors when the graph is built.
  EXPECT_THROW(mvnormal_diag(constant(Tensor::zeros(DType::Float64, {3, 2})),
                             constant(Tensor::full(DType::Float64, {4, 2}, 1.0))),
               ShapeError);
}
