// The equilibrium rewriter: merge, constant folding and local rules per phase.
#include "graphjit/Rewrite/Rewrite.h"
#include "Rules.h"

#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

namespace graphjit {

namespace {
const std::vector<std::string> kPhases = {"canonicalize", "stabilize", "specialize"};

bool hasTag(const NodeRewriter &r, const std::string &t) {
  return std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end();
}

/// A key equal for equal constants (same type and bytes); empty for large ones.
std::string constantKey(const Var &v) {
  const Tensor &t = v->constantValue();
  if (t.size() > 64) return "";
  std::string bytes(static_cast<const char *>(t.rawData()), t.size() * dtypeSize(t.dtype()));
  return v.type().str() + ":" + bytes;
}

/// Replaces node outputs by those of an earlier equal node (same op, same inputs). Returns merges made.
int mergeEqualNodes(FunctionGraph &fg, const std::function<void(const RewriteEvent &)> &listener) {
  int merged = 0;
  // Equal constants first: they make equal nodes recognizable.
  std::map<std::string, Var> constants;
  for (Apply *node : fg.toposort())
    for (const Var &in : node->inputs()) {
      if (!in->isConstant()) continue;
      std::string key = constantKey(in);
      if (key.empty()) continue;
      auto [it, inserted] = constants.emplace(key, in);
      if (!inserted && it->second != in) {
        fg.replace(in, it->second, "merge");
        ++merged;
      }
    }
  // Merge one pair at a time and walk again: a merge can make later nodes equal.
  for (bool changed = true; changed;) {
    changed = false;
    std::map<std::string, Apply *> seen;
    for (Apply *node : fg.toposort()) {
      std::ostringstream key;
      key << node->op().str();
      for (const Var &in : node->inputs()) key << "|" << static_cast<const void *>(in.get());
      auto [it, inserted] = seen.emplace(key.str(), node);
      if (inserted) continue;
      Apply *earlier = it->second;
      auto keep = node->shared_from_this(); // replace() prunes the node once its last output goes
      for (int i = 0; i < node->numOutputs(); ++i) {
        Var before = node->output(i), after = earlier->output(i);
        if (listener) listener({"merge", before, after});
        fg.replace(before, after, "merge");
      }
      ++merged;
      changed = true;
      break;
    }
  }
  return merged;
}
} // namespace

void RewriteRegistry::add(NodeRewriter r) { rules_.push_back(std::move(r)); }

std::vector<const NodeRewriter *> RewriteRegistry::select(const std::string &query) const {
  std::set<std::string> include, exclude;
  std::stringstream ss(query);
  std::string term;
  while (std::getline(ss, term, ',')) {
    term.erase(0, term.find_first_not_of(" "));
    term.erase(term.find_last_not_of(" ") + 1);
    if (term.empty()) continue;
    bool neg = term[0] == '-';
    if (neg || term[0] == '+') term = term.substr(1);
    bool known = term == "fast_run" || std::find(kPhases.begin(), kPhases.end(), term) != kPhases.end();
    for (const NodeRewriter &r : rules_) known |= r.name == term;
    if (!known) throw ValueError("rewrite query: unknown rewrite or tag '" + term + "' in '" + query + "'");
    (neg ? exclude : include).insert(term);
  }
  std::vector<const NodeRewriter *> out;
  for (const NodeRewriter &r : rules_) {
    auto matches = [&](const std::set<std::string> &s) {
      if (s.count(r.name) || s.count("fast_run")) return true;
      for (const std::string &t : r.tags)
        if (s.count(t)) return true;
      return false;
    };
    if (matches(include) && !matches(exclude)) out.push_back(&r);
  }
  return out;
}

RewriteStats rewriteGraph(FunctionGraph &fg, const RewriteOptions &options) {
  RewriteStats stats;
  std::vector<const NodeRewriter *> selected = rewriteRegistry().select(options.query);
  for (const std::string &phase : kPhases) {
    std::vector<const NodeRewriter *> rules;
    for (const NodeRewriter *r : selected)
      if (hasTag(*r, phase)) rules.push_back(r);
    for (const NodeRewriter &r : options.extraRules)
      if (hasTag(r, phase)) rules.push_back(&r);
    if (rules.empty()) continue;
    int appliedInPhase = 0;
    bool changed = true;
    while (changed) {
      changed = false;
      // Rules of every phase can build duplicates (e.g. two neg(x)): merge first.
      if (mergeEqualNodes(fg, options.listener) > 0) changed = true;
      std::vector<Apply *> order = fg.toposort();
      if (options.order == WalkOrder::OutputsToInputs) std::reverse(order.begin(), order.end());
      for (Apply *node : order) {
        for (const NodeRewriter *rule : rules) {
          if (!rule->ops.empty() && std::find(rule->ops.begin(), rule->ops.end(), node->op().name()) == rule->ops.end())
            continue;
          std::vector<Var> repl = rule->apply(*node);
          if (repl.empty()) continue;
          // A replacement must keep each output's type: refuse it otherwise.
          bool ok = static_cast<int>(repl.size()) == node->numOutputs();
          for (int i = 0; ok && i < node->numOutputs(); ++i)
            ok = repl[i] && repl[i].type() == node->output(i).type();
          if (!ok) {
            ++stats.rejected;
            continue;
          }
          auto keep = node->shared_from_this(); // replace() prunes the node once its last output goes
          for (int i = 0; i < node->numOutputs(); ++i) {
            Var before = node->output(i);
            if (repl[i] == before) continue;
            if (options.listener) options.listener({rule->name, before, repl[i]});
            // Keep names on computed values (outputs keep printing as themselves).
            if (repl[i].name().empty() && repl[i]->owner()) repl[i]->name = before.name();
            fg.replace(before, repl[i], rule->name);
          }
          ++stats.applied;
          stats.rulesApplied.push_back(rule->name);
          if (++appliedInPhase > options.maxRewrites)
            throw Error("rewrite: phase '" + phase + "' did not settle after " + std::to_string(options.maxRewrites) +
                        " rewrites (last rule: " + rule->name + "); a rule probably undoes another");
          changed = true;
          break;
        }
        if (changed) break; // the node list is stale: walk again
      }
    }
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
  for (size_t i = 0; i < inputs.size(); ++i) back.emplace_back(fg.inputs()[i], inputs[i]);
  return graph_replace(fg.outputs(), back);
}

} // namespace graphjit
