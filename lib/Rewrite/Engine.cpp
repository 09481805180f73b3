// The equilibrium rewriter: merge, constant folding and local rules per phase,
// the phases repeated until none changes anything (a joint fixed point).
//
// Cost stays near-linear in the graph size: each phase walks the graph once
// and then only revisits nodes a replacement touched (new nodes, the users of
// a replaced value, the other users of the inputs of pruned nodes), using a
// worklist; merging is incremental through a table keyed by op and inputs.
#include "Rules.h"
#include "graphjit/Rewrite/Rewrite.h"

#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/Names.h"
#include "graphjit/Ops/Registry.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace graphjit {

namespace {
const std::vector<std::string> kPhases = {"canonicalize", "stabilize", "specialize"};
/// The phases' positions (PyTensor's optdb): a rule with a position runs between them.
const std::vector<double> kPhasePositions = {1, 1.5, 2};
/// Rounds of all phases before giving up on a joint fixed point.
constexpr int kMaxRounds = 8;

thread_local const FunctionGraph *currentGraph = nullptr;

bool hasTag(const NodeRewriter &r, const std::string &t) {
  return std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end();
}

/// Does `t` refine `old` (same dtype, rank and kind; only unknown dims made static)? A rule
/// tagged "refines_types" may replace a value by one of a refining type (an alloc whose sizes
/// became constants by today's static broadcast_to). Never a new static 1: that would let a
/// dim broadcast that the graph was built to check (the static broadcasting rule).
bool refines(const TensorType &t, const TensorType &old) {
  if (t.dtype != old.dtype || t.kind != old.kind || t.ndim() != old.ndim()) return false;
  for (int d = 0; d < t.ndim(); ++d)
    if (t.shape[d] != old.shape[d] && (old.shape[d] != kUnknownDim || t.shape[d] == 1))
      return false;
  return true;
}

/// A key equal for equal constants (same type and bytes); empty for large ones.
std::string constantKey(const Var &v) {
  const Tensor &t = v->constantValue();
  if (t.size() > 64 || t.isOpaque()) return ""; // opaque values are not compared byte-wise
  std::string bytes(static_cast<const char *>(t.rawData()), t.size() * dtypeSize(t.dtype()));
  return v.type().str() + ":" + bytes;
}

std::string nodeKey(const Apply &n) {
  std::string key = n.op().str();
  for (const Var &in : n.inputs())
    key += "|" + std::to_string(in->serial());
  return key;
}

bool sameNode(const Apply &a, const Apply &b) {
  return a.op() == b.op() && a.inputs() == b.inputs();
}

/// Selects from `rules` by a query (see RewriteRegistry::select).
std::vector<const NodeRewriter *> selectRules(const std::vector<const NodeRewriter *> &rules,
                                              const std::string &query) {
  std::set<std::string> include, exclude;
  std::stringstream ss(query);
  std::string term;
  while (std::getline(ss, term, ',')) {
    term.erase(0, term.find_first_not_of(" "));
    term.erase(term.find_last_not_of(" ") + 1);
    if (term.empty()) continue;
    bool neg = term[0] == '-';
    if (neg || term[0] == '+') term = term.substr(1);
    bool known = term == "fast_run";
    for (const NodeRewriter *r : rules)
      known |= r->name == term || hasTag(*r, term);
    if (!known)
      throw ValueError("rewrite query: unknown rewrite or tag '" + term + "' in '" + query + "'");
    (neg ? exclude : include).insert(term);
  }
  std::vector<const NodeRewriter *> out;
  for (const NodeRewriter *r : rules) {
    bool named = include.count(r->name) > 0, byTag = include.count("fast_run") > 0;
    for (const std::string &t : r->tags)
      byTag |= include.count(t) > 0;
    // shape_unsafe rules may remove a run-time shape check, random_lift rules move draws to other
    // positions of their generator's stream: only when asked for by name or by that tag.
    for (const char *optIn : {"shape_unsafe", "random_lift"})
      if (hasTag(*r, optIn) && !named && !include.count(optIn)) byTag = false;
    bool excluded = exclude.count(r->name) > 0 || exclude.count("fast_run") > 0;
    for (const std::string &t : r->tags)
      excluded |= exclude.count(t) > 0;
    if ((named || byTag) && !excluded) out.push_back(r);
  }
  return out;
}

/// Where replaceAlso() collects while a rule runs (null outside a rule).
thread_local std::vector<std::pair<Var, Var>> *alsoReplace = nullptr;
struct AlsoScope {
  std::vector<std::pair<Var, Var>> *previous;
  explicit AlsoScope(std::vector<std::pair<Var, Var>> *v) : previous(alsoReplace) {
    alsoReplace = v;
  }
  ~AlsoScope() { alsoReplace = previous; }
};

/// One phase: a worklist of nodes, merge and the phase's rules, until the worklist is empty.
class PhaseRunner : public FunctionGraphListener {
public:
  PhaseRunner(FunctionGraph &fg, const RewriteOptions &o, const std::string &phase,
              std::vector<const NodeRewriter *> rules, RewriteStats &stats)
      : fg_(fg), options_(o), phase_(phase), rules_(std::move(rules)), stats_(stats),
        nodesAtStart_(fg.numNodes()),
        cap_(std::max<int64_t>(o.maxRewrites, 4 * static_cast<int64_t>(fg.numNodes()))) {
    fg_.addListener(this);
  }
  ~PhaseRunner() override { fg_.removeListener(this); }

