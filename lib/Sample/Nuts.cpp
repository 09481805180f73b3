// One NUTS transition as Stan's base_nuts does it: a trajectory doubled forward
// or backward at random, multinomial sampling of the new point across subtrees
// (biased toward the newer one), the generalized no-U-turn criterion checked
// across and within subtrees, and a divergence when H - H0 exceeds the bound.
#include "Nuts.h"

#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace graphjit::mcmc::detail {

namespace {
double logSumExp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  // One exp and one log1p: this runs once per leapfrog step.
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

// The loops below are written on 4-double vectors and compiled twice, for AVX2 and for the
// baseline (where a vector is two SSE2 registers), chosen when the library loads. Neither
// clone fuses multiplies and adds, so both compute the same bits: draws do not depend on the
// machine.
// Clones need ifunc (GCC on x86-64 with glibc); sanitizer builds, other compilers and other
// machines get the baseline alone.
#pragma GCC diagnostic ignored "-Wpsabi"
using V4 = double __attribute__((vector_size(32)));
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define GRAPHJIT_SAMPLER_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define GRAPHJIT_SAMPLER_CLONES
#endif

/// The first half kick and the drift: b.p = a.p + half a.grad, b.q = a.q + eps M^-1 b.p.
GRAPHJIT_SAMPLER_CLONES
void kickDrift(int64_t n, double eps, const double *__restrict im, const double *__restrict aq,
               const double *__restrict ap, const double *__restrict ag, double *__restrict bq,
               double *__restrict bp) {
  double half = 0.5 * eps;
  for (int64_t i = 0; i < n; ++i) {
    double pi = ap[i] + half * ag[i];
    bp[i] = pi;
    bq[i] = aq[i] + eps * im[i] * pi;
  }
}

/// The second half kick, p += half grad; returns the kinetic energy's p M^-1 p.
GRAPHJIT_SAMPLER_CLONES
double kick(int64_t n, double half, const double *__restrict im, const double *__restrict g,
            double *__restrict p) {
  V4 kin = {}, h = {half, half, half, half};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    V4 pv, gv, mv;
    std::memcpy(&pv, p + i, sizeof pv);
    std::memcpy(&gv, g + i, sizeof gv);
    std::memcpy(&mv, im + i, sizeof mv);
    pv += h * gv;
    std::memcpy(p + i, &pv, sizeof pv);
    kin += mv * pv * pv;
  }
  double k = (kin[0] + kin[1]) + (kin[2] + kin[3]);
  for (; i < n; ++i) {
    p[i] += half * g[i];
    k += im[i] * p[i] * p[i];
  }
  return k;
}

/// p M^-1 p.
GRAPHJIT_SAMPLER_CLONES
double kinetic(int64_t n, const double *__restrict im, const double *__restrict p) {
  V4 kin = {};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    V4 pv, mv;
    std::memcpy(&pv, p + i, sizeof pv);
    std::memcpy(&mv, im + i, sizeof mv);
    kin += mv * pv * pv;
  }
  double k = (kin[0] + kin[1]) + (kin[2] + kin[3]);
  for (; i < n; ++i)
    k += im[i] * p[i] * p[i];
  return k;
}

/// joinAndCheck for two single leaves a and b (a depth-1 tree, half of all joins): each
/// seam check is then the whole tree's, so two sums suffice (the same bits as the full pass).
GRAPHJIT_SAMPLER_CLONES
bool joinLeaves(int64_t n, const double *__restrict im, const double *pa, const double *pb,
                double *__restrict rho) {
  V4 s0 = {}, s1 = {};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    V4 m, a, b;
    std::memcpy(&m, im + i, sizeof m);
    std::memcpy(&a, pa + i, sizeof a);
    std::memcpy(&b, pb + i, sizeof b);
    V4 r = a + b;
    std::memcpy(rho + i, &r, sizeof r);
    s0 += m * a * r;
    s1 += m * b * r;
  }
  double t0 = (s0[0] + s0[1]) + (s0[2] + s0[3]), t1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
  for (; i < n; ++i) {
    double r = pa[i] + pb[i];
    rho[i] = r;
    t0 += im[i] * pa[i] * r;
    t1 += im[i] * pb[i] * r;
  }
  return t0 > 0 && t1 > 0;
}

