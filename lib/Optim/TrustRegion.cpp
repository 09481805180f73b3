// Trust-region Newton methods with exact curvature (Nocedal and Wright, Numerical Optimization,
// Algorithms 4.1, 7.2 and 4.3): "trust-ncg"/"Newton-CG" solve the subproblem by Steihaug's
// truncated CG on Hessian-vector products from the graph (no dense Hessian); "trust-exact"
// solves it on the dense Hessian by More and Sorensen's iteration on the secular equation.
// Own code because no Debian-packaged C++ library offers a trust-region Newton method on
// Hessian-vector products (docs/architecture.md, "Decisions").
#include "Objective.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace graphjit::optim::detail {

namespace {
using Vec = std::vector<double>;

double dotp(const Vec &a, const Vec &b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}
double norm(const Vec &a) { return std::sqrt(dotp(a, a)); }

/// The tau >= 0 with ||z + tau d|| = delta.
double toBoundary(const Vec &z, const Vec &d, double delta) {
  double a = dotp(d, d), b = 2 * dotp(z, d), c = dotp(z, z) - delta * delta;
  return (-b + std::sqrt(std::max(0.0, b * b - 4 * a * c))) / (2 * a);
}

struct Step {
  Vec p, hp;             ///< the step and H p (for the model's predicted decrease)
  bool boundary = false; ///< the step ends on the trust-region boundary
};

/// Steihaug's CG on min g.p + p.Hp/2, ||p|| <= delta. H p is tracked through the residual
/// r = g + H z, so no product beyond the CG's own is needed.
/// `hg`, when non-empty, is H g at x, already computed with the gradient: the first product
/// H d, d = -g, is then -hg.
Step steihaug(Objective &obj, const Vec &x, const Vec &g, const Vec &hg, double delta) {
  size_t n = g.size();
  Vec z(n, 0.0), r = g, d(n), bd(n);
  for (size_t i = 0; i < n; ++i)
    d[i] = -r[i];
  double gnorm = norm(g);
  double tol = std::min(0.5, std::sqrt(gnorm)) * gnorm;
  auto finish = [&](const Vec &p, double tau, bool boundary) {
    Step s{p, Vec(n), boundary};
    for (size_t i = 0; i < n; ++i)
      s.hp[i] = r[i] - g[i] + tau * bd[i];
    return s;
  };
  for (size_t it = 0; it < 2 * n + 10; ++it) {
    if (it == 0 && !hg.empty())
      for (size_t i = 0; i < n; ++i)
        bd[i] = -hg[i];
    else
      obj.hessp(x.data(), d.data(), bd.data());
    double dbd = dotp(d, bd);
    if (dbd <= 0) { // negative curvature: go to the boundary along d
      double tau = toBoundary(z, d, delta);
      Vec p(n);
      for (size_t i = 0; i < n; ++i)
        p[i] = z[i] + tau * d[i];
      return finish(p, tau, true);
    }
    double rr = dotp(r, r), alpha = rr / dbd;
    Vec zn(n);
    for (size_t i = 0; i < n; ++i)
      zn[i] = z[i] + alpha * d[i];
    if (norm(zn) >= delta) {
      double tau = toBoundary(z, d, delta);
      Vec p(n);
      for (size_t i = 0; i < n; ++i)
        p[i] = z[i] + tau * d[i];
      return finish(p, tau, true);
    }
    for (size_t i = 0; i < n; ++i)
      r[i] += alpha * bd[i];
    z = zn;
    if (norm(r) < tol) return finish(z, 0, false);
    double beta = dotp(r, r) / rr;
    for (size_t i = 0; i < n; ++i)
      d[i] = -r[i] + beta * d[i];
  }
  return finish(z, 0, false);
}

/// Cholesky of A + lambda I (row-major); false when not positive definite.
bool cholesky(const Vec &a, size_t n, double lambda, Vec &l) {
  l.assign(n * n, 0.0);
  for (size_t j = 0; j < n; ++j) {
    double s = a[j * n + j] + lambda;
    for (size_t k = 0; k < j; ++k)
      s -= l[j * n + k] * l[j * n + k];
    if (!(s > 0)) return false;
    l[j * n + j] = std::sqrt(s);
    for (size_t i = j + 1; i < n; ++i) {
      double t = a[i * n + j];
      for (size_t k = 0; k < j; ++k)
        t -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = t / l[j * n + j];
    }
  }
  return true;
}

/// Solves L y = b (forward) then, if full, L^T x = y (backward).
Vec cholSolve(const Vec &l, size_t n, Vec b, bool full) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < i; ++k)
      b[i] -= l[i * n + k] * b[k];
    b[i] /= l[i * n + i];
  }
  if (!full) return b;
  for (size_t i = n; i-- > 0;) {
    for (size_t k = i + 1; k < n; ++k)
      b[i] -= l[k * n + i] * b[k];
    b[i] /= l[i * n + i];
  }
  return b;
}

