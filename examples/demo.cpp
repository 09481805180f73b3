// The main demo: build a graph, look at it, evaluate it.
#include "graphjit/graphjit.h"

#include <iostream>

using namespace graphjit;

int main() {
  Var x = matrix("x");
  Var b = vector("b");
  Var y = exp(x) * 2.0 + b;

  Function f = compile({x, b}, {y});
  Tensor out = f.call1({Tensor::of({{0.0, 1.0}, {2.0, 3.0}}), Tensor::of({10.0, 20.0})});
  std::cout << "y = exp(x) * 2 + b\n" << out.str() << "\n";
  return 0;
}
