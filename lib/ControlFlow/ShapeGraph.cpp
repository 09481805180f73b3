// The shape-graph ops: infer_shape (a node's output shape from its input shapes)
// and check_shapes (a value passed through after a node's shape checks).
#include "graphjit/ControlFlow/ShapeGraph.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

namespace {
/// The node a one-node function holds.
const Apply &heldNode(const InnerGraph &g, const std::string &opName) {
  if (g.outputs().empty() || !g.outputs()[0]->owner())
    throw ValueError(opName + ": its function must compute its outputs with one node");
  const Apply *n = g.outputs()[0]->owner();
  for (const Var &o : g.outputs())
    if (o->owner() != n)
      throw ValueError(opName + ": its function must compute its outputs with one node");
  if (n->inputs().size() != g.inputs().size())
    throw ValueError(opName + ": the node must read each input of its function once");
  for (size_t i = 0; i < g.inputs().size(); ++i)
    if (n->input(static_cast<int>(i)) != g.inputs()[i])
      throw ValueError(opName + ": the node must read the function's inputs in order");
  return *n;
}

/// The shape vectors' types, checked against the node's input ranks.
void checkShapeInputs(const std::string &opName, const InnerGraph &g,
                      const std::vector<TensorType> &in, size_t first) {
  if (in.size() != first + g.inputs().size())
    throw TypeError(opName + ": expected " + std::to_string(first + g.inputs().size()) +
                    " inputs, got " + std::to_string(in.size()));
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const TensorType &t = in[first + i];
    int64_t rank = g.inputs()[i].ndim();
    if (t.dtype != DType::Int64 || t.ndim() != 1 ||
        (t.shape[0] != kUnknownDim && t.shape[0] != rank))
      throw TypeError(opName + ": input " + std::to_string(first + i) +
                      " must be the int64 shape vector of a rank-" + std::to_string(rank) +
                      " value (i64[" + std::to_string(rank) + "]), got " + t.str());
  }
}

/// The held node's checks and shape rule on concrete input shapes: the same errors its perform
/// raises (the interpreter and the JIT run checkShapes, then the op).
std::vector<Shape> runShapeRule(const std::string &opName, const InnerGraph &g,
                                const std::vector<Tensor> &in, size_t first) {
  const Apply &n = heldNode(g, opName);
  std::vector<Shape> shapes;
  std::vector<TensorType> types;
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const Tensor &s = in[first + i];
    const TensorType &t = g.inputs()[i].type();
    if (s.ndim() != 1 || s.size() != t.ndim())
      throw ShapeError(opName + ": shape " + std::to_string(i) + " has " +
                       std::to_string(s.size()) + " dims, expected " + std::to_string(t.ndim()));
    Shape sh(t.ndim());
    for (int d = 0; d < t.ndim(); ++d) {
      sh[d] = s.getAsInt64(d);
      if (sh[d] < 0)
        throw ValueError(opName + ": dim " + std::to_string(d) + " of shape " + std::to_string(i) +
                         " is negative (" + std::to_string(sh[d]) + ")");
    }
    if (!t.accepts(t.dtype, sh))
      throw ShapeError(n.op().name() + ": input " + std::to_string(i) + " of shape " +
                       shapeStr(sh) + " does not fit its type " + t.str());
    shapes.push_back(std::move(sh));
    types.push_back(t);
  }
  n.op().checkShapes(types, shapes);
  return n.op().inferShape(shapes);
}

Tensor shapeTensor(const Shape &s) {
  return Tensor::fromVector(std::vector<int64_t>(s.begin(), s.end()));
}

std::shared_ptr<const InnerGraph> parseNode(const Attrs &a, const char *opName) {
  return InnerGraph::parse(a.get<std::string>("node", opName), opName);
}
} // namespace

// ---- infer_shape ----

