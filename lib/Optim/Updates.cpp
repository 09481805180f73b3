// SGD, momentum and Adam as graph updates.
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Optim/Optim.h"
#include "graphjit/Transform/Grad.h"

namespace graphjit::optim {

namespace {
/// Gradients of `loss` for shared float `params`; throws ValueError/TypeError naming the bad one.
std::vector<Var> checkedGrads(const char *who, const Var &loss, const std::vector<Var> &params,
                              double lr) {
  if (!(lr > 0))
    throw ValueError(std::string(who) + ": the learning rate must be > 0, got " +
                     std::to_string(lr));
  if (params.empty()) throw ValueError(std::string(who) + ": no parameters");
  for (const Var &p : params) {
    if (!p || !p->isShared())
      throw ValueError(std::string(who) + ": parameter '" + (p ? p.name() : "null") +
                       "' is not a shared variable");
    if (!isFloat(p.dtype()))
      throw TypeError(std::string(who) + ": parameter '" + p.name() + "' is " + p.type().str() +
                      ", expected float");
  }
  return grad(loss, params);
}

Var stateLike(const Var &p, const std::string &suffix) {
  return shared(Tensor::zeros(p.dtype(), getValue(p).shape()), p.name() + "." + suffix);
}
} // namespace

Updates sgd(const Var &loss, const std::vector<Var> &params, double lr) {
  std::vector<Var> g = checkedGrads("sgd", loss, params, lr);
  Updates u;
  for (size_t i = 0; i < params.size(); ++i)
    u.push_back({params[i], params[i] - lr * g[i]});
  return u;
}

Updates momentum(const Var &loss, const std::vector<Var> &params, double lr, double mu,
                 bool nesterov) {
  if (!(mu >= 0 && mu < 1))
    throw ValueError("momentum: mu must be in [0, 1), got " + std::to_string(mu));
  std::vector<Var> g = checkedGrads("momentum", loss, params, lr);
  Updates u;
  for (size_t i = 0; i < params.size(); ++i) {
    Var v = stateLike(params[i], "velocity");
    Var vNew = mu * v + g[i];
    u.push_back({v, vNew});
    u.push_back({params[i], params[i] - lr * (nesterov ? g[i] + mu * vNew : vNew)});
  }
  return u;
}

Updates adam(const Var &loss, const std::vector<Var> &params, double lr, double beta1, double beta2,
             double eps) {
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
    throw ValueError("adam: betas must be in [0, 1), got " + std::to_string(beta1) + " and " +
                     std::to_string(beta2));
  std::vector<Var> g = checkedGrads("adam", loss, params, lr);
  Var t = shared(Tensor::scalar(0.0), "adam.t");
  Var t1 = t + 1.0;
  Var c1 = 1.0 - pow(constant(beta1), t1), c2 = 1.0 - pow(constant(beta2), t1);
  Updates u{{t, t1}};
  for (size_t i = 0; i < params.size(); ++i) {
    Var m = stateLike(params[i], "m"), v = stateLike(params[i], "v");
    Var mNew = beta1 * m + (1 - beta1) * g[i];
    Var vNew = beta2 * v + (1 - beta2) * sqr(g[i]);
    u.push_back({m, mNew});
    u.push_back({v, vNew});
    u.push_back({params[i], params[i] - lr * (mNew / c1) / (sqrt(vNew / c2) + eps)});
  }
  return u;
}

} // namespace graphjit::optim
