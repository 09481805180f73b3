// gammaln and digamma: perform with libm's lgamma and a series for digamma.
#include "graphjit/Ops/Special.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Elemwise.h"

#include <cmath>

namespace graphjit {

double gammalnScalar(double x) {
  int sign = 0; // lgamma_r: std::lgamma writes the global signgam, a data race between threads
  return lgamma_r(x, &sign);
}

double digammaScalar(double x) {
  if (std::isnan(x) || x == -INFINITY) return NAN;
  if (x == INFINITY) return INFINITY;
  if (x <= 0 && x == std::floor(x)) return NAN; // poles
  double result = 0;
  if (x < 0) { // reflection: psi(1 - x) - psi(x) = pi cot(pi x)
    result = -M_PI / std::tan(M_PI * x);
    x = 1 - x;
  }
  while (x < 12) { // recurrence psi(x) = psi(x + 1) - 1/x
    result -= 1 / x;
    x += 1;
  }
  // Asymptotic series: log x - 1/(2x) - sum B_2k / (2k x^2k).
  double f = 1 / (x * x);
  double series =
      f *
      (1.0 / 12 -
       f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760))))));
  return result + std::log(x) - 0.5 / x - series;
}

std::vector<TensorType> Special::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity(name(), in.size(), 1);
  if (!isFloat(in[0].dtype))
    throw TypeError(name() + ": expected a float tensor, got " + in[0].str() +
                    " (the builder casts ints)");
  return {in[0]};
}

std::vector<Tensor> Special::perform(const std::vector<Tensor> &in) const {
  detail::expectArity(name(), in.size(), 1);
  Tensor x = in[0].contiguous();
  Tensor out = Tensor::empty(x.dtype(), x.shape());
  auto f = [this](double v) {
    return fn_ == SpecialFn::GammaLn ? gammalnScalar(v) : digammaScalar(v);
  };
  if (x.dtype() == DType::Float64) {
    const double *p = x.data<double>();
    double *o = out.data<double>();
    for (int64_t i = 0; i < x.size(); ++i)
      o[i] = f(p[i]);
  } else if (x.dtype() == DType::Float32) {
    const float *p = x.data<float>();
    float *o = out.data<float>();
    for (int64_t i = 0; i < x.size(); ++i)
      o[i] = static_cast<float>(f(p[i]));
  } else {
    throw TypeError(name() + ": expected a float tensor, got " + std::string(dtypeName(x.dtype())));
  }
  return {out};
}

std::vector<Var> Special::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                               const std::vector<Var> &g) const {
  if (!g[0]) return {Var()};
  if (fn_ == SpecialFn::Digamma)
    throw NotImplementedError("digamma: no gradient (trigamma is not implemented)");
  return {g[0] * digamma(inputs[0])};
}

namespace {
Var asFloat(const Var &x) { return isFloat(x.dtype()) ? x : cast(x, DType::Float64); }
} // namespace

Var gammaln(const Var &x) {
  return applyOp1(std::make_shared<Special>(SpecialFn::GammaLn), {asFloat(x)});
}
Var digamma(const Var &x) {
  return applyOp1(std::make_shared<Special>(SpecialFn::Digamma), {asFloat(x)});
}
Var betaln(const Var &a, const Var &b) { return gammaln(a) + gammaln(b) - gammaln(a + b); }

void registerSpecialOps(OpRegistry &registry) {
  for (SpecialFn fn : {SpecialFn::GammaLn, SpecialFn::Digamma}) {
    std::string n = Special(fn).name();
    registry.add(n, [fn, n](const Attrs &a) -> OpPtr {
      if (!a.empty()) throw ValueError(n + ": takes no attributes, got " + a.str());
      return std::make_shared<Special>(fn);
    });
  }
}

} // namespace graphjit
