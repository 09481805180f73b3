// Random-variable lifts (PyTensor's local_rv_size_lift and local_subtensor_rv_lift):
// rules valid for draws, which every other rule leaves alone. Opt-in (tag
// "random_lift"): the lifted draw reads other positions of the generator's stream,
// so its values differ while its law is the same, and compile() keeps a graph's
// draws as written unless asked.
#include "Rules.h"

#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Random.h"
#include "graphjit/Ops/Shape.h"

#include <algorithm>

namespace graphjit::rewrite {

namespace {
/// True when the draw's only user is `node` (nor is it a graph output): the lifted draw
/// can then stand for the whole node, and the old one goes away.
bool onlyUser(const Var &draw, const Apply &node) {
  const FunctionGraph *g = rewritingGraph();
  if (!g) return false;
  const std::vector<Client> &users = g->clients(draw);
  return users.size() == 1 && users[0].node == &node;
}

/// The int64 values of a constant size vector, or nullopt.
std::optional<std::vector<int64_t>> constantSize(const Var &size) {
  if (!size->isConstant()) return std::nullopt;
  std::vector<int64_t> s;
  for (double v : size->constantValue().toDoubles())
    s.push_back(static_cast<int64_t>(v));
  return s;
}

/// Distributions with core parameter dims (mu's [k], p's [k]): the size lift leaves them.
bool hasCoreDims(Dist d) { return paramCoreRank(d, 0) > 0; }

/// Length of x[e] along a dim of length n (Python's slice.indices).
int64_t sliceLength(const IndexEntry &e, int64_t n) {
  int64_t step = e.step.value_or(1);
  auto clampAt = [&](std::optional<int64_t> v, int64_t dflt, int64_t lo, int64_t hi) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + n : *v;
    return std::clamp(x, lo, hi);
  };
  if (step > 0) {
    int64_t start = clampAt(e.start, 0, 0, n), stop = clampAt(e.stop, n, 0, n);
    return std::max<int64_t>(0, (stop - start + step - 1) / step);
  }
  int64_t start = clampAt(e.start, n - 1, -1, n - 1), stop = clampAt(e.stop, -1, -1, n - 1);
  return std::max<int64_t>(0, (start - stop - step - 1) / -step);
}

/// The draw `original` would be replaced by `lifted` and next_rng by the lifted node's:
/// only where the draw keeps its type (the engine refuses anything else).
std::vector<Var> liftTo(const Var &lifted, const Var &original, const Var &oldNext) {
  if (!lifted || lifted.type() != original.type()) return {};
  replaceAlso(oldNext, rvNextRng(lifted));
  return {lifted};
}

/// rv(rng, size=c, params) -> rv(rng, [], broadcast_to(params, c)): element i reads the same
/// words either way, so the draw keeps its bits. Fires where the draw keeps its static type
/// (the parameters already fix every dim of c).
std::vector<Var> sizeLift(Apply &n) {
  if (n.numOutputs() != 2) return {};
  Var draw = n.output(1);
  const RandomVariableOp *rv = asRandomVariable(draw);
  if (!rv || hasCoreDims(rv->dist())) return {};
  auto size = constantSize(n.input(1));
  if (!size || size->empty()) return {};
  Shape target(size->begin(), size->end());
  if (draw.type().shape != target) return {}; // a dim only size fixes: the type would change
  std::vector<Var> params;
  for (size_t i = 2; i < n.inputs().size(); ++i) {
    const Var &p = n.inputs()[i];
    params.push_back(p.type().shape == target ? p : broadcast_to(p, target));
  }
  Var lifted = randomVariable(rv->dist(), n.input(0), Var(), params);
  if (lifted.type() != draw.type()) return {};
  return {rvNextRng(lifted), lifted};
}

/// True if no parameter but input `self` of the rv node has a dim other than 1 at batch dim d
/// (of `rank` batch dims, parameters' batch dims right-aligned).
bool alone(const Apply &node, Dist dist, int d, int rank, size_t self) {
  for (size_t i = 2; i < node.inputs().size(); ++i) {
    if (i == self) continue;
    const Shape &s = node.inputs()[i].type().shape;
    int own = static_cast<int>(s.size()) - paramCoreRank(dist, static_cast<int>(i) - 2);
    int j = d - (rank - own);
    if (j >= 0 && s[j] != 1) return false;
  }
  return true;
}

/// rv(params)[idx] -> rv(params[idx']) (PyTensor's local_subtensor_rv_lift): the kept
/// elements of independent draws are a draw with the kept parameters. idx' indexes each
/// parameter on its own dims (a stretched dim with 0 or whole); the new size is the indexed
/// shape when the old draw had one.
std::vector<Var> subtensorLift(Apply &n) {
  const Var &x = n.input(0);
  const RandomVariableOp *rv = asRandomVariable(x);
  if (!rv || !onlyUser(x, n)) return {};
  Apply &node = *x->owner();
  const IndexList &idx = static_cast<const Subtensor &>(n.op()).idx();
  const Var &sizeVar = node.input(1);
  auto size = constantSize(sizeVar);
  bool sized = sizeVar.type().shape[0] > 0;
  if (sized && !size) return {};
  // The draw's batch shape (the dims before a multivariate draw's event dim): the size's
  // values, or the static type of a sizeless draw.
  Dist dist = rv->dist();
  Shape full = sized ? Shape(size->begin(), size->end()) : x.type().shape;
  if (!sized) full.resize(full.size() - eventRank(dist));
  if (sized)
    for (int64_t d : full)
      if (d == kUnknownDim) return {};
  int batch = static_cast<int>(full.size());
  // An index on the event dim (other than a whole slice) changes the law (a marginal).
  for (size_t d = batch; d < idx.size(); ++d)
    if (!(idx[d].isSlice && !idx[d].start && !idx[d].stop && !idx[d].step)) return {};
  std::vector<IndexEntry> entries(idx.begin(), idx.end());
  entries.resize(std::max<size_t>(entries.size(), static_cast<size_t>(batch)), IndexEntry::slice());
  Shape newShape; // the indexed batch shape
  for (int d = 0; d < batch; ++d) {
    const IndexEntry &e = entries[d];
    bool known = full[d] != kUnknownDim;
    if (!e.isSlice) {
      if (known && (e.index < -full[d] || e.index >= full[d])) return {}; // the run time's error
      continue;
    }
    newShape.push_back(known ? sliceLength(e, full[d]) : kUnknownDim);
  }
  std::vector<Var> params;
  for (size_t i = 2; i < node.inputs().size(); ++i) {
    // Only a parameter's batch dims are indexed (its core dims, trailing, stay whole).
    const Var &p = node.inputs()[i];
    int rank = p.ndim() - paramCoreRank(dist, static_cast<int>(i) - 2), offset = batch - rank;
    IndexList pIdx;
    for (int j = 0; j < rank; ++j) {
      int64_t dim = p.type().shape[j];
      // A dim of unknown length might be a 1 that stretches, unless it alone gives the draw's
      // dim (a sizeless draw whose other parameters are 1 or absent there).
      if (dim == kUnknownDim && (sized || !alone(node, dist, offset + j, batch, i))) return {};
      const IndexEntry &e = entries[offset + j];
      bool stretched = dim == 1 && full[offset + j] != 1;
      pIdx.push_back(!stretched ? e : e.isSlice ? IndexEntry::slice() : IndexEntry::at(0));
    }
    params.push_back(rank == 0 ? p : subtensor(p, pIdx));
  }
  Var rng = node.input(0), oldNext = node.output(0);
  const Var &out = n.output(0);
  // A sizeless draw whose parameters give the indexed shape, else a draw of that size.
  Var sizeless = randomVariable(dist, rng, Var(), params);
  if (!sized && sizeless.type() == out.type()) return liftTo(sizeless, out, oldNext);
  for (int64_t d : newShape)
    if (d == kUnknownDim) return {};
  std::vector<int64_t> s(newShape.begin(), newShape.end());
  if (s.empty()) return liftTo(sizeless, out, oldNext);
  return liftTo(randomVariable(dist, rng, sizeOf(s), params), out, oldNext);
}
} // namespace

void registerRandomLifts(RewriteRegistry &r) {
  std::vector<std::string> rvOps;
  for (Dist d : allDists())
    rvOps.push_back(std::string("rv_") + distName(d));
  r.add({"local_rv_size_lift",
         {"canonicalize", "random_lift"},
         rvOps,
         "rv(rng, size=c, params) -> rv(rng, [], broadcast_to(params, c)) (same bits)",
         "the parameters are broadcast to the size",
         sizeLift});
  r.add({"local_subtensor_rv_lift",
         {"canonicalize", "random_lift"},
         {"subtensor"},
         "rv(params)[i] -> rv(params[i]) (the draw's only user; same law, other stream positions)",
         "",
         subtensorLift});
}

} // namespace graphjit::rewrite
