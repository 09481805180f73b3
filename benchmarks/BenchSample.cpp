// The sampler, measured (`make bench`): its own cost per gradient evaluation
// against the compiled logp-and-gradient call (100-d normal), 4 chains on 2
// threads against 1, and ESS per gradient evaluation on the posteriordb models
// of the tests. Ratios come from paired runs in this process; medians are printed.
#include "graphjit/graphjit.h"
// The tests' posteriordb models (the data and the graphs), shared rather than copied.
#include "../test/unit/Sample/Models.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

using namespace graphjit;

namespace {
using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

mcmc::LogDensity iidNormal(int64_t d) {
  std::vector<double> scales;
  for (int64_t i = 0; i < d; ++i)
    scales.push_back(0.5 + 4.5 * i / (d - 1));
  Var x = tensor(DType::Float64, {d}, "x");
  Var lp = sum(logp(normal(constant(0.0), constant(Tensor::fromVector(scales))), x));
  return mcmc::compileLogDensity(lp, x);
}

/// This thread's CPU seconds: a busy machine's preemptions do not count.
double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/// Seconds per logp-and-gradient call, over `n` calls at varying points.
double callSeconds(const mcmc::LogDensity &m, int n) {
  std::vector<double> x(m.dim), g(m.dim);
  double sink = 0;
  double t0 = cpuSeconds();
  for (int i = 0; i < n; ++i) {
    x[i % m.dim] = 0.001 * i;
    sink += m.logpGrad(x.data(), g.data());
  }
  double s = (cpuSeconds() - t0) / n;
  if (sink == 12345.678) std::puts(""); // keeps the calls
  return s;
}
} // namespace

