// Chapter 6: rewrites and numerical stability.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var x = vector("x");
  Var naive = log(1.0 + exp(x)); // overflows: exp(1000) is inf
  Tensor v = Tensor::of({-50, 0, 50, 1000});

  // evaluate() runs the graph exactly as written, with the interpreter.
  std::cout << "as written: " << evaluate(naive, {{x, v}}).str() << "\n";

  // The rewriter replaces the pattern by a stable op; each applied rule is reported.
  FunctionGraph fg({x}, {naive});
  RewriteOptions options;
  options.listener = [](const RewriteEvent &e) { std::cout << "rewrite: " << e.rule << "\n"; };
  rewriteGraph(fg, options);
  std::cout << dprint(fg.outputs());

  // compile() and eval() rewrite first, so they get the stable form.
  Function f = compile({x}, {naive});
  std::cout << "compiled:   " << f.call1({v}).str() << "\n";
  std::cout << "eval:       " << naive.eval({{x, v}}).str() << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: as written: f64[4] [0, 0.6931471805599453, 50, inf]
// CHECK: rewrite: local_log1p_exp
// CHECK-NEXT: softplus [id A]
// CHECK-NEXT:  └─ x [id B]
// CHECK-NEXT: compiled:   f64[4] [1.92874984796391{{[0-9]+}}e-22, 0.6931471805599453, 50, 1000]
// CHECK-NEXT: eval:       f64[4] [1.92874984796391{{[0-9]+}}e-22, 0.6931471805599453, 50, 1000]
