// Shape graphs of nodes (graphShapes, keepShapeChecks) and the rewrite that
// answers shape(f(x)) from the shapes of f's inputs without computing f(x).
#include "graphjit/ControlFlow/ShapeGraph.h"
#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Rewrite/Rewrite.h"

namespace graphjit {

namespace {
/// The node alone, as a function of fresh inputs of its input types.
std::shared_ptr<const InnerGraph> oneNode(const Apply &node, const std::string &opName) {
  std::vector<Var> fresh;
  for (const Var &in : node.inputs())
    fresh.push_back(Var::input(in.type()));
  return InnerGraph::make(fresh, applyOp(node.opPtr(), fresh), opName);
}

/// Can the shapes of `node` be known from its input shapes (errors included)?
bool shapesFromShapes(const Apply &node) {
  const Op &op = node.op();
  if (op.shapeNeedsValues() || !op.isPure() || op.acceptsNonTensorInputs()) return false;
  for (const Var &in : node.inputs())
    if (!in.type().isTensor()) return false;
  for (int k = 0; k < node.numOutputs(); ++k)
    if (!node.outputType(k).isTensor()) return false;
  return true;
}

bool allInputsStatic(const Apply &node) {
  for (const Var &in : node.inputs())
    if (!in.type().isStatic()) return false;
  return true;
}

Var shapeConstant(const Shape &s) {
  return Var::constant(Tensor::fromVector(std::vector<int64_t>(s.begin(), s.end())));
}

/// Is v computed anyway (a graph output, or read by a node other than a shape)? Then shape(v)
/// is as cheap as it gets and stays.
bool computedAnyway(const Var &v) {
  const FunctionGraph *g = rewritingGraph();
  if (!g) return false;
  for (const Client &c : g->clients(v))
    if (!c.node || c.node->op().name() != "shape") return true;
  return false;
}

std::vector<Var> shapeToShapeGraph(Apply &n) {
  const Var &v = n.input(0);
  Apply *owner = v->owner();
  if (!owner || computedAnyway(v)) return {};
  int k = 0;
  while (k < owner->numOutputs() && owner->output(k) != v)
    ++k;
  std::vector<Var> shapes = graphShapes(*owner);
  if (static_cast<int>(shapes.size()) <= k) return {};
  return {shapes[k]};
}
} // namespace

std::vector<Var> graphShapes(const Apply &node) {
  const Op &op = node.op();
  if (!op.isPure() || op.acceptsNonTensorInputs()) return {};
  std::vector<Var> inShapes;
  for (const Var &in : node.inputs())
    inShapes.push_back(shape(in));
  // An op whose shape needs values may still know a graph for it: alloc's is its size inputs
  // (size_shape checks them as perform would).
  std::vector<Var> custom = op.shapeGraph(node, inShapes);
  if (!custom.empty()) return custom;
  if (!shapesFromShapes(node)) return {};
  // Static inputs: the type rule already ran every check, the shapes are the types'.
  bool inputsStatic = allInputsStatic(node);
  std::shared_ptr<const InnerGraph> fn;
  std::vector<Var> out;
  for (int k = 0; k < node.numOutputs(); ++k) {
    const TensorType &t = node.outputType(k);
    if (inputsStatic && t.isStatic()) {
      out.push_back(shapeConstant(t.shape));
      continue;
    }
    if (!fn) fn = oneNode(node, "infer_shape");
    out.push_back(applyOp1(std::make_shared<InferShapeOp>(fn, k), inShapes));
  }
  return out;
}

Var infer_shape(const Apply &node, int output) {
  std::vector<Var> inShapes;
  for (const Var &in : node.inputs())
    inShapes.push_back(shape(in));
  return applyOp1(std::make_shared<InferShapeOp>(oneNode(node, "infer_shape"), output), inShapes);
}

Var check_shapes(const Var &x, const Apply &node) {
  std::vector<Var> ins{x};
  for (const Var &in : node.inputs())
    ins.push_back(shape(in));
  return applyOp1(std::make_shared<CheckShapesOp>(oneNode(node, "check_shapes")), ins);
}

Var keepShapeChecks(const Var &x, const Apply &node) {
  if (allInputsStatic(node)) return x;
  if (!shapesFromShapes(node)) return Var();
  return check_shapes(x, node);
}

void registerShapeGraphRewrites(RewriteRegistry &r) {
  r.add(NodeRewriter{
      "local_shape_to_shape_graph",
      {"canonicalize", "pushdown"},
      {"shape"},
      "shape(f(x, y)) -> f's shape graph of shape(x), shape(y) (infer_shape: f's checks kept)",
      "the shape graph replaces f(x, y), which is no longer computed",
      shapeToShapeGraph});
}

} // namespace graphjit
