// The hand-written logistic-regression step BenchProducts.cpp compares against:
// two cblas_dgemv calls and one pass of scalar math, compiled -O3 -march=native.
#include "BaselineLogreg.h"

#include <algorithm>
#include <cmath>

extern "C" void cblas_dgemv(int, int, int, int, double, const double *, int, const double *, int,
                            double, double *, int);

namespace baseline {

double logregStep(const double *X, const double *y, double *w, double &b, int64_t n, int64_t d,
                  double lr, double *z, double *gw) {
  const int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
  cblas_dgemv(kRowMajor, kNoTrans, static_cast<int>(n), static_cast<int>(d), 1.0, X,
              static_cast<int>(d), w, 1, 0.0, z, 1);
  double loss = 0, gb = 0;
  for (int64_t i = 0; i < n; ++i) {
    // One exp per element: t = exp(-|z|); softplus(z) = max(z, 0) + log1p(t); sigmoid(z) from t.
    double zi = z[i] + b, t = std::exp(-std::fabs(zi));
    double p = zi >= 0 ? 1 / (1 + t) : t / (1 + t);
    loss += std::max(zi, 0.0) + std::log1p(t) - y[i] * zi; // binary cross-entropy of sigmoid(z)
    double e = p - y[i];
    z[i] = e;
    gb += e;
  }
  cblas_dgemv(kRowMajor, kTrans, static_cast<int>(n), static_cast<int>(d),
              1.0 / static_cast<double>(n), X, static_cast<int>(d), z, 1, 0.0, gw, 1);
  for (int64_t j = 0; j < d; ++j)
    w[j] -= lr * gw[j];
  b -= lr * gb / static_cast<double>(n);
  return loss / static_cast<double>(n);
}

} // namespace baseline
