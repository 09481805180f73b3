// The main demo: build a graph, look at it, differentiate it, evaluate it.
#include "graphjit/graphjit.h"

#include <iostream>

using namespace graphjit;

int main() {
  Var x = matrix("x");
  Var b = vector("b");
  Var y = exp(x) * 2.0 + b; // b broadcasts over the rows of x
  y->name = "y";

  std::cout << "== the graph (dprint)\n" << dprint(y);
  std::cout << "\n== the same graph as text IR\n" << printFunction({"demo", {x, b}, {y}});

  Var loss = sum(sqr(y));
  Var gb = grad(loss, b);
  gb->name = "dloss_db";

  Function f = compile({x, b}, {y, gb}, {}, Mode::Interpret);
  auto out = f({Tensor::of({{0.0, 1.0}, {2.0, 3.0}}), Tensor::of({10.0, 20.0})});
  std::cout << "\n== evaluated with the interpreter\n"
            << "y        = " << out[0].str() << "\n"
            << "dloss/db = " << out[1].str() << "\n";
  return 0;
}
