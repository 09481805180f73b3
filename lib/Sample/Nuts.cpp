// One NUTS transition as Stan's base_nuts does it: a trajectory doubled forward
// or backward at random, multinomial sampling of the new point across subtrees
// (biased toward the newer one), the generalized no-U-turn criterion checked
// across and within subtrees, and a divergence when H - H0 exceeds the bound.
#include "Nuts.h"

#include "graphjit/Support/Error.h"

#include <algorithm>
#include <limits>

namespace graphjit::mcmc::detail {

namespace {
double logSumExp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

/// The no-U-turn criterion on rho = a + b (b may be empty: rho = a): both ends' velocities
/// point along the summed momentum. Four partial sums per dot product: a single running sum is
/// bound by the adder's latency, and these sums were most of the sampler's own time.
bool criterion(const std::vector<double> &pSharpMinus, const std::vector<double> &pSharpPlus,
               const std::vector<double> &a, const std::vector<double> *b = nullptr) {
  size_t n = a.size(), i = 0;
  const double *__restrict pa = a.data(), *__restrict pb = b ? b->data() : nullptr;
  const double *__restrict sp = pSharpPlus.data(), *__restrict sm = pSharpMinus.data();
  double plus[4] = {0, 0, 0, 0}, minus[4] = {0, 0, 0, 0};
  auto rhoAt = [&](size_t k) { return pb ? pa[k] + pb[k] : pa[k]; };
  for (; i + 4 <= n; i += 4)
    for (int j = 0; j < 4; ++j) {
      double r = rhoAt(i + j);
      plus[j] += sp[i + j] * r;
      minus[j] += sm[i + j] * r;
    }
  for (; i < n; ++i) {
    double r = rhoAt(i);
    plus[0] += sp[i] * r;
    minus[0] += sm[i] * r;
  }
  double p = (plus[0] + plus[1]) + (plus[2] + plus[3]);
  double m = (minus[0] + minus[1]) + (minus[2] + minus[3]);
  return p > 0 && m > 0;
}

void addTo(std::vector<double> &acc, const std::vector<double> &a) {
  for (size_t i = 0; i < acc.size(); ++i)
    acc[i] += a[i];
}

} // namespace

NutsChain::NutsChain(const LogDensity &model, const SampleOptions &options, ChainRng &rng)
    : model_(model), options_(options), rng_(rng), dim_(model.dim) {
  invMass.assign(dim_, 1.0);
  z.q.assign(dim_, 0.0);
  z.p.assign(dim_, 0.0);
  z.grad.assign(dim_, 0.0);
  levels_.resize(std::max(1, options.maxTreeDepth));
  for (Level &l : levels_) {
    for (auto *v :
         {&l.pInitEnd, &l.pSharpInitEnd, &l.rhoInit, &l.pFinalBeg, &l.pSharpFinalBeg, &l.rhoFinal})
      v->assign(dim_, 0.0);
    l.zProposeFinal = z;
  }
}

void NutsChain::evaluate(PhasePoint &pt) {
  ++gradEvals;
  pt.logp = model_.logpGrad(pt.q.data(), pt.grad.data());
  // A NaN density is treated as zero density: the step diverges rather than poisoning sums.
  if (std::isnan(pt.logp)) pt.logp = -std::numeric_limits<double>::infinity();
}

bool NutsChain::setPosition(const std::vector<double> &q) {
  z.q = q;
  evaluate(z);
  if (!std::isfinite(z.logp)) return false;
  return std::all_of(z.grad.begin(), z.grad.end(), [](double g) { return std::isfinite(g); });
}

// Leapfrog with the potential V = -logp: half kick, drift by M^-1 p, half kick.
void NutsChain::leapfrog(PhasePoint &pt, double eps) {
  for (int64_t i = 0; i < dim_; ++i)
    pt.p[i] += 0.5 * eps * pt.grad[i];
  for (int64_t i = 0; i < dim_; ++i)
    pt.q[i] += eps * invMass[i] * pt.p[i];
  evaluate(pt);
  for (int64_t i = 0; i < dim_; ++i)
    pt.p[i] += 0.5 * eps * pt.grad[i];
}

double NutsChain::hamiltonian(const PhasePoint &pt) const {
  double k = 0;
  for (int64_t i = 0; i < dim_; ++i)
    k += invMass[i] * pt.p[i] * pt.p[i];
  return -pt.logp + 0.5 * k;
}

void NutsChain::samplePmomentum(PhasePoint &pt) {
  // sqrt(M) for the current metric, recomputed only when it changed.
  if (massSqrtOf_ != invMass) {
    massSqrtOf_ = invMass;
    massSqrt_.resize(dim_);
    for (int64_t i = 0; i < dim_; ++i)
      massSqrt_[i] = 1 / std::sqrt(invMass[i]);
  }
  for (int64_t i = 0; i < dim_; ++i)
    pt.p[i] = rng_.normal() * massSqrt_[i];
}

void NutsChain::pSharp(const PhasePoint &pt, std::vector<double> &out) const {
  out.resize(dim_);
  for (int64_t i = 0; i < dim_; ++i)
    out[i] = invMass[i] * pt.p[i];
}

void NutsChain::initStepSize() {
  PhasePoint start = z;
  auto deltaH = [&] {
    PhasePoint pt = start;
    samplePmomentum(pt);
    double h0 = hamiltonian(pt);
    leapfrog(pt, stepSize);
    double h = hamiltonian(pt);
    if (std::isnan(h)) h = std::numeric_limits<double>::infinity();
    return h0 - h;
  };
  double d = deltaH();
  int direction = d > std::log(0.8) ? 1 : -1;
  for (int it = 0; it < 100; ++it) {
    d = deltaH();
    if (direction == 1 && !(d > std::log(0.8))) break;
    if (direction == -1 && !(d < std::log(0.8))) break;
    stepSize = direction == 1 ? 2 * stepSize : 0.5 * stepSize;
    if (stepSize > 1e7)
      throw ValueError("sample_posterior: the posterior is improper (the step size grew past "
                       "1e7 while tuning); check the model");
    if (stepSize == 0)
      throw ValueError("sample_posterior: no acceptable step size (it shrank to 0); the log "
                       "density or its gradient is not finite near the initial point");
  }
}

bool NutsChain::buildTree(int depth, PhasePoint &zPropose, std::vector<double> &pSharpBeg,
                          std::vector<double> &pSharpEnd, std::vector<double> &rho,
                          std::vector<double> &pBeg, std::vector<double> &pEnd, double H0,
                          double sign, int &nLeapfrog, double &logSumWeight, double &sumMetroProb,
                          bool &divergent) {
  if (depth == 0) {
    // One leapfrog step with the second half kick fused with everything the leaf records (the
    // kinetic energy, the velocity M^-1 p, the momentum sums): one pass over the vectors.
    double eps = sign * stepSize;
    double *__restrict q = z.q.data(), *__restrict p = z.p.data();
    const double *__restrict g = z.grad.data(), *__restrict im = invMass.data();
    for (int64_t i = 0; i < dim_; ++i) {
      p[i] += 0.5 * eps * g[i];
      q[i] += eps * im[i] * p[i];
    }
    evaluate(z);
    g = z.grad.data();
    double kin[4] = {0, 0, 0, 0};
    double *__restrict sb = pSharpBeg.data(), *__restrict se = pSharpEnd.data();
    double *__restrict pb = pBeg.data(), *__restrict pe = pEnd.data(), *__restrict r = rho.data();
    for (int64_t i = 0; i < dim_; ++i) {
      double pi = p[i] + 0.5 * eps * g[i];
      double v = im[i] * pi;
      p[i] = pi;
      kin[i & 3] += v * pi;
      sb[i] = v;
      se[i] = v;
      pb[i] = pi;
      pe[i] = pi;
      r[i] += pi;
    }
    ++nLeapfrog;
    double h = -z.logp + 0.5 * ((kin[0] + kin[1]) + (kin[2] + kin[3]));
    if (std::isnan(h)) h = std::numeric_limits<double>::infinity();
    if (h - H0 > options_.maxEnergyError) divergent = true;
    logSumWeight = logSumExp(logSumWeight, H0 - h);
    sumMetroProb += H0 - h > 0 ? 1.0 : std::exp(H0 - h);
    zPropose = z;
    return !divergent;
  }
  // The first half: its proposal stays in zPropose.
  Level &l = levels_[depth];
  double logSumWeightInit = -std::numeric_limits<double>::infinity();
  std::fill(l.rhoInit.begin(), l.rhoInit.end(), 0.0);
  if (!buildTree(depth - 1, zPropose, pSharpBeg, l.pSharpInitEnd, l.rhoInit, pBeg, l.pInitEnd, H0,
                 sign, nLeapfrog, logSumWeightInit, sumMetroProb, divergent))
    return false;
  // The second half (its leaves set zProposeFinal before it is read).
  double logSumWeightFinal = -std::numeric_limits<double>::infinity();
  std::fill(l.rhoFinal.begin(), l.rhoFinal.end(), 0.0);
  if (!buildTree(depth - 1, l.zProposeFinal, l.pSharpFinalBeg, pSharpEnd, l.rhoFinal, l.pFinalBeg,
                 pEnd, H0, sign, nLeapfrog, logSumWeightFinal, sumMetroProb, divergent))
    return false;
  // Multinomial choice between the halves, in proportion to their weights.
  double logSumWeightSubtree = logSumExp(logSumWeightInit, logSumWeightFinal);
  logSumWeight = logSumExp(logSumWeight, logSumWeightSubtree);
  // A swap, not a copy: the level's buffer is rewritten before its next use.
  if (logSumWeightFinal > logSumWeightSubtree) {
    std::swap(zPropose, l.zProposeFinal);
  } else if (rng_.uniform() < std::exp(logSumWeightFinal - logSumWeightSubtree)) {
    std::swap(zPropose, l.zProposeFinal);
  }
  addTo(rho, l.rhoInit);
  addTo(rho, l.rhoFinal);
  bool persist = criterion(pSharpBeg, pSharpEnd, l.rhoInit, &l.rhoFinal);
  // The extra checks across the halves' seam (Stan 2.26, Betancourt's "merged" criterion).
  persist = persist && criterion(pSharpBeg, l.pSharpFinalBeg, l.rhoInit, &l.pFinalBeg);
  persist = persist && criterion(l.pSharpInitEnd, pSharpEnd, l.rhoFinal, &l.pInitEnd);
  return persist;
}

Transition NutsChain::transition() {
  samplePmomentum(z);
  // The trajectory's ends and running sums live in reused buffers (assignment keeps capacity).
  Work &w = work_;
  PhasePoint &zFwd = w.zFwd, &zBck = w.zBck, &zSample = w.zSample, &zPropose = w.zPropose;
  zFwd = z, zBck = z, zSample = z, zPropose = z;
  std::vector<double> &pFwdFwd = w.pFwdFwd, &pSharpFwdFwd = w.pSharpFwdFwd;
  std::vector<double> &pFwdBck = w.pFwdBck, &pSharpFwdBck = w.pSharpFwdBck;
  std::vector<double> &pBckFwd = w.pBckFwd, &pSharpBckFwd = w.pSharpBckFwd;
  std::vector<double> &pBckBck = w.pBckBck, &pSharpBckBck = w.pSharpBckBck;
  std::vector<double> &rho = w.rho, &rhoFwd = w.rhoFwd, &rhoBck = w.rhoBck;
  pFwdFwd = z.p;
  pSharp(z, pSharpFwdFwd);
  pFwdBck = z.p, pSharpFwdBck = pSharpFwdFwd;
  pBckFwd = z.p, pSharpBckFwd = pSharpFwdFwd;
  pBckBck = z.p, pSharpBckBck = pSharpFwdFwd;
  rho = z.p;
  double logSumWeight = 0; // log(exp(H0 - H0))
  double H0 = hamiltonian(z);
  int nLeapfrog = 0;
  double sumMetroProb = 0;
  Transition t;

  while (t.depth < options_.maxTreeDepth) {
    rhoFwd.assign(dim_, 0.0);
    rhoBck.assign(dim_, 0.0);
    bool valid;
    double logSumWeightSubtree = -std::numeric_limits<double>::infinity();
    if (rng_.uniform() > 0.5) {
      z = zFwd;
      rhoBck = rho;
      pBckFwd = pFwdFwd;
      pSharpBckFwd = pSharpFwdFwd;
      valid = buildTree(t.depth, zPropose, pSharpFwdBck, pSharpFwdFwd, rhoFwd, pFwdBck, pFwdFwd, H0,
                        1, nLeapfrog, logSumWeightSubtree, sumMetroProb, t.divergent);
      zFwd = z;
    } else {
      z = zBck;
      rhoFwd = rho;
      pFwdBck = pBckBck;
      pSharpFwdBck = pSharpBckBck;
      valid = buildTree(t.depth, zPropose, pSharpBckFwd, pSharpBckBck, rhoBck, pBckFwd, pBckBck, H0,
                        -1, nLeapfrog, logSumWeightSubtree, sumMetroProb, t.divergent);
      zBck = z;
    }
    if (!valid) break;
    ++t.depth;
    // The new subtree's proposal replaces the sample with probability min(1, w_new / w_old).
    if (logSumWeightSubtree > logSumWeight) {
      std::swap(zSample, zPropose);
    } else if (rng_.uniform() < std::exp(logSumWeightSubtree - logSumWeight)) {
      std::swap(zSample, zPropose);
    }
    logSumWeight = logSumExp(logSumWeight, logSumWeightSubtree);
    for (int64_t i = 0; i < dim_; ++i)
      rho[i] = rhoBck[i] + rhoFwd[i];
    bool persist = criterion(pSharpBckBck, pSharpFwdFwd, rho);
    persist = persist && criterion(pSharpBckBck, pSharpFwdBck, rhoBck, &pFwdBck);
    persist = persist && criterion(pSharpBckFwd, pSharpFwdFwd, rhoFwd, &pBckFwd);
    if (!persist) break;
  }
  t.nLeapfrog = nLeapfrog;
  t.acceptStat = nLeapfrog ? sumMetroProb / nLeapfrog : 0;
  z = zSample;
  t.energy = hamiltonian(z);
  return t;
}

} // namespace graphjit::mcmc::detail
