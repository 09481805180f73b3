// Invertible transforms (TensorFlow Probability's bijectors, NumPyro's
// transforms): forward, inverse and log|det J| of the forward map, as graph
// builders. forward() is written with ops the change of variables
// (Prob/ChangeOfVariables.h) knows how to invert, so logp(T.forward(x), v)
// derives the density of a transformed random variable by itself.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace graphjit {

class Transform {
public:
  virtual ~Transform() = default;
  virtual std::string name() const = 0;
  virtual Var forward(const Var &x) const = 0;
  virtual Var inverse(const Var &y) const = 0;
  /// log|det d forward / dx| at x. Elementwise transforms give one term per element
  /// (x's shape); a coupling layer gives one per row ([n] for x of shape [n, d]).
  virtual Var logDetJacobian(const Var &x) const = 0;
};
using TransformPtr = std::shared_ptr<const Transform>;

/// y = x * scale + shift (scale and shift: graphs that broadcast against x; scale != 0).
TransformPtr affineTransform(const Var &scale, const Var &shift);
/// y = exp(x); inverse log.
TransformPtr expTransform();
/// y = log(x) on x > 0; inverse exp.
TransformPtr logTransform();
/// y = sigmoid(x); inverse logit.
TransformPtr sigmoidTransform();
/// y = logit(x) = log(x / (1 - x)) on (0, 1), written -log(1/x - 1); inverse sigmoid.
TransformPtr logitTransform();
/// y = tanh(x); inverse atanh.
TransformPtr tanhTransform();
/// y = atanh(x) on (-1, 1), written 0.5 * log(2 / (1 - x) - 1); inverse tanh.
TransformPtr atanhTransform();
/// y = softplus(x) = log(1 + exp(x)); inverse log(exp(y) - 1).
TransformPtr softplusTransform();
/// Several transforms applied in order (the first is applied first).
TransformPtr chainTransform(std::vector<TransformPtr> parts);

/// The scale-and-shift network of a coupling layer: from the kept columns a
/// ([n, k]) to (s, t), each [n, d - k]; any graph.
using CouplingNet = std::function<std::pair<Var, Var>(const Var &a)>;

/// RealNVP affine coupling on x of shape [n, d]: the columns [0, split) (or
/// [split, d) when `flip`) pass through as a; the others become
/// b * exp(s(a)) + t(a). log|det J| = sum of s over a row.
TransformPtr affineCoupling(int64_t split, bool flip, CouplingNet net);

} // namespace graphjit
