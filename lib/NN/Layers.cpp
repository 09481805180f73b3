// Activations, initialization, dense layers and MLPs.
#include "graphjit/NN/NN.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Prob/RandomVariable.h"
#include "graphjit/Runtime/Function.h"

#include <cmath>

namespace graphjit::nn {

Var relu(const Var &x) { return maximum(x, scalarLike(0.0, x)); }
Var leaky_relu(const Var &x, double alpha) { return where(x > 0.0, x, x * alpha); }
Var gelu(const Var &x) { return 0.5 * x * (1.0 + erf(x * M_SQRT1_2)); }
Var tanh(const Var &x) { return graphjit::tanh(x); }
Var softplus(const Var &x) { return graphjit::softplus(x); }
Var sigmoid(const Var &x) { return graphjit::sigmoid(x); }
Var identity(const Var &x) { return x; }

Tensor initWeights(Init init, int64_t fanIn, int64_t fanOut, uint64_t seed) {
  if (fanIn <= 0 || fanOut <= 0)
    throw ValueError("nn::initWeights: fan-in and fan-out must be positive, got " +
                     std::to_string(fanIn) + " and " + std::to_string(fanOut));
  Shape s{fanIn, fanOut};
  if (init == Init::Zeros) return Tensor::zeros(DType::Float64, s);
  Var rv;
  if (init == Init::Glorot) {
    double a = std::sqrt(6.0 / static_cast<double>(fanIn + fanOut));
    rv = uniform(constant(Tensor::full(DType::Float64, s, -a)), constant(a));
  } else {
    rv = normal(constant(Tensor::zeros(DType::Float64, s)),
                constant(std::sqrt(2.0 / static_cast<double>(fanIn))));
  }
  return sample(rv, 1, seed).reshaped(s);
}

Var Dense::operator()(const Var &x) const {
  if (x.ndim() < 1 || (x.type().shape.back() != kUnknownDim && x.type().shape.back() != in))
    throw ShapeError("nn::Dense(" + W.name() + "): expected inputs of width " + std::to_string(in) +
                     ", got " + x.type().str());
  return act(matmul(x, reshape(W, {in, out})) + reshape(b, {out}));
}

Dense dense(int64_t in, int64_t out, const std::string &name, Activation act, Init init,
            uint64_t seed, double scale) {
  Tensor w = initWeights(init, in, out, seed);
  if (scale != 1.0) {
    std::vector<double> v = w.toDoubles();
    for (double &x : v)
      x *= scale;
    w = Tensor::fromVector(v, w.shape());
  }
  return Dense{shared(w, name + ".W"), shared(Tensor::zeros(DType::Float64, {out}), name + ".b"),
               act ? std::move(act) : Activation(identity), in, out};
}

Var MLP::operator()(const Var &x) const {
  Var h = x;
  for (const Dense &l : layers)
    h = l(h);
  return h;
}

std::vector<Var> MLP::params() const {
  std::vector<Var> p;
  for (const Dense &l : layers)
    for (const Var &v : l.params())
      p.push_back(v);
  return p;
}

MLP mlp(const std::vector<int64_t> &sizes, const std::string &name, Activation hidden,
        Activation output, Init init, uint64_t seed, double outScale) {
  if (sizes.size() < 2)
    throw ValueError("nn::mlp: needs at least {in, out} sizes, got " +
                     std::to_string(sizes.size()));
  MLP m;
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    bool last = i + 2 == sizes.size();
    m.layers.push_back(dense(sizes[i], sizes[i + 1], name + "." + std::to_string(i),
                             last ? output : hidden, init, seed + i, last ? outScale : 1.0));
  }
  return m;
}

} // namespace graphjit::nn
