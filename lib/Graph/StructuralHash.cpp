// Structural hash of a graph (ignores names): the compile cache key.
#include "graphjit/Graph/StructuralHash.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"

#include <unordered_map>

namespace graphjit {

namespace {
void hashType(Hasher &h, const TensorType &t) {
  if (!t.isTensor()) {
    h.str("kind").str(t.str());
    return;
  }
  h.u64(static_cast<uint64_t>(t.dtype)).u64(t.shape.size());
  for (int64_t d : t.shape)
    h.u64(static_cast<uint64_t>(d));
}
} // namespace

Hash128 structuralHash(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                       std::string_view salt) {
  Hasher h;
  h.str(salt).u64(inputs.size()).u64(outputs.size());
  std::unordered_map<const Variable *, uint64_t> id;
  for (const Var &in : inputs) {
    hashType(h, in.type());
    id.emplace(in.get(), id.size());
  }
  std::unordered_map<const Apply *, bool> hashedNodes;
  for (const Var &v : ancestors(outputs)) {
    if (id.count(v.get())) continue;
    Apply *a = v->owner();
    if (!a) {
      id.emplace(v.get(), id.size());
      if (v->isConstant()) {
        const Tensor c = v->constantValue().contiguous();
        h.str("const");
        hashType(h, v.type());
        if (c.isOpaque()) { // its printed form and its own hash (distinct live values differ)
          h.str(c.str()).u64(c.opaqueValue()->hash());
          continue;
        }
        h.bytes(c.rawData(), static_cast<size_t>(c.size()) * dtypeSize(c.dtype()));
      } else {
        h.str(v->isShared() ? "shared" : "unbound");
        hashType(h, v.type());
      }
      continue;
    }
    if (hashedNodes.emplace(a, true).second) {
      h.str(a->op().str()).u64(a->inputs().size());
      for (const Var &in : a->inputs())
        h.u64(id.at(in.get()));
      for (int o = 0; o < a->numOutputs(); ++o) {
        hashType(h, a->output(o).type());
        id.emplace(a->output(o).get(), id.size());
      }
    }
  }
  for (const Var &out : outputs)
    h.u64(id.at(out.get()));
  return h.finish();
}

} // namespace graphjit
