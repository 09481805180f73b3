// verify_grad: central differences along random directions against grad().
#include "graphjit/Transform/VerifyGrad.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Transform/Grad.h"

#include <cmath>
#include <random>
#include <sstream>

namespace graphjit {

namespace {
Tensor randomLike(const Tensor &t, std::mt19937_64 &rng, DType dtype) {
  std::normal_distribution<double> normal;
  std::vector<double> v(static_cast<size_t>(t.size()));
  for (double &x : v)
    x = normal(rng);
  return Tensor::fromVector(v, t.shape()).astype(dtype);
}

/// point + step * direction, in the point's dtype.
Tensor shifted(const Tensor &point, const Tensor &direction, double step) {
  std::vector<double> p = point.toDoubles(), d = direction.toDoubles();
  for (size_t i = 0; i < p.size(); ++i)
    p[i] += step * d[i];
  return Tensor::fromVector(p, point.shape()).astype(point.dtype());
}

double dotAll(const Tensor &a, const Tensor &b) {
  std::vector<double> x = a.toDoubles(), y = b.toDoubles();
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i)
    s += x[i] * y[i];
  return s;
}
} // namespace

void verify_grad(const std::function<Var(const std::vector<Var> &)> &fn,
                 const std::vector<Tensor> &point, const VerifyGradOptions &options) {
  if (point.empty()) throw ValueError("verify_grad: at least one input point is required");
  bool lowPrecision = false;
  std::vector<Var> inputs;
  for (size_t i = 0; i < point.size(); ++i) {
    if (!isFloat(point[i].dtype()))
      throw TypeError("verify_grad: input " + std::to_string(i) + " has dtype " +
                      dtypeName(point[i].dtype()) + "; only float inputs can be checked");
    lowPrecision |= point[i].dtype() == DType::Float32;
    inputs.push_back(Var::input(TensorType(point[i].dtype(), Shape(point[i].ndim(), kUnknownDim)),
                                "x" + std::to_string(i)));
  }
  Var out = fn(inputs);
  if (!out || !isFloat(out.dtype()))
    throw TypeError("verify_grad: the function must return a float expression");

  std::mt19937_64 rng(options.seed);
  // Reduce the output to a scalar by a fixed random projection, so that every
  // output element takes part in the check.
  Bindings bindings;
  for (size_t i = 0; i < point.size(); ++i)
    bindings.emplace_back(inputs[i], point[i]);
  Tensor outValue = evaluate(out, bindings);
  Tensor projection = randomLike(outValue, rng, out.dtype());
  Var cost = sum(out * Var::constant(projection, "projection"));
  std::vector<Var> grads = grad(cost, inputs, GradOptions{DisconnectedPolicy::Ignore, {}, {}});
  std::vector<Tensor> analytic = evaluate(grads, bindings);

  double eps = options.eps > 0 ? options.eps : (lowPrecision ? 1e-2 : 1e-6);
  double absTol = options.abs_tol > 0 ? options.abs_tol : (lowPrecision ? 1e-2 : 1e-6);
  double relTol = options.rel_tol > 0 ? options.rel_tol : (lowPrecision ? 1e-2 : 1e-5);
  auto costAt = [&](const std::vector<Tensor> &pt) {
    Bindings b;
    for (size_t i = 0; i < pt.size(); ++i)
      b.emplace_back(inputs[i], pt[i]);
    return evaluate(cost, b).item();
  };

  for (int trial = 0; trial < options.directions; ++trial) {
    std::vector<Tensor> dirs, plus, minus;
    double predicted = 0;
    for (size_t i = 0; i < point.size(); ++i) {
      dirs.push_back(randomLike(point[i], rng, DType::Float64));
      plus.push_back(shifted(point[i], dirs[i], eps));
      minus.push_back(shifted(point[i], dirs[i], -eps));
      predicted += dotAll(analytic[i], dirs[i]);
    }
    double numeric = (costAt(plus) - costAt(minus)) / (2 * eps);
    double err = std::fabs(predicted - numeric);
    if (!(err <= absTol + relTol * std::fabs(numeric))) {
      std::ostringstream msg;
      msg.precision(10);
      msg << "verify_grad: gradient mismatch for "
          << (out.owner() ? out.owner()->op().str() : "an input") << " (direction " << trial
          << "): analytic " << predicted << ", finite differences " << numeric << ", abs error "
          << err << ", allowed " << absTol + relTol * std::fabs(numeric);
      throw Error(msg.str());
    }
  }
}

} // namespace graphjit
