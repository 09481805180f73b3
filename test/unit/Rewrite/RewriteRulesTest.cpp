// Every rule fires where valid and not where invalid, and never changes values.
#include "RewriteCases.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

using namespace graphjit;

namespace {
struct Inputs {
  Var x = vector("x"), y = vector("y"), m = matrix("m"),
      r = tensor(DType::Float64, {1, kUnknownDim}, "r");
  Bindings values() const {
    return {{x, Tensor::of({0.5, 1.25, 2.0})},
            {y, Tensor::of({1.5, 0.75, 1.0})},
            {m, Tensor::of({{0.5, 1.0, 1.5}, {2.0, 0.25, 0.75}})},
            {r, Tensor::of({0.5, 1.5, 2.5}).reshaped({1, 3})}};
  }
};

/// Rules applied when rewriting `outs` with `query`, and a check that values did not change.
std::set<std::string> fired(const Inputs &in, const std::vector<Var> &outs,
                            const std::string &query) {
  std::vector<Var> roots = graphInputs(outs);
  FunctionGraph fg(roots, outs, true);
  std::set<std::string> names;
  RewriteOptions o;
  o.query = query;
  o.listener = [&](const RewriteEvent &e) { names.insert(e.rule); };
  rewriteGraph(fg, o);
  // The subtensor lift draws the kept elements at other stream positions: same law, other
  // values (RandomLiftTest checks the law).
  if (query == "local_subtensor_rv_lift") return names;
  Bindings before = in.values(), after;
  for (size_t i = 0; i < roots.size(); ++i)
    for (auto &[v, t] : before)
      if (v == roots[i]) after.emplace_back(fg.inputs()[i], t);
  std::vector<Tensor> a = evaluate(outs, before), b = evaluate(fg.outputs(), after);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].dtype(), b[i].dtype()) << query;
    EXPECT_TRUE(allclose(a[i], b[i], 1e-12, 1e-12))
        << query << ": " << a[i].str() << " became " << b[i].str();
  }
  return names;
}
} // namespace

TEST(RewriteRules, EachFiresWhereValidAndNotWhereInvalid) {
  auto cases = graphjit::testing::rewriteCases();
  for (const NodeRewriter &rule : rewriteRegistry().all()) {
    auto it = cases.find(rule.name);
    ASSERT_NE(it, cases.end()) << "rule '" << rule.name << "' has no case in RewriteCases.h";
    Inputs in;
    EXPECT_TRUE(fired(in, it->second.positive(in.x, in.y, in.m, in.r), rule.name).count(rule.name))
        << rule.name << " did not fire on its positive case";
    EXPECT_FALSE(fired(in, it->second.negative(in.x, in.y, in.m, in.r), rule.name).count(rule.name))
        << rule.name << " fired on its negative case";
  }
}

TEST(RewriteRules, QueriesSelectByTagAndName) {
  const RewriteRegistry &reg = rewriteRegistry();
  size_t all = reg.select("fast_run").size(), unsafe = reg.select("shape_unsafe").size(),
         lifts = reg.select("random_lift").size();
  // fast_run takes every rule but the shape_unsafe and random_lift ones, which must be named.
  EXPECT_GE(unsafe, 2u);
  EXPECT_EQ(lifts, 2u);
  EXPECT_EQ(all + unsafe + lifts, reg.all().size());
  EXPECT_EQ(reg.select("fast_run,shape_unsafe,random_lift").size(), reg.all().size());
  EXPECT_EQ(reg.select("local_subtensor_elemwise_unsafe").size(), 1u);
  EXPECT_GE(reg.select("pushdown").size(), 13u);
  size_t canon = reg.select("canonicalize").size(), stab = reg.select("stabilize").size(),
         spec = reg.select("specialize").size();
  EXPECT_GE(canon, 20u);
  EXPECT_GE(stab, 12u);
  EXPECT_EQ(canon + stab + spec, all);
  EXPECT_EQ(reg.select("fast_run,-pushdown").size(), all - reg.select("pushdown").size());
  EXPECT_EQ(reg.select("fast_run,-local_mul_zero").size(), all - 1);
  EXPECT_EQ(reg.select("fast_run,-stabilize").size(), all - stab);
  EXPECT_EQ(reg.select("local_log1p").size(), 1u);
  EXPECT_THROW(reg.select("fast_run,-no_such_rule"), ValueError);
}

TEST(RewriteEngine, MergesEqualNodesAndConstants) {
  Var x = vector("x");
  Var a = exp(x) + 1.0, b = exp(x) + 1.0;
  FunctionGraph fg({x}, {a * b});
  RewriteOptions o;
  o.query = "canonicalize";
  rewriteGraph(fg, o);
  // exp, the constant's dimshuffle folded, add, mul: the two copies became one.
  Apply *mul = fg.outputs()[0].owner().get();
  EXPECT_EQ(mul->input(0), mul->input(1));
}

TEST(RewriteEngine, PatternRulesAndWalkOrder) {
  // A user's own rule in the compact pattern form, with a constraint.
  NodeRewriter twice =
      patternRule("double_exp", "canonicalize", "add(exp(x), exp(x)) -> mul(2, exp(x))");
  Var x = vector("x");
  Var e = exp(x);
  for (WalkOrder order : {WalkOrder::InputsToOutputs, WalkOrder::OutputsToInputs}) {
    FunctionGraph fg({x}, {e + e});
    RewriteOptions o;
    o.query = "double_exp"; // only the extra rule, by name
    o.order = order;
    o.extraRules = {twice};
    std::vector<std::string> seen;
    o.listener = [&](const RewriteEvent &ev) { seen.push_back(ev.rule); };
    rewriteGraph(fg, o);
    ASSERT_EQ(seen, std::vector<std::string>{"double_exp"});
    EXPECT_EQ(fg.outputs()[0].owner()->op().name(), "mul");
    EXPECT_TRUE(allclose(evaluate(fg.outputs(), {{fg.inputs()[0], Tensor::of({0, 1})}})[0],
                         Tensor::of({2, 2 * std::exp(1.0)})));
  }
  EXPECT_THROW(patternRule("bad", "canonicalize", "add(x, y)"), ValueError);
  EXPECT_THROW(patternRule("bad", "canonicalize", "add(x, y) -> mul(x, z)"), ValueError);
  EXPECT_THROW(patternRule("bad", "canonicalize", "frob(x) -> x"), ValueError);
}

