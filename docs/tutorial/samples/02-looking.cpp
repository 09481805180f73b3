// Chapter 2: looking at graphs: dprint, the text IR, DOT, pictures.
#include <graphjit/graphjit.h>

#include <filesystem>
#include <iostream>

using namespace graphjit;

int main() {
  Var x = matrix("x");
  Var b = vector("b");
  Var y = exp(x) * 2.0 + b; // b broadcasts over the rows of x
  y->name = "y";

  std::cout << "== dprint\n" << dprint(y);
  DPrintOptions withTypes;
  withTypes.printTypes = true;
  std::cout << "== dprint with types\n" << dprint(y, withTypes);
  std::cout << "== text IR\n" << printFunction({"f", {x, b}, {y}});

  std::string dot = to_dot({y});
  std::cout << "== DOT starts with: " << dot.substr(0, dot.find('\n')) << "\n";
  // One call each, through Graphviz's library (PyTensor's pydotprint).
  write_svg(y, "y.svg");
  write_png(y, "y.png");
  std::cout << "== wrote y.svg and y.png: "
            << (std::filesystem::file_size("y.svg") > 1000 ? "yes" : "no") << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: == dprint
// CHECK-NEXT: add [id A] 'y'
// CHECK-NEXT:  ├─ mul [id B]
// CHECK-NEXT:  │   ├─ exp [id C]
// CHECK-NEXT:  │   │   └─ x [id D]
// CHECK: == dprint with types
// CHECK-NEXT: add [id A] <f64[?,?]> 'y'
// CHECK: == text IR
// CHECK-NEXT: func @f(%x: f64[?,?], %b: f64[?]) -> (f64[?,?]) {
// CHECK-NEXT:   %0 = exp(%x) : f64[?,?]
// CHECK: %y = add(%3, %4) : f64[?,?]
// CHECK-NEXT:   return %y
// CHECK: == DOT starts with: digraph graphjit {
// CHECK-NEXT: == wrote y.svg and y.png: yes
