// Chapter 12: (A @ B)[i] computes a whole product for one row; A[i] @ B does not.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var A = matrix("A"), B = matrix("B");
  Var row = matmul(A, B)[1];   // as written: the full product, then one row
  Var cheap = matmul(A[1], B); // the same row, one vector-matrix product
  std::cout << dprint(row) << dprint(cheap);
  Tensor a = Tensor::of({{1, 2}, {3, 4}, {5, 6}}), b = Tensor::of({{1, 0, 2}, {0, 1, 3}});
  std::cout << row.eval({{A, a}, {B, b}}).str() << " == " << cheap.eval({{A, a}, {B, b}}).str()
            << "\n";

  // The rewrite, written as in chapter 11: index the left factor instead of the product.
  NodeRewriter pushdown;
  pushdown.name = "my_subtensor_of_matmul";
  pushdown.tags = {"canonicalize"};
  pushdown.ops = {"subtensor"};
  pushdown.algebra = "(A @ B)[idx] -> A[idx] @ B, A and B matrices, idx on the first axis";
  pushdown.apply = [](Apply &node) -> std::vector<Var> {
    auto product = node.input(0).owner();
    const auto &idx = static_cast<const Subtensor &>(node.op()).idx();
    if (!product || product->op().name() != "matmul" || idx.size() != 1) return {};
    Var left = product->input(0), right = product->input(1);
    if (left.ndim() != 2 || right.ndim() != 2) return {};
    return {matmul(applyOp1(node.opPtr(), {left}), right)};
  };
  auto trace = [](const RewriteEvent &e) { std::cout << "rewrite: " << e.rule << "\n"; };
  // fast_run (what compile() runs) already has this rule, lazily: only the row is computed.
  FunctionGraph builtin({A, B}, {row});
  RewriteOptions defaults;
  defaults.listener = trace;
  rewriteGraph(builtin, defaults);
  // Ours instead of the built-in one: a query can name rules, and exclude them with '-'.
  FunctionGraph fg({A, B}, {row});
  RewriteOptions options;
  options.query = "fast_run,-local_subtensor_matmul";
  options.extraRules = {pushdown};
  options.listener = trace;
  rewriteGraph(fg, options);
  std::cout << dprint(fg.outputs());
}

// Output (make test checks these lines with FileCheck):
// CHECK: subtensor{idx=(1)} [id A]
// CHECK-NEXT:  └─ matmul [id B]
// CHECK: matmul [id A]
// CHECK-NEXT:  ├─ subtensor{idx=(1)} [id B]
// CHECK: f64[3] [3, 4, 18] == f64[3] [3, 4, 18]
// CHECK: rewrite: local_subtensor_matmul
// CHECK: rewrite: my_subtensor_of_matmul
// CHECK-NEXT: matmul [id A]
// CHECK-NEXT:  ├─ subtensor{idx=(1)} [id B]
// CHECK-NEXT:  │ └─ A [id C]
// CHECK-NEXT:  └─ B [id D]
