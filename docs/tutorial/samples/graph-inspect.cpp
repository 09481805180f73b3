// docs/graph.md: the inspection API on one small graph.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var x = matrix("x"), w = vector("w");
  Var b = shared(Tensor::scalar(0.5), "b");
  Var z = sigmoid(dot(x, w) + b);
  z->name = "z";

  // Variables and their owners.
  std::shared_ptr<Apply> node = z.owner(); // null for inputs, constants, shared variables
  std::cout << "op: " << node->op().str() << ", inputs: " << node->inputs().size()
            << ", outputs: " << node->numOutputs() << ", z is output " << z->index() << "\n";
  Apply *add = node->input(0)->owner();
  std::cout << "below it: " << add->op().name() << "(" << add->input(0).owner()->op().name() << ", "
            << add->input(1).owner()->op().str() << ")\n";
  Var s = sum(x, {0, 1}, true);
  std::cout << "attrs are part of an op: " << s.owner()->input(0).owner()->op().str() << "\n";

  // Walking.
  std::cout << "toposort:";
  for (Apply *a : toposort({z}))
    std::cout << " " << a->op().name();
  std::cout << "\ngraphInputs:";
  for (const Var &v : graphInputs({z}))
    std::cout << " " << v.name();
  std::cout << "\nsharedInputs:";
  for (const Var &v : sharedInputs({z}))
    std::cout << " " << v.name();
  std::cout << "\nancestors:";
  for (const Var &v : ancestors({z}))
    std::cout << " " << (v.name().empty() ? v.owner() ? v.owner()->op().name() : "?" : v.name());
  std::cout << "\n";

  // Substituting: a new graph; z is unchanged.
  Var x2 = matrix("x2");
  Var z2 = graph_replace(z, {{x, x2 * 2.0}});
  std::cout << "graph_replace: " << graphInputs({z2})[0].name() << " replaces "
            << graphInputs({z})[0].name() << "\n";
  Var zc = clone_replace({z})[0];
  std::cout << "clone_replace: new nodes " << (zc.owner() != z.owner()) << ", same inputs "
            << (graphInputs({zc})[0] == x) << "\n";

  // FunctionGraph: the rewriter's view, with clients and replace().
  FunctionGraph fg({x, w}, {z});
  Var in0 = fg.inputs()[0];
  std::cout << "fg: " << fg.numNodes() << " nodes, clients of x: " << fg.clients(in0).size()
            << "\n";
  Var sumNode = fg.outputs()[0].owner()->input(0);
  fg.replace(sumNode, tanh(sumNode), "demo");
  std::cout << dprint(fg.outputs());
}
// Output (make test checks these lines with FileCheck):
// CHECK: op: sigmoid, inputs: 1, outputs: 1, z is output 0
// CHECK-NEXT: below it: add(matmul, dimshuffle{ndim=0, order=[-1]})
// CHECK-NEXT: attrs are part of an op: sum{axes=[0,1]}
// CHECK-NEXT: toposort: matmul dimshuffle add sigmoid
// CHECK-NEXT: graphInputs: x w
// CHECK-NEXT: sharedInputs: b
// CHECK-NEXT: ancestors: x w matmul b dimshuffle add z
// CHECK-NEXT: graph_replace: x2 replaces x
// CHECK-NEXT: clone_replace: new nodes 1, same inputs 1
// CHECK-NEXT: fg: 4 nodes, clients of x: 1
// CHECK-NEXT: sigmoid [id A] 'z'
// CHECK-NEXT:  └─ tanh [id B]
// CHECK-NEXT:      └─ add [id C]
