// MCMC diagnostics as ArviZ computes them (Vehtari, Gelman, Simpson, Carpenter
// and Bürkner 2021, "Rank-normalization, folding, and localization"): each takes
// one variable's draws as [chains, draws] row-major.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace graphjit::mcmc {

/// A view of one variable's draws.
struct Draws {
  const double *data;
  int chains, draws;
};

/// Rank-normalized split R-hat: max of the bulk and the folded (tail) R-hat. NaN for fewer than
/// 2 chains or 4 draws.
double rhat(Draws x);
/// Rank-normalized split effective sample size (the bulk).
double ess_bulk(Draws x);
/// Tail ESS: the smaller of the split ESS of the 5% and 95% quantile indicators.
double ess_tail(Draws x);
/// Split ESS of the draws themselves (ArviZ's method="mean").
double ess_mean(Draws x);
/// Monte Carlo standard error of the mean: sd / sqrt(ess_mean).
double mcse_mean(Draws x);
/// Monte Carlo standard error of the sd (ArviZ >= 0.15, without the normality assumption).
double mcse_sd(Draws x);
/// The narrowest interval holding `prob` of the draws (all chains together).
std::pair<double, double> hdi(Draws x, double prob = 0.94);

/// Split ESS of a [chains, draws] array as ArviZ's _ess: Geyer's initial monotone sequence over
/// the autocovariances averaged across chains.
double essRaw(const std::vector<double> &x, int chains, int draws);
/// Blom's normal scores of the average ranks (ArviZ's _z_scale).
std::vector<double> zScale(const std::vector<double> &x);
/// The standard normal quantile function.
double normalQuantile(double p);

} // namespace graphjit::mcmc