int main(int argc, char **argv) {
  // `graphjit-bench-sample overhead` runs part 1 only (for a profiler).
  bool onlyOverhead = argc > 1 && std::string(argv[1]) == "overhead";
  bool onlyPlain = argc > 1 && std::string(argv[1]) == "plain";     // the sampler alone
  bool onlyThreads = argc > 1 && std::string(argv[1]) == "threads"; // part 2 alone
  // 1. Sampler overhead per gradient evaluation, 100-d, one chain on one thread (so the chain
  // runs on this thread and its CPU time is this thread's). Paired runs: a loop of bare
  // logp-and-gradient calls, then a sampling run; overhead = (CPU time of the run - gradient
  // evaluations x CPU time per bare call) / (the same product). CPU time, not wall time: the
  // machine is shared.
  mcmc::LogDensity m = iidNormal(100);
  mcmc::SampleOptions o;
  o.chains = 1;
  o.threads = 1;
  o.draws = 1000;
  o.tune = 500;
  std::vector<double> ratios, calls, perGrad;
  for (int rep = 0; rep < (onlyPlain || onlyThreads ? 0 : 7); ++rep) {
    double call = callSeconds(m, 20000);
    o.seed = rep;
    double t0 = cpuSeconds();
    mcmc::SampleResult r = mcmc::sample_posterior(m, o);
    double pg = (cpuSeconds() - t0) / r.gradEvals[0];
    calls.push_back(call);
    perGrad.push_back(pg);
    ratios.push_back((pg - call) / call);
  }
  if (!onlyPlain && !onlyThreads)
    std::printf("sampler overhead, 100-d normal: logp+grad call %.3f us, sampling per gradient "
                "%.3f us (CPU time), overhead %.1f%% of the call (median of 7 paired runs; target "
                "<= 10%%)\n",
                median(calls) * 1e6, median(perGrad) * 1e6, median(ratios) * 100);

  // The sampler alone: the same density with a hand-written gradient (100 multiplies).
  mcmc::LogDensity plain;
  plain.dim = 100;
  std::vector<double> prec(100);
  for (int i = 0; i < 100; ++i)
    prec[i] = 1 / std::pow(0.5 + 4.5 * i / 99.0, 2);
  plain.logpGrad = [&](const double *x, double *g) {
    double lp = 0;
    for (int i = 0; i < 100; ++i) {
      g[i] = -prec[i] * x[i];
      lp += 0.5 * g[i] * x[i];
    }
    return lp;
  };
  if (!onlyThreads) {
    double t0 = cpuSeconds();
    mcmc::SampleResult pr = mcmc::sample_posterior(plain, o);
    double leapfrogs = 0;
    for (int nl : pr.stats.nLeapfrog)
      leapfrogs += nl;
    std::printf("the sampler alone (hand-written gradient): %.3f us CPU per gradient evaluation, "
                "%.1f leapfrog steps per draw\n",
                (cpuSeconds() - t0) / pr.gradEvals[0] * 1e6, leapfrogs / pr.stats.nLeapfrog.size());
  }

  if (onlyOverhead || onlyPlain) return 0;

  // 2. 4 chains on 2 threads against 1 thread.
  mcmc::LogDensity es = samplemodels::EightSchools().model;
  o = mcmc::SampleOptions();
  o.chains = 4;
  o.draws = 1000;
  o.tune = 1000;
  o.targetAccept = 0.95;
  // Wall time is the figure, but on a shared machine other processes take the second core;
  // so each pair also reports what the run itself did: the process CPU time of both runs (equal
  // when threads do not slow each other down) and the speedup the chains' own times allow
  // (their lengths differ: 4 chains on 2 threads finish with the longest pair).
  std::vector<double> speedups, cpuRatios, balances, loads;
  double t1 = 0, t2 = 0;
  auto processCpu = [] {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
  };
  for (int rep = 0; rep < 5; ++rep) {
    o.seed = 100 + rep;
    o.threads = 1;
    double c0 = processCpu();
    auto a = Clock::now();
    mcmc::SampleResult r1 = mcmc::sample_posterior(es, o);
    t1 = std::chrono::duration<double>(Clock::now() - a).count();
    double cpu1 = processCpu() - c0;
    o.threads = 2;
    c0 = processCpu();
    a = Clock::now();
    mcmc::sample_posterior(es, o);
    t2 = std::chrono::duration<double>(Clock::now() - a).count();
    double cpu2 = processCpu() - c0;
    speedups.push_back(t1 / t2);
    cpuRatios.push_back(cpu1 / cpu2);
    // Chains taken in order by whichever thread is free first.
    double busy[2] = {0, 0}, total = 0;
    for (double sec : r1.seconds) {
      *std::min_element(busy, busy + 2) += sec;
      total += sec;
    }
    balances.push_back(total / std::max(busy[0], busy[1]));
    loads.push_back(cpu2 / t2);
  }
  std::printf("4 chains of eight schools: 1 thread %.2f s, 2 threads %.2f s (last pair); wall "
              "speedup %.2fx (median of 5 pairs; target >= 1.8x); the run's own bound: CPU time "
              "1 thread / 2 threads %.3f, chain balance allows %.2fx, so %.2fx on 2 free cores; "
              "cores the 2-thread run got: %.2f\n",
              t1, t2, median(speedups), median(cpuRatios), median(balances),
              median(cpuRatios) * median(balances), median(loads));

  // 3. ESS per gradient evaluation (all evaluations, warm-up included) on the posteriordb
  // models of the tests, 4 chains of 1000 draws after 1000 tuning iterations.
  struct Case {
    const char *name;
    mcmc::LogDensity model;
    double targetAccept;
  };
  std::vector<Case> cases = {
      {"eight_schools_noncentered (adapt 0.95)", samplemodels::EightSchools().model, 0.95},
      {"sblrc-blr", samplemodels::Sblrc().model, 0.8},
      {"wells_data-wells_dist", samplemodels::Wells().model, 0.8}};
  for (const Case &c : cases) {
    o = mcmc::SampleOptions();
    o.targetAccept = c.targetAccept;
    o.seed = 7;
    mcmc::SampleResult r = mcmc::sample_posterior(c.model, o);
    int64_t grads = 0;
    for (int64_t g : r.gradEvals)
      grads += g;
    double minEss = 1e300, minTail = 1e300;
    for (const mcmc::SummaryRow &row : mcmc::summary(r)) {
      minEss = std::min(minEss, row.essBulk);
      minTail = std::min(minTail, row.essTail);
    }
    std::printf("%s: %lld gradient evaluations, min bulk ESS %.0f (%.4f per gradient), min tail "
                "ESS %.0f (%.4f per gradient), %d divergences\n",
                c.name, static_cast<long long>(grads), minEss, minEss / grads, minTail,
                minTail / grads, r.divergences());
  }
  return 0;
}
