// The op registry: every op graphjit defines, registered explicitly.
#include "graphjit/Ops/Registry.h"
#include "graphjit/Ops/AdvancedIndexing.h"
#include "graphjit/Ops/Cumulative.h"
#include "graphjit/Ops/Diagonal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Random.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/Sort.h"
#include "graphjit/Ops/Special.h"
#include "graphjit/Ops/StopGradient.h"

#include "graphjit/Support/Error.h"

#include <mutex>

namespace graphjit {

namespace {
OpRegistry &registry() {
  static OpRegistry registry = [] {
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
    registerRandomOps(r);
    registerDiagonalOps(r);
    registerCumulativeOps(r);
    registerSortOps(r);
    registerAdvancedIndexingOps(r);
    return r;
  }();
  return registry;
}
} // namespace

const OpRegistry &opRegistry() { return registry(); }

void registerOp(const std::string &name, OpRegistry::Factory factory, Attrs exampleAttrs) {
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  if (name.empty() || registry().contains(name))
    throw ValueError("registerOp: an op named '" + name + "' is " +
                     (name.empty() ? "not allowed" : "already registered"));
  registry().add(name, std::move(factory), std::move(exampleAttrs));
}

} // namespace graphjit
