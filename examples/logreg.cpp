// Logistic regression trained by gradient descent: the loss, its gradient by
// grad(), and the parameter updates all live in one compiled Function.
#include "graphjit/graphjit.h"

#include <cmath>
#include <cstdio>
#include <random>

using namespace graphjit;

int main() {
  // Synthetic data: labels from a known weight vector.
  const int n = 400, d = 3;
  std::mt19937_64 rng(0);
  std::normal_distribution<double> normal;
  std::vector<double> xs(n * d), ys(n);
  const double trueW[d] = {2.0, -1.0, 0.5}, trueB = 0.3;
  for (int i = 0; i < n; ++i) {
    double z = trueB;
    for (int j = 0; j < d; ++j)
      z += trueW[j] * (xs[i * d + j] = normal(rng));
    ys[i] = 1.0 / (1.0 + std::exp(-z)) > 0.5 ? 1.0 : 0.0;
  }
  Tensor X = Tensor::fromVector(xs, {n, d}), y = Tensor::fromVector(ys);

  // Model: p = sigmoid(X w + b); loss = mean binary cross-entropy.
  Var Xs = matrix("X"), ys_ = vector("y");
  Var w = shared(Tensor::zeros(DType::Float64, {d}), "w");
  Var b = shared(Tensor::scalar(0.0), "b");
  Var p = sigmoid(dot(Xs, w) + b);
  Var loss = -mean(ys_ * log(p) + (1.0 - ys_) * log(1.0 - p));
  auto g = grad(loss, {w, b});
  const double lr = 0.5;
  Function step = compile({Xs, ys_}, {loss}, {{w, w - lr * g[0]}, {b, b - lr * g[1]}});

  double first = 0, last = 0;
  for (int it = 0; it < 300; ++it) {
    last = step({X, y})[0].item();
    if (it == 0) first = last;
    if (it % 100 == 0) std::printf("iter %3d  loss %.6f\n", it, last);
  }
  Tensor wv = getValue(w);
  std::printf("final loss %.6f (from %.6f)\nw = %s, b = %.4f\n", last, first, wv.str().c_str(),
              getValue(b).item());
  // The direction of the learned weights must match the true ones.
  double cosine = 0, nw = 0, nt = 0;
  for (int j = 0; j < d; ++j) {
    cosine += wv.getAsDouble(j) * trueW[j];
    nw += wv.getAsDouble(j) * wv.getAsDouble(j);
    nt += trueW[j] * trueW[j];
  }
  cosine /= std::sqrt(nw * nt);
  std::printf("cosine(w, true w) = %.4f\n", cosine);
  return (last < 0.5 * first && cosine > 0.95) ? 0 : 1;
}
