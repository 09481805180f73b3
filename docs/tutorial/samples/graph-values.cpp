// docs/graph.md: getting values out of graphs.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var M = matrix("M");
  Var m = mean(M, {0, 1}); // braced axis lists
  Tensor value = Tensor::of({{1, 2}, {3, 6}});

  // evaluate: the reference interpreter on the graph exactly as written.
  std::cout << "evaluate: " << evaluate(m, {{M, value}}).str() << "\n";
  // Var::eval: PyTensor's m.eval({M: value}) (rewritten first, like a compiled function).
  std::cout << "eval:     " << m.eval({{M, value}}).str() << "\n";
  // Single rows and 1x1 literals are matrices.
  std::cout << "1x1:      " << (M * 10.0).eval({{M, Tensor::of({{7}})}}).str() << "\n";

  // Shared variables: a value stored in the graph.
  Var w = shared(Tensor::of({1, 2}), "w");
  std::cout << "getValue: " << getValue(w).str() << ", sum(w).eval(): " << sum(w).eval().item()
            << "\n";
  setValue(w, Tensor::of({10, 20}));
  std::cout << "setValue: " << sum(w).eval().item() << "\n";
  try {
    setValue(w, Tensor::of({{1, 2}}));
  } catch (const TypeError &e) {
    std::cout << "error: " << e.what() << "\n";
  }
  try {
    m.eval();
  } catch (const ValueError &e) {
    std::cout << "error: " << e.what() << "\n";
  }
}
// Output (make test checks these lines with FileCheck):
// CHECK: evaluate: f64[] 3
// CHECK-NEXT: eval:     f64[] 3
// CHECK-NEXT: 1x1:      f64[1,1] {{\[\[}}70]]
// CHECK-NEXT: getValue: f64[2] [1, 2], sum(w).eval(): 3
// CHECK-NEXT: setValue: 30
// CHECK-NEXT: error: setValue: 'w' expects f64[?], got f64[1,2]
// CHECK-NEXT: error: Var::eval: no value given for input 'M' of type f64[?,?]; pass one as v.eval(
