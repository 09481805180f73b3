// The objective of minimize(CompiledObjective, x0, args): a user's compiled Functions taking
// (x, args...), SciPy's fun with jac=True and its hess / hessp.
#include "Objective.h"

#include <algorithm>

namespace graphjit::optim::detail {

namespace {
class FunctionObjective : public Objective {
public:
  FunctionObjective(const CompiledObjective &o, const std::vector<Tensor> &args)
      : fns(o), args(args) {}

  std::vector<Tensor> call(const Function &f, const double *x, const double *v = nullptr) const {
    std::vector<Tensor> a{vec(x)};
    if (v) a.push_back(vec(v));
    a.insert(a.end(), args.begin(), args.end());
    return f(a);
  }
  Tensor vec(const double *x) const {
    return Tensor::fromVector(std::vector<double>(x, x + n), Shape{static_cast<int64_t>(n)});
  }
  static void copyOut(const Tensor &t, size_t expected, double *out, const char *what) {
    std::vector<double> v = t.toDoubles();
    if (v.size() != expected)
      throw ShapeError(std::string("minimize: the compiled ") + what + " returned " +
                       shapeStr(t.shape()) + ", expected " + std::to_string(expected) + " values");
    std::copy(v.begin(), v.end(), out);
  }

  double evaluate(const double *x, double *g) override {
    ++nfev;
    std::vector<Tensor> r = call(fns.fun, x);
    if (r.empty() || r[0].size() != 1)
      throw ShapeError("minimize: the compiled loss must return a scalar first");
    if (g) {
      ++njev;
      copyOut(r.at(1), n, g, "function's gradient");
    }
    return r[0].item();
  }
  void hessp(const double *x, const double *v, double *out) override {
    if (fns.hessp) {
      ++nhev;
      return copyOut(call(*fns.hessp, x, v)[0], n, out, "hessp");
    }
    // H v from the dense Hessian when only hess was given; the CG steps of one iteration share
    // x, so H is computed once per x.
    if (hx.size() != n || !std::equal(hx.begin(), hx.end(), x)) {
      h.resize(n * n);
      hess(x, h.data());
      hx.assign(x, x + n);
    }
    for (size_t i = 0; i < n; ++i) {
      out[i] = 0;
      for (size_t j = 0; j < n; ++j)
        out[i] += h[i * n + j] * v[j];
    }
  }
  void hess(const double *x, double *out) override {
    ++nhev;
    copyOut(call(*fns.hess, x)[0], n * n, out, "hess");
  }

  CompiledObjective fns;
  std::vector<Tensor> args;
  std::vector<double> hx, h; ///< the x of the cached dense Hessian h
};
} // namespace

std::unique_ptr<Objective> makeCompiledObjective(const CompiledObjective &obj, size_t n,
                                                 const std::vector<Tensor> &args) {
  auto o = std::make_unique<FunctionObjective>(obj, args);
  o->n = n;
  o->hasGrad = obj.fun.outputs().size() >= 2;
  o->hasHess = obj.hess.has_value();
  o->hasHessp = obj.hessp.has_value() || o->hasHess;
  return o;
}

} // namespace graphjit::optim::detail
