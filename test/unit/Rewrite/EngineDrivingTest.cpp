// The rewrite engine as PyTensor users drive it (issue 22): a rule that throws is reported by name
// and skipped, rules registered once globally into a phase or at a position, a custom tag alone as
// a query, a rewrite listener on compile(), and an op filter naming an unknown op is an error.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace graphjit;

namespace {
NodeRewriter throwing() {
  NodeRewriter r;
  r.name = "test_throwing";
  r.tags = {"canonicalize"};
  r.ops = {"exp"};
  r.algebra = "throws on every exp";
  r.apply = [](Apply &) -> std::vector<Var> { throw ValueError("test_throwing: on purpose"); };
  return r;
}

/// sin(x) -> cos(x) at `position` with only the tag "mine": changes values so a test sees it ran.
NodeRewriter mineAt(double position, const std::string &name) {
  NodeRewriter r = patternRule(name, "canonicalize", "sin(x) -> cos(x)");
  r.tags = {"mine"};
  r.position = position;
  return r;
}
} // namespace

TEST(RewriteDriving, AThrowingRuleIsReportedAndSkipped) {
  Var x = vector("x");
  Tensor v = Tensor::of({0.0, 1.0});
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    CompileOptions o;
    o.mode = mode;
    o.extraRules = {throwing()};
    o.diskCache = false; // a kernel cached by an earlier run would skip the rewrites
    std::vector<std::string> seen;
    o.onRewriteFailure = [&](const std::string &rule, const std::string &what) {
      seen.push_back(rule + ": " + what);
    };
    Tensor got = compile({x}, {exp(x) + 1.0}, {}, o).call1({v});
    EXPECT_DOUBLE_EQ(got.getAsDouble(1), std::exp(1.0) + 1.0);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen[0], "test_throwing: test_throwing: on purpose");
  }
  FunctionGraph fg({x}, {exp(x)});
  RewriteOptions ro;
  ro.extraRules = {throwing()};
  ro.onFailure = [](const std::string &, const std::string &) {};
  RewriteStats s = rewriteGraph(fg, ro);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_NE(s.failures[0].find("test_throwing"), std::string::npos);
}

TEST(RewriteDriving, RegisteredRulesRunEverywhereAtTheirPosition) {
  Var x = vector("x");
  Tensor v = Tensor::of({0.0, 1.0});
  registerRewrite(mineAt(1.7, "test_registered_sin"));
  EXPECT_EQ(registeredRewriteNames(), std::vector<std::string>{"test_registered_sin"});
  EXPECT_THROW(registerRewrite(mineAt(1.7, "test_registered_sin")), ValueError); // name taken
  // fast_run includes it; the custom tag alone selects it; excluding the tag leaves it out.
  EXPECT_DOUBLE_EQ(compile({x}, {sin(x)}).call1({v}).getAsDouble(1), std::cos(1.0));
  EXPECT_EQ(simplify({sin(x)}, "mine")[0]->owner()->op().name(), "cos");
  CompileOptions without;
  without.rewrites = "fast_run,-mine";
  EXPECT_DOUBLE_EQ(compile({x}, {sin(x)}, {}, without).call1({v}).getAsDouble(1), std::sin(1.0));
  EXPECT_TRUE(unregisterRewrite("test_registered_sin"));
  EXPECT_FALSE(unregisterRewrite("test_registered_sin"));
  // Gone: the compiled-function cache knows registered rules, so this is sin again.
  EXPECT_DOUBLE_EQ(compile({x}, {sin(x)}).call1({v}).getAsDouble(1), std::sin(1.0));
}

TEST(RewriteDriving, APositionOrdersARuleBetweenPhases) {
  // stabilize (1.5) makes the softplus: a pass at 1.2 first runs before it, one at 1.7 after.
  Var x = vector("x");
  for (double pos : {1.2, 1.7}) {
    std::vector<std::string> order;
    NodeRewriter r;
    r.name = "test_positioned";
    r.tags = {"mine"};
    r.position = pos;
    r.apply = [&](Apply &) -> std::vector<Var> {
      order.push_back("test_positioned");
      return {};
    };
    RewriteOptions o;
    o.extraRules = {r};
    o.query = "canonicalize,stabilize,mine";
    o.listener = [&](const RewriteEvent &e) { order.push_back(e.rule); };
    FunctionGraph fg({x}, {log(1.0 + exp(x))});
    rewriteGraph(fg, o);
    auto first = [&](const std::string &n) {
      return std::find(order.begin(), order.end(), n) - order.begin();
    };
    ASSERT_LT(first("local_log1p_exp"), static_cast<long>(order.size()));
    EXPECT_EQ(first("test_positioned") > first("local_log1p_exp"), pos > 1.5) << "position " << pos;
  }
}

TEST(RewriteDriving, CompileOptionsTakeARewriteListener) {
  Var x = vector("x");
  std::vector<std::string> rules;
  CompileOptions o;
  o.rewriteListener = [&](const RewriteEvent &e) { rules.push_back(e.rule); };
  for (int i = 0; i < 2; ++i) { // the second compile would be a cache hit without the listener
    rules.clear();
    compile({x}, {log(1.0 + exp(x))}, {}, o);
    EXPECT_NE(std::find(rules.begin(), rules.end(), "local_log1p_exp"), rules.end());
  }
}

TEST(RewriteDriving, AnOpFilterNamingNoOpIsAnError) {
  NodeRewriter r = throwing();
  r.name = "test_inv_rule";
  r.ops = {"inv"}; // inv() builds matrix_inverse
  EXPECT_THROW(registerRewrite(r), ValueError);
  Var x = vector("x");
  CompileOptions o;
  o.extraRules = {r};
  try {
    compile({x}, {exp(x)}, {}, o);
    FAIL() << "expected ValueError";
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("'inv'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'matrix_inverse'"), std::string::npos) << e.what();
  }
  // A typo, and an op nobody registered: errors too, the typo with the name it missed.
  auto messageOf = [&](const std::string &op) -> std::string {
    NodeRewriter u = r;
    u.ops = {op};
    try {
      registerRewrite(u);
    } catch (const ValueError &e) {
      return e.what();
    }
    unregisterRewrite(u.name);
    return "";
  };
  std::string typo = messageOf("matrix_invers");
  EXPECT_NE(typo.find("op filter 'matrix_invers'"), std::string::npos) << typo;
  EXPECT_NE(typo.find("did you mean 'matrix_inverse'?"), std::string::npos) << typo;
  std::string mine = messageOf("frobnicate_quux_op");
  EXPECT_NE(mine.find("not a registered op"), std::string::npos) << mine;
  EXPECT_NE(mine.find("registerOp"), std::string::npos) << mine;
  EXPECT_EQ(messageOf("matrix_inverse"), ""); // a registered op is fine
  // The built-in rules name registered ops only.
  for (const NodeRewriter &b : rewriteRegistry().all())
    for (const std::string &op : b.ops)
      EXPECT_TRUE(opRegistry().contains(op)) << b.name << " looks at unknown op " << op;
}

TEST(RewriteDriving, DprintOfAFunctionTakesDprintOptions) {
  Var x = vector("x");
  Function f = compile({x}, {exp(x) * 2.0}, {}, Mode::Interpret);
  std::string typed = dprint(f, DPrintOptions{true, -1});
  EXPECT_NE(typed.find("f64[?]"), std::string::npos) << typed;
  EXPECT_EQ(dprint(f), dprint(f, DPrintOptions{}));
}
