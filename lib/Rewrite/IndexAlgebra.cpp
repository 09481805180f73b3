// Index-list helpers shared by the lazy indexing and shape rules.
#include "IndexAlgebra.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Rewrite/Rewrite.h"

#include <algorithm>

namespace graphjit::rewrite {

SliceRange resolveSlice(const IndexEntry &e, int64_t n) {
  int64_t step = e.step.value_or(1);
  if (step > 0) {
    auto clamp = [&](int64_t v) { return v < 0 ? std::max<int64_t>(v + n, 0) : std::min(v, n); };
    int64_t start = e.start ? clamp(*e.start) : 0, stop = e.stop ? clamp(*e.stop) : n;
    return {start, step, stop > start ? (stop - start - 1) / step + 1 : 0};
  }
  auto clamp = [&](int64_t v) { return v < 0 ? std::max<int64_t>(v + n, -1) : std::min(v, n - 1); };
  int64_t start = e.start ? clamp(*e.start) : n - 1, stop = e.stop ? clamp(*e.stop) : -1;
  return {start, step, start > stop ? (start - stop - 1) / -step + 1 : 0};
}

bool isFullSlice(const IndexEntry &e) {
  return e.isSlice && !e.start && !e.stop && (!e.step || *e.step == 1);
}

IndexList padded(const IndexList &idx, int ndim) {
  IndexList out = idx;
  while (static_cast<int>(out.size()) < ndim)
    out.push_back(IndexEntry::slice());
  return out;
}

IndexList trimmed(IndexList idx) {
  while (!idx.empty() && isFullSlice(idx.back()))
    idx.pop_back();
  return idx;
}

bool allFull(const IndexList &idx) { return std::all_of(idx.begin(), idx.end(), isFullSlice); }

Var indexed(const Var &x, const IndexList &idx) {
  IndexList t = trimmed(idx);
  return t.empty() ? x : subtensor(x, t);
}

IndexEntry broadcastEntry(const IndexEntry &e) {
  return e.isSlice ? IndexEntry::slice() : IndexEntry::at(0);
}

bool onlyUse(const Var &v) {
  const FunctionGraph *g = rewritingGraph();
  if (!g) return false;
  const auto &cs = g->clients(v);
  return cs.size() == 1 && cs[0].node != nullptr;
}

std::optional<std::pair<Var, int>> dimSource(const Var &v, int d, bool *proven) {
  Apply *n = v->owner();
  if (!n) return std::nullopt;
  const std::string op = n->op().name();
  if (dynamic_cast<const Elemwise *>(&n->op())) {
    if (proven && !dimProven(n->inputs(), v.type(), d)) *proven = false;
    for (const Var &in : n->inputs())
      if (in.type().shape[d] != 1) return std::make_pair(in, d);
    return std::nullopt;
  }
  if (op == "dimshuffle") {
    int64_t j = static_cast<const DimShuffle &>(n->op()).order()[d];
    return j < 0 ? std::nullopt
                 : std::make_optional(std::make_pair(n->input(0), static_cast<int>(j)));
  }
  if (auto *red = dynamic_cast<const Reduce *>(&n->op())) {
    // max/min have no identity: reducing an axis whose size is unknown may fail (size 0).
    bool noIdentity = red->kind() == ReduceKind::Max || red->kind() == ReduceKind::Min;
    for (int a = 0; proven && noIdentity && a < n->input(0).ndim(); ++a)
      if (red->reducesAxis(a) && n->input(0).type().shape[a] == kUnknownDim) *proven = false;
    for (int a = 0, k = 0; a < n->input(0).ndim(); ++a)
      if (!red->reducesAxis(a) && k++ == d) return std::make_pair(n->input(0), a);
    return std::nullopt;
  }
  // An increment checks its indices and its update's shape at run time: the shape of its result
  // is x's, but computing it from x alone drops those checks (issue 25 item 13).
  if ((op == "inc_subtensor" || op == "inc_take") && proven) *proven = false;
  if (op == "softmax" || op == "log_softmax" || op == "full_like" || op == "reshape_like" ||
      op == "inc_subtensor" || op == "inc_take")
    return std::make_pair(n->input(op == "reshape_like" ? 1 : 0), d);
  if (op == "subtensor") {
    const IndexList &idx = static_cast<const Subtensor &>(n->op()).idx();
    // An integer index into a dim of unknown size is checked at run time.
    for (size_t e = 0; proven && e < idx.size() && e < static_cast<size_t>(n->input(0).ndim()); ++e)
      if (!idx[e].isSlice && n->input(0).type().shape[e] == kUnknownDim) *proven = false;
    int x = 0, k = 0;
    for (; x < n->input(0).ndim(); ++x) {
      bool kept = x >= static_cast<int>(idx.size()) || idx[x].isSlice;
      if (kept && k++ == d) break;
    }
    if (x < static_cast<int>(idx.size()) && !isFullSlice(idx[x])) return std::nullopt;
    return std::make_pair(n->input(0), x);
  }
  if (op == "matmul") {
    const Var &a = n->input(0), &b = n->input(1);
    int ra = a.ndim(), rb = b.ndim();
    // The inner dims must agree: proven when they have one origin.
    if (proven && !(dimOrigin(a, ra - 1) == dimOrigin(b, rb == 1 ? 0 : rb - 2))) *proven = false;
    if (ra <= 2 && rb <= 2) {
      if (ra == 2 && d == 0) return std::make_pair(a, 0);
      return std::make_pair(b, 1);
    }
    if (d == v.ndim() - 2) return std::make_pair(a, ra - 2);
    if (d == v.ndim() - 1) return std::make_pair(b, rb - 1);
    if (proven && !dimProven({a, b}, v.type(), d)) *proven = false;
    return std::make_pair(a.type().shape[d] != 1 ? a : b, d);
  }
  return std::nullopt;
}

DimOrigin dimOrigin(Var v, int d) {
  for (int step = 0; step < 64; ++step) {
    if (v.type().shape[d] != kUnknownDim) return {nullptr, d, v.type().shape[d]};
    auto s = dimSource(v, d, nullptr);
    if (!s) break;
    v = s->first;
    d = s->second;
  }
  if (v.type().shape[d] != kUnknownDim) return {nullptr, d, v.type().shape[d]};
  return {v.get(), d, kUnknownDim};
}

bool dimProven(const std::vector<Var> &operands, const TensorType &out, int d) {
  std::optional<DimOrigin> first;
  for (const Var &v : operands) {
    if (v.type().shape[d] == 1) continue;
    DimOrigin o = dimOrigin(v, d);
    if (!first)
      first = o;
    else if (!(o == *first))
      return false;
  }
  // One full-size operand has nothing to agree with; the others share one origin.
  return true;
}

std::optional<IndexList> composeIndex(const TensorType &x, const IndexList &aIn,
                                      const IndexList &b) {
  IndexList a = padded(aIn, x.ndim()), out;
  size_t k = 0;
  for (int d = 0; d < x.ndim(); ++d) {
    const IndexEntry &ea = a[d];
    if (!ea.isSlice) {
      out.push_back(ea);
      continue;
    }
    IndexEntry eb = k < b.size() ? b[k] : IndexEntry::slice();
    ++k;
    if (isFullSlice(ea)) {
      out.push_back(eb);
      continue;
    }
    if (isFullSlice(eb)) {
      out.push_back(ea);
      continue;
    }
    int64_t n = x.shape[d];
    if (n == kUnknownDim) return std::nullopt;
    SliceRange s1 = resolveSlice(ea, n);
    if (!eb.isSlice) {
      int64_t i = eb.index;
      if (i < -s1.len || i >= s1.len) return std::nullopt; // keep the run-time IndexError
      if (i < 0) i += s1.len;
      out.push_back(IndexEntry::at(s1.start + i * s1.step));
      continue;
    }
    SliceRange s2 = resolveSlice(eb, s1.len);
    if (s2.len == 0) {
      out.push_back(IndexEntry::slice(0, 0));
      continue;
    }
    int64_t start = s1.start + s2.start * s1.step, step = s1.step * s2.step;
    int64_t last = start + (s2.len - 1) * step;
    std::optional<int64_t> stop = step > 0 ? last + 1 : last - 1;
    if (*stop < 0) stop.reset(); // a negative step running past position 0: "to the end"
    out.push_back(IndexEntry::slice(start, stop, step == 1 ? std::optional<int64_t>() : step));
  }
  if (k < b.size()) return std::nullopt;
  return out;
}

void addPushdown(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
                 const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn,
                 bool unsafe, const std::string &growsBecause) {
  std::vector<std::string> tags{"canonicalize", "pushdown"};
  if (unsafe) tags.push_back("shape_unsafe");
  r.add(NodeRewriter{name, tags, std::move(ops), algebra, growsBecause, std::move(fn)});
}

} // namespace graphjit::rewrite
