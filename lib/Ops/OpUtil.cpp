// Small helpers shared by op implementations (axis checks, broadcasting of shapes).
#include "OpUtil.h"

namespace graphjit::detail {

int normalizeAxis(int64_t axis, int ndim, const std::string &op) {
  if (axis < -ndim || axis >= ndim)
    throw IndexError(op + ": axis " + std::to_string(axis) +
                     " is out of range for an input of rank " + std::to_string(ndim));
  return static_cast<int>(axis < 0 ? axis + ndim : axis);
}

int64_t storedAxis(int64_t axis, const std::string &op) {
  if (axis < 0)
    throw ValueError(op + ": axis must be normalised (non-negative; the builders map -1 to the " +
                     "last axis), got " + std::to_string(axis));
  return axis;
}

void expectArity(const std::string &op, size_t got, size_t expected) {
  if (got != expected)
    throw ValueError(op + ": expected " + std::to_string(expected) + " input(s), got " +
                     std::to_string(got));
}

std::string typesStr(const std::vector<TensorType> &types) {
  std::string s;
  for (size_t i = 0; i < types.size(); ++i)
    s += (i ? ", " : "") + types[i].str();
  return s;
}

Shape broadcastStrides(const Tensor &t, const Shape &outShape) {
  size_t nd = outShape.size(), pad = nd - t.shape().size();
  Shape st(nd, 0);
  for (size_t d = 0; d < t.shape().size(); ++d)
    st[pad + d] = (t.shape()[d] == 1 && outShape[pad + d] != 1) ? 0 : t.strides()[d];
  return st;
}

} // namespace graphjit::detail
