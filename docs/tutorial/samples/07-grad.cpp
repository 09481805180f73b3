// Chapter 7: automatic differentiation; gradients are graphs too.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var x = scalar("x");
  Var y = sigmoid(x);
  Var g = grad(y, x); // d sigmoid(x) / dx, as a new graph
  std::cout << "grad graph: " << toposort({g}).size()
            << " nodes, simplified: " << toposort(simplify({g})).size() << "\n";
  std::cout << dprint(simplify({g}));
  std::cout << "dy/dx at 0: " << g.eval({{x, Tensor::scalar(0.0)}}).item() << "\n";

  // With respect to a vector: d/dw sum(w * w) = 2 w.
  Var w = vector("w");
  std::cout << "d/dw sum(w*w) at [1, -3]: "
            << grad(sum(w * w), w).eval({{w, Tensor::of({1, -3})}}).str() << "\n";

  // Second order: the Hessian of sum(v^3) is diag(6 v).
  Var s = tensor(DType::Float64, {2}, "s");
  std::cout << "hessian: " << hessian(sum(s * s * s), s).eval({{s, Tensor::of({1, 2})}}).str()
            << "\n";
  // An unknown length (a vector() or a shared() value is f64[?]) works too: the rows come from
  // one vector-Jacobian product batched by vectorize_graph over basis vectors.
  Var u = vector("u");
  std::cout << "hessian of f64[?]: "
            << hessian(sum(u * u * u), u).eval({{u, Tensor::of({1, 2, 3})}}).str() << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: grad graph: {{[0-9]+}} nodes, simplified: {{[0-9]+}}
// CHECK-NEXT: mul [id A]
// CHECK-NEXT:  ├─ sigmoid [id B]
// CHECK-NEXT:  │   └─ x [id C]
// CHECK-NEXT:  └─ sigmoid [id D]
// CHECK-NEXT:      └─ neg [id E]
// CHECK-NEXT:          └─ x [id C]
// CHECK-NEXT: dy/dx at 0: 0.25
// CHECK-NEXT: d/dw sum(w*w) at [1, -3]: f64[2] [2, -6]
// CHECK-NEXT: hessian: f64[2,2] {{\[\[}}6, 0], [0, 12]]
// CHECK-NEXT: hessian of f64[?]: f64[3,3] {{\[\[}}6, 0, 0], [0, 12, 0], [0, 0, 18]]
