// Small-matrix kernels (n <= 16) for inv, solve and cholesky: LU with partial pivoting and a
// right-looking Cholesky, templated on n so the inner loops have a fixed trip count.
#pragma once

#include "graphjit/Ops/Linalg.h"

#include <cstdint>
#include <vector>

namespace graphjit::smalllinalg {

/// Largest order served by these kernels; larger matrices go to LAPACK.
constexpr int64_t kMaxOrder = 16;

/// Solves A X = B for one row-major n x n matrix `a` and row-major n x nrhs `b` (nrhs = 1 for a
/// vector), writing X to `x` (may alias nothing). With `b` null, B is the identity (nrhs = n) and
/// X = inv(A). Returns 0, or like LAPACK's getrf the 1-based index of the first exactly-zero
/// pivot (X is then unspecified). T is float or double; the arithmetic is double.
template <class T> int luSolve(const T *a, const T *b, T *x, int n, int nrhs);

/// Lower Cholesky factor of the row-major n x n `a`, reading its lower triangle (as LAPACK's
/// potrf does on graphjit's layouts), into row-major `l` with a zero strict upper triangle.
/// Returns 0, or like potrf the order of the first leading minor that is not positive.
template <class T> int cholesky(const T *a, T *l, int n);

/// inv, solve or cholesky of a stack (`batchDims` leading dims; 0 for one matrix) of square
/// float32/float64 matrices of order 1..kMaxOrder, contiguous and row-major; {} when the inputs
/// are not such (the caller's LAPACK path runs). Errors read as the LAPACK paths': `single` picks
/// perform's message form (the zero pivot's index), else performBatched's (the batch element).
std::vector<Tensor> perform(LinalgKind kind, const std::vector<Tensor> &in, int batchDims,
                            bool single);

} // namespace graphjit::smalllinalg
