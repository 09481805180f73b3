// Chapter 4: replacing parts of a graph.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var x = vector("x");
  Var y = exp(x) + x;
  y->name = "y";

  // y with x := t * t. A new graph; y itself is not changed.
  Var t = vector("t");
  Var y2 = graph_replace(y, {{x, t * t}});
  std::cout << dprint(y2);
  std::cout << "y2 at t = [1, 2]: " << y2.eval({{t, Tensor::of({1, 2})}}).str() << "\n";
  std::cout << "y still reads x: " << (graphInputs({y})[0] == x ? "yes" : "no") << "\n";

  // clone_replace copies every node even with nothing to replace.
  Var copy = clone_replace({y})[0];
  std::cout << "copy is a new node: " << (copy.owner() != y.owner() ? "yes" : "no")
            << ", same graph: " << (dprint(copy) == dprint(y) ? "yes" : "no") << "\n";

  // The same substitution at compile time: PyTensor's givens.
  CompileOptions options;
  options.givens = {{x, t * t}};
  Function f = compile({t}, {y}, {}, options);
  std::cout << "compiled with givens: " << f.call1({Tensor::of({1, 2})}).str() << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: add [id A] 'y'
// CHECK-NEXT:  ├─ exp [id B]
// CHECK-NEXT:  │   └─ mul [id C]
// CHECK-NEXT:  │       ├─ t [id D]
// CHECK-NEXT:  │       └─ t [id D]
// CHECK-NEXT:  └─ mul [id C]
// CHECK-NEXT: y2 at t = [1, 2]: f64[2] [3.71828182845904{{[0-9]}}, 58.5981500331442{{[0-9]+}}]
// CHECK-NEXT: y still reads x: yes
// CHECK-NEXT: copy is a new node: yes, same graph: yes
// CHECK-NEXT: compiled with givens: f64[2] [3.71828182845904{{[0-9]}}, 58.5981500331442{{[0-9]+}}]
