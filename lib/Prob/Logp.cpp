// logp of each distribution as a graph. Every density is wrapped in
// where(valid, density, -inf): outside the support or for invalid parameters
// (including infinite locations and scales) the result is -inf, and the NaNs the
// formula may produce there are never selected. A NaN value is outside every support
// with a bound (a comparison with NaN is false); on the real line it gives NaN, as in
// SciPy: checking it costs a kernel per density in compiled code (+40% for a normal).
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/LinalgDecomp.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgs.h"
#include "graphjit/Ops/Special.h"
#include "graphjit/Prob/ChangeOfVariables.h"
#include "graphjit/Prob/RandomVariable.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace graphjit {

namespace {
const double kLog2Pi = std::log(2 * M_PI);

Var ninf() { return constant(-INFINITY); }
Var f64(const Var &v) { return v.dtype() == DType::Float64 ? v : cast(v, DType::Float64); }
Var all2(const Var &a, const Var &b) { return logical_and(a, b); }
/// -inf wherever `valid` is false.
Var guard(const Var &valid, const Var &density) { return where(valid, density, ninf()); }
/// c * log(x), with 0 where c == 0 (so 0 * log(0) is 0, not NaN).
Var xlogy(const Var &c, const Var &x) {
  return where(eq(c, constant(0.0)), constant(0.0), c * log(x));
}
/// c * log1p(x), with 0 where c == 0.
Var xlog1py(const Var &c, const Var &x) {
  return where(eq(c, constant(0.0)), constant(0.0), c * log1p(x));
}
Var isInteger(const Var &v) { return eq(v % 1.0, constant(0.0)); }
/// Finite (false for NaN and +-inf).
Var finite(const Var &v) { return abs(v) < constant(INFINITY); }

/// > 0 and finite.
Var positiveFinite(const Var &v) { return all2(v > constant(0.0), finite(v)); }

/// Stirling's series of log Gamma(x) - ((x - 1/2) log x - x + log(2 pi)/2), for x >= 1e6.
Var stirlingTail(const Var &x) {
  return 1.0 / (12.0 * x) - 1.0 / (360.0 * x * x * x) + 1.0 / (1260.0 * pow(x, 5.0));
}

/// log B(a, b) for every positive a and b: gammaln(a) + gammaln(b) - gammaln(a + b) cancels
/// catastrophically once the larger argument passes ~1e6 (and is inf - inf past ~1e305), so
/// there the difference is expanded: with lo <= hi, L = log hi, l1 = log1p(lo / hi),
///   log B = gammaln(lo) - lo L + lo - hi l1 - (lo - 1/2) l1 + s(hi) - s(hi + lo)
/// (Stirling's series for hi and hi + lo, s its tail), and Stirling's series for lo too when lo
/// is also large. Each branch sees only arguments in its own range (where() picks one).
Var stableBetaln(const Var &a, const Var &b) {
  const double big = 1e6;
  Var lo = minimum(a, b), hi = maximum(a, b);
  Var hiBig = hi >= constant(big), loBig = lo >= constant(big);
  Var one = constant(1.0), bigC = constant(big);
  Var small = betaln(where(hiBig, one, a), where(hiBig, one, b));
  Var h = where(hiBig, hi, bigC);
  Var l = where(hiBig, lo, one);
  Var L = log(h), l1 = log1p(l / h);
  Var rest = -(h * l1) - (l - 0.5) * l1 + stirlingTail(h) - stirlingTail(h + l);
  Var lg = where(loBig, one, l);  // lo in gammaln's range
  Var ls = where(loBig, l, bigC); // lo in Stirling's range
  Var headSmall = gammaln(lg) - lg * L + lg;
  Var headBig = ls * (log(ls) - L) - 0.5 * log(ls) + 0.5 * kLog2Pi + stirlingTail(ls);
  return where(hiBig, where(loBig, headBig, headSmall) + rest, small);
}

/// Size of the last axis of `v` as a float64 scalar (a constant when static).
Var lastDim(const Var &v) {
  int64_t k = v.type().shape.back();
  if (k != kUnknownDim) return constant(static_cast<double>(k));
  return cast(shape(v)[v.ndim() - 1], DType::Float64);
}

/// Multivariate normal with lower Cholesky factor `l`: one value per row (or the single vector).
Var mvnormalCholLogp(const Var &mu, const Var &l, const Var &v) {
  Var d = v - mu;
  Var z = d.ndim() == 1 ? solve_triangular(l, d) : solve_triangular(l, transpose(d));
  Var quad = d.ndim() == 1 ? sum(sqr(z)) : sum(sqr(z), 0);
  Var logdetL = slogdet(l).second; // log|det L| = sum log|L_ii| for triangular L
  return -0.5 * quad - logdetL - 0.5 * kLog2Pi * lastDim(mu);
}

/// Multivariate normal with covariance `cov`: -inf when cov is not symmetric positive definite,
/// instead of cholesky's error. Cholesky reads the lower triangle, so that is what is tested: all
/// finite and every eigenvalue of its symmetrization above eps * sum|eigenvalues| (numerically
/// singular counts as not positive definite, as in NumPy's matrix_rank; no overflow for large
/// entries). Stacks of covariances go straight to cholesky.
Var mvnormalLogp(const Var &mu, const Var &cov, const Var &v) {
  if (cov.ndim() != 2) return mvnormalCholLogp(mu, cholesky(cov), v);
  Var sym = tril(cov) + transpose(tril(cov, -1));
  Var id = eye(shape_i(cov, 0)); // a static eye when the size is static
  Var allFinite = all(finite(sym));
  Var eig = eigvalsh(where(allFinite, sym, id)); // eigvalsh of NaN would fail
  Var tol = std::numeric_limits<double>::epsilon() * sum(abs(eig));
  Var pd = logical_and(allFinite, all(eig > tol));
  return guard(pd, mvnormalCholLogp(mu, cholesky(where(pd, sym, id)), v));
}

Var distLogp(Dist dist, const std::vector<Var> &p, const Var &value) {
  Var v = f64(value);
  Var zero = constant(0.0), one = constant(1.0);
  switch (dist) {
  case Dist::Normal: { // -((v-mu)/sigma)^2/2 - log sigma - log(2 pi)/2
    Var z = (v - p[0]) / p[1];
    return guard(all2(finite(p[0]), positiveFinite(p[1])),
                 -0.5 * sqr(z) - log(p[1]) - 0.5 * kLog2Pi);
  }
  case Dist::HalfNormal: { // log(2) + Normal(0, sigma) on v >= 0
    Var z = v / p[0];
    return guard(all2(v >= zero, positiveFinite(p[0])),
                 0.5 * std::log(2 / M_PI) - log(p[0]) - 0.5 * sqr(z));
  }
  case Dist::LogNormal: { // Normal(log v; mu, sigma) - log v
    Var lv = log(v);
    Var z = (lv - p[0]) / p[1];
    return guard(all2(v > zero, all2(finite(p[0]), positiveFinite(p[1]))),
                 -0.5 * sqr(z) - log(p[1]) - lv - 0.5 * kLog2Pi);
  }
  case Dist::MvNormal:
    return mvnormalLogp(p[0], p[1], v);
  case Dist::MvNormalChol:
    return mvnormalCholLogp(p[0], p[1], v);
  case Dist::MvNormalDiag: {
    Var z = (v - p[0]) / p[1];
    Var terms = guard(positiveFinite(p[1]), -0.5 * sqr(z) - log(p[1]) - 0.5 * kLog2Pi);
    return sum(terms, -1);
  }
  case Dist::Uniform: // -log(upper - lower) on [lower, upper]
    return guard(
        all2(all2(all2(v >= p[0], v <= p[1]), p[0] < p[1]), all2(finite(p[0]), finite(p[1]))),
        zeros_like(v) - log(p[1] - p[0]));
  case Dist::Exponential: // log lam - lam v
    return guard(all2(v >= zero, positiveFinite(p[0])), log(p[0]) - p[0] * v);
  case Dist::Gamma: // alpha log beta - gammaln(alpha) + (alpha-1) log v - beta v
    return guard(all2(v >= zero, all2(positiveFinite(p[0]), positiveFinite(p[1]))),
                 p[0] * log(p[1]) - gammaln(p[0]) + xlogy(p[0] - 1.0, v) - p[1] * v);
  case Dist::Beta: // (a-1) log v + (b-1) log(1-v) - log B(a, b)
    return guard(all2(all2(v >= zero, v <= one), all2(positiveFinite(p[0]), positiveFinite(p[1]))),
                 xlogy(p[0] - 1.0, v) + xlog1py(p[1] - 1.0, -v) - stableBetaln(p[0], p[1]));
  case Dist::StudentT: {
    // c(nu) - log sigma - (nu+1)/2 log1p(z^2/nu), c(nu) = gammaln((nu+1)/2) - gammaln(nu/2) -
    // log(nu pi)/2. For nu > 2e4 the gammaln difference cancels; there c(nu) is its expansion
    // -log(2 pi)/2 - 1/(4 nu) + 1/(24 nu^3) (error below 1e-22), and nu = inf is the normal.
    const Var &nu = p[0];
    Var z = (v - p[1]) / p[2];
    Var large = nu > constant(2e4), finiteNu = nu < constant(INFINITY);
    Var nuA = where(large, one, nu), nuB = where(large, nu, constant(2e4));
    Var cA = gammaln((nuA + 1.0) * 0.5) - gammaln(nuA * 0.5) - 0.5 * log(nuA * M_PI);
    Var cB = -0.5 * kLog2Pi - 0.25 / nuB + 1.0 / (24.0 * nuB * nuB * nuB);
    Var nuK = where(finiteNu, nu, one);
    Var kernel = where(finiteNu, -(nuK + 1.0) * 0.5 * log1p(sqr(z) / nuK), -0.5 * sqr(z));
    return guard(all2(nu > zero, all2(finite(p[1]), positiveFinite(p[2]))),
                 where(large, cB, cA) - log(p[2]) + kernel);
  }
  case Dist::Laplace: // -log(2b) - |v - mu| / b
    return guard(all2(finite(p[0]), positiveFinite(p[1])), -log(2.0 * p[1]) - abs(v - p[0]) / p[1]);
  case Dist::Bernoulli: { // log p at 1, log(1-p) at 0
    Var valid = all2(p[0] >= zero, p[0] <= one);
    return guard(valid, where(eq(v, one), log(p[0]), where(eq(v, zero), log1p(-p[0]), ninf())));
  }
  case Dist::Categorical: { // log(p_v / sum p) for v in 0 .. k-1
    Var lp = log(p[0]) - log(sum(p[0]));
    Var k = lastDim(p[0]);
    Var inRange = all2(all2(v >= zero, v < k), isInteger(v));
    // The index of an invalid value (NaN, out of range) is never used: 0 stands in for it.
    Var idx = cast(clip(where(inRange, v, zero), zero, k - 1.0), DType::Int64);
    Var valid = all2(all(p[0] >= zero), sum(p[0]) > zero);
    return guard(all2(inRange, valid), take(lp, idx, 0));
  }
  case Dist::Poisson: // v log mu - mu - gammaln(v + 1)
    return guard(all2(all2(v >= zero, isInteger(v)), all2(p[0] >= zero, finite(p[0]))),
                 xlogy(v, p[0]) - p[0] - gammaln(v + 1.0));
  }
  throw NotImplementedError("logp: unknown distribution");
}
/// `lp` broadcast to the shape of `value` against `rv` (PyMC's logp broadcasts the value
/// against the variable): a draw of shape [4] from scalar parameters (size=) at a scalar
/// value still gives 4 terms. Only static shapes are used, so the rv never enters the graph.
Var broadcastToVariable(const Var &lp, const Var &rv, const Var &value) {
  const Shape &a = rv.type().shape, &b = value.type().shape;
  Shape target(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t da = i < target.size() - a.size() ? 1 : a[i - (target.size() - a.size())];
    int64_t db = i < target.size() - b.size() ? 1 : b[i - (target.size() - b.size())];
    if (da == kUnknownDim || db == kUnknownDim) return lp; // the ops broadcast at run time
    target[i] = da == 1 ? db : da;
  }
  return lp.type().shape == target ? lp : broadcast_to(lp, target);
}
} // namespace

Var logp(const Var &rv, const Var &value) {
  if (!rv || !value) throw ValueError("logp: null random variable or value");
  if (const RandomVariableOp *op = asRandomVariable(rv)) {
    Var v = value;
    if (isMultivariate(op->dist()) && v.ndim() < 1)
      throw ShapeError(std::string("logp(") + distName(op->dist()) +
                       "): the value must be a vector or a matrix of rows, got " + v.type().str());
    Var lp = distLogp(op->dist(), rvParams(rv), v);
    return isMultivariate(op->dist()) ? lp : broadcastToVariable(lp, rv, v);
  }
  return transformedLogp(rv, value);
}

} // namespace graphjit
