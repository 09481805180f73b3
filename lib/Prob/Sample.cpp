// sample(): n seeded draws of a random variable whose parameters are computable
// on the host (the samplers live with the op, in lib/Ops/RandomDraw.cpp).
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Prob/RandomVariable.h"

namespace graphjit {

Tensor sample(const Var &rv, int64_t n, uint64_t seed,
              const std::vector<std::pair<Var, Tensor>> &bindings) {
  const RandomVariableOp *op = asRandomVariable(rv);
  if (!op)
    throw ValueError("sample: '" + (rv ? rv.type().str() : std::string("null")) +
                     "' is not a random variable (build one with normal(), gamma(), ...)");
  std::vector<Tensor> params = evaluate(rvParams(rv), bindings);
  std::vector<Shape> shapes{Shape{}, Shape{0}}; // the generator's and an empty size's
  for (auto &t : params)
    shapes.push_back(t.shape());
  Shape s = op->inferShape(shapes)[1];
  return drawSamples(op->dist(), params, s, n, seed);
}

} // namespace graphjit