  /// Returns the number of changes (merges and rewrites) made.
  int run() {
    int changes = 0;
    mergeConstants(changes);
    for (;;) {
      std::vector<Apply *> order = fg_.toposort();
      if (options_.order == WalkOrder::OutputsToInputs) std::reverse(order.begin(), order.end());
      int before = changes;
      for (Apply *n : order)
        push(n);
      while (!work_.empty()) {
        std::shared_ptr<Apply> node = work_.front().lock();
        Apply *raw = queuedPtr_.front();
        work_.pop_front();
        queuedPtr_.pop_front();
        queued_.erase(raw);
        if (!node || !fg_.contains(node.get())) continue;
        if (mergeNode(*node) || rewriteNode(*node)) ++changes;
      }
      if (changes == before) break; // a full walk changed nothing: this phase is at its fixed point
    }
    return changes;
  }

  void onImport(FunctionGraph &, Apply *n) override { push(n); }
  void onPrune(FunctionGraph &g, Apply *n) override {
    // Users of the pruned node's inputs lost a fellow client: a rule that leaves a value alone
    // while it has other users may now apply. Only few users left can matter, so a value with
    // thousands of users is not walked again on every prune (that made rewriting quadratic).
    for (const Var &in : n->inputs()) {
      if (Apply *o = in->owner()) push(o);
      const std::vector<Client> &users = g.clients(in);
      if (users.size() > kFewUsers + 1) continue; // n itself is still among them
      for (const Client &c : users)
        if (c.node && c.node != n) push(c.node);
    }
  }
  void onReplace(FunctionGraph &g, const Var &old, const Var &, const std::string &) override {
    for (const Client &c : g.clients(old))
      if (c.node) push(c.node);
  }

private:
  void push(Apply *n) {
    if (!queued_.insert(n).second) return;
    work_.push_back(n->weak_from_this());
    queuedPtr_.push_back(n);
  }

  void mergeConstants(int &changes) {
    std::unordered_map<std::string, Var> constants;
    for (Apply *node : fg_.toposort())
      for (const Var &in : node->inputs()) {
        if (!in->isConstant()) continue;
        std::string key = constantKey(in);
        if (key.empty()) continue;
        auto [it, inserted] = constants.emplace(key, in);
        if (!inserted && it->second != in) {
          Var from = in, to = it->second;
          fg_.replace(from, to, "merge");
          ++changes;
        }
      }
    // Constants that rules create later are merged as their users are visited (mergeNode).
    constants_ = std::move(constants);
  }

