// A hand-written logistic-regression training step (C++ and OpenBLAS).
#pragma once

#include <cstdint>

namespace baseline {
/// One gradient step on the mean binary cross-entropy of sigmoid(X w + b) against y;
/// updates w and b in place and returns the loss before the step. z (n) and gw (d) are scratch.
double logregStep(const double *X, const double *y, double *w, double &b, int64_t n, int64_t d,
                  double lr, double *z, double *gw);
} // namespace baseline
