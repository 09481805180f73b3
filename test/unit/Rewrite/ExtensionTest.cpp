// Users extend the rewriting: extra rules through CompileOptions and RewriteOptions,
// nameable in a query like built-in ones, and a listener told after each
// replacement with the graph as it now is.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
// The NodeRewriter example of docs/rewrites.md, written against the public headers only.
NodeRewriter expOfLogRule() {
  NodeRewriter r;
  r.name = "my_exp_log";
  r.tags = {"stabilize"};
  r.ops = {"exp"};
  r.algebra = "exp(log(x)) -> x (x > 0)";
  r.apply = [](Apply &n) -> std::vector<Var> {
    Apply *inner = n.input(0)->owner();
    if (!inner || inner->op().name() != "log") return {};
    return {inner->input(0)};
  };
  return r;
}

/// A rule that changes values on purpose, so a test can see whether it ran.
NodeRewriter sinToCos() {
  return patternRule("test_sin_to_cos", "canonicalize", "sin(x) -> cos(x)");
}
} // namespace

TEST(RewriteExtension, CompileOptionsTakeExtraRules) {
  Var x = vector("x");
  Tensor v = Tensor::of({0.25, 1.0});
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    CompileOptions o;
    o.mode = mode;
    o.extraRules = {sinToCos()};
    Tensor withRule = compile({x}, {sin(x)}, {}, o).call1({v});
    EXPECT_DOUBLE_EQ(withRule.getAsDouble(1), std::cos(1.0));
    o.rewrites = "fast_run,-test_sin_to_cos"; // excluded by name
    EXPECT_DOUBLE_EQ(compile({x}, {sin(x)}, {}, o).call1({v}).getAsDouble(1), std::sin(1.0));
    o.rewrites = "test_sin_to_cos"; // alone, by name
    EXPECT_DOUBLE_EQ(compile({x}, {sin(x)}, {}, o).call1({v}).getAsDouble(1), std::cos(1.0));
    // Without the rule (same graph, same query): the kernel cache must not hand back the other
    // kernel.
    CompileOptions plain;
    plain.mode = mode;
    EXPECT_DOUBLE_EQ(compile({x}, {sin(x)}, {}, plain).call1({v}).getAsDouble(1), std::sin(1.0));
  }
  CompileOptions bad;
  bad.rewrites = "fast_run,-no_such_rule";
  EXPECT_THROW(compile({x}, {sin(x)}, {}, bad), ValueError);
  NodeRewriter untagged = sinToCos();
  untagged.name = "test_untagged";
  untagged.tags = {"mine"};
  CompileOptions o;
  o.extraRules = {untagged};
  EXPECT_THROW(compile({x}, {sin(x)}, {}, o), ValueError); // no phase: it would never run
}

TEST(RewriteExtension, DocsNodeRewriterExample) {
  Var x = vector("x");
  RewriteOptions o;
  o.extraRules = {expOfLogRule()};
  FunctionGraph fg({x}, {exp(log(x)) * 2.0});
  RewriteStats s = rewriteGraph(fg, o);
  EXPECT_EQ(std::count(s.rulesApplied.begin(), s.rulesApplied.end(), "my_exp_log"), 1);
  EXPECT_EQ(fg.outputs()[0].owner()->input(0), fg.inputs()[0]);
}

TEST(RewriteExtension, ListenerSeesTheGraphAfterEachReplacement) {
  Var x = vector("x");
  FunctionGraph fg({x}, {log(1.0 + exp(x))});
  RewriteOptions o;
  int events = 0;
  o.listener = [&](const RewriteEvent &e) {
    ++events;
    ASSERT_EQ(e.graph, &fg);
    // The replacement is in the graph already; the replaced node is not (but still readable).
    if (e.after->owner()) EXPECT_TRUE(e.graph->contains(e.after->owner()));
    ASSERT_TRUE(e.before->owner());
    EXPECT_FALSE(e.graph->contains(e.before->owner()));
    EXPECT_FALSE(dprint(e.before).empty());
    if (e.rule == "local_log1p_exp")
      EXPECT_NE(dprint(e.graph->outputs()).find("softplus"), std::string::npos);
  };
  rewriteGraph(fg, o);
  EXPECT_GE(events, 2);
}

TEST(RewriteExtension, PhasesReachAJointFixedPoint) {
  // A specialize rule produces neg(neg(.)), which only the canonicalize rule local_neg_neg removes:
  // the phases must run again. (The rule changes values on purpose; only the structure is checked.)
  Var x = vector("x");
  FunctionGraph fg({x}, {tanh(x) * 3.0});
  RewriteOptions o;
  o.extraRules = {patternRule("test_late_neg_neg", "specialize", "tanh(x) -> neg(neg(sin(x)))")};
  rewriteGraph(fg, o);
  std::string printed = dprint(fg.outputs());
  EXPECT_EQ(printed.find("neg"), std::string::npos) << printed;
  EXPECT_NE(printed.find("sin"), std::string::npos) << printed;
}
