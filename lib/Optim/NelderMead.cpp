// The "Nelder-Mead" method: SciPy's _minimize_neldermead step for step (initial simplex 5% of each
// nonzero coordinate or 0.00025, reflection 1, expansion 2, contraction 0.5, shrink 0.5, or Gao
// and Han's adaptive coefficients; stop when the simplex spans <= xatol and its losses <= fatol;
// bounds clip every vertex). Own code rather than NLopt's LN_NELDERMEAD because NLopt's simplex
// and relative stopping rule differ from SciPy's, so the evaluation counts did not compare.
#include "Objective.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace graphjit::optim::detail {

namespace {
using Vec = std::vector<double>;

/// Thrown inside the loop when the evaluation budget is spent (SciPy's _MaxFuncCallError).
struct BudgetSpent {};
/// Thrown when the loss became NaN or the function failed (the run's failure says which).
struct Failed {};
} // namespace

SolverResult solveNelderMead(Run &run, const std::vector<double> &x0) {
  const MinimizeOptions &o = *run.options;
  Objective &obj = *run.obj;
  size_t n = obj.n;
  SolverResult r;
  if (n == 0) { // nothing to move: the start is the answer
    r.x = x0, r.fun = obj.value(x0.data(), nullptr);
    r.status = 1, r.success = true, r.message = "XATOL_AND_FATOL_REACHED", r.nit = 0;
    return r;
  }
  double dim = static_cast<double>(n);
  double rho = 1, chi = 2, psi = 0.5, sigma = 0.5;
  if (o.adaptive && n > 0) // Gao and Han (2012): gentler steps in many dimensions
    chi = 1 + 2 / dim, psi = 0.75 - 1 / (2 * dim), sigma = 1 - 1 / dim;
  Vec lo(n, -std::numeric_limits<double>::infinity()),
      hi(n, std::numeric_limits<double>::infinity());
  for (size_t i = 0; i < n && !o.bounds.empty(); ++i) {
    const Bound &b = o.bounds.size() == 1 ? o.bounds[0] : o.bounds[i];
    lo[i] = b.lo, hi[i] = b.hi;
  }
  auto clip = [&](Vec &v) {
    for (size_t i = 0; i < n; ++i)
      v[i] = std::clamp(v[i], lo[i], hi[i]);
  };

  std::vector<Vec> sim(n + 1, x0);
  clip(sim[0]);
  for (size_t k = 0; k < n; ++k) {
    sim[k + 1] = sim[0];
    sim[k + 1][k] = sim[0][k] != 0 ? 1.05 * sim[0][k] : 0.00025;
    clip(sim[k + 1]);
  }
  int maxfev = o.maxEval, maxiter = o.maxIter, fcalls = 0;
  auto func = [&](const Vec &x) {
    if (fcalls >= maxfev) throw BudgetSpent{};
    ++fcalls;
    double f;
    try {
      f = obj.value(x.data(), nullptr);
    } catch (const std::exception &e) {
      run.failure = std::string("the loss function failed: ") + e.what();
      throw Failed{};
    }
    if (std::isnan(f)) {
      run.failure = "the loss became NaN after " + std::to_string(obj.nfev) + " evaluations";
      throw Failed{};
    }
    return f;
  };
  Vec fsim(n + 1, std::numeric_limits<double>::infinity());
  // SciPy sorts with np.argsort, stable for simplices this small; ties keep their order.
  auto sortSimplex = [&] {
    std::vector<size_t> ind(n + 1);
    std::iota(ind.begin(), ind.end(), 0);
    std::stable_sort(ind.begin(), ind.end(), [&](size_t a, size_t b) { return fsim[a] < fsim[b]; });
    std::vector<Vec> s(n + 1);
    Vec f(n + 1);
    for (size_t i = 0; i <= n; ++i)
      s[i] = std::move(sim[ind[i]]), f[i] = fsim[ind[i]];
    sim = std::move(s), fsim = std::move(f);
  };
  try {
    for (size_t k = 0; k <= n; ++k)
      fsim[k] = func(sim[k]);
  } catch (const BudgetSpent &) {
  } catch (const Failed &) {
    return r;
  }
  sortSimplex();

  Vec xbar(n), xr(n), xe(n), xc(n);
  auto combine = [&](Vec &out, double a, double b) { // out = a xbar + b worst, clipped
    for (size_t i = 0; i < n; ++i)
      out[i] = a * xbar[i] + b * sim[n][i];
    clip(out);
  };
  int iterations = 1;
  bool converged = false;
  while (fcalls < maxfev && iterations < maxiter && !run.stopped) {
    try {
      double xspan = 0, fspan = 0;
      for (size_t j = 1; j <= n; ++j) {
        for (size_t i = 0; i < n; ++i)
          xspan = std::max(xspan, std::fabs(sim[j][i] - sim[0][i]));
        fspan = std::max(fspan, std::fabs(fsim[0] - fsim[j]));
      }
      if (xspan <= o.xatol && fspan <= o.fatol) {
        converged = true;
        break;
      }
      std::fill(xbar.begin(), xbar.end(), 0.0);
      for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i < n; ++i)
          xbar[i] += sim[j][i];
      for (double &v : xbar)
        v /= dim;
      combine(xr, 1 + rho, -rho);
      double fxr = func(xr);
      if (fxr < fsim[0]) {
        combine(xe, 1 + rho * chi, -rho * chi);
        double fxe = func(xe);
        if (fxe < fxr)
          sim[n] = xe, fsim[n] = fxe;
        else
          sim[n] = xr, fsim[n] = fxr;
      } else if (fxr < fsim[n - 1]) {
        sim[n] = xr, fsim[n] = fxr;
      } else {
        bool shrink = false;
        if (fxr < fsim[n]) { // outside contraction
          combine(xc, 1 + psi * rho, -psi * rho);
          double fxc = func(xc);
          if (fxc <= fxr)
            sim[n] = xc, fsim[n] = fxc;
          else
            shrink = true;
        } else { // inside contraction
          combine(xc, 1 - psi, psi);
          double fxc = func(xc);
          if (fxc < fsim[n])
            sim[n] = xc, fsim[n] = fxc;
          else
            shrink = true;
        }
        if (shrink)
          for (size_t j = 1; j <= n; ++j) {
            for (size_t i = 0; i < n; ++i)
              sim[j][i] = sim[0][i] + sigma * (sim[j][i] - sim[0][i]);
            clip(sim[j]);
            fsim[j] = func(sim[j]);
          }
      }
      ++iterations;
    } catch (const BudgetSpent &) {
    } catch (const Failed &) {
      return r;
    }
    sortSimplex();
    run.iteration(sim[0], fsim[0]);
  }
  r.x = sim[0];
  r.fun = *std::min_element(fsim.begin(), fsim.end());
  r.nit = iterations; // SciPy's count: 1 + the iterations completed
  if (run.stopped) {
    r.message = "stopped by the callback";
  } else if (converged) {
    r.status = 1, r.success = true, r.message = "XATOL_AND_FATOL_REACHED";
  } else if (fcalls >= maxfev) {
    r.status = 0, r.message = "MAXEVAL_REACHED";
  } else {
    r.status = 0, r.message = "MAXITER_REACHED";
  }
  return r;
}

} // namespace graphjit::optim::detail
