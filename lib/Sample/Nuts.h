// The pieces of one NUTS chain (private to lib/Sample): its random stream, the
// adaptation state and the transition itself.
#pragma once

#include "graphjit/Sample/Sample.h"
#include "graphjit/Support/Philox.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace graphjit::mcmc::detail {

/// A chain's own Philox4x32-10 stream: key = the seed, counter words 2-3 = the chain index,
/// words 0-1 count blocks. Chains never share blocks, whatever thread or rank runs them.
class ChainRng {
public:
  ChainRng(uint64_t seed, uint32_t chain)
      : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
        counter_{0, 0, chain, 0x5a4d} {}
  uint32_t next() {
    if (pos_ == 4) {
      block_ = philox4x32(counter_, key_);
      counter_ = philoxAdvance(counter_, 1);
      pos_ = 0;
    }
    return block_[pos_++];
  }
  /// Uniform on [0, 1) with 53 random bits.
  double uniform() {
    uint64_t hi = next() >> 5, lo = next() >> 6;
    return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) * 0x1.0p-53;
  }
  /// Standard normal by Marsaglia and Tsang's ziggurat (128 layers): one 32-bit word picks
  /// the value, another the layer (separate words, so the two are independent); the rare
  /// rejections and the tail fall back to exact sampling. About 5x faster than Box-Muller,
  /// which mattered: a transition draws one per dimension.
  double normal();

private:
  PhiloxKey key_;
  PhiloxCounter counter_;
  PhiloxCounter block_{};
  int pos_ = 4;
};

/// Nesterov dual averaging of log(step size) (Hoffman and Gelman 2014, Stan's
/// stepsize_adaptation): drives the mean acceptance statistic to delta.
class DualAveraging {
public:
  explicit DualAveraging(double delta) : delta_(delta) {}
  void restart(double stepSize);
  /// One update from an iteration's acceptance statistic; returns the next step size.
  double learn(double acceptStat);
  /// The averaged step size used after tuning.
  double final() const { return std::exp(xBar_); }

private:
  double delta_, mu_ = 0, sBar_ = 0, xBar_ = 0;
  double counter_ = 0;
  static constexpr double Gamma = 0.05, Kappa = 0.75, T0 = 10;
};

/// Stan's windowed adaptation of a diagonal inverse mass matrix: the variance of the draws in
/// each slow window (sizes base, 2 base, 4 base, ..., the last stretched to the terminal
/// buffer), regularized toward 1e-3.
class WindowedVariance {
public:
  WindowedVariance(int numWarmup, int initBuffer, int baseWindow, int termBuffer, int64_t dim);
  /// Adds iteration `q`'s position; true when a window just closed and `invMass` was updated.
  bool learn(const std::vector<double> &q, std::vector<double> &invMass);

private:
  bool inWindow() const;
  bool windowEnds() const;
  void nextWindow();
  int numWarmup_, initBuffer_, windowSize_, termBuffer_;
  int counter_ = 0, nextWindowEnd_;
  int64_t n_ = 0;
  std::vector<double> mean_, m2_; ///< Welford accumulators
};

/// One point of phase space with the log density's value and gradient there.
struct PhasePoint {
  std::vector<double> q, p, grad;
  double logp = 0;
};

struct Transition {
  double acceptStat = 0, energy = 0;
  int depth = 0, nLeapfrog = 0;
  bool divergent = false;
};

/// A NUTS chain: position, step size, inverse mass, and the evaluations it made.
class NutsChain {
public:
  NutsChain(const LogDensity &model, const SampleOptions &options, ChainRng &rng);
  /// Sets the position (evaluating logp there); false when logp or its gradient is not finite.
  bool setPosition(const std::vector<double> &q);
  /// Stan's heuristic for the first step size: doubles or halves until one leapfrog step's
  /// acceptance probability crosses 0.8.
  void initStepSize();
  Transition transition();

  PhasePoint z;
  double stepSize = 1;
  std::vector<double> invMass;
  int64_t gradEvals = 0;

private:
  void evaluate(PhasePoint &pt);
  void leapfrog(PhasePoint &pt, double eps);
  double hamiltonian(const PhasePoint &pt) const;
  void samplePmomentum(PhasePoint &pt);
  void pSharp(const PhasePoint &pt, std::vector<double> &out) const;
  bool buildTree(int depth, PhasePoint &zPropose, std::vector<double> &pSharpBeg,
                 std::vector<double> &pSharpEnd, std::vector<double> &rho,
                 std::vector<double> &pBeg, std::vector<double> &pEnd, double H0, double sign,
                 int &nLeapfrog, double &logSumWeight, double &sumMetroProb, bool &divergent);

  /// Buffers of one tree level, reused: a level's buffers live across its two halves, which
  /// use the level below, so no gradient evaluation allocates.
  struct Level {
    std::vector<double> pInitEnd, pSharpInitEnd, rhoInit, pFinalBeg, pSharpFinalBeg, rhoFinal;
    PhasePoint zProposeFinal;
  };
  std::vector<Level> levels_;
  struct Work {
    PhasePoint zFwd, zBck, zSample, zPropose;
    std::vector<double> pFwdFwd, pSharpFwdFwd, pFwdBck, pSharpFwdBck, pBckFwd, pSharpBckFwd,
        pBckBck, pSharpBckBck, rho, rhoFwd, rhoBck;
  } work_;
  std::vector<double> massSqrt_, massSqrtOf_;

  const LogDensity &model_;
  const SampleOptions &options_;
  ChainRng &rng_;
  int64_t dim_;
};

} // namespace graphjit::mcmc::detail
