// A compiled graph as the sampler's log density: logp and its gradient with
// respect to the flat input vector, one Function, called from every chain.
#include "graphjit/Sample/LogDensity.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Transform/Grad.h"

#include <cstring>

namespace graphjit::mcmc {

int64_t LogDensity::reportedDim() const {
  return constrain ? static_cast<int64_t>(names.size()) : dim;
}

LogDensity logDensityOf(const Function &f, int64_t dim) {
  if (f.inputs().size() != 1 || f.outputs().size() != 2)
    throw ValueError("logDensityOf: expected a Function of one vector returning (logp, grad), "
                     "got " +
                     std::to_string(f.inputs().size()) + " inputs and " +
                     std::to_string(f.outputs().size()) + " outputs");
  LogDensity d;
  d.dim = dim;
  d.logpGrad = [f, dim](const double *x, double *grad) {
    std::vector<double> v(x, x + dim);
    std::vector<Tensor> r = f({Tensor::fromVector(v)});
    Tensor g = r[1].dtype() == DType::Float64 ? r[1] : r[1].astype(DType::Float64);
    std::memcpy(grad, g.data<double>(), sizeof(double) * dim);
    return r[0].item();
  };
  return d;
}

LogDensity compileLogDensity(const Var &logp, const Var &x, const CompileOptions &options) {
  if (!logp || logp.ndim() != 0 || !isFloat(logp.dtype()))
    throw TypeError("compileLogDensity: logp must be a float scalar, got " +
                    (logp ? logp.type().str() : std::string("null")));
  if (!x || x.ndim() != 1 || x.dtype() != DType::Float64 || x.type().shape[0] < 0)
    throw TypeError("compileLogDensity: x must be a float64 vector of known length, got " +
                    (x ? x.type().str() : std::string("null")));
  Var g = grad(logp, x);
  Function f = compile({x}, {logp, g}, {}, options);
  return logDensityOf(f, x.type().shape[0]);
}

} // namespace graphjit::mcmc
