// Hand-written OpenMP loops (-O3 -march=native -ffast-math -fopenmp): what two cores give
// a C++ programmer, the reference for graphjit's own threads.
#include <cmath>
#include <cstdint>
#include <omp.h>

namespace baseline::omp {
void fused(const double *x, const double *y, const double *z, double *out, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t i = 0; i < n; ++i)
    out[i] = std::exp(x[i]) * y[i] + std::log1p(z[i] * z[i]);
}
/// STREAM triad a = b + s * c: the memory-bandwidth bound.
void triad(double *a, const double *b, const double *c, double s, int64_t n, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t i = 0; i < n; ++i)
    a[i] = b[i] + s * c[i];
}
} // namespace baseline::omp