/// More-Sorensen: the lambda >= 0 with H + lambda I positive definite and ||p(lambda)|| = delta
/// (or lambda = 0 and the Newton step inside), p(lambda) = -(H + lambda I)^{-1} g, kept in a
/// bracket [lo, hi]; the hard case is approximated by the boundary step of the last lambda.
Step exactStep(const Vec &h, const Vec &g, double delta) {
  size_t n = g.size();
  // Bounds on lambda (More and Sorensen): H + lambda I is indefinite below -min_i H_ii, and
  // the step is inside the region above ||g|| / delta + ||H||_inf.
  double gnorm = norm(g), hnorm = 0, minDiag = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < n; ++i) {
    double row = 0;
    for (size_t j = 0; j < n; ++j)
      row += std::fabs(h[i * n + j]);
    hnorm = std::max(hnorm, row);
    minDiag = std::min(minDiag, h[i * n + i]);
  }
  double lo = std::max(0.0, -minDiag), hi = gnorm / delta + hnorm;
  double lambda = 0;
  Vec l, p(n);
  Vec negG(n);
  for (size_t i = 0; i < n; ++i)
    negG[i] = -g[i];
  for (int it = 0; it < 100; ++it) {
    if (!cholesky(h, n, lambda, l)) {
      lo = std::max(lo, lambda);
      lambda = std::max(std::sqrt(std::max(lo, 1e-300) * hi), lo + 0.01 * (hi - lo));
      continue;
    }
    p = cholSolve(l, n, negG, true);
    double pn = norm(p);
    if (lambda == 0 && pn <= delta) break; // the Newton step is inside
    if (std::fabs(pn - delta) <= 1e-2 * delta) break;
    if (pn > delta)
      lo = std::max(lo, lambda);
    else
      hi = std::min(hi, lambda);
    Vec q = cholSolve(l, n, p, false);
    double qn = norm(q);
    lambda += (pn / qn) * (pn / qn) * (pn - delta) / delta;
    if (!(lambda > lo && lambda < hi))
      lambda = std::max(std::sqrt(std::max(lo, 1e-300) * hi), lo + 0.01 * (hi - lo));
    if (hi - lo <= 1e-14 * hi) break;
  }
  double pn = norm(p);
  if (pn > delta) // a last safeguard: never leave the region
    for (double &v : p)
      v *= delta / pn;
  Step s{p, Vec(n, 0.0), pn >= 0.99 * delta};
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      s.hp[i] += h[i * n + j] * p[j];
  return s;
}
} // namespace

SolverResult solveTrustRegion(Run &run, const std::vector<double> &x0, bool dense) {
  Objective &obj = *run.obj;
  const MinimizeOptions &o = *run.options;
  size_t n = obj.n;
  // SciPy's defaults: initial radius 1, largest 1000, accept a step when rho > 0.15.
  double delta = 1.0, deltaMax = 1000.0, eta = 0.15;
  // trust-ncg evaluates each point with H g in the same call when the objective fuses them
  // (one pass over the data for the loss, gradient and first CG product).
  bool withHg = !dense && obj.hasValueHg;
  Vec x = x0, g(n), h, xn(n), gn(n), hg(withHg ? n : 0), hgn(withHg ? n : 0);
  double f = withHg ? obj.valueHg(x.data(), g.data(), hg.data()) : obj.value(x.data(), g.data());
  SolverResult r;
  r.status = 0;
  r.message = "MAXITER_REACHED";
  auto failed = [&](double v) {
    if (!std::isnan(v)) return false;
    run.failure = "the loss became NaN after " + std::to_string(obj.nfev) + " evaluations";
    return true;
  };
  if (dense) h.resize(n * n);
  bool haveH = false;
  for (int it = 0; it < o.maxIter; ++it) {
    double gmax = 0;
    for (double v : g)
      gmax = std::max(gmax, std::fabs(v));
    if (gmax < o.gtol) {
      r.status = 1, r.success = true, r.message = "GTOL_REACHED";
      break;
    }
    if (dense && !haveH) obj.hess(x.data(), h.data()), haveH = true;
    Step s = dense ? exactStep(h, g, delta) : steihaug(obj, x, g, hg, delta);
    double predicted = -(dotp(g, s.p) + 0.5 * dotp(s.p, s.hp));
    for (size_t i = 0; i < n; ++i)
      xn[i] = x[i] + s.p[i];
    double fn =
        withHg ? obj.valueHg(xn.data(), gn.data(), hgn.data()) : obj.value(xn.data(), gn.data());
    if (failed(fn)) return r;
    double actual = f - fn;
    double rho = predicted > 0 ? actual / predicted : (actual > 0 ? 1.0 : -1.0);
    if (rho < 0.25)
      delta *= 0.25;
    else if (rho > 0.75 && s.boundary)
      delta = std::min(2 * delta, deltaMax);
    if (rho > eta) {
      x = xn, g = gn;
      if (withHg) hg = hgn;
      bool tiny = std::fabs(actual) <= o.ftolRel * std::max(std::fabs(f), 1e-300);
      f = fn;
      haveH = false;
      run.iteration(x, f);
      if (run.stopped) {
        r.message = "stopped by the callback";
        break;
      }
      if (tiny && it > 0) {
        r.status = 3, r.success = true, r.message = "FTOL_REACHED";
        break;
      }
    }
    if (delta < 1e-14 * std::max(1.0, norm(x))) {
      // No step, however short, decreases the loss: x is as good as round-off allows.
      r.status = 4, r.success = true, r.message = "ROUNDOFF_LIMITED";
      break;
    }
  }
  r.x = x;
  r.fun = f;
  if (dense) {
    if (!haveH) obj.hess(x.data(), h.data());
    r.hess = h;
  }
  return r;
}

} // namespace graphjit::optim::detail
