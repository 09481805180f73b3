// specialize, products: move transposes off the operands of matmul so that every
// product reads its matrices along rows (BLAS's fastest order, and the streaming
// order of the loop nest integer products become). Registered with the
// specialize set by Registry.cpp.
#include "Rules.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/MatMul.h"

namespace graphjit::rewrite {

namespace {
void add(RewriteRegistry &r, const std::string &name, const std::string &algebra,
         std::function<std::vector<Var>(Apply &)> fn) {
  r.add(NodeRewriter{name, {"specialize"}, {"matmul"}, algebra, "", std::move(fn)});
}

/// A if v = transpose(A), a dimshuffle that swaps the last two axes of A (rank >= 2) and keeps the
/// rest.
Var transposed(const Var &v) {
  Apply *a = producer(v, "dimshuffle");
  if (!a) return Var();
  const auto &ds = static_cast<const DimShuffle &>(a->op());
  int n = ds.inputNdim();
  if (n < 2 || static_cast<int>(ds.order().size()) != n) return Var();
  for (int d = 0; d < n; ++d) {
    int64_t expected = d == n - 2 ? n - 1 : d == n - 1 ? n - 2 : d;
    if (ds.order()[static_cast<size_t>(d)] != expected) return Var();
  }
  return a->input(0);
}

/// The matrix A of a 2-d operand transpose(A) next to a vector operand `other`, else null.
Var transposedMatrixBesideVector(const Var &operand, const Var &other) {
  return operand.ndim() == 2 && other.ndim() == 1 ? transposed(operand) : Var();
}
} // namespace

void registerSpecializeProducts(RewriteRegistry &r) {
  add(r, "local_dot_transpose_vector", "dot(transpose(A), v) -> dot(v, A)",
      [](Apply &n) -> std::vector<Var> {
        Var a = transposedMatrixBesideVector(n.input(0), n.input(1));
        return a ? one(matmul(n.input(1), a)) : std::vector<Var>{};
      });
  add(r, "local_dot_vector_transpose", "dot(v, transpose(A)) -> dot(A, v)",
      [](Apply &n) -> std::vector<Var> {
        Var a = transposedMatrixBesideVector(n.input(1), n.input(0));
        return a ? one(matmul(a, n.input(0))) : std::vector<Var>{};
      });
  // Only for integer products: float products are BLAS calls, which read transposed operands
  // in place, and the rewritten form would add a transposed copy of the result.
  add(r, "local_matmul_transpose_transpose",
      "transpose(A) @ transpose(B) -> transpose(B @ A) (integer dtypes)",
      [](Apply &n) -> std::vector<Var> {
        Var a = transposed(n.input(0)), b = transposed(n.input(1));
        if (!a || !b || isFloat(n.output(0).dtype())) return {};
        Var p = matmul(b, a);
        IntList swap;
        for (int d = 0; d < p.ndim() - 2; ++d)
          swap.push_back(d);
        swap.push_back(p.ndim() - 1);
        swap.push_back(p.ndim() - 2);
        return one(dimshuffle(p, swap));
      });
  add(r, "local_matmul_inner_one",
      "A @ B -> A * B when the inner dim is a static 1 (an outer product)",
      [](Apply &n) -> std::vector<Var> {
        const Var &a = n.input(0), &b = n.input(1);
        int r = a.ndim();
        if (r < 2 || b.ndim() != r || a.type().shape[r - 1] != 1 || b.type().shape[r - 2] != 1)
          return {};
        // One product per element, no sum: the elementwise form is exact and one streaming pass.
        Var p = a * b;
        return p.type() == n.output(0).type() ? one(p) : std::vector<Var>{};
      });
}

} // namespace graphjit::rewrite
