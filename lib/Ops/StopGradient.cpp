// stop_gradient: identity forward, no gradient backward.
#include "graphjit/Ops/StopGradient.h"
#include "OpUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"

namespace graphjit {

std::vector<TensorType> StopGradient::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("stop_gradient", in.size(), 1);
  return {in[0]};
}

// stop_gradient(x) over a batch: stop_gradient of the batched x.
std::vector<Var> StopGradient::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                         int batchDims) const {
  return batchBroadcasting(node, inputs, batchDims);
}

void registerStopGradientOps(OpRegistry &registry) {
  registry.add("stop_gradient", [](const Attrs &a) -> OpPtr {
    if (!a.empty()) throw ValueError("stop_gradient: takes no attributes, got " + a.str());
    return std::make_shared<StopGradient>();
  });
}

} // namespace graphjit
