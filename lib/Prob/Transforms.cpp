// The transforms: each forward uses only ops the change of variables inverts.
#include "graphjit/Prob/Transforms.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

#include <cmath>

namespace graphjit {

namespace {
/// A transform from three builders (forward, inverse, log|det J| at x).
class FnTransform : public Transform {
public:
  using F = std::function<Var(const Var &)>;
  FnTransform(std::string name, F fwd, F inv, F ldj)
      : name_(std::move(name)), fwd_(std::move(fwd)), inv_(std::move(inv)), ldj_(std::move(ldj)) {}
  std::string name() const override { return name_; }
  Var forward(const Var &x) const override { return fwd_(x); }
  Var inverse(const Var &y) const override { return inv_(y); }
  Var logDetJacobian(const Var &x) const override { return ldj_(x); }

private:
  std::string name_;
  F fwd_, inv_, ldj_;
};

TransformPtr make(std::string n, FnTransform::F f, FnTransform::F i, FnTransform::F l) {
  return std::make_shared<FnTransform>(std::move(n), std::move(f), std::move(i), std::move(l));
}

class Chain : public Transform {
public:
  explicit Chain(std::vector<TransformPtr> parts) : parts_(std::move(parts)) {}
  std::string name() const override {
    std::string s = "chain(";
    for (size_t i = 0; i < parts_.size(); ++i)
      s += (i ? ", " : "") + parts_[i]->name();
    return s + ")";
  }
  Var forward(const Var &x) const override {
    Var y = x;
    for (auto &p : parts_)
      y = p->forward(y);
    return y;
  }
  Var inverse(const Var &y) const override {
    Var x = y;
    for (size_t i = parts_.size(); i-- > 0;)
      x = parts_[i]->inverse(x);
    return x;
  }
  Var logDetJacobian(const Var &x) const override {
    Var y = x, total;
    for (auto &p : parts_) {
      Var l = p->logDetJacobian(y);
      total = total ? total + l : l;
      y = p->forward(y);
    }
    return total;
  }

private:
  std::vector<TransformPtr> parts_;
};

class Coupling : public Transform {
public:
  Coupling(int64_t split, bool flip, CouplingNet net)
      : split_(split), flip_(flip), net_(std::move(net)) {}
  std::string name() const override { return "affine_coupling"; }

  Var forward(const Var &x) const override {
    auto [a, b] = parts(x);
    auto [s, t] = net_(a);
    Var b2 = b * exp(s) + t;
    return flip_ ? concatenate({b2, a}, 1) : concatenate({a, b2}, 1);
  }
  Var inverse(const Var &y) const override {
    auto [a, b2] = parts(y);
    auto [s, t] = net_(a);
    Var b = (b2 - t) * exp(-s);
    return flip_ ? concatenate({b, a}, 1) : concatenate({a, b}, 1);
  }
  Var logDetJacobian(const Var &x) const override { return sum(net_(parts(x).first).first, 1); }

private:
  int64_t split_;
  bool flip_;
  CouplingNet net_;

  /// (a, b): kept and transformed columns of a [n, d] matrix.
  std::pair<Var, Var> parts(const Var &x) const {
    if (x.ndim() != 2)
      throw ShapeError("affine_coupling: expected a [n, d] matrix, got " + x.type().str());
    int64_t d = x.type().shape[1];
    if (split_ <= 0 || (d != kUnknownDim && split_ >= d))
      throw ValueError("affine_coupling: split must be in [1, columns - 1], got " +
                       std::to_string(split_) + " for " + x.type().str());
    Var lo = x(slice(), slice(0, split_)), hi = x(slice(), slice(split_, std::nullopt));
    return flip_ ? std::pair{hi, lo} : std::pair{lo, hi};
  }
};
} // namespace

TransformPtr affineTransform(const Var &scale, const Var &shift) {
  return make(
      "affine", [=](const Var &x) { return x * scale + shift; },
      [=](const Var &y) { return (y - shift) / scale; },
      [=](const Var &x) { return zeros_like(x) + log(abs(scale)); });
}
TransformPtr expTransform() {
  return make(
      "exp", [](const Var &x) { return exp(x); }, [](const Var &y) { return log(y); },
      [](const Var &x) { return x; });
}
TransformPtr logTransform() {
  return make(
      "log", [](const Var &x) { return log(x); }, [](const Var &y) { return exp(y); },
      [](const Var &x) { return -log(x); });
}
TransformPtr sigmoidTransform() { // log sigmoid'(x) = -softplus(-x) - softplus(x)
  return make(
      "sigmoid", [](const Var &x) { return sigmoid(x); },
      [](const Var &y) { return log(y) - log1p(-y); },
      [](const Var &x) { return -softplus(-x) - softplus(x); });
}
TransformPtr logitTransform() { // logit(x) = -log(1/x - 1); log logit'(x) = -log x - log(1 - x)
  return make(
      "logit", [](const Var &x) { return -log(reciprocal(x) - 1.0); },
      [](const Var &y) { return sigmoid(y); }, [](const Var &x) { return -log(x) - log1p(-x); });
}
TransformPtr tanhTransform() { // log tanh'(x) = 2 (log 2 - x - softplus(-2x))
  return make(
      "tanh", [](const Var &x) { return tanh(x); },
      [](const Var &y) { return 0.5 * (log1p(y) - log1p(-y)); },
      [](const Var &x) { return 2.0 * (std::log(2.0) - x - softplus(-2.0 * x)); });
}
TransformPtr atanhTransform() { // atanh(x) = 0.5 log((1+x)/(1-x)) = 0.5 log(2/(1-x) - 1)
  return make(
      "atanh", [](const Var &x) { return 0.5 * log(2.0 * reciprocal(1.0 - x) - 1.0); },
      [](const Var &y) { return tanh(y); }, [](const Var &x) { return -log1p(-sqr(x)); });
}
TransformPtr softplusTransform() { // log softplus'(x) = log sigmoid(x) = -softplus(-x)
  return make(
      "softplus", [](const Var &x) { return softplus(x); },
      [](const Var &y) { return y + log(-expm1(-y)); }, [](const Var &x) { return -softplus(-x); });
}
TransformPtr chainTransform(std::vector<TransformPtr> parts) {
  if (parts.empty()) throw ValueError("chainTransform: needs at least one transform");
  return std::make_shared<Chain>(std::move(parts));
}
TransformPtr affineCoupling(int64_t split, bool flip, CouplingNet net) {
  if (!net) throw ValueError("affineCoupling: the network is empty");
  return std::make_shared<Coupling>(split, flip, std::move(net));
}

} // namespace graphjit
