// Chapter 8: compiling, shared variables and updates.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var x = vector("x");
  // Shared variables keep their value between calls.
  Var calls = shared(Tensor::scalar(0.0), "calls");
  Var total = shared(Tensor::scalar(0.0), "total");
  // updates: after each call, calls := calls + 1 and total := total + sum(x).
  Function f = compile({x}, {sum(x)}, {{calls, calls + 1.0}, {total, total + sum(x)}});
  f({Tensor::of({1, 2})});
  f({Tensor::of({3})});
  std::cout << "calls = " << getValue(calls).item() << ", total = " << getValue(total).item()
            << "\n";
  setValue(total, Tensor::scalar(100.0));
  f({Tensor::of({5})});
  std::cout << "after setValue and one call: total = " << getValue(total).item() << "\n";

  // Every update reads the old values, so two shared variables swap.
  Var a = shared(Tensor::scalar(1.0), "a"), b = shared(Tensor::scalar(2.0), "b");
  Function swap = compile({}, {a + b}, {{a, b}, {b, a}});
  swap({});
  std::cout << "swapped: a = " << getValue(a).item() << ", b = " << getValue(b).item() << "\n";

  // The interpreter and native code agree.
  Var y = tanh(x) * 3.0;
  Function jit = compile({x}, {y}, {}, Mode::JIT), interp = compile({x}, {y}, {}, Mode::Interpret);
  Tensor v = Tensor::of({-1, 0, 0.5});
  std::cout << "jit:       " << jit.call1({v}).str() << "\ninterpret: " << interp.call1({v}).str()
            << "\n";

  // Wrong arguments are reported with the argument, expected and got.
  try {
    jit({Tensor::of({{1, 2}})});
  } catch (const TypeError &e) {
    std::cout << "error: " << e.what() << "\n";
  }
}

// Output (make test checks these lines with FileCheck):
// CHECK: calls = 2, total = 6
// CHECK-NEXT: after setValue and one call: total = 105
// CHECK-NEXT: swapped: a = 2, b = 1
// CHECK-NEXT: jit:       f64[3] [-2.28478246786729{{[0-9]+}}, 0, 1.38635147178002{{[0-9]+}}]
// CHECK-NEXT: interpret: f64[3] [-2.28478246786729{{[0-9]+}}, 0, 1.38635147178002{{[0-9]+}}]
// CHECK-NEXT: error: Function call: argument 0 ('x') expects f64[?], got f64[1,2]
