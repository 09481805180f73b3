// Hand-written loops, compiled twice: plain -O3 -march=native, and with -ffast-math
// (which lets GCC call glibc's vector math).
#pragma once

#include <cstdint>

namespace baseline {
namespace plain {
void fused(const double *x, const double *y, const double *z, double *out, int64_t n);
void fusedF(const float *x, const float *y, const float *z, float *out, int64_t n);
double sum(const double *x, int64_t n);
void rowLogSumExp(const double *x, int64_t rows, int64_t cols, double *out);
} // namespace plain
namespace fast {
void fused(const double *x, const double *y, const double *z, double *out, int64_t n);
void fusedF(const float *x, const float *y, const float *z, float *out, int64_t n);
double sum(const double *x, int64_t n);
void rowLogSumExp(const double *x, int64_t rows, int64_t cols, double *out);
} // namespace fast
} // namespace baseline