  /// Replaces `node` by an earlier equal node (same op, same inputs). True if it did.
  bool mergeNode(Apply &node) {
    // Equal small constants among the inputs become one variable first.
    for (const Var &in : node.inputs()) {
      if (!in->isConstant()) continue;
      std::string key = constantKey(in);
      if (key.empty()) continue;
      auto [it, inserted] = constants_.emplace(key, in);
      if (!inserted && it->second != in) {
        Var from = in, to = it->second;
        fg_.replace(from, to, "merge");
        return true;
      }
    }
    if (!node.op().isPure()) return false; // two equal draws are still two draws
    std::string key = nodeKey(node);
    auto [it, inserted] = seen_.emplace(key, node.weak_from_this());
    if (inserted) return false;
    std::shared_ptr<Apply> earlier = it->second.lock();
    if (!earlier || earlier.get() == &node || !fg_.contains(earlier.get()) ||
        !sameNode(*earlier, node)) {
      it->second = node.weak_from_this();
      return false;
    }
    auto keep = node.shared_from_this(); // replace() prunes the node once its last output goes
    for (int i = 0; i < node.numOutputs(); ++i) {
      Var before = node.output(i), after = earlier->output(i);
      fg_.replace(before, after, "merge");
      if (options_.listener) options_.listener({"merge", before, after, &fg_});
    }
    return true;
  }

  /// Applies the first rule that fires on `node`. True if one did.
  bool rewriteNode(Apply &node) {
    const std::string opName = node.op().name();
    for (const NodeRewriter *rule : rules_) {
      if (!rule->ops.empty() &&
          std::find(rule->ops.begin(), rule->ops.end(), opName) == rule->ops.end())
        continue;
      std::vector<std::pair<Var, Var>> also;
      std::vector<Var> repl;
      try {
        AlsoScope scope(&also);
        repl = rule->apply(node);
      } catch (const std::exception &e) {
        // A rule that throws is skipped on this node, not the end of compile() (PyTensor's
        // "Rewrite failure"): the graph is unchanged, since a rule only builds new nodes.
        stats_.failures.push_back(rule->name + ": " + e.what());
        if (options_.onFailure)
          options_.onFailure(rule->name, e.what());
        else
          std::fprintf(stderr, "graphjit: rewrite failure: rule '%s' on %s threw: %s (skipped)\n",
                       rule->name.c_str(), node.op().str().c_str(), e.what());
        continue;
      }
      if (repl.empty()) continue;
      // A replacement must keep each output's type: refuse it otherwise.
      bool ok = static_cast<int>(repl.size()) == node.numOutputs();
      for (int i = 0; ok && i < node.numOutputs(); ++i)
        ok = repl[i] &&
             (repl[i].type() == node.output(i).type() ||
              (hasTag(*rule, "refines_types") && refines(repl[i].type(), node.output(i).type())));
      if (!ok) {
        ++stats_.rejected;
        continue;
      }
      auto keep = node.shared_from_this(); // replace() prunes the node once its last output goes
      for (int i = 0; i < node.numOutputs(); ++i) {
        Var before = node.output(i);
        if (repl[i] == before) continue;
        // Keep names on computed values (outputs keep printing as themselves).
        if (repl[i].name().empty() && repl[i]->owner()) repl[i]->name = before.name();
        fg_.replace(before, repl[i], rule->name);
        if (options_.listener) options_.listener({rule->name, before, repl[i], &fg_});
      }
      for (auto &[before, after] : also)
        if (!fg_.clients(before).empty()) fg_.replace(before, after, rule->name);
      ++stats_.applied;
      stats_.rulesApplied.push_back(rule->name);
      recent_.push_back(rule->name);
      if (recent_.size() > kRecent) recent_.pop_front();
      if (++applied_ > cap_) throw notSettled();
      return true;
    }
    return false;
  }

