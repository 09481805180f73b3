// Diagonals (PyTensor's ExtractDiag / AllocDiag): diagonal, diag and trace.
//
// Both ops work on the trailing axes, so leading dims are batch dims for free:
// extract_diag reads the last two axes, alloc_diag writes the last axis onto
// the diagonal of two new trailing axes. The builders move other axes there.
#pragma once

#include "graphjit/Graph/Op.h"

namespace graphjit {

/// extract_diag{offset}(x): x[..., i + max(-offset, 0), i + max(offset, 0)] for the last two axes
/// of x (rank >= 2); the diagonal becomes the last axis.
class ExtractDiag : public Op {
public:
  explicit ExtractDiag(int64_t offset) : offset_(offset) {}
  int64_t offset() const { return offset_; }
  std::string name() const override { return "extract_diag"; }
  Attrs attrs() const override { return Attrs{{"offset", offset_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  int64_t offset_;
};

/// alloc_diag{offset}(v[, like]): zeros with v's last axis on diagonal `offset` of two new
/// trailing axes. Alone the matrix is square (k + |offset|); with `like` (values not read) it has
/// like's last two dims, which is how the gradient of extract_diag keeps a rectangular shape.
class AllocDiag : public Op {
public:
  explicit AllocDiag(int64_t offset) : offset_(offset) {}
  int64_t offset() const { return offset_; }
  std::string name() const override { return "alloc_diag"; }
  Attrs attrs() const override { return Attrs{{"offset", offset_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;

private:
  int64_t offset_;
};

/// NumPy diagonal: the diagonal of the axes (axis1, axis2), appended as the last axis.
Var diagonal(const Var &x, int64_t offset = 0, int64_t axis1 = 0, int64_t axis2 = 1);
/// NumPy/PyTensor diag: a vector gives the matrix with it on diagonal k; a matrix gives its k-th
/// diagonal.
Var diag(const Var &x, int64_t k = 0);
/// sum(diagonal(x, offset, axis1, axis2), -1), as PyTensor builds trace.
Var trace(const Var &x, int64_t offset = 0, int64_t axis1 = 0, int64_t axis2 = 1);

void registerDiagonalOps(class OpRegistry &registry);

} // namespace graphjit
