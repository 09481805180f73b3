#include "graphjit/Ops/Registry.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"

namespace graphjit {

const OpRegistry &opRegistry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElemwiseOps(r);
    registerDimShuffleOps(r);
    return r;
  }();
  return registry;
}

} // namespace graphjit
