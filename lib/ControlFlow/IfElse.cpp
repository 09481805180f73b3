// ifelse: the lazy branch op (type rule, perform, gradient, batching, registration).
#include "graphjit/ControlFlow/IfElse.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Transform/Grad.h"
#include "graphjit/Transform/Vectorize.h"

namespace graphjit {

namespace {
/// The type that holds both: equal dims stay, differing dims become unknown.
TensorType joinTypes(const TensorType &a, const TensorType &b, size_t index) {
  bool sameKind = a.isTensor() == b.isTensor() && (a.isTensor() || a.kind->equals(*b.kind));
  if (a.dtype != b.dtype || a.ndim() != b.ndim() || !sameKind)
    throw TypeError("ifelse: output " + std::to_string(index) + " is " + a.str() +
                    " in the then branch but " + b.str() +
                    " in the else branch; expected the same dtype and rank");
  TensorType t = a;
  for (int d = 0; d < a.ndim(); ++d)
    if (a.shape[d] != b.shape[d]) t.shape[d] = kUnknownDim;
  return t;
}
} // namespace

IfElseOp::IfElseOp(std::shared_ptr<const InnerGraph> thenBranch,
                   std::shared_ptr<const InnerGraph> elseBranch)
    : then_(std::move(thenBranch)), else_(std::move(elseBranch)) {
  if (then_->inputs().size() != else_->inputs().size())
    throw ValueError("ifelse: the branches take " + std::to_string(then_->inputs().size()) +
                     " and " + std::to_string(else_->inputs().size()) +
                     " inputs; expected the same inputs");
  for (size_t i = 0; i < then_->inputs().size(); ++i)
    if (then_->inputs()[i].type() != else_->inputs()[i].type())
      throw TypeError("ifelse: branch input " + std::to_string(i) + " is " +
                      then_->inputs()[i].type().str() + " in the then branch but " +
                      else_->inputs()[i].type().str() + " in the else branch");
  if (then_->outputs().size() != else_->outputs().size())
    throw ValueError("ifelse: the then branch returns " + std::to_string(then_->outputs().size()) +
                     " values and the else branch " + std::to_string(else_->outputs().size()) +
                     "; expected as many");
  for (size_t i = 0; i < then_->outputs().size(); ++i)
    joinTypes(then_->outputs()[i].type(), else_->outputs()[i].type(), i);
}

Attrs IfElseOp::attrs() const { return Attrs{{"then", then_->text()}, {"else", else_->text()}}; }

std::vector<InnerFunctionView> IfElseOp::innerFunctions() const {
  return {{"then", then_->inputs(), then_->outputs()}, {"else", else_->inputs(), else_->outputs()}};
}

bool IfElseOp::isPure() const {
  return !anyImpure(then_->outputs()) && !anyImpure(else_->outputs());
}

std::vector<TensorType> IfElseOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  size_t k = then_->inputs().size();
  if (in.size() != k + 1)
    throw ValueError("ifelse: expected " + std::to_string(k + 1) +
                     " inputs (the condition and the branches' inputs), got " +
                     std::to_string(in.size()));
  if (!in[0].isTensor() || in[0].ndim() != 0 || isFloat(in[0].dtype))
    throw TypeError("ifelse: the condition must be a bool or integer scalar, got " + in[0].str());
  for (size_t i = 0; i < k; ++i)
    if (!in[i + 1].isCompatible(then_->inputs()[i].type()))
      throw TypeError("ifelse: input " + std::to_string(i + 1) + " is " + in[i + 1].str() +
                      "; the branches expect " + then_->inputs()[i].type().str());
  std::vector<TensorType> out;
  for (size_t i = 0; i < then_->outputs().size(); ++i)
    out.push_back(joinTypes(then_->outputs()[i].type(), else_->outputs()[i].type(), i));
  return out;
}

std::vector<Shape> IfElseOp::inferShape(const std::vector<Shape> &in) const {
  std::vector<Shape> branchIn(in.begin() + 1, in.end());
  std::vector<Shape> a = then_->inferShapes(branchIn), b = else_->inferShapes(branchIn);
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i])
      throw ShapeError("ifelse: output " + std::to_string(i) + " has shape " + shapeStr(a[i]) +
                       " in the then branch and " + shapeStr(b[i]) +
                       " in the else branch; its shape depends on the condition's value");
  return a;
}

std::vector<Tensor> IfElseOp::perform(const std::vector<Tensor> &in) const {
  std::vector<Tensor> branchIn(in.begin() + 1, in.end());
  // Only the taken branch runs: the other may be costly or fail on these inputs.
  return in[0].getAsInt64(0) != 0 ? then_->run(branchIn) : else_->run(branchIn);
}

