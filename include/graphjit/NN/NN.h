// Neural-network building blocks (PyTorch's nn, as graph builders): activations,
// reproducible initialization, dense layers and MLPs whose parameters are
// shared variables with readable names ("net.0.W", "net.0.b").
#pragma once

#include "graphjit/Graph/Variable.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace graphjit::nn {

using Activation = std::function<Var(const Var &)>;

Var relu(const Var &x);
/// x for x > 0, alpha * x otherwise.
Var leaky_relu(const Var &x, double alpha = 0.01);
/// Exact GELU: 0.5 x (1 + erf(x / sqrt 2)).
Var gelu(const Var &x);
Var tanh(const Var &x);
Var softplus(const Var &x);
Var sigmoid(const Var &x);
Var identity(const Var &x);

enum class Init {
  Glorot, ///< uniform on +-sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio 2010)
  He,     ///< normal with sd sqrt(2 / fan_in) (He et al. 2015), for relu layers
  Zeros,
};

/// A [fanIn, fanOut] weight tensor drawn from `init` with `seed` (the same seed, the same tensor).
Tensor initWeights(Init init, int64_t fanIn, int64_t fanOut, uint64_t seed);

/// y = act(x W + b) for x of shape [n, in]. The output has the static width `out`
/// (shared variables have unknown sizes; the layer states them), which coupling
/// layers and the change of variables rely on.
struct Dense {
  Var W, b;
  Activation act;
  int64_t in = 0, out = 0;
  Var operator()(const Var &x) const;
  std::vector<Var> params() const { return {W, b}; }
};

/// A dense layer named `name` (parameters "<name>.W" and "<name>.b"; b starts at 0).
/// `scale` multiplies the initial weights (e.g. 0 or 0.01 for a layer that should start near zero).
Dense dense(int64_t in, int64_t out, const std::string &name, Activation act = identity,
            Init init = Init::Glorot, uint64_t seed = 0, double scale = 1.0);

struct MLP {
  std::vector<Dense> layers;
  Var operator()(const Var &x) const;
  std::vector<Var> params() const;
};

/// sizes = {in, hidden..., out}: dense layers "<name>.0", "<name>.1", ... with `hidden` between
/// them and `output` after the last (seeds seed, seed + 1, ...). `outScale` scales the last
/// layer's initial weights.
MLP mlp(const std::vector<int64_t> &sizes, const std::string &name, Activation hidden = relu,
        Activation output = identity, Init init = Init::Glorot, uint64_t seed = 0,
        double outScale = 1.0);

} // namespace graphjit::nn
