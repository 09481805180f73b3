// Chapter 1: a graph is a recipe for a value, not the value.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  // Numeric: C++ computes b at once; the recipe is forgotten.
  double a = 3.0;
  double b = a * 2.0 + 1.0;
  std::cout << "numeric b = " << b << "\n";

  // Symbolic: x has a type but no value, and y records how to compute it.
  Var x = scalar("x");
  Var y = x * 2.0 + 1.0;
  std::cout << "symbolic y: type " << y.type().str() << ", made by '" << y.owner()->op().name()
            << "'\n";
  std::cout << dprint(y);

  // Give x a value to get one for y.
  std::cout << "y at x = 3: " << y.eval({{x, Tensor::scalar(3.0)}}).item() << "\n";

  // Or make a function of the graph once and call it many times.
  Function f = compile({x}, {y});
  for (double v : {0.0, 1.0, 2.5})
    std::cout << "f(" << v << ") = " << f.call1({Tensor::scalar(v)}).item() << "\n";

  // The same recipe on whole arrays: a vector input, NumPy semantics.
  Var v = vector("v");
  std::cout << (v * 2.0 + 1.0).eval({{v, Tensor::of({1, 2, 3})}}).str() << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: numeric b = 7
// CHECK: symbolic y: type f64[], made by 'add'
// CHECK-NEXT: add [id A]
// CHECK-NEXT:  ├─ mul [id B]
// CHECK-NEXT:  │   ├─ x [id C]
// CHECK-NEXT:  │   └─ 2 [id D]
// CHECK-NEXT:  └─ 1 [id E]
// CHECK-NEXT: y at x = 3: 7
// CHECK-NEXT: f(0) = 1
// CHECK-NEXT: f(1) = 3
// CHECK-NEXT: f(2.5) = 6
// CHECK-NEXT: f64[3] [3, 5, 7]
