// sample_posterior(): NUTS (Stan's multinomial No-U-Turn sampler with dual
// averaging of the step size and a windowed diagonal mass matrix) over a
// compiled log density, several chains in parallel. A chain's draws depend only
// on (seed, chain index): the same seed gives the same draws on any number of
// threads, or of MPI ranks running a subset of the chains (firstChain).
#pragma once

#include "graphjit/Prob/Model.h"
#include "graphjit/Sample/LogDensity.h"

#include <cstdint>
#include <string>
#include <vector>

namespace graphjit::mcmc {

struct SampleOptions {
  int draws = 1000;   ///< kept draws per chain
  int tune = 1000;    ///< warm-up iterations per chain (adaptation; discarded)
  int chains = 4;     ///< chains run here
  int firstChain = 0; ///< index of the first chain run here (its random stream), for MPI ranks
  int threads = 0;    ///< 0: one per hardware thread, at most one per chain
  uint64_t seed = 0;
  double targetAccept = 0.8; ///< dual averaging's target mean acceptance statistic
  int maxTreeDepth = 10;
  double maxEnergyError = 1000; ///< a leapfrog step with H - H0 above this is a divergence
  /// Stan's windows: an initial fast interval, doubling slow windows, a final fast interval.
  int initBuffer = 75, baseWindow = 25, termBuffer = 50;
  bool adaptMassMatrix = true;
  /// Initial points: uniform in (-initRadius, initRadius) on the unconstrained space, or `init`
  /// (dim values, every chain) when given.
  double initRadius = 2;
  std::vector<double> init;
  /// A progress line per chain on stderr (draws per second, divergences, step size).
  bool progress = false;
};

/// What the sampler did at each kept draw, [chains, draws] row-major.
struct SamplerStats {
  std::vector<double> stepSize, acceptStat, energy, logp;
  std::vector<int> treeDepth, nLeapfrog;
  std::vector<uint8_t> divergent;
};

struct SampleResult {
  int chains = 0, draws = 0;
  int64_t dim = 0; ///< reported values per draw
  std::vector<std::string> names;
  /// [chains, draws, dim] row-major, on the reported scale.
  std::vector<double> values;
  SamplerStats stats;
  /// Per chain: the adapted step size and inverse mass matrix diagonal (unconstrained space).
  std::vector<double> stepSize;
  std::vector<std::vector<double>> invMassDiag;
  /// Per chain: gradient evaluations in all (tuning included) and seconds spent.
  std::vector<int64_t> gradEvals;
  std::vector<double> seconds;

  double at(int chain, int draw, int64_t k) const {
    return values[(static_cast<size_t>(chain) * draws + draw) * dim + k];
  }
  /// Variable k's draws as [chains, draws] row-major.
  std::vector<double> variable(int64_t k) const;
  /// The index of a reported variable by name; throws ValueError naming it when absent.
  int64_t index(const std::string &name) const;
  int divergences() const;
};

/// Runs `options.chains` NUTS chains over `model`. Throws ValueError for bad options (naming
/// the option, expected vs got) or a log density that is not finite at any initial point tried.
SampleResult sample_posterior(const LogDensity &model, const SampleOptions &options = {});

/// Convenience: compileLogDensity(logp, x) then sample.
SampleResult sample_posterior(const Var &logp, const Var &x, const SampleOptions &options = {});

/// A model of the probability layer (makeModel) as a log density: its value variables packed
/// into one float64 vector (the unconstrained space when the model transforms), the joint logp
/// and its gradient one compiled Function, and draws reported on each variable's own scale
/// named by variable ("mu", "w[2]", "L[1, 0]"). Throws TypeError for a discrete free variable or
/// one whose shape is not known when the graph is built.
LogDensity modelLogDensity(const Model &model, const CompileOptions &options = {});

/// sample_posterior(modelLogDensity(model), options): PyMC's pm.sample.
SampleResult sample_posterior(const Model &model, const SampleOptions &options = {});

/// Chains of several runs (e.g. MPI ranks) joined in order: same dim and draws.
SampleResult concatChains(const std::vector<SampleResult> &parts);

} // namespace graphjit::mcmc
