// Rewrites of scan: keep only the last row when only it is used (scan_save_mem),
// and compute what does not change between steps once, outside the loop.
#include "graphjit/ControlFlow/ControlFlow.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Rewrite/Rewrite.h"

#include <unordered_set>

namespace graphjit {

namespace {
/// The rules below look only at "scan" nodes; the op class gives them the layout and body.
const ScanOp &scanOf(const Apply &node) { return dynamic_cast<const ScanOp &>(node.op()); }

/// Is every use of `v` an index of row `row` (x[row] or x[row, ...])?
bool onlyRowUsed(const FunctionGraph &fg, const Var &v, int64_t row) {
  const auto &clients = fg.clients(v);
  if (clients.empty()) return false;
  for (const Client &c : clients) {
    if (!c.node || c.node->op().name() != "subtensor" || c.index != 0) return false;
    Attrs attrs = c.node->op().attrs(); // a value: keep it alive while reading it
    if (attrs.items().empty()) return false;
    const IndexList *idx = std::get_if<IndexList>(&attrs.items()[0].second);
    if (!idx || idx->empty() || (*idx)[0].isSlice || (*idx)[0].index != row) return false;
  }
  return true;
}

// scan(...).out[o] used only as out[o][-1] -> a scan that keeps only the last row of out[o].
// (The row count is then 1: out[o][-1] reads the same row; out[o][0] for a reverse scan. With no
// step run, the kept row is the initial value, where out[o][-1] would have been an IndexError.)
std::vector<Var> saveMem(Apply &node) {
  const FunctionGraph *fg = rewritingGraph();
  if (!fg) return {};
  const ScanOp &op = scanOf(node);
  ScanLayout l = op.layout();
  bool changed = false;
  for (int o = 0; o < l.numOutputs(); ++o)
    // The last step's row: -1, or 0 for a reverse scan (its rows are in time order).
    if (!l.keepLast[o] && onlyRowUsed(*fg, node.output(o), l.reverse ? 0 : -1)) {
      l.keepLast[o] = true;
      changed = true;
    }
  if (!changed) return {};
  return applyOp(std::make_shared<ScanOp>(op.bodyPtr(), l), node.inputs());
}

// scan body: f(x_t, g(w)) with w a non-sequence -> v = g(w) computed once, passed as a
// non-sequence. Impure nodes (random draws) stay in the body: each step must draw afresh.
std::vector<Var> hoistInvariant(Apply &node) {
  const ScanOp &op = scanOf(node);
  const InnerGraph &body = op.body();
  const ScanLayout &l = op.layout();
  size_t firstNonSeq = body.inputs().size() - l.numNonSeqs;
  std::unordered_set<Variable *> invariant;
  for (size_t i = firstNonSeq; i < body.inputs().size(); ++i)
    invariant.insert(body.inputs()[i].get());
  std::vector<Apply *> order = toposort(body.outputs());
  std::unordered_set<Apply *> invariantNodes;
  for (Apply *n : order) {
    bool inv = n->op().isPure() && !n->inputs().empty();
    bool readsNonSeq = false;
    for (const Var &in : n->inputs()) {
      if (in->isConstant()) continue;
      if (!invariant.count(in.get()))
        inv = false;
      else
        readsNonSeq = true;
    }
    if (!inv || !readsNonSeq) continue;
    invariantNodes.insert(n);
    for (int k = 0; k < n->numOutputs(); ++k)
      invariant.insert(n->output(k).get());
  }
  if (invariantNodes.empty()) return {};
  // The invariant values a step-dependent node (or the body's result) reads: the ones to hoist.
  std::vector<Var> hoist;
  std::unordered_set<Variable *> chosen;
  auto consider = [&](const Var &v) {
    if (v->owner() && invariantNodes.count(v->owner()) && chosen.insert(v.get()).second)
      hoist.push_back(v);
  };
  for (Apply *n : order)
    if (!invariantNodes.count(n))
      for (const Var &in : n->inputs())
        consider(in);
  for (const Var &o : body.outputs())
    consider(o);
  if (hoist.empty()) return {};
  // Outside: the hoisted values over the outer non-sequences.
  Replacements toOuter;
  for (int k = 0; k < l.numNonSeqs; ++k)
    toOuter.emplace_back(body.inputs()[firstNonSeq + k],
                         node.input(static_cast<int>(node.inputs().size()) - l.numNonSeqs + k));
  std::vector<Var> outer = graph_replace(hoist, toOuter, /*strict=*/false);
  // Inside: each hoisted value becomes a new non-sequence input.
  std::vector<Var> ins = body.inputs();
  Replacements toInput;
  for (const Var &h : hoist) {
    ins.push_back(Var::input(h.type(), h.name()));
    toInput.emplace_back(h, ins.back());
  }
  std::vector<Var> outs = graph_replace(body.outputs(), toInput);
  ScanLayout nl = l;
  nl.numNonSeqs += static_cast<int>(hoist.size());
  std::vector<Var> opIns = node.inputs();
  opIns.insert(opIns.end(), outer.begin(), outer.end());
  return applyOp(std::make_shared<ScanOp>(InnerGraph::make(ins, outs, "scan"), nl), opIns);
}
} // namespace

void registerControlFlowRewrites(RewriteRegistry &r) {
  r.add(NodeRewriter{"scan_save_mem",
                     {"specialize", "scan"},
                     {"scan"},
                     "scan(...).out used only as out[-1] -> scan keeping only out's last row",
                     "",
                     saveMem});
  r.add(NodeRewriter{"scan_hoist_invariant",
                     {"canonicalize", "scan"},
                     {"scan"},
                     "scan body f(x_t, g(w)) -> scan body f(x_t, v) with v = g(w) outside the loop",
                     "",
                     hoistInvariant});
}

} // namespace graphjit
