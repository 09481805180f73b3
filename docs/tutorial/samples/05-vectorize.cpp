// Chapter 5: automatic vectorization. Write the graph for one row; batch it.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var x = vector("x");
  Var e = exp(x - max(x));
  Var p = e / sum(e); // softmax of one vector
  std::cout << "core: " << x.type().str() << " -> " << p.type().str() << "\n";

  // The same computation for every row of a matrix, without rewriting it by hand.
  Var X = matrix("X");
  Var P = vectorize_graph(p, {{x, X}});
  std::cout << "batched: " << X.type().str() << " -> " << P.type().str() << "\n";
  Tensor rows = Tensor::of({{0, 0}, {0, 1000}});
  std::cout << P.eval({{X, rows}}).str() << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: core: f64[?] -> f64[?]
// CHECK-NEXT: batched: f64[?,?] -> f64[?,?]
// CHECK-NEXT: f64[2,2] {{\[\[}}0.5, 0.5], [0, 1]]
