// Splitting a graph into the kernels and host steps of a schedule.
#include "Partition.h"

#include "graphjit/Graph/Op.h"
#include "graphjit/Lower/Lower.h"

#include <algorithm>
#include <set>
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
      if (g.host[pi] || g.group[pi] != pi || g.size[root] >= maxNodes) continue;
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

/// The groups as a DAG: which groups read values that each group makes.
struct GroupGraph {
  std::vector<int> roots;                      // live group roots, in toposort order
  std::unordered_map<int, std::set<int>> succ; // group root -> consumer group roots
  std::unordered_map<int, std::set<int>> pred; // group root -> producer group roots
};

GroupGraph groupGraph(const FunctionGraph &fg, const Grouping &g) {
  GroupGraph gg;
  for (size_t i = 0; i < g.order.size(); ++i) {
    if (g.group[i] == static_cast<int>(i)) gg.roots.push_back(static_cast<int>(i));
    for (const Var &in : g.order[i]->inputs()) {
      Apply *p = in->owner();
      if (!p || !fg.contains(p)) continue;
      int from = g.group[g.pos.at(p)], to = g.group[i];
      if (from == to) continue;
      gg.succ[from].insert(to);
      gg.pred[to].insert(from);
    }
  }
  return gg;
}

/// Whether `to` is reachable from `from` other than by their direct edge: then merging the two
/// would make a cycle through a third step.
bool reachableIndirectly(const GroupGraph &gg, int from, int to) {
  std::vector<int> stack;
  std::set<int> seen;
  for (int s : gg.succ.at(from))
    if (s != to) stack.push_back(s);
  while (!stack.empty()) {
    int x = stack.back();
    stack.pop_back();
    if (x == to) return true;
    if (!seen.insert(x).second) continue;
    auto it = gg.succ.find(x);
    if (it != gg.succ.end())
      for (int s : it->second)
        stack.push_back(s);
  }
  return false;
}

