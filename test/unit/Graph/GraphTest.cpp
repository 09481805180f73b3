// Graph core: variables, apply nodes, ownership and FunctionGraph edits.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

TEST(Type, PrintingAndCompatibility) {
  TensorType a(DType::Float64, {kUnknownDim, 3});
  TensorType b(DType::Float64, {2, 3});
  EXPECT_EQ(a.str(), "f64[?,3]");
  EXPECT_EQ(TensorType(DType::Int32, {}).str(), "i32[]");
  EXPECT_TRUE(a.isCompatible(b));
  EXPECT_TRUE(b.refines(a));
  EXPECT_FALSE(a.refines(b));
  EXPECT_FALSE(a.isCompatible(TensorType(DType::Float32, {2, 3})));
  EXPECT_FALSE(a.isCompatible(TensorType(DType::Float64, {2, 4})));
  EXPECT_TRUE(a.accepts(DType::Float64, {7, 3}));
  EXPECT_FALSE(a.accepts(DType::Float64, {7, 4}));
  EXPECT_FALSE(a.accepts(DType::Float32, {7, 3}));
}

TEST(Graph, ApplyOutputsKeepTheNodeAlive) {
  Var y;
  std::weak_ptr<Apply> node;
  {
    Var x = vector("x");
    y = exp(x);
    node = y.owner();
  }
  ASSERT_FALSE(node.expired());
  EXPECT_EQ(y.owner()->op().name(), "exp");
  EXPECT_EQ(y.owner()->input(0).name(), "x");
  y = Var();
  EXPECT_TRUE(node.expired()); // no cycle keeps it
}

TEST(Graph, OpsCompareByNameAndAttrs) {
  Var x = matrix("x");
  Var a = transpose(x), b = transpose(x), c = dimshuffle(x, {0, 1});
  EXPECT_EQ(a.owner()->op(), b.owner()->op());
  EXPECT_NE(a.owner()->op(), c.owner()->op());
  EXPECT_EQ(a.owner()->op().hash(), b.owner()->op().hash());
  EXPECT_EQ(a.owner()->op().str(), "dimshuffle{ndim=2, order=[1,0]}");
  EXPECT_EQ(cast(x, DType::Float32).owner()->op().str(), "cast{dtype=f32}");
}

TEST(Graph, TraversalIsTopologicalAndDeterministic) {
  Var x = vector("x"), y = vector("y");
  Var a = exp(x);
  Var out = a * y + a;
  std::vector<Apply *> order = toposort({out});
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0]->op().name(), "exp");
  EXPECT_EQ(order[1]->op().name(), "mul");
  EXPECT_EQ(order[2]->op().name(), "add");
  std::vector<Var> ins = graphInputs({out});
  ASSERT_EQ(ins.size(), 2u);
  EXPECT_EQ(ins[0], x);
  EXPECT_EQ(ins[1], y);
  EXPECT_EQ(ancestors({out}).size(), 5u); // x, exp(x), y, mul, add
}

TEST(Graph, DeepChainsDoNotOverflowTheStack) {
  Var x = scalar("x");
  Var y = x;
  for (int i = 0; i < 20000; ++i)
    y = y + 1.0;
  EXPECT_EQ(toposort({y}).size(), 20000u);
  EXPECT_DOUBLE_EQ(evaluate(y, {{x, Tensor::scalar(0)}}).item(), 20000);
}

TEST(Clone, GraphReplaceLeavesTheOriginalAlone) {
  Var x = vector("x"), z = vector("z");
  Var y = exp(x) + 1.0;
  Var y2 = graph_replace(y, {{x, z}});
  EXPECT_NE(y, y2);
  EXPECT_EQ(graphInputs({y})[0], x);
  EXPECT_EQ(graphInputs({y2})[0], z);
  Tensor v = Tensor::of({0.0, 1.0});
  EXPECT_TRUE(allclose(evaluate(y2, {{z, v}}), evaluate(y, {{x, v}})));
}

