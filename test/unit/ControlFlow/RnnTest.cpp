// A small recurrent network trained by backpropagation through time: the gradient of a
// scan (a reverse scan, compiled as a loop) against finite differences, and SGD lowers the loss.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
constexpr int64_t kSteps = 20, kIn = 3, kHidden = 8;

struct Rnn {
  Var Wx = matrix("Wx"), Wh = matrix("Wh"), b = vector("b"), V = vector("V");
  Var xs = matrix("xs"), ys = vector("ys");
  Var loss;
  std::vector<Var> grads;
  Rnn() {
    Var h0 = zeros_like(b);
    ScanResult r = scan(
        [&](const std::vector<Var> &a) {
          Var h = tanh(dot(Wx, a[0]) + dot(Wh, a[1]) + b);
          return StepResult({h, dot(V, h)});
        },
        {xs}, {OutputInfo(h0), OutputInfo()});
    loss = mean(sqr(r.outputs[1] - ys));
    grads = grad(loss, {Wx, Wh, b, V});
  }
  std::vector<Var> params() const { return {Wx, Wh, b, V}; }
};

/// Deterministic pseudo-random values in [-scale, scale].
std::vector<double> values(size_t n, double scale, uint32_t seed) {
  std::vector<double> v;
  uint32_t s = seed;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    v.push_back(scale * (2.0 * (s >> 8) / double(1u << 24) - 1.0));
  }
  return v;
}

struct Data {
  std::vector<Tensor> params, data;
  Data() {
    params = {Tensor::fromVector(values(kHidden * kIn, 0.5, 1), {kHidden, kIn}),
              Tensor::fromVector(values(kHidden * kHidden, 0.3, 2), {kHidden, kHidden}),
              Tensor::fromVector(values(kHidden, 0.1, 3)),
              Tensor::fromVector(values(kHidden, 0.5, 4))};
    std::vector<double> x = values(kSteps * kIn, 1.0, 5), y;
    double acc = 0;
    for (int64_t t = 0; t < kSteps; ++t) { // a target with memory: a decaying sum of the inputs
      acc = 0.7 * acc + x[t * kIn];
      y.push_back(0.5 * std::tanh(acc));
    }
    data = {Tensor::fromVector(x, {kSteps, kIn}), Tensor::fromVector(y)};
  }
  std::vector<Tensor> all() const {
    std::vector<Tensor> a = params;
    a.insert(a.end(), data.begin(), data.end());
    return a;
  }
};
} // namespace

TEST(Rnn, GradientMatchesFiniteDifferences) {
  Rnn m;
  std::vector<Var> ins = m.params();
  ins.push_back(m.xs);
  ins.push_back(m.ys);
  std::vector<Var> outs{m.loss};
  outs.insert(outs.end(), m.grads.begin(), m.grads.end());
  Function f = compile(ins, outs, {}, Mode::JIT);
  Function lossOnly = compile(ins, {m.loss}, {}, Mode::JIT);
  Data d;
  size_t loops = jitLoopCallCount();
  std::vector<Tensor> got = f(d.all());
  EXPECT_GE(jitLoopCallCount() - loops, 2u); // forward and reverse scans ran as loop kernels
  const double eps = 1e-6;
  for (int p = 0; p < 4; ++p) {
    std::vector<double> g = got[1 + p].toDoubles();
    for (size_t k = 0; k < g.size(); k += 3) {
      auto at = [&](double delta) {
        Data e;
        std::vector<double> v = e.params[p].toDoubles();
        v[k] += delta;
        e.params[p] = Tensor::fromVector(v, e.params[p].shape());
        return lossOnly(e.all())[0].item();
      };
      double fd = (at(eps) - at(-eps)) / (2 * eps);
      EXPECT_NEAR(g[k], fd, 1e-6 + 1e-5 * std::abs(fd)) << "param " << p << " element " << k;
    }
  }
}

TEST(Rnn, TrainingByBackpropagationThroughTimeLowersTheLoss) {
  Rnn m;
  std::vector<Var> ins = m.params();
  ins.push_back(m.xs);
  ins.push_back(m.ys);
  std::vector<Var> outs{m.loss};
  outs.insert(outs.end(), m.grads.begin(), m.grads.end());
  Function f = compile(ins, outs, {}, Mode::JIT);
  Data d;
  double first = 0, last = 0;
  const double rate = 0.5;
  for (int it = 0; it < 200; ++it) {
    std::vector<Tensor> r = f(d.all());
    last = r[0].item();
    if (it == 0) first = last;
    for (int p = 0; p < 4; ++p) {
      std::vector<double> v = d.params[p].toDoubles(), g = r[1 + p].toDoubles();
      for (size_t k = 0; k < v.size(); ++k)
        v[k] -= rate * g[k];
      d.params[p] = Tensor::fromVector(v, d.params[p].shape());
    }
  }
  EXPECT_LT(last, 0.25 * first) << "first " << first << " last " << last;
}