  /// The error for a phase that does not settle, naming the rules that fired most among the last
  /// kRecent rewrites (two rules undoing each other show up together).
  Error notSettled() const {
    std::map<std::string, int> count;
    for (const std::string &r : recent_)
      ++count[r];
    std::vector<std::pair<int, std::string>> top;
    for (auto &[name, c] : count)
      top.emplace_back(-c, name);
    std::sort(top.begin(), top.end());
    // Every rule with a tenth of the recent rewrites (at least two named): a cycle may pass
    // through a helper rule (a constant fold) as often as through the two that undo each other.
    std::string rules;
    for (size_t i = 0; i < top.size() && i < 4; ++i) {
      if (i >= 2 && static_cast<size_t>(-top[i].first) * 10 < recent_.size()) break;
      rules += (i ? ", " : "") + top[i].second + " (" + std::to_string(-top[i].first) + "x)";
    }
    return Error("rewrite: phase '" + phase_ + "' did not settle after " + std::to_string(cap_) +
                 " rewrites on a graph of " + std::to_string(nodesAtStart_) +
                 " nodes; of the last " + std::to_string(recent_.size()) + ", rules " + rules +
                 " fired most: one probably undoes the other");
  }

  static constexpr size_t kFewUsers = 2, kRecent = 1000;
  FunctionGraph &fg_;
  const RewriteOptions &options_;
  const std::string &phase_;
  std::vector<const NodeRewriter *> rules_;
  RewriteStats &stats_;
  int applied_ = 0;
  size_t nodesAtStart_ = 0;
  /// maxRewrites, or more on a large graph: every node may legitimately be rewritten a few times.
  int64_t cap_ = 0;
  std::deque<std::string> recent_;
  std::deque<std::weak_ptr<Apply>> work_;
  std::deque<Apply *> queuedPtr_;
  std::unordered_set<Apply *> queued_;
  std::unordered_map<std::string, std::weak_ptr<Apply>> seen_;
  std::unordered_map<std::string, Var> constants_;
};

struct GraphScope {
  const FunctionGraph *saved;
  explicit GraphScope(const FunctionGraph *g) : saved(currentGraph) { currentGraph = g; }
  ~GraphScope() { currentGraph = saved; }
};

bool hasPhase(const NodeRewriter &r) {
  for (const std::string &p : kPhases)
    if (hasTag(r, p)) return true;
  return false;
}

/// A user rule must say what it does, where it runs and which ops it looks at.
void checkUserRule(const NodeRewriter &r, const char *how) {
  if (!r.apply)
    throw ValueError("rewrite: " + std::string(how) + " rule '" + r.name +
                     "' has no apply function");
  if (!hasPhase(r) && !r.position)
    throw ValueError("rewrite: " + std::string(how) + " rule '" + r.name +
                     "' needs a phase tag (canonicalize, stabilize or specialize) or a position "
                     "(canonicalize 1, stabilize 1.5, specialize 2)");
  rewrite::checkOpFilter(r, how);
}

struct UserRules {
  std::mutex mutex;
  std::vector<NodeRewriter> rules;
};
UserRules &userRules() {
  static UserRules u;
  return u;
}
} // namespace

void registerRewrite(NodeRewriter rule) {
  checkUserRule(rule, "registered");
  UserRules &u = userRules();
  std::lock_guard<std::mutex> lock(u.mutex);
  bool taken = false;
  for (const NodeRewriter &r : rewriteRegistry().all())
    taken |= r.name == rule.name;
  for (const NodeRewriter &r : u.rules)
    taken |= r.name == rule.name;
  if (taken) throw ValueError("registerRewrite: a rule named '" + rule.name + "' exists already");
  u.rules.push_back(std::move(rule));
}

bool unregisterRewrite(const std::string &name) {
  UserRules &u = userRules();
  std::lock_guard<std::mutex> lock(u.mutex);
  auto it = std::find_if(u.rules.begin(), u.rules.end(),
                         [&](const NodeRewriter &r) { return r.name == name; });
  if (it == u.rules.end()) return false;
  u.rules.erase(it);
  return true;
}

