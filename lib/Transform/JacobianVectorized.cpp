// jacobian() of an expression whose size is known only at run time: one vector-Jacobian
// product u^T d(expr)/d(wrt) as a graph of a seed u, batched by vectorize_graph over the rows of
// an identity as large as expr. The batched product is one pass (a matrix product where the
// single product had a vector one), so it is also the fast form for static shapes
// (GradOptions::vectorizeJacobian).
#include "JacobianVectorized.h"

#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/Diagonal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Transform/Grad.h"
#include "graphjit/Transform/Vectorize.h"

#include <algorithm>

namespace graphjit::detail {

namespace {
/// zeros_like(x) with its dims placed at `at` among `total` dims (the others broadcast).
Var placed(const Var &x, int at, int total, DType dtype) {
  IntList order(static_cast<size_t>(total), -1);
  for (int d = 0; d < x.ndim(); ++d)
    order[static_cast<size_t>(at + d)] = d;
  return dimshuffle(zeros_like(x, dtype), order);
}
} // namespace

Var jacobianVectorized(const Var &expr, const Var &wrt, const GradOptions &options) {
  // The seed has expr's own shape: flattening expr first would put a reshape's gradient
  // (reshape_like, which has no batching rule) on the batched path.
  Var seed = Var::input(expr.type(), "jacobian_seed");
  GradOptions o = options;
  o.known_grads.emplace_back(expr, seed);
  // The product may not reach wrt at all: its rows are then zeros (or grad's error).
  Var vjp = grad(Var(), std::vector<Var>{wrt}, o)[0];
  Var flat = expr.ndim() == 1 ? expr : reshape(expr, {-1});
  Var basis = diag(ones_like(flat)); // [n, n]: row i seeds element i
  int k = expr.ndim(), m = wrt.ndim();
  if (k > 1) // [n, expr dims...]
    basis = reshape_like(basis, placed(flat, 0, 1 + k, expr.dtype()) +
                                    placed(expr, 1, 1 + k, expr.dtype()));
  std::vector<Var> ins = graphInputs({vjp});
  bool seeded = std::find(ins.begin(), ins.end(), seed) != ins.end();
  Var rows; // [n, wrt dims...]
  if (seeded)
    rows = vectorize_graph(vjp, Replacements{{seed, basis}});
  else // nothing to batch: the same (zero) row n times, broadcast against [n, 1, ...]
    rows = vjp + placed(flat, 0, 1 + m, vjp.dtype());
  if (k == 1) return rows;
  // expr dims + wrt dims, from a graph whose shape is that (only its shape is read).
  return reshape_like(rows,
                      placed(expr, 0, k + m, rows.dtype()) + placed(wrt, k, k + m, rows.dtype()));
}

} // namespace graphjit::detail