/// Every no-U-turn check of a tree made of two subtrees, in one pass: `init` (momenta pBeg ..
/// pInitEnd, sum rhoInit) followed by `final` (pFinalBeg .. pEnd, sum rhoFinal). Writes the
/// joined sum to rho and checks the whole (Hoffman and Gelman's criterion on velocities
/// M^-1 p) and both seams (Stan 2.26, Betancourt's "merged" criterion: each half extended by
/// the other's nearest point).
GRAPHJIT_SAMPLER_CLONES
bool joinAndCheck(int64_t n, const double *__restrict im, const double *pBeg,
                  const double *pInitEnd, const double *pFinalBeg, const double *pEnd,
                  const double *rhoInit, const double *rhoFinal, double *__restrict rho) {
  V4 s[6] = {};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    V4 m, rI, rF, pB, pE, pFB, pIE;
    std::memcpy(&m, im + i, sizeof m);
    std::memcpy(&rI, rhoInit + i, sizeof rI);
    std::memcpy(&rF, rhoFinal + i, sizeof rF);
    std::memcpy(&pB, pBeg + i, sizeof pB);
    std::memcpy(&pE, pEnd + i, sizeof pE);
    std::memcpy(&pFB, pFinalBeg + i, sizeof pFB);
    std::memcpy(&pIE, pInitEnd + i, sizeof pIE);
    V4 r = rI + rF;
    std::memcpy(rho + i, &r, sizeof r);
    V4 vBeg = m * pB, vEnd = m * pE;
    V4 a = rI + pFB, b = rF + pIE;
    s[0] += vBeg * r;
    s[1] += vEnd * r;
    s[2] += vBeg * a;
    s[3] += m * pFB * a;
    s[4] += m * pIE * b;
    s[5] += vEnd * b;
  }
  double t[6];
  for (int k = 0; k < 6; ++k)
    t[k] = (s[k][0] + s[k][1]) + (s[k][2] + s[k][3]);
  for (; i < n; ++i) {
    double r = rhoInit[i] + rhoFinal[i];
    double a = rhoInit[i] + pFinalBeg[i], b = rhoFinal[i] + pInitEnd[i];
    rho[i] = r;
    t[0] += im[i] * pBeg[i] * r;
    t[1] += im[i] * pEnd[i] * r;
    t[2] += im[i] * pBeg[i] * a;
    t[3] += im[i] * pFinalBeg[i] * a;
    t[4] += im[i] * pInitEnd[i] * b;
    t[5] += im[i] * pEnd[i] * b;
  }
  return t[0] > 0 && t[1] > 0 && t[2] > 0 && t[3] > 0 && t[4] > 0 && t[5] > 0;
}

} // namespace

NutsChain::NutsChain(const LogDensity &model, const SampleOptions &options, ChainRng &rng)
    : model_(model), options_(options), rng_(rng), dim_(model.dim) {
  invMass.assign(dim_, 1.0);
  cur_ = acquire();
  levels_.resize(std::max(1, options.maxTreeDepth));
  for (Level &l : levels_) {
    l.rhoInit.assign(dim_, 0.0);
    l.rhoFinal.assign(dim_, 0.0);
  }
  for (std::vector<double> &b : rhoBufs_)
    b.assign(dim_, 0.0);
}

int NutsChain::acquire() {
  int s;
  if (!free_.empty()) {
    s = free_.back();
    free_.pop_back();
  } else {
    s = static_cast<int>(pool_.size());
    PhasePoint &pt = pool_.emplace_back();
    pt.q.assign(dim_, 0.0);
    pt.p.assign(dim_, 0.0);
    pt.grad.assign(dim_, 0.0);
    refs_.push_back(0);
  }
  refs_[s] = 1;
  return s;
}