/// A hash of each group's structure (ops in order, internal wiring, types read from outside):
/// equal groups compile once, so they are left as they are (merging each copy with different
/// neighbours would compile every copy: measured 1.7x the compile time of the flow example).
/// With `only`, just the groups whose roots it marks.
std::unordered_map<int, size_t> groupShapes(const Grouping &g, const std::vector<int> &group,
                                            const std::vector<char> *only = nullptr) {
  std::unordered_map<int, size_t> hash;
  std::unordered_map<const Variable *, size_t> local; // value -> position in its group
  std::unordered_map<int, size_t> count;
  auto mix = [](size_t &h, size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  for (size_t i = 0; i < g.order.size(); ++i) {
    int r = group[i];
    if (only && !(*only)[r]) continue;
    size_t &h = hash[r];
    Apply *node = g.order[i];
    mix(h, node->op().hash());
    for (const Var &in : node->inputs()) {
      auto it = local.find(in.get());
      Apply *p = in->owner();
      if (it != local.end() && p && group[g.pos.at(p)] == r) {
        mix(h, it->second);
      } else {
        mix(h, static_cast<size_t>(in.type().dtype) + 1000);
        for (int64_t d : in.type().shape)
          mix(h, static_cast<size_t>(d + 2));
      }
    }
    for (int o = 0; o < node->numOutputs(); ++o)
      local[node->output(o).get()] = count[r]++;
  }
  return hash;
}

/// What merging changes of a Grouping (its order and positions stay): copied to try a merge.
struct Groups {
  std::vector<int> group, size;
};

/// Group p joins group c (the later root stays), in `g` and in the group DAG.
void absorb(Groups &g, GroupGraph &gg, std::set<int> &decidesShapes, int p, int c) {
  int root = std::max(p, c), gone = std::min(p, c);
  for (size_t i = 0; i < g.group.size(); ++i)
    if (g.group[i] == gone) g.group[i] = root;
  g.size[root] += g.size[gone];
  if (decidesShapes.count(gone)) decidesShapes.insert(root);
  for (int s : gg.succ[gone])
    if (s != root) gg.succ[root].insert(s), gg.pred[s].erase(gone), gg.pred[s].insert(root);
  for (int q : gg.pred[gone])
    if (q != root) gg.pred[root].insert(q), gg.succ[q].erase(gone), gg.succ[q].insert(root);
  gg.succ[root].erase(gone);
  gg.pred[root].erase(gone);
  gg.succ.erase(gone);
  gg.pred.erase(gone);
}

/// Merges kernel groups along producer -> consumer edges even where the producer's value is also
/// used elsewhere (it then stays an output of the merged kernel), unless that would close a
/// cycle through another step or exceed `maxNodes`. Fewer, larger kernels: each costs a fixed
/// compile time (about a function's worth of LLVM passes) and a dispatch per call, and the
/// lowering fuses what now shares a kernel (the logistic-regression gradient's tail and its sums).
/// Groups with equal twins merge only all together, each copy with an equal twin of the same
/// producer, so that the merged copies are equal again and still compile once (the flow step's
/// four coupling layers: 128 steps, 44 of them single nodes, before this).
void mergeGroups(const FunctionGraph &fg, Grouping &g, int maxNodes) {
  GroupGraph gg = groupGraph(fg, g);
  std::unordered_map<int, size_t> shapes = groupShapes(g, g.group);
  std::unordered_map<size_t, std::vector<int>> copies; // shape -> live roots of that shape
  Groups cur{std::move(g.group), std::move(g.size)};   // merged here, moved back at the end
  auto countCopies = [&] {
    copies.clear();
    for (int r : gg.roots)
      if (cur.group[r] == r) copies[shapes[r]].push_back(r);
  };
  countCopies();
  auto repeated = [&](int r) { return copies[shapes[r]].size() > 1; };
  // Groups computing a value some node's shape is read from (alloc's sizes, dyn_subtensor's
  // positions): the runtime reads it before a call, so it never joins its reader's kernel.
  std::set<int> decidesShapes;
  for (size_t i = 0; i < g.order.size(); ++i)
    for (int o = 0; o < g.order[i]->numOutputs(); ++o)
      if (decidesAShape(fg, g.order[i]->output(o))) decidesShapes.insert(cur.group[i]);
  auto mergeable = [&](int p, int c) {
    return !g.host[p] && !decidesShapes.count(p) && cur.size[p] + cur.size[c] <= maxNodes &&
           !reachableIndirectly(gg, p, c);
  };
  // Every twin of consumer c absorbs a twin of producer p, or none does: the pairs are found and
  // the merged groups hashed first (on a copy of the group labels), then merged if all are equal.
  std::set<std::pair<size_t, size_t>> failed; // (producer, consumer) shapes tried in vain
  auto mergeTwins = [&](int p, int c) {
    std::vector<int> consumers = copies[shapes[c]];
    size_t pShape = shapes[p];
    if (pShape == shapes[c] || !failed.insert({pShape, shapes[c]}).second) return false;
    std::vector<std::pair<int, int>> pairs;
    std::set<int> picked;
    for (int ci : consumers) {
      auto it = gg.pred.find(ci);
      if (it == gg.pred.end()) return false;
      int pick = -1;
      for (auto q = it->second.rbegin(); q != it->second.rend() && pick < 0; ++q)
        if (shapes.count(*q) && shapes[*q] == pShape && !picked.count(*q) && mergeable(*q, ci))
          pick = *q;
      if (pick < 0) return false;
      picked.insert(pick);
      pairs.emplace_back(pick, ci);
    }
    std::vector<int> labels = cur.group;
    std::vector<char> only(labels.size(), 0);
    for (auto [pi, ci] : pairs) {
      int root = std::max(pi, ci), gone = std::min(pi, ci);
      for (int &l : labels)
        if (l == gone) l = root;
      only[root] = 1;
    }
    std::unordered_map<int, size_t> after = groupShapes(g, labels, &only);
    for (auto [pi, ci] : pairs)
      if (after[std::max(pi, ci)] != after[std::max(pairs[0].first, pairs[0].second)]) return false;
    // Checked again pair by pair: an earlier merge may close a path between a later pair.
    for (auto [pi, ci] : pairs)
      if (mergeable(pi, ci)) {
        absorb(cur, gg, decidesShapes, pi, ci);
        shapes[std::max(pi, ci)] = after[std::max(pi, ci)];
      }
    return true;
  };
  // Consumers first (latest root first), as groupNodes does: chains collapse from their end.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t k = gg.roots.size(); k-- > 0;) {
      int c = gg.roots[k];
      if (cur.group[c] != c || g.host[c]) continue;
      for (bool again = true; again;) {
        again = false;
        auto it = gg.pred.find(c);
        if (it == gg.pred.end()) break;
        for (int p : std::vector<int>(it->second.rbegin(), it->second.rend())) {
          bool twins = repeated(c);
          if (twins != repeated(p) || !mergeable(p, c)) continue;
          if (twins) {
            if (!mergeTwins(p, c)) continue;
            countCopies();
          } else {
            absorb(cur, gg, decidesShapes, p, c);
          }
          again = changed = true;
          break;
        }
        c = cur.group[c]; // the merged group's root
      }
    }
    std::vector<int> live;
    for (int r : gg.roots)
      if (cur.group[r] == r) live.push_back(r);
    gg.roots = std::move(live);
  }
  g.group = std::move(cur.group), g.size = std::move(cur.size);
}

/// The groups in an order that respects their dependencies (merged groups need not follow the
/// order of their roots), earliest root first among the ready ones.
std::vector<int> stepOrder(const FunctionGraph &fg, const Grouping &g) {
  GroupGraph gg = groupGraph(fg, g);
  std::unordered_map<int, size_t> waiting;
  std::set<int> ready;
  for (int r : gg.roots) {
    auto it = gg.pred.find(r);
    waiting[r] = it == gg.pred.end() ? 0 : it->second.size();
    if (waiting[r] == 0) ready.insert(r);
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int r = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(r);
    auto it = gg.succ.find(r);
    if (it != gg.succ.end())
      for (int s : it->second)
        if (--waiting[s] == 0) ready.insert(s);
  }
  return order;
}
} // namespace

Partition partitionGraph(const FunctionGraph &fg, int maxNodes) {
  Grouping g = groupNodes(fg, maxNodes);
  mergeGroups(fg, g, maxNodes);
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

  // Members of each group in topological order.
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

  for (int root : stepOrder(fg, g)) {
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
