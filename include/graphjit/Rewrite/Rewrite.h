// The rewrite engine: local rules applied to a FunctionGraph until nothing
// changes, in phases (canonicalize, stabilize, specialize), with merge (CSE)
// and constant folding, and a listener that sees every applied rewrite.
#pragma once

#include "graphjit/Graph/FunctionGraph.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace graphjit {

/// A local rewrite: looks at one node and returns replacements for its
/// outputs (one per output), or nothing when it does not apply.
struct NodeRewriter {
  std::string name;
  /// Phases it belongs to (canonicalize, stabilize, specialize) and further tags a query can
  /// name: "pushdown" (lazy indexing and shape rules), "shape_unsafe" (may remove a run-time
  /// shape check: selected only when named, never by fast_run or a phase tag alone).
  std::vector<std::string> tags;
  std::vector<std::string> ops; ///< op names it looks at (empty: every node)
  std::string algebra;          ///< one line, e.g. "log(1 + exp(x)) -> softplus(x)"
  /// Why the rewritten graph may have more nodes (empty: it never grows the graph).
  std::string growsBecause;
  std::function<std::vector<Var>(Apply &node)> apply;
  /// Where a rule without a phase tag runs among the phases, as PyTensor's optdb positions:
  /// canonicalize 1, stabilize 1.5, specialize 2 (e.g. 1.7: after stabilize, before specialize).
  /// Rules of one position form one pass. Unused for a rule with a phase tag.
  std::optional<double> position;
};

/// Registers a user rule for every later rewriteGraph() and compile(), selected by queries as
/// the built-in ones (PyTensor's register_stabilize / optdb.register(name, rule, position=)):
/// in its phase tag's phase after the built-in rules, or at its `position`. Throws ValueError
/// for a rule without apply, without a phase tag or position, whose name is taken, or whose op
/// filter names a builder instead of an op (e.g. "inv": the op is "matrix_inverse"; names of
/// the user's own, unregistered ops are accepted).
void registerRewrite(NodeRewriter rule);
/// Removes a rule registerRewrite() added; false if there is none of that name.
bool unregisterRewrite(const std::string &name);
/// Names of the rules registerRewrite() added, in registration order.
std::vector<std::string> registeredRewriteNames();

class RewriteRegistry {
public:
  void add(NodeRewriter r);
  const std::vector<NodeRewriter> &all() const { return rules_; }
  /// Rules selected by a query: comma-separated tags or names to include,
  /// "-name" or "-tag" to exclude, e.g. "fast_run,-local_mul_zero".
  /// "fast_run" means every phase (shape_unsafe rules excepted). Throws ValueError for an unknown
  /// term.
  std::vector<const NodeRewriter *> select(const std::string &query) const;

private:
  std::vector<NodeRewriter> rules_;
};

/// Every rule graphjit defines (registered on first use).
const RewriteRegistry &rewriteRegistry();

/// One applied rewrite, for tracing: reported after the replacement, so `graph`
/// already holds `after` where `before` was (`before` and its inputs stay readable).
struct RewriteEvent {
  std::string rule;
  Var before, after;
  const FunctionGraph *graph = nullptr;
};

/// The graph being rewritten while a rule runs (null outside rewriteGraph): rules
/// use it to look at clients, e.g. to leave a value alone that has other users.
const FunctionGraph *rewritingGraph();

enum class WalkOrder { InputsToOutputs, OutputsToInputs };

struct RewriteOptions {
  std::string query = "fast_run";
  /// Which end of the graph each walk starts from.
  WalkOrder order = WalkOrder::InputsToOutputs;
  /// Rules of the caller's own, applied in their phase (or at their position) after the built-in
  /// and registered ones; the query selects them like built-in ones (by name or tag; fast_run
  /// includes them). Checked as registerRewrite() checks a rule.
  std::vector<NodeRewriter> extraRules;
  /// Upper bound on rewrites applied per phase, raised to 4 per node of the graph for large
  /// graphs; hitting it throws Error naming the two rules that fired most (a rule that undoes
  /// another).
  int maxRewrites = 20000;
  std::function<void(const RewriteEvent &)> listener;
  /// Told of each rule that threw (its name and the message); the rule is skipped on that node
  /// and rewriting goes on (PyTensor's "Rewrite failure"). Unset: a warning on stderr.
  std::function<void(const std::string &rule, const std::string &message)> onFailure;
};

struct RewriteStats {
  int applied = 0;
  int rejected = 0; ///< replacements refused because they would change a type
  std::vector<std::string> rulesApplied;
  /// "rule: message" for each rule application that threw and was skipped.
  std::vector<std::string> failures;
};

/// Rewrites `fg` in place: per phase in order (canonicalize, stabilize,
/// specialize), merge equal nodes, fold constants and apply the selected
/// rules until nothing changes; the phases repeat until none changes anything.
/// Near-linear in the graph size (a worklist revisits only touched nodes).
RewriteStats rewriteGraph(FunctionGraph &fg, const RewriteOptions &options = {});

/// Convenience: the rewritten form of `outputs` (a copy; the originals are untouched).
std::vector<Var> simplify(const std::vector<Var> &outputs, const std::string &query = "fast_run");

} // namespace graphjit
