// Special functions the probability layer needs: gammaln (log|Gamma(x)|) and
// digamma (its derivative), elementwise over float tensors.
#pragma once

#include "graphjit/Graph/Op.h"

namespace graphjit {

enum class SpecialFn { GammaLn, Digamma };

/// One unary special function; output type = input type (ints are cast to f64 by the builders).
class Special : public Op {
public:
  explicit Special(SpecialFn fn) : fn_(fn) {}
  SpecialFn fn() const { return fn_; }
  std::string name() const override { return fn_ == SpecialFn::GammaLn ? "gammaln" : "digamma"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in[0]}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// gammaln' = digamma; digamma's own derivative (trigamma) is not provided.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;

private:
  SpecialFn fn_;
};

/// log|Gamma(x)| (SciPy's gammaln).
Var gammaln(const Var &x);
/// d/dx gammaln(x) (SciPy's psi / digamma).
Var digamma(const Var &x);
/// log B(a, b) = gammaln(a) + gammaln(b) - gammaln(a + b).
Var betaln(const Var &a, const Var &b);

/// Scalar log|Gamma(x)| (thread-safe lgamma_r) used by perform and by the JIT runtime.
double gammalnScalar(double x);
/// Scalar digamma used by perform and by the JIT runtime (NaN at poles 0, -1, -2, ...).
double digammaScalar(double x);

void registerSpecialOps(class OpRegistry &registry);

} // namespace graphjit
