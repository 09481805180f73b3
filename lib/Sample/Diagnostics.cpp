// Rank-normalized split R-hat, bulk and tail ESS, MCSE and HDI, following
// ArviZ's arviz/stats/diagnostics.py (0.15+) step by step so the numbers agree
// with az.summary to rounding.
#include "graphjit/Sample/Diagnostics.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace graphjit::mcmc {

namespace {
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

bool tooFew(Draws x, int minChains) {
  return x.draws < 4 || x.chains < minChains ||
         std::any_of(
             x.data, x.data + static_cast<size_t>(x.chains) * x.draws,
             [](double v) { return !std::isfinite(v); });
}

std::vector<double> copyOf(Draws x) {
  return std::vector<double>(x.data, x.data + static_cast<size_t>(x.chains) * x.draws);
}

/// Each chain's first and last halves as separate chains (the middle draw dropped for odd n).
std::vector<double> splitChains(const std::vector<double> &a, int chains, int draws) {
  int half = draws / 2;
  std::vector<double> out(static_cast<size_t>(2) * chains * half);
  for (int c = 0; c < chains; ++c)
    for (int i = 0; i < half; ++i) {
      out[static_cast<size_t>(c) * half + i] = a[static_cast<size_t>(c) * draws + i];
      out[static_cast<size_t>(chains + c) * half + i] =
          a[static_cast<size_t>(c) * draws + draws - half + i];
    }
  return out;
}

double mean(const std::vector<double> &a) {
  return std::accumulate(a.begin(), a.end(), 0.0) / a.size();
}

double variance(const double *a, size_t n, int ddof) {
  double m = std::accumulate(a, a + n, 0.0) / n, s = 0;
  for (size_t i = 0; i < n; ++i)
    s += (a[i] - m) * (a[i] - m);
  return s / (n - ddof);
}

double median(std::vector<double> a) {
  size_t n = a.size();
  std::sort(a.begin(), a.end());
  return n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

/// NumPy's default (linear) quantile.
double quantile(std::vector<double> a, double q) {
  std::sort(a.begin(), a.end());
  double pos = q * (a.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, a.size() - 1);
  return a[lo] + (pos - lo) * (a[hi] - a[lo]);
}

/// ArviZ's _rhat: sqrt((B/W + n - 1) / n) with B = n var(chain means), W = mean chain var.
double rhatRaw(const std::vector<double> &a, int chains, int draws) {
  std::vector<double> means(chains), vars(chains);
  for (int c = 0; c < chains; ++c) {
    const double *p = &a[static_cast<size_t>(c) * draws];
    means[c] = std::accumulate(p, p + draws, 0.0) / draws;
    vars[c] = variance(p, draws, 1);
  }
  double between = draws * variance(means.data(), chains, 1);
  double within = mean(vars);
  return std::sqrt((between / within + draws - 1) / draws);
}
} // namespace

double normalQuantile(double p) {
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  // Acklam's rational approximation (relative error 1.15e-9), then two Halley steps on
  // Phi(x) - p, which bring it to double precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double pLow = 0.02425;
  double x;
  if (p < pLow) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  for (int i = 0; i < 2; ++i) {
    // Upper tail through erfc(x / sqrt 2) / 2 keeps precision for p near 1.
    double e = x < 0 ? 0.5 * std::erfc(-x / M_SQRT2) - p : (1 - p) - 0.5 * std::erfc(x / M_SQRT2);
    double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
    x = x - u / (1 + x * u / 2);
  }
  return x;
}

std::vector<double> zScale(const std::vector<double> &x) {
  size_t n = x.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return x[i] < x[j]; });
  std::vector<double> z(n);
  // Ties share their average rank (scipy.stats.rankdata, method="average").
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && x[order[j + 1]] == x[order[i]])
      ++j;
    double rank = 0.5 * (i + j) + 1;
    // Blom's offset c = 3/8.
    double p = (rank - 0.375) / (n - 0.75 + 1);
    for (size_t k = i; k <= j; ++k)
      z[order[k]] = normalQuantile(p);
    i = j + 1;
  }
  return z;
}