TEST(RewriteEngine, RejectsTypeChangingReplacements) {
  // A rule returning a value of another type must not be applied.
  RewriteRegistry local;
  Var x = vector("x");
  FunctionGraph fg({x}, {exp(x)});
  NodeRewriter bad{
      "bad",   {"canonicalize"},
      {"exp"}, "exp(x) -> cast(x, f32)",
      "",      [](Apply &n) { return std::vector<Var>{cast(n.input(0), DType::Float32)}; }};
  // Apply it by hand through the same check the engine uses.
  std::vector<Var> repl = bad.apply(*fg.outputs()[0].owner());
  EXPECT_NE(repl[0].type(), fg.outputs()[0].type());
  EXPECT_THROW(fg.replace(fg.outputs()[0], repl[0]), TypeError);
}

TEST(RewriteEngine, StabilizedValuesAtExtremes) {
  Var x = vector("x");
  Tensor v = Tensor::of({800, -800, 1e-20});
  auto run = [&](const Var &out, const std::string &query, Mode mode) {
    CompileOptions o;
    o.mode = mode;
    o.rewrites = query;
    return compile({x}, {out}, {}, o).call1({v});
  };
  struct Case {
    Var naive;
    std::vector<double> expected;
  };
  std::vector<Case> cases = {
      {log(1.0 + exp(x)), {800, 0, std::log1p(1.0)}},
      {log(sigmoid(x)), {0, -800, -std::log(2.0)}},
      {log(1.0 - sigmoid(x)), {-800, 0, -std::log(2.0)}},
      {1.0 - sigmoid(x), {0, 1, 0.5}},
      {log(1.0 + x * 1e-20), {8e-18, -8e-18, 1e-40}},
      {exp(x * 1e-3) - 1.0, {std::expm1(0.8), std::expm1(-0.8), 1e-23}},
      {log(exp(x)), {800, -800, 1e-20}},
  };
  for (auto &c : cases)
    for (Mode mode : {Mode::Interpret, Mode::JIT}) {
      Tensor got = run(c.naive, "fast_run", mode);
      for (size_t i = 0; i < c.expected.size(); ++i) {
        double g = got.getAsDouble(static_cast<int64_t>(i)), e = c.expected[i];
        EXPECT_NEAR(g, e, 1e-12 * std::max(1.0, std::fabs(e)) + 1e-300)
            << dprint(c.naive) << " at " << v.getAsDouble(i);
        if (e != 0) EXPECT_NEAR(g / e, 1.0, 1e-12) << dprint(c.naive) << " at " << v.getAsDouble(i);
      }
    }
  // Without rewrites the naive forms really do fail (that is why the rules exist).
  EXPECT_TRUE(std::isinf(run(log(1.0 + exp(x)), "", Mode::Interpret).getAsDouble(0)));
  EXPECT_TRUE(std::isinf(run(log(sigmoid(x)), "", Mode::Interpret).getAsDouble(1)));
  EXPECT_EQ(run(log(1.0 + x * 1e-20), "", Mode::Interpret).getAsDouble(0), 0.0);
  // Softmax and logsumexp written by hand.
  Var m = matrix("m");
  Tensor mv = Tensor::of({1000, 0}).reshaped({1, 2});
  Var e = exp(m);
  Tensor sm = compile({m}, {e / sum(e, 1, true)}).call1({mv});
  EXPECT_NEAR(sm.getAsDouble(0), 1.0, 1e-15);
  Tensor lse = compile({m}, {log(sum(exp(m), 1))}).call1({mv});
  EXPECT_NEAR(lse.item(), 1000.0, 1e-12);
  Tensor lsm = compile({m}, {log(softmax(m))}).call1({mv});
  EXPECT_NEAR(lsm.getAsDouble(1), -1000.0, 1e-12);
  // Binary cross-entropy of a sigmoid, written naively.
  Var y = vector("y");
  Var p = sigmoid(x);
  Var bce = -(y * log(p) + (1.0 - y) * log(1.0 - p));
  Tensor b = compile({x, y}, {bce}).call1({v, Tensor::of({0, 1, 1})});
  EXPECT_NEAR(b.getAsDouble(0), 800, 1e-9);
  EXPECT_NEAR(b.getAsDouble(1), 800, 1e-9);
  EXPECT_NEAR(b.getAsDouble(2), std::log(2.0), 1e-12);
}

TEST(RewriteEngine, GradOfLogSigmoidSimplifies) {
  Var x = vector("x");
  Var g = grad(sum(log(sigmoid(x))), x);
  std::vector<Var> simple = simplify({g});
  std::string printed = dprint(simple);
  EXPECT_EQ(printed.find("log"), std::string::npos) << printed;
  Tensor v = Tensor::of({800, -800, 0});
  Tensor r = evaluate(simple[0], {{x, v}});
  EXPECT_NEAR(r.getAsDouble(0), 0, 1e-300);
  EXPECT_NEAR(r.getAsDouble(1), 1, 1e-15);
  EXPECT_NEAR(r.getAsDouble(2), 0.5, 1e-15);
  EXPECT_LE(toposort(simple).size(), toposort({g}).size());
}