TEST(Clone, TypeMismatchAndRefinement) {
  Var x = vector("x");
  Var y = exp(x);
  Var f = vector("f", DType::Float32);
  try {
    graph_replace(y, {{x, f}});
    FAIL();
  } catch (const TypeError &e) {
    EXPECT_NE(std::string(e.what()).find("f64[?]"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("f32[?]"), std::string::npos);
  }
  Var fixed = tensor(DType::Float64, {3}, "fixed");
  EXPECT_THROW(graph_replace(y, {{x, fixed}}, true), TypeError);
  Var y3 = graph_replace(y, {{x, fixed}}, false);
  EXPECT_EQ(y3.type().str(), "f64[3]"); // refined shape propagates
}

TEST(Clone, CloneReplaceCopiesEveryNode) {
  Var x = vector("x");
  Var y = exp(x);
  Var c = clone_replace({y})[0];
  EXPECT_NE(c.owner(), y.owner());
  EXPECT_EQ(c.owner()->input(0), x);
}

namespace {
struct Recorder : FunctionGraphListener {
  std::vector<std::string> events;
  void onImport(FunctionGraph &, Apply *n) override {
    events.push_back("import " + n->op().name());
  }
  void onPrune(FunctionGraph &, Apply *n) override { events.push_back("prune " + n->op().name()); }
  void onReplace(FunctionGraph &, const Var &, const Var &r, const std::string &why) override {
    events.push_back("replace by " + r.owner()->op().name() + " (" + why + ")");
  }
};
} // namespace

TEST(FunctionGraph, ClonesTracksClientsAndReplaces) {
  Var x = vector("x");
  Var a = exp(x);
  Var out = a + a;
  FunctionGraph fg({x}, {out});
  EXPECT_NE(fg.inputs()[0], x); // a copy: the user's graph is untouched
  EXPECT_EQ(fg.numNodes(), 2u);
  Var fa = fg.outputs()[0].owner()->input(0);
  EXPECT_EQ(fg.clients(fa).size(), 2u);

  Recorder rec;
  fg.addListener(&rec);
  Var doubled = fa * 2.0;
  fg.replace(fg.outputs()[0], doubled, "x+x -> 2*x");
  EXPECT_EQ(fg.outputs()[0].owner()->op().name(), "mul");
  // exp, mul and the dimshuffle that gives the scalar 2 rank 1; the add was pruned.
  EXPECT_EQ(fg.numNodes(), 3u);
  ASSERT_EQ(rec.events.size(), 4u);
  EXPECT_EQ(rec.events[0], "import dimshuffle");
  EXPECT_EQ(rec.events[1], "import mul");
  EXPECT_EQ(rec.events[2], "replace by mul (x+x -> 2*x)");
  EXPECT_EQ(rec.events[3], "prune add");
  EXPECT_EQ(out.owner()->op().name(), "add"); // original untouched
  Tensor r = evaluate(fg.outputs(), {{fg.inputs()[0], Tensor::of({0.0, 1.0})}})[0];
  EXPECT_TRUE(allclose(r, Tensor::of({2.0, 2 * std::exp(1.0)})));
  fg.removeListener(&rec);
}

TEST(FunctionGraph, RejectsMissingInputsAndBadReplacements) {
  Var x = vector("x"), y = vector("y");
  EXPECT_THROW(FunctionGraph({x}, {x + y}), ValueError);
  FunctionGraph fg({x}, {exp(x)});
  Var o = fg.outputs()[0];
  EXPECT_THROW(fg.replace(o, cast(o, DType::Float32)), TypeError);
  EXPECT_THROW(fg.replace(o, exp(y)), ValueError); // y is not an input of fg
}

TEST(FunctionGraph, ReplacementThatUsesTheOldVariable) {
  Var x = vector("x");
  FunctionGraph fg({x}, {exp(x)});
  Var o = fg.outputs()[0];
  Var wrapped = o + 0.0; // uses o itself
  fg.replace(o, wrapped, "wrap");
  EXPECT_EQ(fg.outputs()[0], wrapped);
  EXPECT_EQ(toposort(fg.outputs()).size(), 3u); // exp, dimshuffle of 0, add: no cycle
}
