// PageRank to convergence in one compiled call: the workshop's power iteration
// as a scan with `until` (the loop stops when the ranks change by less than tol).
// The ranks are checked against NumPy's power iteration on the same matrix.
#include "graphjit/graphjit.h"

#include <cmath>
#include <cstdio>

using namespace graphjit;

namespace {
constexpr int64_t kPages = 30;

/// Link counts: M[i][j] > 0 when page j links to page i; page 5 links nowhere.
Tensor linkMatrix() {
  std::vector<double> m(kPages * kPages, 0.0);
  for (int64_t i = 0; i < kPages; ++i)
    for (int64_t j = 0; j < kPages; ++j)
      if (i != j && j != 5 && (i * 7 + j * 13 + i * j) % 11 < 3)
        m[i * kPages + j] = static_cast<double>(1 + (i + j) % 3);
  return Tensor::fromVector(m, {kPages, kPages});
}

// NumPy: Mp = nan_to_num(M / M.sum(0), nan=1/N); v = d * Mp @ v + (1 - d) / N from v = 1/N
// until sum(|v_new - v|) < 1e-10 (24 steps; see docs/tutorial/15-control-flow.md).
const double kNumPyRanks[kPages] = {
    0.041186295404903372,  0.031282671118689293,  0.030366254571029531, 0.030211022658785867,
    0.036410903649759463,  0.041991477681855627,  0.032351448417287099, 0.034895783021704707,
    0.038951597494813445,  0.0091393605734061377, 0.03224107126237194,  0.037232927441650784,
    0.027382557384097898,  0.032457044795286029,  0.033459407715862741, 0.033458299084280968,
    0.042568337952723856,  0.031734026869702399,  0.040264488339367438, 0.040960602689325817,
    0.0091393605734061377, 0.034464940169140326,  0.035715913751409631, 0.029930780108994862,
    0.034011472203730249,  0.034117612947454232,  0.034234398650398692, 0.042982106439227938,
    0.031911909679796666,  0.034945927349536818};
constexpr int64_t kNumPySteps = 24;
} // namespace

int main() {
  Var M = matrix("M"), d = scalar("d");
  // Columns as probabilities; a page without links sends the walker anywhere.
  Var n = cast(subtensor(shape(M), {IndexEntry::at(0)}), DType::Float64);
  Var outLinks = sum(M, 0);
  Var Mp = where(outLinks > 0.0, M / outLinks, 1.0 / n);
  Var v0 = ones_like(outLinks) / n;
  ScanResult ranks = scan(
      [&](const std::vector<Var> &a) {
        const Var &v = a[0], &Mp_ = a[1];
        Var next = d * dot(Mp_, v) + (1.0 - d) / n;
        return StepResult({next}, sum(abs(next - v)) < 1e-10);
      },
      {}, {OutputInfo(v0)}, {Mp}, /*n_steps=*/1000);
  Var steps = subtensor(shape(ranks.outputs[0]), {IndexEntry::at(0)});
  Function f = compile({M, d}, {ranks.last(0), steps});
  std::printf("%s", dprint(ranks.last(0)).c_str());

  auto out = f({linkMatrix(), Tensor::scalar(0.85)});
  std::vector<double> v = out[0].toDoubles();
  int64_t ran = out[1].getAsInt64(0);
  double worst = 0;
  for (int64_t i = 0; i < kPages; ++i)
    worst = std::max(worst, std::abs(v[i] - kNumPyRanks[i]));
  std::printf("pagerank: %lld steps (NumPy %lld), max |graphjit - NumPy| = %.3g\n",
              static_cast<long long>(ran), static_cast<long long>(kNumPySteps), worst);
  if (ran != kNumPySteps || worst > 1e-12) {
    std::fprintf(stderr, "pagerank: the ranks differ from NumPy's\n");
    return 1;
  }
  return 0;
}
