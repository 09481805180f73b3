// Chapter 3: variables, Apply nodes and ops, and how to walk them.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var x = vector("x"), w = vector("w");
  Var z = sigmoid(dot(x, w) + 1.0);

  // A variable knows the Apply node that computes it; the node knows its op and inputs.
  std::shared_ptr<Apply> node = z.owner();
  std::cout << "z = " << node->op().str() << "(...), " << node->inputs().size() << " input\n";
  Var sum = node->input(0);
  std::cout << "its input = " << sum.owner()->op().str() << " of " << sum.owner()->inputs().size()
            << " inputs\n";
  std::cout << "x is a graph input: " << (x.owner() == nullptr ? "yes" : "no") << "\n";

  // Every node, inputs before users.
  std::cout << "toposort:";
  for (Apply *a : toposort({z}))
    std::cout << " " << a->op().str();
  std::cout << "\n";

  // What a caller must supply, and everything z depends on.
  std::cout << "graphInputs:";
  for (const Var &v : graphInputs({z}))
    std::cout << " " << v.name();
  std::cout << "\nancestors: " << ancestors({z}).size() << " variables\n";
  int constants = 0;
  for (const Var &v : ancestors({z}))
    constants += v->isConstant();
  std::cout << "of which constants: " << constants << "\n";

  // A FunctionGraph: a copy with inputs, outputs and the clients of each variable.
  FunctionGraph fg({x, w}, {z});
  std::cout << "FunctionGraph: " << fg.numNodes() << " nodes; x is used by";
  for (const Client &c : fg.clients(fg.inputs()[0]))
    std::cout << " " << c.node->op().str() << "[" << c.index << "]";
  std::cout << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: z = sigmoid(...), 1 input
// CHECK-NEXT: its input = add of 2 inputs
// CHECK-NEXT: x is a graph input: yes
// CHECK-NEXT: toposort: matmul add sigmoid
// CHECK-NEXT: graphInputs: x w
// CHECK-NEXT: ancestors: 6 variables
// CHECK-NEXT: of which constants: 1
// CHECK-NEXT: FunctionGraph: 3 nodes; x is used by matmul[0]
