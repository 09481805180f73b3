// alloc and eye_n: ops whose sizes are int64 scalars of the graph (issue 21).
#include "graphjit/Ops/ShapeArgs.h"
#include "OpUtil.h"
#include "ShapeArgsUtil.h"

#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

using detail::asSize;
using detail::isScalarConstant;
using detail::sizeValue;

namespace {
/// A size input: an integer scalar, its dim unknown in the output type.
int64_t sizeType(const std::string &op, const TensorType &t, size_t i) {
  detail::checkSizeType(op, t, i);
  return kUnknownDim;
}
} // namespace

// ---- alloc ----

std::vector<TensorType> AllocOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (in.empty()) throw TypeError("alloc: expected a value and sizes, got no inputs");
  if (in[0].ndim() != 0) throw TypeError("alloc: the value must be a scalar, got " + in[0].str());
  Shape s;
  for (size_t i = 1; i < in.size(); ++i)
    s.push_back(sizeType("alloc", in[i], i - 1));
  return {TensorType(in[0].dtype, s)};
}

std::vector<Shape> AllocOp::inferShape(const std::vector<Shape> &in) const {
  throw ShapeError("alloc: the output shape is the sizes' values (" +
                   std::to_string(in.size() - 1) + " sizes), not known from shapes");
}

std::vector<int> AllocOp::shapeValueInputs(size_t numInputs) const {
  std::vector<int> r; // the sizes: every input after the value
  for (size_t i = 1; i < numInputs; ++i)
    r.push_back(static_cast<int>(i));
  return r;
}

std::vector<Shape> AllocOp::inferShapeFromValues(const std::vector<Shape> &inShapes,
                                                 const std::vector<const Tensor *> &values) const {
  Shape s;
  for (size_t i = 1; i < inShapes.size(); ++i)
    s.push_back(sizeValue("alloc", *values.at(i), i - 1));
  return {s};
}

std::vector<Tensor> AllocOp::perform(const std::vector<Tensor> &in) const {
  Shape s;
  for (size_t i = 1; i < in.size(); ++i)
    s.push_back(sizeValue("alloc", in[i], i - 1));
  const Tensor &v = in[0];
  Tensor out = Tensor::empty(v.dtype(), s);
  dispatchDType(v.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T x = *static_cast<const T *>(v.rawData());
    T *o = static_cast<T *>(out.rawData());
    for (int64_t i = 0; i < out.size(); ++i)
      o[i] = x;
  });
  return {out};
}

std::vector<Var> AllocOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                               const std::vector<Var> &g) const {
  std::vector<Var> out(inputs.size());
  if (g[0]) out[0] = g[0].ndim() == 0 ? g[0] : sum(g[0]);
  return out;
}

std::vector<Var> AllocOp::shapeGraph(const Apply &node, const std::vector<Var> &) const {
  std::vector<Var> sizes(node.inputs().begin() + 1, node.inputs().end());
  return {applyOp1(std::make_shared<SizeShapeOp>("sizes", "alloc"), sizes)};
}

// ---- eye_n ----

std::vector<TensorType> EyeN::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("eye_n", in.size(), 2);
  return {TensorType(dtype_, {sizeType("eye_n", in[0], 0), sizeType("eye_n", in[1], 1)})};
}

std::vector<Shape> EyeN::inferShape(const std::vector<Shape> &) const {
  throw ShapeError("eye_n: the output shape is the sizes' values, not known from shapes");
}

std::vector<Shape> EyeN::inferShapeFromValues(const std::vector<Shape> &,
                                              const std::vector<const Tensor *> &values) const {
  return {{sizeValue("eye_n", *values.at(0), 0), sizeValue("eye_n", *values.at(1), 1)}};
}

std::vector<Tensor> EyeN::perform(const std::vector<Tensor> &in) const {
  int64_t n = sizeValue("eye_n", in[0], 0), m = sizeValue("eye_n", in[1], 1);
  Tensor out = Tensor::zeros(dtype_, {n, m});
  dispatchDType(dtype_, [&](auto tag) {
    using T = decltype(tag);
    T *o = static_cast<T *>(out.rawData());
    for (int64_t i = 0; i < n; ++i) {
      int64_t j = i + k_;
      if (j >= 0 && j < m) o[i * m + j] = T(1);
    }
  });
  return {out};
}

std::vector<Var> EyeN::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                            const std::vector<Var> &) const {
  return std::vector<Var>(inputs.size());
}

std::vector<Var> EyeN::shapeGraph(const Apply &node, const std::vector<Var> &) const {
  return {applyOp1(std::make_shared<SizeShapeOp>("sizes", "eye_n"), node.inputs())};
}

// ---- builders ----

Var shape_i(const Var &x, int64_t i) {
  int64_t d = i < 0 ? i + x.ndim() : i;
  if (d < 0 || d >= x.ndim())
    throw IndexError("shape_i: axis " + std::to_string(i) + " is out of range for " +
                     x.type().str());
  if (x.type().shape[d] != kUnknownDim)
    return constant(Tensor::scalar(x.type().shape[d], DType::Int64));
  return shape(x)(d);
}

Var alloc(const Var &value, const Sizes &sizes) {
  bool allConstant = true;
  for (const Var &s : sizes.vars)
    allConstant &= isScalarConstant(s);
  // Constant sizes: today's static graph.
  if (allConstant) {
    Shape s;
    for (size_t i = 0; i < sizes.vars.size(); ++i)
      s.push_back(sizeValue("alloc", sizes.vars[i]->constantValue(), i));
    return broadcast_to(value, s);
  }
  std::vector<Var> ins{value};
  for (const Var &s : sizes.vars)
    ins.push_back(asSize("alloc", s, ins.size() - 1));
  return applyOp1(std::make_shared<AllocOp>(), ins);
}

Var full(const Sizes &sizes, double value, DType dtype) {
  return alloc(constant(value, dtype), sizes);
}
Var zeros(const Sizes &sizes, DType dtype) { return full(sizes, 0, dtype); }
Var ones(const Sizes &sizes, DType dtype) { return full(sizes, 1, dtype); }

Var eye(const Var &n, std::optional<Var> m, int64_t k, DType dtype) {
  Var mm = m.value_or(n);
  if (isScalarConstant(n) && isScalarConstant(mm))
    return eye(sizeValue("eye", n->constantValue(), 0), sizeValue("eye", mm->constantValue(), 1), k,
               dtype);
  return applyOp1(std::make_shared<EyeN>(k, dtype), {asSize("eye", n, 0), asSize("eye", mm, 1)});
}

void registerShapeArgOps(OpRegistry &registry) {
  registry.add("alloc", [](const Attrs &a) -> OpPtr {
    if (!a.empty()) throw ValueError("alloc: takes no attributes, got " + a.str());
    return std::make_shared<AllocOp>();
  });
  registry.add(
      "eye_n",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<EyeN>(a.get<int64_t>("k", "eye_n"), a.get<DType>("dtype", "eye_n"));
      },
      Attrs{{"k", int64_t{0}}, {"dtype", DType::Float64}});
  registerSizeShapeOps(registry);
  registerShapeArgRangeOps(registry);
  registerShapeArgReshapeOps(registry);
}

} // namespace graphjit