std::vector<std::string> registeredRewriteNames() {
  UserRules &u = userRules();
  std::lock_guard<std::mutex> lock(u.mutex);
  std::vector<std::string> names;
  for (const NodeRewriter &r : u.rules)
    names.push_back(r.name);
  return names;
}

namespace {
/// One pass of the equilibrium: a phase's rules, or the rules of one position.
struct Pass {
  double position;
  std::string name;
  std::vector<const NodeRewriter *> rules;
};

std::vector<Pass> passesOf(const std::vector<const NodeRewriter *> &selected) {
  std::vector<Pass> passes;
  for (size_t i = 0; i < kPhases.size(); ++i) {
    Pass p{kPhasePositions[i], kPhases[i], {}};
    for (const NodeRewriter *r : selected)
      if (hasTag(*r, kPhases[i])) p.rules.push_back(r);
    passes.push_back(std::move(p));
  }
  for (const NodeRewriter *r : selected) {
    if (hasPhase(*r)) continue;
    auto it = std::find_if(passes.begin(), passes.end(), [&](const Pass &p) {
      return p.rules.empty() ? false : !hasPhase(*p.rules[0]) && p.position == *r->position;
    });
    if (it != passes.end())
      it->rules.push_back(r);
    else
      passes.push_back(Pass{*r->position, "position " + std::to_string(*r->position), {r}});
  }
  std::stable_sort(passes.begin(), passes.end(),
                   [](const Pass &a, const Pass &b) { return a.position < b.position; });
  return passes;
}
} // namespace

void RewriteRegistry::add(NodeRewriter r) { rules_.push_back(std::move(r)); }

std::vector<const NodeRewriter *> RewriteRegistry::select(const std::string &query) const {
  std::vector<const NodeRewriter *> all;
  for (const NodeRewriter &r : rules_)
    all.push_back(&r);
  return selectRules(all, query);
}

const FunctionGraph *rewritingGraph() { return currentGraph; }

void rewrite::replaceAlso(const Var &old, const Var &replacement) {
  if (alsoReplace) alsoReplace->emplace_back(old, replacement);
}

RewriteStats rewriteGraph(FunctionGraph &fg, const RewriteOptions &options) {
  RewriteStats stats;
  std::vector<const NodeRewriter *> all;
  for (const NodeRewriter &r : rewriteRegistry().all())
    all.push_back(&r);
  std::vector<NodeRewriter> registered; // a snapshot: registering during a rewrite is safe
  {
    UserRules &u = userRules();
    std::lock_guard<std::mutex> lock(u.mutex);
    registered = u.rules;
  }
  for (const NodeRewriter &r : registered)
    all.push_back(&r);
  for (const NodeRewriter &r : options.extraRules) {
    checkUserRule(r, "extra");
    all.push_back(&r);
  }
  std::vector<const NodeRewriter *> selected = selectRules(all, options.query);
  std::vector<Pass> passes = passesOf(selected);
  GraphScope scope(&fg);
  for (int round = 0; round < kMaxRounds; ++round) {
    // Another round is needed only if a pass after the first one changed the graph: its
    // result may hold a pattern that an earlier pass's rule looks for.
    bool again = false, first = true;
    for (const Pass &pass : passes) {
      if (pass.rules.empty()) continue;
      int c = PhaseRunner(fg, options, pass.name, pass.rules, stats).run();
      again |= !first && c > 0;
      first = false;
    }
    if (!again) break;
  }
  return stats;
}

std::vector<Var> simplify(const std::vector<Var> &outputs, const std::string &query) {
  std::vector<Var> inputs = graphInputs(outputs);
  FunctionGraph fg(inputs, outputs, true);
  RewriteOptions o;
  o.query = query;
  rewriteGraph(fg, o);
  Replacements back;
  for (size_t i = 0; i < inputs.size(); ++i)
    back.emplace_back(fg.inputs()[i], inputs[i]);
  return graph_replace(fg.outputs(), back);
}

} // namespace graphjit