namespace {
/// The branch's vector-Jacobian product as a function of (its inputs, the output
/// grads): outputs d(cost)/d(input) for each input in `wrt` (zeros where disconnected).
std::shared_ptr<const InnerGraph> branchGrad(const InnerGraph &branch,
                                             const std::vector<int> &gradOutputs,
                                             const std::vector<int> &wrt) {
  std::vector<Var> ins = branch.inputs();
  GradOptions opts;
  opts.disconnected = DisconnectedPolicy::Ignore;
  for (int j : gradOutputs) {
    Var g = Var::input(branch.outputs()[j].type(), "g" + std::to_string(j));
    ins.push_back(g);
    opts.known_grads.emplace_back(branch.outputs()[j], g);
  }
  std::vector<Var> wrtVars;
  for (int i : wrt)
    wrtVars.push_back(branch.inputs()[i]);
  std::vector<Var> grads = grad(Var(), wrtVars, opts);
  return InnerGraph::make(ins, grads, "ifelse gradient");
}
} // namespace

std::vector<Var> IfElseOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                                const std::vector<Var> &outputGrads) const {
  std::vector<Var> result(inputs.size());
  std::vector<int> gradOutputs, wrt;
  for (size_t j = 0; j < outputGrads.size(); ++j)
    if (outputGrads[j]) gradOutputs.push_back(static_cast<int>(j));
  for (size_t i = 1; i < inputs.size(); ++i)
    if (isFloat(inputs[i].dtype()) && inputs[i].type().isTensor())
      wrt.push_back(static_cast<int>(i) - 1);
  if (gradOutputs.empty() || wrt.empty()) return result;
  auto op = std::make_shared<IfElseOp>(branchGrad(*then_, gradOutputs, wrt),
                                       branchGrad(*else_, gradOutputs, wrt));
  std::vector<Var> ins(inputs.begin(), inputs.end());
  for (int j : gradOutputs)
    ins.push_back(outputGrads[j]);
  std::vector<Var> grads = applyOp(op, ins);
  for (size_t w = 0; w < wrt.size(); ++w)
    result[wrt[w] + 1] = grads[w];
  return result;
}

std::vector<Var> IfElseOp::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                     int batchDims) const {
  auto batchedBranch = [&](const InnerGraph &g) {
    // Unbatched inputs are substituted as they are, then the batched ones are vectorized.
    Replacements plain, batched;
    for (size_t i = 1; i < inputs.size(); ++i)
      (inputs[i].batched ? batched : plain).emplace_back(g.inputs()[i - 1], inputs[i].var);
    std::vector<Var> outs = graph_replace(g.outputs(), plain, /*strict=*/false);
    return vectorize_graph(outs, batched);
  };
  std::vector<Var> a = batchedBranch(*then_), b = batchedBranch(*else_);
  std::vector<Var> out;
  bool sameRanks = true;
  for (size_t i = 0; i < a.size(); ++i)
    sameRanks = sameRanks && a[i].ndim() == b[i].ndim();
  if (!inputs[0].batched && sameRanks) return ifelse(inputs[0].var, a, b);
  // A condition per batch element cannot pick one branch (nor can one condition pick between a
  // batched and an unbatched value): both run, `where` picks and broadcasts.
  for (size_t i = 0; i < a.size(); ++i) {
    // c: [B...] -> [B..., 1, ...]; where broadcasts an unbatched branch over the batch.
    Var c = inputs[0].var;
    while (c.ndim() < batchDims + node.outputType(static_cast<int>(i)).ndim())
      c = expand_dims(c, c.ndim());
    out.push_back(where(c, a[i], b[i]));
  }
  return out;
}

bool anyImpure(const std::vector<Var> &outputs) {
  for (Apply *n : toposort(outputs))
    if (!n->op().isPure()) return true;
  return false;
}

std::vector<Var> ifelse(const Var &cond, const std::vector<Var> &thenOuts,
                        const std::vector<Var> &elseOuts) {
  if (!cond) throw ValueError("ifelse: the condition is null");
  std::vector<Var> all = thenOuts;
  all.insert(all.end(), elseOuts.begin(), elseOuts.end());
  std::vector<Var> captured = freeInputs(all, {});
  auto op = std::make_shared<IfElseOp>(InnerGraph::make(captured, thenOuts, "ifelse"),
                                       InnerGraph::make(captured, elseOuts, "ifelse"));
  std::vector<Var> ins{cond};
  ins.insert(ins.end(), captured.begin(), captured.end());
  return applyOp(op, ins);
}

Var ifelse(const Var &cond, const Var &thenOut, const Var &elseOut) {
  return ifelse(cond, std::vector<Var>{thenOut}, std::vector<Var>{elseOut})[0];
}

void registerIfElseOps(OpRegistry &registry) {
  registry.add(
      "ifelse",
      [](const Attrs &a) -> OpPtr {
        return std::make_shared<IfElseOp>(
            InnerGraph::parse(a.get<std::string>("then", "ifelse"), "ifelse"),
            InnerGraph::parse(a.get<std::string>("else", "ifelse"), "ifelse"));
      },
      Attrs{{"then", std::string("func @body(%x: f64[]) -> (f64[]) {\n  return %x\n}\n")},
            {"else", std::string("func @body(%x: f64[]) -> (f64[]) {\n  %0 = neg(%x) : f64[]\n  "
                                 "return %0\n}\n")}});
}

} // namespace graphjit
