// Registration of the control-flow ops in the op registry.
#include "graphjit/ControlFlow/ControlFlow.h"
#include "graphjit/ControlFlow/ShapeGraph.h"
#include "graphjit/Graph/OpRegistry.h"

namespace graphjit {

void registerControlFlowOps(OpRegistry &registry) {
  registerIfElseOps(registry);
  registerScanOps(registry);
  registerShapeGraphOps(registry);
}

} // namespace graphjit
