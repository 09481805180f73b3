// sample_posterior(): warm-up and draws of each chain, the chains spread over a
// pool of threads. Each chain owns its random stream (seed, chain index), so
// neither the thread count nor the order chains finish in changes a draw.
#include "Nuts.h"

#include "graphjit/Support/Error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

namespace graphjit::mcmc {

namespace {
using detail::ChainRng;
using detail::DualAveraging;
using detail::NutsChain;
using detail::WindowedVariance;

void check(bool ok, const std::string &what) {
  if (!ok) throw ValueError("sample_posterior: " + what);
}

/// Everything one chain produces, written into its own slots of the result.
void runChain(const LogDensity &model, const SampleOptions &o, int local, SampleResult &r,
              std::mutex &printMutex) {
  auto t0 = std::chrono::steady_clock::now();
  int chainIndex = o.firstChain + local;
  ChainRng rng(o.seed, static_cast<uint32_t>(chainIndex));
  NutsChain chain(model, o, rng);
  // Stan's initialization: up to 100 tries of a uniform point until logp and gradient are finite.
  bool ok = false;
  for (int attempt = 0; attempt < 100 && !ok; ++attempt) {
    std::vector<double> q(model.dim);
    for (int64_t i = 0; i < model.dim; ++i)
      q[i] = o.init.empty() ? o.initRadius * (2 * rng.uniform() - 1) : o.init[i];
    ok = chain.setPosition(q);
    if (!o.init.empty()) break;
  }
  check(ok, "the log density or its gradient is not finite at the initial point of chain " +
                std::to_string(chainIndex));
  chain.initStepSize();
  DualAveraging stepAdapt(o.targetAccept);
  stepAdapt.restart(chain.stepSize);
  WindowedVariance massAdapt(o.tune, o.initBuffer, o.baseWindow, o.termBuffer, model.dim);
  for (int it = 0; it < o.tune; ++it) {
    detail::Transition t = chain.transition();
    chain.stepSize = stepAdapt.learn(t.acceptStat);
    if (o.adaptMassMatrix && massAdapt.learn(chain.point().q, chain.invMass)) {
      // A new metric changes the scale: search a step size again and restart the averaging.
      chain.initStepSize();
      stepAdapt.restart(chain.stepSize);
    }
  }
  if (o.tune > 0) chain.stepSize = stepAdapt.final();

  int64_t rd = r.dim;
  std::vector<double> reported(rd);
  for (int d = 0; d < o.draws; ++d) {
    detail::Transition t = chain.transition();
    size_t s = static_cast<size_t>(local) * o.draws + d;
    r.stats.stepSize[s] = chain.stepSize;
    r.stats.acceptStat[s] = t.acceptStat;
    r.stats.energy[s] = t.energy;
    r.stats.logp[s] = chain.point().logp;
    r.stats.treeDepth[s] = t.depth;
    r.stats.nLeapfrog[s] = t.nLeapfrog;
    r.stats.divergent[s] = t.divergent;
    double *out = &r.values[s * rd];
    if (model.constrain)
      model.constrain(chain.point().q.data(), out);
    else
      std::copy(chain.point().q.begin(), chain.point().q.end(), out);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.stepSize[local] = chain.stepSize;
  r.invMassDiag[local] = chain.invMass;
  r.gradEvals[local] = chain.gradEvals;
  r.seconds[local] = secs;
  if (o.progress) {
    int div = 0;
    for (int d = 0; d < o.draws; ++d)
      div += r.stats.divergent[static_cast<size_t>(local) * o.draws + d];
    std::lock_guard<std::mutex> lock(printMutex);
    std::fprintf(stderr,
                 "chain %d: %d tune + %d draws in %.2f s (%.0f draws/s), %d divergences, step "
                 "size %.3g, %lld gradient evaluations\n",
                 chainIndex, o.tune, o.draws, secs, (o.tune + o.draws) / std::max(secs, 1e-9), div,
                 chain.stepSize, static_cast<long long>(chain.gradEvals));
  }
}
} // namespace

SampleResult sample_posterior(const LogDensity &model, const SampleOptions &o) {
  check(model.dim > 0 && model.logpGrad,
        "the model has no log density (dim " + std::to_string(model.dim) + ")");
  check(o.draws >= 1, "draws must be >= 1, got " + std::to_string(o.draws));
  check(o.tune >= 0, "tune must be >= 0, got " + std::to_string(o.tune));
  check(o.chains >= 1, "chains must be >= 1, got " + std::to_string(o.chains));
  check(o.firstChain >= 0, "firstChain must be >= 0, got " + std::to_string(o.firstChain));
  check(o.targetAccept > 0 && o.targetAccept < 1,
        "targetAccept must be in (0, 1), got " + std::to_string(o.targetAccept));
  check(o.maxTreeDepth >= 1, "maxTreeDepth must be >= 1, got " + std::to_string(o.maxTreeDepth));
  check(o.init.empty() || static_cast<int64_t>(o.init.size()) == model.dim,
        "init has " + std::to_string(o.init.size()) + " values, expected " +
            std::to_string(model.dim));
  check(model.constrain || model.names.empty() ||
            static_cast<int64_t>(model.names.size()) == model.dim,
        "the model names " + std::to_string(model.names.size()) + " variables, expected " +
            std::to_string(model.dim));

  SampleResult r;
  r.chains = o.chains;
  r.draws = o.draws;
  r.dim = model.reportedDim();
  r.names = model.names;
  if (r.names.empty())
    for (int64_t k = 0; k < r.dim; ++k)
      r.names.push_back("x[" + std::to_string(k) + "]");
  size_t n = static_cast<size_t>(o.chains) * o.draws;
  r.values.assign(n * r.dim, 0.0);
  r.stats.stepSize.assign(n, 0);
  r.stats.acceptStat.assign(n, 0);
  r.stats.energy.assign(n, 0);
  r.stats.logp.assign(n, 0);
  r.stats.treeDepth.assign(n, 0);
  r.stats.nLeapfrog.assign(n, 0);
  r.stats.divergent.assign(n, 0);
  r.stepSize.assign(o.chains, 0);
  r.invMassDiag.assign(o.chains, {});
  r.gradEvals.assign(o.chains, 0);
  r.seconds.assign(o.chains, 0);

  int threads = o.threads > 0 ? o.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, o.chains);
  std::atomic<int> nextChain{0};
  std::mutex printMutex, errorMutex;
  std::exception_ptr error;
  auto worker = [&] {
    for (int c = nextChain++; c < o.chains; c = nextChain++) {
      try {
        runChain(model, o, c, r, printMutex);
      } catch (...) {
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  if (threads == 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back(worker);
    for (std::thread &t : pool)
      t.join();
  }
  if (error) std::rethrow_exception(error);
  return r;
}

SampleResult sample_posterior(const Var &logp, const Var &x, const SampleOptions &options) {
  return sample_posterior(compileLogDensity(logp, x), options);
}

std::vector<double> SampleResult::variable(int64_t k) const {
  std::vector<double> v(static_cast<size_t>(chains) * draws);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = values[i * dim + k];
  return v;
}

int64_t SampleResult::index(const std::string &name) const {
  for (size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<int64_t>(k);
  throw ValueError("SampleResult: no variable named '" + name + "'");
}

int SampleResult::divergences() const {
  int n = 0;
  for (uint8_t d : stats.divergent)
    n += d;
  return n;
}

SampleResult concatChains(const std::vector<SampleResult> &parts) {
  if (parts.empty()) throw ValueError("concatChains: no results");
  SampleResult r;
  r.draws = parts[0].draws;
  r.dim = parts[0].dim;
  r.names = parts[0].names;
  for (const SampleResult &p : parts) {
    if (p.draws != r.draws || p.dim != r.dim)
      throw ValueError("concatChains: parts differ in draws or dim (" + std::to_string(p.draws) +
                       "x" + std::to_string(p.dim) + " vs " + std::to_string(r.draws) + "x" +
                       std::to_string(r.dim) + ")");
    r.chains += p.chains;
    auto app = [](auto &dst, const auto &src) { dst.insert(dst.end(), src.begin(), src.end()); };
    app(r.values, p.values);
    app(r.stats.stepSize, p.stats.stepSize);
    app(r.stats.acceptStat, p.stats.acceptStat);
    app(r.stats.energy, p.stats.energy);
    app(r.stats.logp, p.stats.logp);
    app(r.stats.treeDepth, p.stats.treeDepth);
    app(r.stats.nLeapfrog, p.stats.nLeapfrog);
    app(r.stats.divergent, p.stats.divergent);
    app(r.stepSize, p.stepSize);
    app(r.invMassDiag, p.invMassDiag);
    app(r.gradEvals, p.gradEvals);
    app(r.seconds, p.seconds);
  }
  return r;
}

} // namespace graphjit::mcmc
