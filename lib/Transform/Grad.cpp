// Reverse mode: walk the nodes between the wrt variables and the cost in
// reverse topological order, call each node's L_op with the gradients of its
// outputs, and sum the contributions that reach each variable.
#include "graphjit/Transform/Grad.h"
#include "JacobianVectorized.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/StopGradient.h"
#include "graphjit/Support/Error.h"

#include <iostream>
#include <unordered_map>
#include <unordered_set>

namespace graphjit {

namespace {
std::string describe(const Var &v) {
  return (v.name().empty() ? std::string("<unnamed>") : "'" + v.name() + "'") + " (" +
         v.type().str() + ")";
}

/// Sums gradient contributions per variable, keeping insertion order irrelevant to results.
class GradientTable {
public:
  void add(const Var &v, const Var &g) {
    auto it = grads_.find(v.get());
    if (it == grads_.end())
      grads_.emplace(v.get(), g);
    else
      it->second = it->second + g;
  }
  Var get(const Var &v) const {
    auto it = grads_.find(v.get());
    return it == grads_.end() ? Var() : it->second;
  }

private:
  std::unordered_map<Variable *, Var> grads_;
};

/// Checks that an L_op result fits its input; a mismatch is an L_op bug.
void checkGradType(const Apply &node, size_t i, const Var &g) {
  const Var &in = node.inputs()[i];
  if (!g.type().isCompatible(in.type()) && !(g.dtype() == in.dtype() && g.ndim() == in.ndim()))
    throw Error("grad: " + node.op().str() + ".L_op returned a gradient of type " + g.type().str() +
                " for input " + std::to_string(i) + " of type " + in.type().str());
}
} // namespace

std::vector<Var> grad(const Var &cost, const std::vector<Var> &wrt, const GradOptions &options) {
  std::vector<Var> roots; // what the gradient flows back from
  GradientTable table;
  if (cost) {
    if (cost.ndim() != 0)
      throw ShapeError("grad: the cost must be a scalar, got " + describe(cost) +
                       " (sum it, or use jacobian/Lop)");
    if (!isFloat(cost.dtype()))
      throw TypeError("grad: the cost must be a float scalar, got " + describe(cost));
    table.add(cost, constant(1.0, cost.dtype()));
    roots.push_back(cost);
  } else if (options.known_grads.empty()) {
    throw ValueError("grad: a cost or known_grads is required");
  }
  for (auto &[v, g] : options.known_grads) {
    if (!v || !g) throw ValueError("grad: null variable in known_grads");
    if (!g.type().isCompatible(v.type()))
      throw TypeError("grad: known gradient of " + describe(v) + " has type " + g.type().str());
    table.add(v, g);
    roots.push_back(v);
  }
  for (const Var &w : wrt) {
    if (!w) throw ValueError("grad: a wrt variable is null");
    if (!isFloat(w.dtype()))
      throw TypeError("grad: cannot differentiate with respect to " + describe(w) +
                      ": integer and bool variables have no gradient");
  }

  std::unordered_set<Variable *> constants;
  for (const Var &c : options.consider_constant)
    constants.insert(c.get());
  // Only nodes downstream of some wrt variable matter.
  std::unordered_set<Variable *> dependsOnWrt;
  for (const Var &w : wrt)
    dependsOnWrt.insert(w.get());
  std::vector<Apply *> order = toposort(roots);
  std::vector<Apply *> relevant;
  for (Apply *node : order) {
    bool any = false;
    for (const Var &in : node->inputs())
      if (dependsOnWrt.count(in.get()) && !constants.count(in.get())) any = true;
    if (!any) continue;
    relevant.push_back(node);
    for (int i = 0; i < node->numOutputs(); ++i)
      dependsOnWrt.insert(node->output(i).get());
  }

  for (auto it = relevant.rbegin(); it != relevant.rend(); ++it) {
    Apply *node = *it;
    std::vector<Var> outs = node->outputs(), outGrads;
    bool anyGrad = false;
    for (const Var &o : outs) {
      Var g = constants.count(o.get()) ? Var() : table.get(o);
      anyGrad |= static_cast<bool>(g);
      outGrads.push_back(g);
    }
    if (!anyGrad) continue;
    std::vector<Var> inGrads = node->op().L_op(node->inputs(), outs, outGrads);
    if (inGrads.size() != node->inputs().size())
      throw Error("grad: " + node->op().str() + ".L_op returned " + std::to_string(inGrads.size()) +
                  " gradients for " + std::to_string(node->inputs().size()) + " inputs");
    for (size_t i = 0; i < inGrads.size(); ++i) {
      const Var &in = node->inputs()[i];
      if (!inGrads[i] || !dependsOnWrt.count(in.get()) || constants.count(in.get())) continue;
      checkGradType(*node, i, inGrads[i]);
      table.add(in, inGrads[i]);
    }
  }

  std::vector<Var> result;
  for (const Var &w : wrt) {
    Var g = constants.count(w.get()) ? Var() : table.get(w);
    if (!g) {
      std::string msg = "grad: the cost does not depend on " + describe(w);
      if (options.disconnected == DisconnectedPolicy::Raise)
        throw ValueError(msg + " (pass DisconnectedPolicy::Ignore to get zeros)");
      if (options.disconnected == DisconnectedPolicy::Warn) std::cerr << "warning: " << msg << "\n";
      g = zeros_like(w);
    } else if (g.dtype() != w.dtype()) {
      g = cast(g, w.dtype());
    }
    result.push_back(g);
  }
  return result;
}

Var grad(const Var &cost, const Var &wrt, const GradOptions &options) {
  return grad(cost, std::vector<Var>{wrt}, options)[0];
}

Var stop_gradient(const Var &x) { return applyOp1(std::make_shared<StopGradient>(), {x}); }

Var jacobian(const Var &expr, const Var &wrt, const GradOptions &options) {
  if (expr.ndim() == 0) return grad(expr, wrt, options);
  if (!expr.type().isStatic()) {
    try {
      return detail::jacobianVectorized(expr, wrt, options);
    } catch (const NotImplementedError &e) {
      throw NotImplementedError("jacobian: " + describe(expr) +
                                " has unknown dims, so its rows are batched by vectorize_graph, "
                                "which cannot batch it: " +
                                e.what());
    }
  }
  if (options.vectorizeJacobian && shapeSize(expr.type().shape) > 1) {
    try {
      return detail::jacobianVectorized(expr, wrt, options);
    } catch (const NotImplementedError &) {
      // An op without a batching rule: the per-element gradients below need none.
    }
  }
  int64_t n = shapeSize(expr.type().shape);
  Var flat = reshape(expr, {n});
  std::vector<Var> rows;
  for (int64_t i = 0; i < n; ++i)
    rows.push_back(grad(flat(i), wrt, options));
  if (rows.empty())
    throw ShapeError("jacobian: the expression " + describe(expr) + " has no elements");
  Var stacked = stack(rows, 0); // [n, wrt...]
  IntList shape(expr.type().shape.begin(), expr.type().shape.end());
  for (int64_t d : stacked.type().shape)
    shape.push_back(d);
  shape.erase(shape.begin() + expr.ndim()); // drop the stacked n, keep wrt dims
  bool wrtStatic = wrt.type().isStatic();
  if (!wrtStatic) {
    // reshape needs the wrt dims: at most one unknown can be inferred.
    int unknown = 0;
    for (int64_t d : wrt.type().shape)
      unknown += d == kUnknownDim;
    if (unknown > 1)
      throw ShapeError("jacobian: " + describe(wrt) +
                       " has more than one unknown dim; give it a static shape");
  }
  return reshape(stacked, shape);
}

Var hessian(const Var &cost, const Var &wrt, const GradOptions &options) {
  return jacobian(grad(cost, wrt, options), wrt, options);
}

std::vector<Var> Lop(const std::vector<Var> &outputs, const std::vector<Var> &wrt,
                     const std::vector<Var> &eval_points) {
  if (outputs.size() != eval_points.size())
    throw ValueError("Lop: " + std::to_string(outputs.size()) + " outputs but " +
                     std::to_string(eval_points.size()) + " eval points");
  GradOptions o;
  o.disconnected = DisconnectedPolicy::Ignore;
  for (size_t k = 0; k < outputs.size(); ++k)
    o.known_grads.emplace_back(outputs[k], eval_points[k]);
  return grad(Var(), wrt, o);
}

std::vector<Var> Rop(const std::vector<Var> &outputs, const std::vector<Var> &wrt,
                     const std::vector<Var> &eval_points) {
  if (wrt.size() != eval_points.size())
    throw ValueError("Rop: " + std::to_string(wrt.size()) + " wrt variables but " +
                     std::to_string(eval_points.size()) + " eval points");
  for (size_t i = 0; i < wrt.size(); ++i)
    if (!eval_points[i].type().isCompatible(wrt[i].type()))
      throw TypeError("Rop: eval point " + std::to_string(i) + " has type " +
                      eval_points[i].type().str() + ", expected " + wrt[i].type().str());
  // J v = d/du <J^T u, v>: the inner product is linear in u, so its gradient
  // does not depend on u, which is then replaced by zeros.
  std::vector<Var> dummies;
  for (const Var &out : outputs)
    dummies.push_back(Var::input(out.type(), "rop_u"));
  std::vector<Var> lops = Lop(outputs, wrt, dummies);
  Var inner;
  for (size_t i = 0; i < wrt.size(); ++i) {
    Var term = sum(lops[i] * eval_points[i]);
    inner = inner ? inner + term : term;
  }
  GradOptions o;
  o.disconnected = DisconnectedPolicy::Ignore;
  std::vector<Var> jv = grad(inner, dummies, o);
  Replacements noDummies;
  for (size_t k = 0; k < outputs.size(); ++k)
    noDummies.emplace_back(dummies[k], zeros_like(outputs[k]));
  return graph_replace(jv, noDummies, false);
}

} // namespace graphjit
