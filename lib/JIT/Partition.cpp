// Splitting a graph into the kernels and host steps of a schedule.
#include "Partition.h"

#include "graphjit/Graph/Op.h"
#include "graphjit/Lower/Lower.h"

#include <algorithm>
#include <unordered_map>

namespace graphjit::jit {

namespace {
/// Values that are not tensors (a generator state, a user's tuple) live on the host: a node that
/// reads or makes one runs its perform in a host step, never inside a kernel.
bool touchesNonTensor(Apply &node) {
  for (const Var &in : node.inputs())
    if (!in.type().isTensor()) return true;
  for (int o = 0; o < node.numOutputs(); ++o)
    if (!node.output(o).type().isTensor()) return true;
  return false;
}

/// Whether some node reads `v` as an input whose value decides its output shape (alloc's sizes):
/// such a value is a kernel input, so the runtime reads it before the call to allocate.
bool decidesAShape(const FunctionGraph &fg, const Var &v) {
  for (const Client &c : fg.clients(v)) {
    if (!c.node) continue;
    for (int i : c.node->op().shapeValueInputs(c.node->inputs().size()))
      if (i == c.index) return true;
  }
  return false;
}

struct Grouping {
  std::vector<Apply *> order;                 // toposort
  std::unordered_map<const Apply *, int> pos; // index in order
  std::vector<int> group;                     // group of order[i] (the index of its root)
  std::vector<int> size;                      // nodes per group root
  std::vector<bool> host;
};

/// Groups nodes, visiting consumers before producers: a producer joins its
/// consumer's group when all its uses are in that group (never a graph output).
Grouping groupNodes(const FunctionGraph &fg, int maxNodes) {
  Grouping g;
  g.order = fg.toposort();
  size_t n = g.order.size();
  g.group.resize(n);
  g.size.assign(n, 1);
  g.host.resize(n);
  // A value that a kernel's shapes are computed from (a dyn_subtensor's index) is read on the
  // host before that kernel runs: its producer is never inside a consumer's kernel.
  for (size_t i = 0; i < n; ++i) {
    g.pos[g.order[i]] = static_cast<int>(i);
    g.group[i] = static_cast<int>(i);
    g.host[i] = !canLower(*g.order[i]) || touchesNonTensor(*g.order[i]);
  }
  for (size_t k = n; k-- > 0;) {
    int consumer = static_cast<int>(k);
    int root = g.group[consumer];
    if (g.host[consumer]) continue;
    for (const Var &in : g.order[k]->inputs()) {
      Apply *p = in->owner();
      if (!p || !fg.contains(p)) continue;
      int pi = g.pos.at(p);
      if (g.host[pi] || g.group[pi] != pi || g.size[root] >= maxNodes)
        continue;
      bool allInside = true;
      for (int o = 0; o < p->numOutputs() && allInside; ++o)
        allInside = !decidesAShape(fg, p->output(o));
      for (int o = 0; o < p->numOutputs() && allInside; ++o)
        for (const Client &c : fg.clients(p->output(o)))
          if (c.node && g.group[g.pos.at(c.node)] != root) { // a graph output may leave from inside
            allInside = false;
            break;
          }
      if (!allInside) continue;
      g.group[pi] = root;
      ++g.size[root];
    }
  }
  return g;
}
} // namespace

Partition partitionGraph(const FunctionGraph &fg, int maxNodes) {
  Grouping g = groupNodes(fg, maxNodes);
  Partition part;
  std::unordered_map<const Variable *, Slot> slotOf;
  auto newSlot = [&] { return part.numSlots++; };
  for (const Var &in : fg.inputs()) {
    Slot s = newSlot();
    slotOf[in.get()] = s;
    part.inputSlots.push_back(s);
  }
  auto constantSlot = [&](const Var &v) {
    auto it = slotOf.find(v.get());
    if (it != slotOf.end()) return it->second;
    Slot s = newSlot();
    slotOf[v.get()] = s;
    part.constants.emplace_back(s, v->constantValue());
    return s;
  };

  // Members of each group in topological order; groups ordered by their root.
  std::vector<std::vector<Apply *>> members(g.order.size());
  for (size_t i = 0; i < g.order.size(); ++i)
    members[g.group[i]].push_back(g.order[i]);
  // Uses outside the group (or as graph outputs) make a value a step output.
  std::unordered_map<const Variable *, bool> usedOutside;
  for (size_t i = 0; i < g.order.size(); ++i)
    for (int o = 0; o < g.order[i]->numOutputs(); ++o) {
      Var v = g.order[i]->output(o);
      for (const Client &c : fg.clients(v))
        if (!c.node || g.group[g.pos.at(c.node)] != g.group[i]) usedOutside[v.get()] = true;
    }

  for (size_t root = 0; root < members.size(); ++root) {
    if (members[root].empty()) continue;
    PartStep step;
    step.host = g.host[root];
    std::unordered_map<const Variable *, Var> local;
    std::vector<Var> stepInputs, stepOutputs;
    auto localOf = [&](const Var &v) -> Var {
      auto it = local.find(v.get());
      if (it != local.end()) return it->second;
      // Kernels embed small constants; a large one (a folded tril(ones(n, n))) is an argument,
      // not a dense literal of millions of elements in the kernel's text.
      if (v->isConstant() && !step.host && v->constantValue().size() <= 4096) return v;
      Var fresh = Var::input(v.type());
      local[v.get()] = fresh;
      stepInputs.push_back(fresh);
      step.inputs.push_back(v->isConstant() ? constantSlot(v) : slotOf.at(v.get()));
      return fresh;
    };
    for (Apply *node : members[root]) {
      std::vector<Var> ins;
      for (const Var &in : node->inputs())
        ins.push_back(localOf(in));
      std::vector<Var> outs = applyOp(node->opPtr(), ins);
      for (int o = 0; o < node->numOutputs(); ++o) {
        Var orig = node->output(o);
        local[orig.get()] = outs[o];
        if (usedOutside.count(orig.get()) || step.host) {
          Slot s = newSlot();
          slotOf[orig.get()] = s;
          step.outputs.push_back(s);
          stepOutputs.push_back(outs[o]);
        }
      }
    }
    step.graph = std::make_shared<FunctionGraph>(stepInputs, stepOutputs, false);
    part.steps.push_back(std::move(step));
  }
  for (const Var &out : fg.outputs()) {
    auto it = slotOf.find(out.get());
    part.outputSlots.push_back(it != slotOf.end() ? it->second : constantSlot(out));
  }
  return part;
}

} // namespace graphjit::jit
