// Dense linear algebra on float matrices (PyTensor's pt.linalg names):
// cholesky, solve_triangular, solve, det, slogdet, inv, and tril.
//
// perform calls LAPACK (OpenBLAS's Fortran symbols) on column-major copies;
// each op works on one 2-d matrix and declares a gufunc signature, so stacks of
// matrices batch through Blockwise (the builders wrap the op when an input has
// leading batch dims; performBatched runs a whole stack in one loop of LAPACK
// calls). The JIT lowers the core ops to runtime calls (lib/Lower/EmitLinalg.cpp,
// lib/JIT/LinalgSymbols.cpp) and runs Blockwise as a host step.
#pragma once

#include "graphjit/Graph/Op.h"

#include <utility>

namespace graphjit {

enum class LinalgKind { Cholesky, SolveTriangular, Solve, Det, SLogDet, Inv, Tril };

/// One linalg op. Attrs: solve_triangular{lower, trans}, tril{k}; the others take none.
class LinalgOp : public Op {
public:
  explicit LinalgOp(LinalgKind kind, bool lower = true, bool trans = false, int64_t k = 0)
      : kind_(kind), lower_(lower), trans_(trans), k_(k) {}
  LinalgKind kind() const { return kind_; }
  bool lower() const { return lower_; }
  bool trans() const { return trans_; }
  int64_t k() const { return k_; }
  /// A singular or non-positive-definite matrix is an error of the values (interpreter).
  bool shapeNeedsValues() const override {
    return kind_ == LinalgKind::Cholesky || kind_ == LinalgKind::Solve ||
           kind_ == LinalgKind::Inv || kind_ == LinalgKind::SolveTriangular;
  }

  std::string name() const override;
  Attrs attrs() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// "(m,m)->(m,m)", "(m,m),(m,n)->(m,n)", "(m,m)->()", ...
  std::string gufuncSignature() const override;
  /// Blockwise of this op over the batch.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  /// float64 stacks: one LAPACK call per matrix on a reused work buffer (LinalgBatched.cpp).
  std::vector<Tensor> performBatched(const std::vector<Tensor> &in, int batchDims) const override;

private:
  LinalgKind kind_;
  bool lower_, trans_;
  int64_t k_;
};

// Every builder below also takes stacks of matrices (leading batch dims, broadcast as NumPy's
// gufuncs do) and then builds Blockwise of the core op.

/// Lower Cholesky factor L (A = L L^T) of a symmetric positive definite A; reads A's lower
/// triangle. The interpreter throws ValueError when A is not positive definite; the JIT gives NaNs.
Var cholesky(const Var &a);
/// x with op(A) x = b, A triangular (lower or upper), op(A) = A or A^T; b a vector or a matrix.
/// `bNdim` (1 or 2) is b's core rank; by default min(b.ndim(), 2), as PyTensor guesses it.
Var solve_triangular(const Var &a, const Var &b, bool lower = true, bool trans = false,
                     int bNdim = 0);
/// x with A x = b (LU with partial pivoting); throws ValueError for a singular A (interpreter).
Var solve(const Var &a, const Var &b, int bNdim = 0);
/// det(A) (0 for a singular A).
Var det(const Var &a);
/// {sign, log|det A|} (sign 0 and -inf for a singular A).
std::pair<Var, Var> slogdet(const Var &a);
/// A^{-1}; throws ValueError for a singular A (interpreter).
Var inv(const Var &a);
/// Lower triangle of a matrix: entries (i, j) with j <= i + k, zero elsewhere.
Var tril(const Var &a, int64_t k = 0);
/// Upper triangle: entries with j >= i + k.
Var triu(const Var &a, int64_t k = 0);

void registerLinalgOps(class OpRegistry &registry);

} // namespace graphjit
