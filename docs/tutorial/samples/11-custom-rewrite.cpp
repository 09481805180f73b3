// Chapter 11: writing your own rewrite (x + x -> 2 * x) and watching it fire.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  NodeRewriter addSelf;
  addSelf.name = "my_add_self";
  addSelf.tags = {"canonicalize"}; // the phase it runs in
  addSelf.ops = {"add"};           // the nodes it looks at
  addSelf.algebra = "x + x -> 2 * x";
  addSelf.apply = [](Apply &node) -> std::vector<Var> {
    if (node.input(0) != node.input(1)) return {}; // does not apply
    return {node.input(0) * 2.0};
  };

  Var x = vector("x");
  Var y = (x + x) + (x + x);
  std::cout << "before:\n" << dprint(y);

  FunctionGraph fg({x}, {y});
  RewriteOptions options;
  options.query = "fast_run,-local_add_self"; // switch off the built-in rule of the same algebra
  options.extraRules = {addSelf};
  int step = 0;
  options.listener = [&](const RewriteEvent &e) {
    std::cout << "step " << ++step << ": " << e.rule << "\n"
              << dprint(e.before) << "  ->\n"
              << dprint(e.after);
  };
  rewriteGraph(fg, options);
  std::cout << "after:\n" << dprint(fg.outputs());
  Tensor v = Tensor::of({1, 2});
  std::cout << "same values: " << evaluate(fg.outputs(), {{fg.inputs()[0], v}})[0].str() << " "
            << y.eval({{x, v}}).str() << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: before:
// CHECK: step 2: my_add_self
// CHECK-NEXT: add [id A]
// CHECK-NEXT:  ├─ x [id B]
// CHECK-NEXT:  └─ x [id B]
// CHECK-NEXT:   ->
// CHECK-NEXT: mul [id A]
// CHECK: step {{[0-9]+}}: my_add_self
// CHECK: after:
// CHECK-NEXT: mul [id A]
// CHECK-NEXT:  ├─ mul [id B]
// CHECK-NEXT:  │   ├─ x [id C]
// CHECK-NEXT:  │   └─ [2] [id D]
// CHECK-NEXT:  └─ [2] [id D]
// CHECK-NEXT: same values: f64[2] [4, 8] f64[2] [4, 8]
