// Chapter 9: logistic regression by gradient descent, compiled.
#include <graphjit/graphjit.h>

#include <cmath>
#include <cstdio>
#include <random>

using namespace graphjit;

int main() {
  // Data: labels from known weights (2, -1) and bias 0.5.
  const int n = 500;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  std::vector<double> xs(n * 2), ys(n);
  for (int i = 0; i < n; ++i) {
    xs[2 * i] = normal(rng);
    xs[2 * i + 1] = normal(rng);
    ys[i] = 2 * xs[2 * i] - xs[2 * i + 1] + 0.5 > 0 ? 1 : 0;
  }
  Tensor Xv = Tensor::fromVector(xs, {n, 2}), yv = Tensor::fromVector(ys);

  // The model: p = sigmoid(X w + b), mean cross-entropy, written naively.
  Var X = matrix("X"), y = vector("y");
  Var w = shared(Tensor::zeros(DType::Float64, {2}), "w");
  Var b = shared(Tensor::scalar(0.0), "b");
  Var p = sigmoid(dot(X, w) + b);
  Var loss = -mean(y * log(p) + (1.0 - y) * log(1.0 - p));
  Var accuracy = mean(cast(eq(cast(p > 0.5, DType::Float64), y), DType::Float64));
  std::vector<Var> g = grad(loss, {w, b});

  // One step: loss and accuracy from the current weights, then the update.
  Function step = compile({X, y}, {loss, accuracy}, {{w, w - 1.0 * g[0]}, {b, b - 1.0 * g[1]}});
  for (int i = 1; i <= 300; ++i) {
    std::vector<Tensor> out = step({Xv, yv});
    if (i == 1 || i % 100 == 0)
      std::printf("step %3d  loss %.3f  accuracy %.2f\n", i, out[0].item(), out[1].item());
  }
  // Separable data: the weights grow along the true direction (2, -1).
  Tensor wv = getValue(w);
  std::printf("w / |w| = (%.2f, %.2f), true (%.2f, %.2f)\n",
              wv.getAsDouble(0) / std::hypot(wv.getAsDouble(0), wv.getAsDouble(1)),
              wv.getAsDouble(1) / std::hypot(wv.getAsDouble(0), wv.getAsDouble(1)),
              2 / std::sqrt(5.0), -1 / std::sqrt(5.0));
}

// Output (make test checks these lines with FileCheck):
// CHECK: step   1  loss 0.693  accuracy {{0.[0-9]+}}
// CHECK: step 300  loss 0.0{{[0-9]+}}  accuracy 1.00
// CHECK-NEXT: w / |w| = (0.9{{[0-9]}}, -0.4{{[0-9]}}), true (0.89, -0.45)
