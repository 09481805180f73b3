// A program outside the graphjit tree, built against the installed package.
#include <graphjit/graphjit.h>

#include <cmath>
#include <cstdio>

int main() {
  using namespace graphjit;
  Var x = vector("x");
  Function f = compile({x}, {exp(x) + 1.0}, {}, Mode::Interpret);
  Tensor r = f.call1({Tensor::of({0.0, 1.0})});
  bool ok = allclose(r, Tensor::of({2.0, std::exp(1.0) + 1.0}));
  std::printf("consumer: %s %s\n", r.str().c_str(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
