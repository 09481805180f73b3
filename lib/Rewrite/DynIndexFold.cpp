// local_dyn_subtensor_constant: a dyn_subtensor / dyn_inc_subtensor whose positions became
// constants only after rewriting (x[n - 1] with a static n) is today's static op, so that the
// static indexing rules and lowering apply to it again.
#include "Rules.h"

#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/IndexingDyn.h"

namespace graphjit::rewrite {

namespace {
/// The op's positions with its scalar inputs (from input `first` on) put back in place.
SymIndexList symbolicIndex(const IndexList &idx, const IntList &dyn, const Apply &node, int first) {
  SymIndexList out;
  int k = first;
  auto field = [&](int64_t mask, int64_t bit, std::optional<int64_t> fixed) -> IndexValue {
    if (mask & bit) return IndexValue(node.input(k++));
    return IndexValue(fixed);
  };
  for (size_t d = 0; d < idx.size(); ++d) {
    const IndexEntry &e = idx[d];
    if (!e.isSlice) {
      out.push_back((dyn[d] & kDynIndex) ? SymEntry(node.input(k++)) : SymEntry(e));
      continue;
    }
    IndexValue a = field(dyn[d], kDynStart, e.start), b = field(dyn[d], kDynStop, e.stop),
               c = field(dyn[d], kDynStep, e.step);
    out.push_back(SymEntry::makeSlice(a, b, c));
  }
  return out;
}

bool anyConstantPosition(const Apply &node, int first) {
  for (int i = first; i < static_cast<int>(node.inputs().size()); ++i)
    if (node.input(i)->isConstant()) return true;
  return false;
}

std::vector<Var> foldConstantPositions(Apply &node) {
  bool read = node.op().name() == "dyn_subtensor";
  int first = read ? 1 : 2;
  if (!anyConstantPosition(node, first)) return {};
  try {
    if (read) {
      const auto &op = static_cast<const DynSubtensor &>(node.op());
      return {subtensor(node.input(0), symbolicIndex(op.idx(), op.dyn(), node, first))};
    }
    const auto &op = static_cast<const DynIncSubtensor &>(node.op());
    return {setSubtensorSym(node.input(0), symbolicIndex(op.idx(), op.dyn(), node, first),
                            node.input(1), op.isSet())};
  } catch (const Error &) {
    return {}; // e.g. a constant index out of a static range: the run-time error stays
  }
}
} // namespace

void registerDynIndexRewrites(RewriteRegistry &r) {
  r.add(NodeRewriter{"local_dyn_subtensor_constant",
                     {"canonicalize"},
                     {"dyn_subtensor", "dyn_inc_subtensor"},
                     "dyn_subtensor{idx, dyn}(x, c, ...) with constant c -> c in idx (all "
                     "constant: subtensor{idx}(x)); the same for dyn_inc_subtensor",
                     "",
                     foldConstantPositions,
                     std::nullopt});
}

} // namespace graphjit::rewrite
