// Gradients of elementwise ops (Elemwise::L_op). Not written yet: grad()
// reports the op as not differentiable until the autodiff work lands.
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

std::vector<Var> Elemwise::L_op(const std::vector<Var> &, const std::vector<Var> &,
                                const std::vector<Var> &) const {
  throw NotImplementedError(str() + ": gradient (L_op) is not implemented yet");
}

std::vector<Var> DimShuffle::L_op(const std::vector<Var> &, const std::vector<Var> &,
                                  const std::vector<Var> &) const {
  throw NotImplementedError(str() + ": gradient (L_op) is not implemented yet");
}

} // namespace graphjit