InferShapeOp::InferShapeOp(std::shared_ptr<const InnerGraph> node, int64_t output)
    : node_(std::move(node)), output_(output) {
  const Apply &n = heldNode(*node_, "infer_shape");
  if (output_ < 0 || output_ >= n.numOutputs())
    throw ValueError("infer_shape: output " + std::to_string(output_) + " is out of range for " +
                     n.op().name() + ", which has " + std::to_string(n.numOutputs()));
}

Attrs InferShapeOp::attrs() const { return Attrs{{"node", node_->text()}, {"output", output_}}; }

Attrs InferShapeOp::displayAttrs() const {
  return Attrs{{"op", heldNode(*node_, "infer_shape").op().str()}, {"output", output_}};
}

std::vector<InnerFunctionView> InferShapeOp::innerFunctions() const {
  return {{"node", node_->inputs(), node_->outputs()}};
}

std::vector<TensorType> InferShapeOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  checkShapeInputs("infer_shape", *node_, in, 0);
  return {TensorType(DType::Int64, {node_->outputs()[output_].ndim()})};
}

std::vector<Shape> InferShapeOp::inferShape(const std::vector<Shape> &) const {
  return {{node_->outputs()[output_].ndim()}};
}

std::vector<Tensor> InferShapeOp::perform(const std::vector<Tensor> &in) const {
  return {shapeTensor(runShapeRule("infer_shape", *node_, in, 0).at(output_))};
}

std::vector<Var> InferShapeOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                    const std::vector<Var> &) const {
  return std::vector<Var>(inputs.size());
}

// ---- check_shapes ----

CheckShapesOp::CheckShapesOp(std::shared_ptr<const InnerGraph> node) : node_(std::move(node)) {
  heldNode(*node_, "check_shapes");
}

Attrs CheckShapesOp::attrs() const { return Attrs{{"node", node_->text()}}; }

Attrs CheckShapesOp::displayAttrs() const {
  return Attrs{{"op", heldNode(*node_, "check_shapes").op().str()}};
}

std::vector<InnerFunctionView> CheckShapesOp::innerFunctions() const {
  return {{"node", node_->inputs(), node_->outputs()}};
}

std::vector<TensorType> CheckShapesOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  if (in.empty()) throw TypeError("check_shapes: expected a value and shape vectors, got none");
  checkShapeInputs("check_shapes", *node_, in, 1);
  return {in[0]};
}

std::vector<Shape> CheckShapesOp::inferShape(const std::vector<Shape> &in) const { return {in[0]}; }

std::vector<Tensor> CheckShapesOp::perform(const std::vector<Tensor> &in) const {
  runShapeRule("check_shapes", *node_, in, 1);
  return {in[0]};
}

std::vector<Var> CheckShapesOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                     const std::vector<Var> &g) const {
  std::vector<Var> out(inputs.size());
  out[0] = g[0];
  return out;
}

std::vector<Var> CheckShapesOp::vectorize(const Apply &node, const std::vector<BatchedVar> &in,
                                          int) const {
  // The shapes are of the unbatched values the rewrite saw; a batched operand is checked by the
  // batched computation itself, so only the value passes.
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i].batched) return {in[0].var};
  std::vector<Var> ins;
  for (const BatchedVar &b : in)
    ins.push_back(b.var);
  (void)node;
  return {applyOp1(std::make_shared<CheckShapesOp>(node_), ins)};
}

void registerShapeGraphOps(OpRegistry &registry) {
  const std::string example = "func @body(%x: f64[?], %y: f64[?]) -> (f64[?]) {\n"
                              "  %0 = add(%x, %y) : f64[?]\n  return %0\n}\n";
  registry.add(
      "infer_shape",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<InferShapeOp>(parseNode(a, "infer_shape"),
                                              a.get<int64_t>("output", "infer_shape"));
      },
      Attrs{{"node", example}, {"output", int64_t{0}}});
  registry.add(
      "check_shapes",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<CheckShapesOp>(parseNode(a, "check_shapes"));
      },
      Attrs{{"node", example}});
}

} // namespace graphjit
