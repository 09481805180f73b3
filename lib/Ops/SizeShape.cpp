// size_shape: the output shape of an op whose shape is the value of some inputs (alloc,
// eye_n, arange_n, linspace_n, reshape_n, broadcast_to_n), from those values alone.
#include "OpUtil.h"
#include "ShapeArgsUtil.h"

#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/ShapeArgs.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

namespace {
/// The known entries of a k-entry target (-1s when none were given).
IntList knownOr(const IntList &known, int64_t k) {
  return known.empty() ? IntList(static_cast<size_t>(k), -1) : known;
}

Shape shapeFromVector(const Tensor &s) {
  Shape out(static_cast<size_t>(s.size()));
  for (size_t d = 0; d < out.size(); ++d)
    out[d] = s.getAsInt64(static_cast<int64_t>(d));
  return out;
}
} // namespace

SizeShapeOp::SizeShapeOp(std::string rule, std::string op, IntList known, IntList stretch)
    : rule_(std::move(rule)), op_(std::move(op)), known_(std::move(known)),
      stretch_(std::move(stretch)) {
  if (rule_ != "sizes" && rule_ != "arange" && rule_ != "reshape" && rule_ != "broadcast")
    throw ValueError("size_shape: unknown rule '" + rule_ +
                     "' (expected sizes, arange, reshape or broadcast)");
}

std::vector<TensorType> SizeShapeOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (rule_ == "sizes") {
    for (size_t i = 0; i < in.size(); ++i)
      detail::checkSizeType("size_shape", in[i], i);
    return {TensorType(DType::Int64, {static_cast<int64_t>(in.size())})};
  }
  if (rule_ == "arange") {
    detail::expectArity("size_shape", in.size(), 3);
    for (size_t i = 0; i < 3; ++i)
      detail::checkRealScalarType("size_shape", "an arange bound", in[i]);
    return {TensorType(DType::Int64, {1})};
  }
  detail::expectArity("size_shape", in.size(), 2);
  if (in[0].ndim() != 1 || !isInteger(in[0].dtype))
    throw TypeError("size_shape: input 0 must be a shape vector, got " + in[0].str());
  detail::checkTargetType("size_shape", in[1]);
  int64_t k = in[1].shape[0];
  if (!known_.empty() && static_cast<int64_t>(known_.size()) != k)
    throw TypeError("size_shape: the target has " + std::to_string(k) + " entries, known has " +
                    std::to_string(known_.size()));
  return {TensorType(DType::Int64, {k})};
}

std::vector<Shape> SizeShapeOp::inferShape(const std::vector<Shape> &in) const {
  if (rule_ == "sizes") return {{static_cast<int64_t>(in.size())}};
  if (rule_ == "arange") return {{1}};
  return {{in.at(1).at(0)}};
}

std::vector<Tensor> SizeShapeOp::perform(const std::vector<Tensor> &in) const {
  Shape out;
  if (rule_ == "sizes") {
    for (size_t i = 0; i < in.size(); ++i)
      out.push_back(detail::sizeValue(op_, in[i], i));
  } else if (rule_ == "arange") {
    out.push_back(detail::arangeLength(op_, in[0].getAsDouble(0), in[1].getAsDouble(0),
                                       in[2].getAsDouble(0)));
  } else {
    Shape x = shapeFromVector(in[0]);
    IntList known = knownOr(known_, in[1].size());
    out = rule_ == "reshape" ? detail::reshapeTarget(op_, x, in[1], known)
                             : detail::broadcastTarget(op_, x, in[1], known, stretch_);
  }
  return {Tensor::fromVector(std::vector<int64_t>(out.begin(), out.end()))};
}

std::vector<Var> SizeShapeOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                   const std::vector<Var> &) const {
  return std::vector<Var>(inputs.size());
}

void registerSizeShapeOps(OpRegistry &registry) {
  registry.add(
      "size_shape",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<SizeShapeOp>(
            a.get<std::string>("rule", "size_shape"), a.get<std::string>("op", "size_shape"),
            a.get<IntList>("known", "size_shape"), a.get<IntList>("stretch", "size_shape"));
      },
      Attrs{{"rule", std::string("reshape")},
            {"op", std::string("reshape")},
            {"known", IntList{-1, 3}},
            {"stretch", IntList{}}});
}

} // namespace graphjit
