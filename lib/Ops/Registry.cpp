#include "graphjit/Ops/Registry.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/StopGradient.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/Special.h"

namespace graphjit {

const OpRegistry &opRegistry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElemwiseOps(r);
    registerDimShuffleOps(r);
    registerShapeOps(r);
    registerIndexingOps(r);
    registerReduceOps(r);
    registerMatMulOps(r);
    registerStopGradientOps(r);
    registerLinalgOps(r);
    registerSpecialOps(r);
    return r;
  }();
  return registry;
}

} // namespace graphjit
