// The workshop's partialling walkthrough (pytensor-workshop, "Partialling for
// Bayesian profit") end to end: one regression model used for prior draws,
// fake data with its weights fixed, the conjugate posterior in closed form and
// the posterior predictive by vectorize_graph.
//
//   weights ~ Normal(0, 1) (4 coefficients), y ~ Normal(X weights, 0.008),
//   X = [1, x, x^2, x^3].
#include "graphjit/graphjit.h"

#include <cmath>
#include <cstdio>

using namespace graphjit;

namespace {
double maxAbsDiff(const std::vector<double> &a, const std::vector<double> &b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}
std::string show(const std::vector<double> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.2f", i ? ", " : "", v[i] == 0 ? 0.0 : v[i]);
    s += buf;
  }
  return s + "]";
}
const char *yesNo(bool b) { return b ? "yes" : "NO"; }
} // namespace

int main() {
  bool ok = true;
  const double noise = 0.008;
  // The model, as in the notebook.
  Var xData = vector("x_data");
  Var X = stack({ones_like(xData), xData, sqr(xData), xData * sqr(xData)}, -1);
  Var weights = normal(constant(Tensor::zeros(DType::Float64, {4})), constant(1.0), "weights");
  Var loc = matmul(X, weights);
  Var y = normal(loc, constant(noise), "y");

  // x: 30 uniform draws on (0, 1).
  Tensor x = sample(uniform(constant(Tensor::zeros(DType::Float64, {30})), constant(1.0)), 1, 42)
                 .reshaped({30});

  // Prior sampling: joint draws of (weights, y); other seeds, other draws.
  std::vector<Tensor> prior1 = sample({weights, y}, 1, 1, {{xData, x}});
  std::vector<Tensor> prior2 = sample({weights, y}, 1, 2, {{xData, x}});
  bool differ = prior1[0].toDoubles() != prior2[0].toDoubles() &&
                prior1[1].toDoubles() != prior2[1].toDoubles();
  std::printf("prior draws of weights and y change with the seed: %s\n", yesNo(differ));
  // Each y row follows its own weights (the draws are joint): y = X w + noise.
  std::vector<double> locPrior =
      evaluate(loc, {{xData, x}, {weights, prior1[0].reshaped({4})}}).toDoubles();
  bool joint = maxAbsDiff(locPrior, prior1[1].toDoubles()) < 6 * noise;
  std::printf("prior y follows its weights: %s\n", yesNo(joint));
  ok = ok && differ && joint;

  // Fake data: y with the weights fixed as an input.
  Tensor trueWeights = Tensor::of({0.0, 0.3, -1.0, 1.0});
  Function yPartial = compile({xData, weights}, {y});
  Tensor yFake = yPartial({x, trueWeights})[0];
  double resid = maxAbsDiff(yFake.toDoubles(),
                            evaluate(loc, {{xData, x}, {weights, trueWeights}}).toDoubles());
  std::printf("fake data within 6 noise sd of X w: %s\n", yesNo(resid < 6 * noise));
  ok = ok && resid < 6 * noise;

  // The conjugate posterior: precision P = I + X^T X / s^2, mean P^-1 X^T y / s^2.
  Var Xc = constant(evaluate(X, {{xData, x}}));
  Var P = eye(4) + matmul(transpose(Xc), Xc) / (noise * noise);
  Var postMean = solve(P, matmul(transpose(Xc), constant(yFake)) / (noise * noise));
  Var postCov = inv(P);
  std::vector<Tensor> post = evaluate({postMean, postCov});
  std::printf("posterior mean %s (true %s)\n", show(post[0].toDoubles()).c_str(),
              show(trueWeights.toDoubles()).c_str());
  // The model's log density agrees: its gradient vanishes at the closed-form mean.
  Model model = makeModel({weights}, {{y, constant(yFake)}});
  Var cut = graph_replace(model.logp, {{xData, constant(x)}}, false);
  std::vector<double> g =
      evaluate(grad(cut, model.values[0]), {{model.values[0], post[0]}}).toDoubles();
  double gmax = maxAbsDiff(g, {0, 0, 0, 0});
  double scale = 1 / (noise * noise);
  std::printf("gradient of the model logp at the posterior mean is 0: %s\n",
              yesNo(gmax < 1e-6 * scale));
  ok = ok && gmax < 1e-6 * scale;

  // Posterior draws, and the posterior predictive by vectorize_graph: one draw of y per row.
  const int64_t draws = 500;
  Tensor postDraws = sample(mvnormal(constant(post[0]), constant(post[1])), draws, 7);
  Var yPred = vectorize_graph(y, {{weights, constant(postDraws)}});
  Tensor pred = compile({xData}, {yPred})({x})[0];
  std::printf("posterior predictive shape [%lld, %lld]\n", (long long)pred.shape()[0],
              (long long)pred.shape()[1]);
  // Its mean at each x is the posterior mean's prediction, within a few standard errors.
  std::vector<double> p = pred.toDoubles(), meanPred(30, 0.0);
  for (int64_t i = 0; i < draws; ++i)
    for (int j = 0; j < 30; ++j)
      meanPred[j] += p[i * 30 + j] / draws;
  std::vector<double> locPost = evaluate(loc, {{xData, x}, {weights, post[0]}}).toDoubles();
  double predErr = maxAbsDiff(meanPred, locPost);
  std::printf("posterior predictive mean matches X E[w]: %s\n", yesNo(predErr < 0.01));
  ok = ok && predErr < 0.01;
  std::printf("%s\n", ok ? "partialling: all checks passed" : "partialling: FAILED");
  return ok ? 0 : 1;
}
