// NUTS chains across MPI ranks: each rank samples its share of the chains of
// posteriordb's eight schools (non-centered) with the same seed, rank 0 gathers
// them, prints the az.summary table and, with --check, runs all chains on
// threads in one process to show the draws are the same.
//   mpirun -np 2 ./mpi_sample --chains=4 --check
#include "graphjit/graphjit.h"

#include <mpi.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

using namespace graphjit;

namespace {
mcmc::LogDensity eightSchools() {
  std::vector<double> y = {28, 8, -3, 7, -1, 1, 18, 12}, sigma = {15, 10, 16, 11, 9, 11, 10, 18};
  Var x = tensor(DType::Float64, {10}, "x");
  Var tt = subtensor(x, {slice(0, 8)});
  Var mu = x[8], logTau = x[9];
  Var tau = exp(logTau);
  Var lp = sum(logp(normal(constant(0.0), constant(1.0)), tt)) +
           sum(logp(normal(mu + tau * tt, constant(Tensor::fromVector(sigma))),
                    constant(Tensor::fromVector(y)))) +
           logp(normal(constant(0.0), constant(5.0)), mu) +
           logp(studentt(constant(1.0), constant(0.0), constant(5.0)), tau) + logTau;
  mcmc::LogDensity d = mcmc::compileLogDensity(lp, x);
  for (int j = 1; j <= 8; ++j)
    d.names.push_back("theta[" + std::to_string(j) + "]");
  d.names.push_back("mu");
  d.names.push_back("tau");
  d.constrain = [](const double *q, double *out) {
    double t = std::exp(q[9]);
    for (int j = 0; j < 8; ++j)
      out[j] = q[8] + t * q[j];
    out[8] = q[8];
    out[9] = t;
  };
  return d;
}

int intArg(int argc, char **argv, const char *name, int dflt) {
  size_t n = std::strlen(name);
  for (int i = 1; i < argc; ++i)
    if (!std::strncmp(argv[i], name, n) && argv[i][n] == '=') return std::atoi(argv[i] + n + 1);
  return dflt;
}
} // namespace

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  mcmc::SampleOptions o;
  int chains = intArg(argc, argv, "--chains", 4);
  o.draws = intArg(argc, argv, "--draws", 1000);
  o.tune = intArg(argc, argv, "--tune", 1000);
  o.seed = static_cast<uint64_t>(intArg(argc, argv, "--seed", 42));
  o.targetAccept = 0.95;
  bool check = false;
  for (int i = 1; i < argc; ++i)
    check |= !std::strcmp(argv[i], "--check");
  // Rank r runs chains [first, first + mine): a contiguous share, so gathering in rank order
  // puts the chains in order.
  int per = chains / size, extra = chains % size;
  int mine = per + (rank < extra ? 1 : 0);
  o.firstChain = rank * per + std::min(rank, extra);
  o.chains = mine;
  o.threads = 1;
  mcmc::LogDensity model = eightSchools();
  mcmc::SampleResult part;
  if (mine > 0) part = mcmc::sample_posterior(model, o);

  // Gather the draws and the divergence flags on rank 0.
  int64_t perChain = static_cast<int64_t>(o.draws) * model.reportedDim();
  std::vector<int> counts(size), displs(size), flagCounts(size), flagDispls(size);
  for (int r = 0; r < size; ++r) {
    int m = per + (r < extra ? 1 : 0), first = r * per + std::min(r, extra);
    counts[r] = static_cast<int>(m * perChain);
    displs[r] = static_cast<int>(first * perChain);
    flagCounts[r] = m * o.draws;
    flagDispls[r] = first * o.draws;
  }
  std::vector<double> all(rank == 0 ? chains * perChain : 0);
  std::vector<uint8_t> flags(rank == 0 ? chains * o.draws : 0);
  MPI_Gatherv(part.values.data(), counts[rank], MPI_DOUBLE, all.data(), counts.data(),
              displs.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  MPI_Gatherv(part.stats.divergent.data(), flagCounts[rank], MPI_UINT8_T, flags.data(),
              flagCounts.data(), flagDispls.data(), MPI_UINT8_T, 0, MPI_COMM_WORLD);

  int status = 0;
  if (rank == 0) {
    mcmc::SampleResult r;
    r.chains = chains;
    r.draws = o.draws;
    r.dim = model.reportedDim();
    r.names = model.names;
    r.values = all;
    r.stats.divergent = flags;
    std::printf("%d chains on %d ranks, %d draws each, %d divergences\n", chains, size, o.draws,
                r.divergences());
    std::printf("%s", mcmc::formatSummary(mcmc::summary(r)).c_str());
    if (check) {
      mcmc::SampleOptions t = o;
      t.firstChain = 0;
      t.chains = chains;
      t.threads = 2;
      mcmc::SampleResult threaded = mcmc::sample_posterior(model, t);
      bool same = threaded.values == r.values;
      std::printf("draws identical to the threaded run: %s\n", same ? "yes" : "NO");
      status = same ? 0 : 1;
    }
  }
  MPI_Finalize();
  return status;
}
