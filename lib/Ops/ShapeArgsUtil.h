// Size arguments that are graph values (internal to lib/Ops): their type checks and the
// shape rules on their values, shared by the ops' perform and size_shape, so that the shape
// graph raises exactly the errors the data path would.
#pragma once

#include "graphjit/Graph/Attrs.h"
#include "graphjit/Graph/Variable.h"

#include <string>

namespace graphjit::detail {

/// Throws TypeError unless `t` is an integer scalar (size `i` of `op`).
void checkSizeType(const std::string &op, const TensorType &t, size_t i);
/// Throws TypeError unless `t` is an integer vector of static length (a target shape).
void checkTargetType(const std::string &op, const TensorType &t);
/// Throws TypeError unless `t` is a real (integer or float) scalar.
void checkRealScalarType(const std::string &op, const std::string &what, const TensorType &t);
/// The value of size `i`, never negative (ValueError naming `op` and the value).
int64_t sizeValue(const std::string &op, const Tensor &t, size_t i);
/// Is v a constant scalar (its value known while building)?
bool isScalarConstant(const Var &v);
/// v as an int64 scalar (a TypeError unless an integer scalar).
Var asSize(const std::string &op, const Var &v, size_t i);

/// ceil((stop - start) / step), at least 0. ValueError naming `op` for a zero step, a
/// non-finite bound, or more elements than fit.
int64_t arangeLength(const std::string &op, double start, double stop, double step);

/// The values of target vector `t`, checked against its static entries `known` (-1: given at
/// run time). `minusOne` allows one -1 (reshape's inferred dim); other entries must be >= 0.
Shape targetValues(const std::string &op, const Tensor &t, const IntList &known, bool minusOne);
/// reshape's output shape: target `t` with its -1 resolved for an input of shape `x`.
/// ValueError naming `op`, the input shape and the target when the sizes do not match.
Shape reshapeTarget(const std::string &op, const Shape &x, const Tensor &t, const IntList &known);
/// broadcast_to's output shape: target `t`, after checking that x (shape `x`, whose dims in
/// `stretch` may broadcast) fits it. ValueError naming `op` and both shapes otherwise.
Shape broadcastTarget(const std::string &op, const Shape &x, const Tensor &t, const IntList &known,
                      const IntList &stretch);

/// The static dims of a target vector Var: its values when it is a constant, else -1s (the
/// length must be static).
IntList knownEntries(const Var &target);

} // namespace graphjit::detail

namespace graphjit {
class OpRegistry;
/// The other op groups of sizes as graph values, registered by registerShapeArgOps.
void registerSizeShapeOps(OpRegistry &registry);       // SizeShape.cpp
void registerShapeArgRangeOps(OpRegistry &registry);   // ShapeArgsRange.cpp
void registerShapeArgReshapeOps(OpRegistry &registry); // ShapeArgsReshape.cpp
} // namespace graphjit