double essRaw(const std::vector<double> &a, int chains, int draws) {
  if (std::any_of(a.begin(), a.end(), [](double v) { return !std::isfinite(v); })) return NaN;
  auto [mn, mx] = std::minmax_element(a.begin(), a.end());
  if (*mx - *mn < 1e-15) return static_cast<double>(a.size());
  // Centered chains; autocovariances (divided by n, as the FFT in ArviZ) computed lazily,
  // since Geyer's sequence usually stops after a few lags.
  std::vector<double> centered(a.size()), chainMean(chains);
  for (int c = 0; c < chains; ++c) {
    const double *p = &a[static_cast<size_t>(c) * draws];
    chainMean[c] = std::accumulate(p, p + draws, 0.0) / draws;
    for (int i = 0; i < draws; ++i)
      centered[static_cast<size_t>(c) * draws + i] = p[i] - chainMean[c];
  }
  auto meanAcov = [&](int lag) {
    double s = 0;
    for (int c = 0; c < chains; ++c) {
      const double *p = &centered[static_cast<size_t>(c) * draws];
      double t = 0;
      for (int i = 0; i + lag < draws; ++i)
        t += p[i] * p[i + lag];
      s += t / draws;
    }
    return s / chains;
  };
  double n = draws;
  double meanVar = meanAcov(0) * n / (n - 1);
  double varPlus = meanVar * (n - 1) / n;
  if (chains > 1) varPlus += variance(chainMean.data(), chains, 1);

  std::vector<double> rho(draws, 0.0);
  double rhoEven = 1, rhoOdd = 1 - (meanVar - meanAcov(1)) / varPlus;
  rho[0] = rhoEven;
  rho[1] = rhoOdd;
  // Geyer's initial positive sequence.
  int t = 1;
  while (t < draws - 3 && rhoEven + rhoOdd > 0) {
    rhoEven = 1 - (meanVar - meanAcov(t + 1)) / varPlus;
    rhoOdd = 1 - (meanVar - meanAcov(t + 2)) / varPlus;
    if (rhoEven + rhoOdd >= 0) {
      rho[t + 1] = rhoEven;
      rho[t + 2] = rhoOdd;
    }
    t += 2;
  }
  int maxT = t - 2;
  if (rhoEven > 0) rho[maxT + 1] = rhoEven;
  // Geyer's initial monotone sequence.
  t = 1;
  while (t <= maxT - 2) {
    if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
      rho[t + 1] = (rho[t - 1] + rho[t]) / 2;
      rho[t + 2] = rho[t + 1];
    }
    t += 2;
  }
  double ess = static_cast<double>(chains) * draws;
  double tau = -1 + 2 * std::accumulate(rho.begin(), rho.begin() + maxT + 1, 0.0) +
               (maxT + 1 < draws ? rho[maxT + 1] : 0.0);
  tau = std::max(tau, 1 / std::log10(ess));
  return ess / tau;
}

double rhat(Draws x) {
  if (tooFew(x, 2)) return NaN;
  int half = x.draws / 2;
  std::vector<double> split = splitChains(copyOf(x), x.chains, x.draws);
  double bulk = rhatRaw(zScale(split), 2 * x.chains, half);
  double med = median(split);
  std::vector<double> folded(split.size());
  for (size_t i = 0; i < split.size(); ++i)
    folded[i] = std::abs(split[i] - med);
  double tail = rhatRaw(zScale(folded), 2 * x.chains, half);
  return std::max(bulk, tail);
}

double ess_bulk(Draws x) {
  if (tooFew(x, 1)) return NaN;
  return essRaw(zScale(splitChains(copyOf(x), x.chains, x.draws)), 2 * x.chains, x.draws / 2);
}

double ess_mean(Draws x) {
  if (tooFew(x, 1)) return NaN;
  return essRaw(splitChains(copyOf(x), x.chains, x.draws), 2 * x.chains, x.draws / 2);
}

namespace {
double essQuantile(Draws x, double prob) {
  std::vector<double> a = copyOf(x);
  double q = quantile(a, prob);
  std::vector<double> ind(a.size());
  for (size_t i = 0; i < a.size(); ++i)
    ind[i] = a[i] <= q ? 1.0 : 0.0;
  return essRaw(splitChains(ind, x.chains, x.draws), 2 * x.chains, x.draws / 2);
}
} // namespace

double ess_tail(Draws x) {
  if (tooFew(x, 1)) return NaN;
  return std::min(essQuantile(x, 0.05), essQuantile(x, 0.95));
}

double mcse_mean(Draws x) {
  if (tooFew(x, 1)) return NaN;
  std::vector<double> a = copyOf(x);
  return std::sqrt(variance(a.data(), a.size(), 1)) / std::sqrt(ess_mean(x));
}

double mcse_sd(Draws x) {
  if (tooFew(x, 1)) return NaN;
  std::vector<double> a = copyOf(x);
  double m = mean(a);
  std::vector<double> c2(a.size()), c4(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    c2[i] = (a[i] - m) * (a[i] - m);
    c4[i] = c2[i] * c2[i];
  }
  double ess = ess_mean({c2.data(), x.chains, x.draws});
  double evar = mean(c2);
  double varvar = (mean(c4) - evar * evar) / ess;
  double varsd = varvar / evar / 4;
  return std::sqrt(varsd);
}

std::pair<double, double> hdi(Draws x, double prob) {
  if (!(prob > 0 && prob < 1))
    throw ValueError("hdi: prob must be in (0, 1), got " + std::to_string(prob));
  std::vector<double> a = copyOf(x);
  std::sort(a.begin(), a.end());
  size_t n = a.size();
  size_t inc = static_cast<size_t>(std::floor(prob * n));
  if (inc >= n) throw ValueError("hdi: too few draws (" + std::to_string(n) + ")");
  size_t best = 0;
  for (size_t i = 1; i < n - inc; ++i)
    if (a[i + inc] - a[i] < a[best + inc] - a[best]) best = i;
  return {a[best], a[best + inc]};
}

} // namespace graphjit::mcmc
