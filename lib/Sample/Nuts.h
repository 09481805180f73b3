// The pieces of one NUTS chain (private to lib/Sample): its random stream, the
// adaptation state and the transition itself.
#pragma once

#include "graphjit/Sample/Sample.h"
#include "graphjit/Support/Philox.h"

#include <cmath>
#include <cstdint>
#include <deque>
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
  /// Standard normal by Marsaglia and Tsang's ziggurat (128 layers): one 32-bit word per
  /// draw, 7 bits for the layer and 25 for the value (disjoint bits: independent); the rare
  /// rejections and the tail fall back to exact sampling. About 5x faster than Box-Muller,
  /// which mattered: a transition draws one per dimension.
  double normal();
  /// n standard normals (the tables looked up once).
  void normals(double *out, int64_t n);

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
///
/// Points of phase space live in a pool of slots and the trajectory refers to them by index
/// (the current point, both ends, the sample, each level's proposal): a leapfrog step writes a
/// fresh slot, and choosing a proposal holds that slot instead of copying the point. A slot is
/// reused once nothing holds it, so after the first transitions no step allocates or copies.
class NutsChain {
public:
  NutsChain(const LogDensity &model, const SampleOptions &options, ChainRng &rng);
  /// Sets the position (evaluating logp there); false when logp or its gradient is not finite.
  bool setPosition(const std::vector<double> &q);
  /// Stan's heuristic for the first step size: doubles or halves until one leapfrog step's
  /// acceptance probability crosses 0.8.
  void initStepSize();
  Transition transition();
  /// The chain's current point.
  const PhasePoint &point() const { return pool_[cur_]; }

  double stepSize = 1;
  std::vector<double> invMass;
  int64_t gradEvals = 0;

private:
  void evaluate(PhasePoint &pt);
  void leapfrog(PhasePoint &pt, double eps);
  double hamiltonian(const PhasePoint &pt) const;
  void samplePmomentum(PhasePoint &pt);
  /// Builds a subtree of 2^depth leapfrog steps from the current point. Its end points stay
  /// held in `beg` (next to the trajectory it extends) and `end`, its proposal in `propose`;
  /// `rho` points to its momentum sum: a leaf's own momentum, or `rhoBuf` (dim values).
  bool buildTree(int depth, int &propose, int &beg, int &end, const double *&rho, double *rhoBuf,
                 double H0, double sign, int &nLeapfrog, double &logSumWeight, double &sumMetroProb,
                 bool &divergent);
  const double *momentum(int slot) const { return pool_[slot].p.data(); }

  /// Slots: a free one (holding one reference), or moving a holder to another slot.
  int acquire();
  void release(int slot) {
    if (slot >= 0 && --refs_[slot] == 0) free_.push_back(slot);
  }
  void hold(int &holder, int slot) {
    if (slot >= 0) ++refs_[slot]; // first: the holder may already hold it
    release(holder);
    holder = slot;
  }

  std::deque<PhasePoint> pool_; ///< a deque: slots never move when it grows
  std::vector<int> refs_, free_;
  int cur_ = -1; ///< the current point: the trajectory's moving end while a tree is built

  /// What one tree level keeps across its two halves (which use the levels below): the inner
  /// ends, the second half's proposal and the halves' momentum sums.
  struct Level {
    int initEnd = -1, finalBeg = -1, proposeFinal = -1;
    std::vector<double> rhoInit, rhoFinal;
  };
  std::vector<Level> levels_;
  std::vector<double> rhoBufs_[3]; ///< the trajectory's momentum sums (whole, new subtree)
  std::vector<double> massSqrt_, massSqrtOf_;

  const LogDensity &model_;
  const SampleOptions &options_;
  ChainRng &rng_;
  int64_t dim_;
};

} // namespace graphjit::mcmc::detail
