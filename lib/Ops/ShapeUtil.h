// Helpers shared by the shape and indexing ops (internal to lib/Ops).
#pragma once

#include "graphjit/Graph/Variable.h"

namespace graphjit::detail {

/// `y` broadcast (NumPy rules, ranks aligned on the right) to `shape`, as a
/// fresh contiguous tensor. The caller has checked that the shapes fit.
Tensor broadcastMaterialize(const Tensor &y, const Shape &shape);

/// Reduces a gradient `g` (whose rank is at least t.ndim()) to type `t` by
/// summing the leading extra axes and the axes where `t` has a static 1 that
/// `g` does not have: the adjoint of broadcasting a value of type `t`.
Var sumToType(const Var &g, const TensorType &t);

/// Product of dims; throws ShapeError on a negative dim or an overflow (dims from user attrs).
int64_t checkedSize(const Shape &s, const std::string &op);

} // namespace graphjit::detail

namespace graphjit {
class OpRegistry;
/// concatenate, split, split_like (Join.cpp); called by registerShapeOps.
void registerJoinOps(OpRegistry &registry);
} // namespace graphjit
