// One-line PyTensor names over existing ops (see MathBuilders.h).
#include "graphjit/Ops/MathBuilders.h"
#include "OpUtil.h"
#include "graphjit/Ops/AdvancedIndexing.h"
#include "graphjit/Ops/Cumulative.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit {

Var square(const Var &x) { return sqr(x); }
Var tan(const Var &x) { return sin(x) / cos(x); }
Var sinh(const Var &x) { return (exp(x) - exp(-x)) * 0.5; }
Var cosh(const Var &x) { return (exp(x) + exp(-x)) * 0.5; }
Var erfc(const Var &x) { return 1.0 - erf(x); }
Var exp2(const Var &x) { return pow(scalarLike(2.0, x), x); }
Var logit(const Var &x) { return log(x / (1.0 - x)); }

Var flatten(const Var &x, int ndim) {
  if (ndim < 1 || ndim > std::max(1, x.ndim()))
    throw ValueError("flatten: ndim " + std::to_string(ndim) + " does not fit " + x.type().str());
  IntList shape;
  for (int d = 0; d < ndim - 1; ++d) {
    int64_t s = x.type().shape[d];
    if (s == kUnknownDim)
      throw NotImplementedError("flatten: needs static leading dims, got " + x.type().str());
    shape.push_back(s);
  }
  shape.push_back(-1);
  return reshape(x, shape);
}

Var swapaxes(const Var &x, int64_t a, int64_t b) {
  int nd = x.ndim();
  int i = detail::normalizeAxis(a, nd, "swapaxes"), j = detail::normalizeAxis(b, nd, "swapaxes");
  IntList order;
  for (int d = 0; d < nd; ++d)
    order.push_back(d == i ? j : d == j ? i : d);
  return dimshuffle(x, order);
}

// Grids are cumsum(ones) - 1 along each other axis, so no static shape is needed.
Var take_along_axis(const Var &x, const Var &idx, int64_t axis) {
  int nd = x.ndim();
  int a = detail::normalizeAxis(axis, nd, "take_along_axis");
  if (idx.ndim() != nd)
    throw ShapeError("take_along_axis: indices " + idx.type().str() + " need the rank of " +
                     x.type().str());
  std::vector<Var> ix;
  for (int d = 0; d < nd; ++d)
    ix.push_back(d == a ? idx : cumsum(ones_like(idx, DType::Int64), d) - 1.0);
  return advanced_subtensor(x, ix);
}

// A x = b with A = L L^T: L y = b, then L^T x = y (upper factor U: U^T y = b, U x = y).
Var cho_solve(const std::pair<Var, bool> &c_and_lower, const Var &b) {
  const auto &[c, lower] = c_and_lower;
  Var y = solve_triangular(c, b, lower, !lower);
  return solve_triangular(c, y, lower, lower);
}

} // namespace graphjit
