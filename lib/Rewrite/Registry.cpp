// The rewrite registry: rules by name and tag, and the queries that select them.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/ControlFlow/ControlFlow.h"
#include "graphjit/ControlFlow/ShapeGraph.h"
#include "graphjit/Ops/DimShuffle.h"

namespace graphjit {

const RewriteRegistry &rewriteRegistry() {
  static const RewriteRegistry registry = [] {
    RewriteRegistry r;
    rewrite::registerCanonicalize(r);
    rewrite::registerCanonicalizeGrad(r);
    rewrite::registerCanonicalizeProducts(r); // CanonicalizeProducts.cpp
    rewrite::registerCanonicalizeFill(r);     // CanonicalizeFill.cpp
    rewrite::registerDynIndexRewrites(r);     // DynIndexFold.cpp
    rewrite::registerCanonicalizeSizes(r);    // CanonicalizeSizes.cpp
    rewrite::registerIndexPushdown(r);
    rewrite::registerIndexMerge(r);
    rewrite::registerShapePushdown(r);
    registerShapeGraphRewrites(r); // after it: the cheaper forms first (lib/ControlFlow)
    rewrite::registerStabilize(r);
    rewrite::registerStabilizeForms(r);
    rewrite::registerStabilizeProducts(r); // StabilizeProducts.cpp
    rewrite::registerLinalgRewrites(r);    // Linalg.cpp
    rewrite::registerSpecialize(r);
    rewrite::registerSpecializeProducts(r); // SpecializeProducts.cpp
    rewrite::registerSpecializeFactor(r);   // SpecializeFactor.cpp
    rewrite::registerRandomLifts(r);        // RandomLifts.cpp (opt-in: random_lift)
    registerControlFlowRewrites(r);         // lib/ControlFlow/ScanRewrites.cpp
    return r;
  }();
  return registry;
}

namespace rewrite {

Apply *producer(const Var &v, const char *name) {
  Apply *a = v->owner();
  return a && a->op().name() == name ? a : nullptr;
}

std::optional<double> splatValue(const Var &v) {
  if (v->isConstant()) {
    const Tensor &t = v->constantValue();
    if (t.size() == 0 || t.isOpaque()) return std::nullopt;
    double first = t.getAsDouble(0);
    for (int64_t i = 1; i < t.size() && i < 4096; ++i)
      if (t.getAsDouble(i) != first) return std::nullopt;
    if (t.size() > 4096) return std::nullopt;
    return first;
  }
  if (Apply *a = producer(v, "dimshuffle")) return splatValue(a->input(0));
  if (Apply *a = producer(v, "full_like"))
    return a->op().attrs().getOr<double>("value", 0); // a filled tensor
  return std::nullopt;
}

bool isSplat(const Var &v, double value) {
  auto s = splatValue(v);
  return s && *s == value;
}

std::vector<Var> one(const Var &v) { return v ? std::vector<Var>{v} : std::vector<Var>{}; }

} // namespace rewrite
} // namespace graphjit
