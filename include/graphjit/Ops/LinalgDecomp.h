// Matrix decompositions and functions (PyTensor's pt.linalg names): eigh, eigvalsh, svd, qr,
// pinv, lstsq, expm.
//
// perform calls LAPACK (dsyevd, dgesdd, dgeqrf/dorgqr) or, for expm, Pade approximation with
// scaling and squaring (Higham 2005); the JIT runs them as host steps. Each op declares a gufunc
// signature, so stacks batch through Blockwise like the other linalg ops.
#pragma once

#include "graphjit/Graph/Op.h"

#include <tuple>
#include <utility>

namespace graphjit {

enum class DecompKind { Eigh, Svd, Qr, Pinv, Expm };

/// One decomposition op. Attrs: svd{full_matrices, compute_uv}; the others take none.
class DecompOp : public Op {
public:
  explicit DecompOp(DecompKind kind, bool fullMatrices = false, bool computeUv = true)
      : kind_(kind), full_(fullMatrices), uv_(computeUv) {}
  DecompKind kind() const { return kind_; }

  std::string name() const override;
  Attrs attrs() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// eigh (both outputs), svd (values; U and Vh when reduced), qr (tall and wide A), pinv
  /// (constant rank), expm (the block-triangular Frechet form).
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::string gufuncSignature() const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  DecompKind kind_;
  bool full_, uv_;
};

/// {w, V}: eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric A;
/// reads A's lower triangle (NumPy's UPLO='L').
std::pair<Var, Var> eigh(const Var &a);
/// Eigenvalues of a symmetric A (ascending).
Var eigvalsh(const Var &a);
/// {U, s, Vh} with A = U diag(s) Vh (reduced unless fullMatrices).
std::tuple<Var, Var, Var> svd(const Var &a, bool fullMatrices = false);
/// Singular values only (descending).
Var svdvals(const Var &a);
/// {Q, R} (reduced: Q is m x k, R is k x n, k = min(m, n)).
std::pair<Var, Var> qr(const Var &a);
/// Moore-Penrose pseudo-inverse (singular values below 1e-15 * max are dropped, as NumPy does).
Var pinv(const Var &a);
/// Least-squares solution x minimising |A x - b| (pinv(A) b; NumPy's lstsq(...)[0]).
Var lstsq(const Var &a, const Var &b);
/// Matrix exponential.
Var expm(const Var &a);

void registerLinalgDecompOps(class OpRegistry &registry);

} // namespace graphjit