void NutsChain::evaluate(PhasePoint &pt) {
  ++gradEvals;
  pt.logp = model_.logpGrad(pt.q.data(), pt.grad.data());
  // A NaN density is treated as zero density: the step diverges rather than poisoning sums.
  if (std::isnan(pt.logp)) pt.logp = -std::numeric_limits<double>::infinity();
}

bool NutsChain::setPosition(const std::vector<double> &q) {
  PhasePoint &z = pool_[cur_];
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
  return -pt.logp + 0.5 * kinetic(dim_, invMass.data(), pt.p.data());
}

void NutsChain::samplePmomentum(PhasePoint &pt) {
  // sqrt(M) for the current metric, recomputed only when it changed.
  if (massSqrtOf_ != invMass) {
    massSqrtOf_ = invMass;
    massSqrt_.resize(dim_);
    for (int64_t i = 0; i < dim_; ++i)
      massSqrt_[i] = 1 / std::sqrt(invMass[i]);
  }
  rng_.normals(pt.p.data(), dim_);
  for (int64_t i = 0; i < dim_; ++i)
    pt.p[i] *= massSqrt_[i];
}

void NutsChain::initStepSize() {
  PhasePoint start = point();
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

bool NutsChain::buildTree(int depth, int &propose, int &beg, int &end, const double *&rho,
                          double *rhoBuf, double H0, double sign, int &nLeapfrog,
                          double &logSumWeight, double &sumMetroProb, bool &divergent) {
  if (depth == 0) {
    // One leapfrog step from the current slot into a fresh one; the new point is the leaf's
    // proposal, both its ends, and its momentum is its momentum sum.
    int next = acquire();
    const PhasePoint &a = pool_[cur_];
    PhasePoint &b = pool_[next];
    double eps = sign * stepSize;
    kickDrift(dim_, eps, invMass.data(), a.q.data(), a.p.data(), a.grad.data(), b.q.data(),
              b.p.data());
    evaluate(b);
    double kin = kick(dim_, 0.5 * eps, invMass.data(), b.grad.data(), b.p.data());
    release(cur_);
    cur_ = next;
    ++nLeapfrog;
    double h = -b.logp + 0.5 * kin;
    if (std::isnan(h)) h = std::numeric_limits<double>::infinity();
    if (h - H0 > options_.maxEnergyError) divergent = true;
    logSumWeight = logSumExp(logSumWeight, H0 - h);
    sumMetroProb += H0 - h > 0 ? 1.0 : std::exp(H0 - h);
    hold(propose, cur_);
    hold(beg, cur_);
    hold(end, cur_);
    rho = b.p.data();
    return !divergent;
  }
  // The first half: its proposal stays in `propose`.
  Level &l = levels_[depth];
  const double *rhoInit = nullptr, *rhoFinal = nullptr;
  double logSumWeightInit = -std::numeric_limits<double>::infinity();
  if (!buildTree(depth - 1, propose, beg, l.initEnd, rhoInit, l.rhoInit.data(), H0, sign, nLeapfrog,
                 logSumWeightInit, sumMetroProb, divergent))
    return false;
  // The second half (its leaves set proposeFinal before it is read).
  double logSumWeightFinal = -std::numeric_limits<double>::infinity();
  if (!buildTree(depth - 1, l.proposeFinal, l.finalBeg, end, rhoFinal, l.rhoFinal.data(), H0, sign,
                 nLeapfrog, logSumWeightFinal, sumMetroProb, divergent))
    return false;
  // Multinomial choice between the halves, in proportion to their weights.
  double logSumWeightSubtree = logSumExp(logSumWeightInit, logSumWeightFinal);
  logSumWeight = logSumExp(logSumWeight, logSumWeightSubtree);
  if (logSumWeightFinal > logSumWeightSubtree) {
    std::swap(propose, l.proposeFinal);
  } else if (rng_.uniform() < std::exp(logSumWeightFinal - logSumWeightSubtree)) {
    std::swap(propose, l.proposeFinal);
  }
  rho = rhoBuf;
  if (depth == 1) return joinLeaves(dim_, invMass.data(), rhoInit, rhoFinal, rhoBuf);
  return joinAndCheck(dim_, invMass.data(), momentum(beg), momentum(l.initEnd),
                      momentum(l.finalBeg), momentum(end), rhoInit, rhoFinal, rhoBuf);
}

Transition NutsChain::transition() {
  PhasePoint &z = pool_[cur_];
  samplePmomentum(z);
  // The trajectory: its outer ends (fwd, bck), the inner ends of its last doubling (fwdInner
  // next to bck's side, bckInner next to fwd's), all held slots; the momentum sums of both
  // parts and of the whole point into the rotating buffers or at a single point's momentum.
  int fwd = -1, bck = -1, fwdInner = -1, bckInner = -1, sample = -1, propose = -1;
  for (int *h : {&fwd, &bck, &fwdInner, &bckInner, &sample})
    hold(*h, cur_);
  const double *rho = z.p.data(), *rhoFwd = nullptr, *rhoBck = nullptr;
  // A buffer none of `used` points to.
  auto freeBuffer = [&](const double *u1, const double *u2) {
    for (std::vector<double> &b : rhoBufs_)
      if (b.data() != u1 && b.data() != u2) return b.data();
    return rhoBufs_[0].data(); // unreachable: three buffers, two excluded
  };
  double logSumWeight = 0; // log(exp(H0 - H0))
  double H0 = hamiltonian(z);
  int nLeapfrog = 0;
  double sumMetroProb = 0;
  Transition t;

  while (t.depth < options_.maxTreeDepth) {
    bool valid;
    double logSumWeightSubtree = -std::numeric_limits<double>::infinity();
    if (rng_.uniform() > 0.5) {
      // Forward: the old trajectory becomes the backward part.
      hold(cur_, fwd);
      hold(bckInner, fwd);
      rhoBck = rho;
      valid = buildTree(t.depth, propose, fwdInner, fwd, rhoFwd, freeBuffer(rhoBck, nullptr), H0, 1,
                        nLeapfrog, logSumWeightSubtree, sumMetroProb, t.divergent);
    } else {
      hold(cur_, bck);
      hold(fwdInner, bck);
      rhoFwd = rho;
      valid = buildTree(t.depth, propose, bckInner, bck, rhoBck, freeBuffer(rhoFwd, nullptr), H0,
                        -1, nLeapfrog, logSumWeightSubtree, sumMetroProb, t.divergent);
    }
    if (!valid) break;
    ++t.depth;
    // The new subtree's proposal replaces the sample with probability min(1, w_new / w_old).
    if (logSumWeightSubtree > logSumWeight) {
      std::swap(sample, propose);
    } else if (rng_.uniform() < std::exp(logSumWeightSubtree - logSumWeight)) {
      std::swap(sample, propose);
    }
    logSumWeight = logSumExp(logSumWeight, logSumWeightSubtree);
    double *whole = freeBuffer(rhoBck, rhoFwd);
    bool persist = joinAndCheck(dim_, invMass.data(), momentum(bck), momentum(bckInner),
                                momentum(fwdInner), momentum(fwd), rhoBck, rhoFwd, whole);
    rho = whole;
    if (!persist) break;
  }
  t.nLeapfrog = nLeapfrog;
  t.acceptStat = nLeapfrog ? sumMetroProb / nLeapfrog : 0;
  hold(cur_, sample);
  for (int *h : {&fwd, &bck, &fwdInner, &bckInner, &sample, &propose})
    hold(*h, -1);
  for (Level &l : levels_)
    for (int *h : {&l.initEnd, &l.finalBeg, &l.proposeFinal})
      hold(*h, -1);
  t.energy = hamiltonian(pool_[cur_]);
  return t;
}

} // namespace graphjit::mcmc::detail
