// The properties an op states about itself (Op.h), and that the modules asking
// them (vectorize_graph, the rewriter, the JIT's row split) act on them.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <string>

using namespace graphjit;

namespace {
const Op &opOf(const Var &v) { return v.owner()->op(); }
Apply &nodeOf(const Var &v) { return *v.owner(); }

/// How many nodes of `name` the graph of `outputs` holds.
int countOps(const std::vector<Var> &outputs, const std::string &name) {
  int n = 0;
  for (Apply *a : toposort(outputs))
    n += a->op().name() == name;
  return n;
}

/// A user op that states nothing beyond the required contract: out = 2 * x.
class Twice : public Op {
public:
  std::string name() const override { return "user_twice"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    return {in.at(0)};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in.at(0)}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    std::vector<double> v = in[0].toDoubles();
    for (double &e : v)
      e *= 2;
    return {Tensor::fromVector(v, in[0].shape())};
  }
};

/// An op whose output is not a function of its input alone (a draw), unless `pure`.
class Draw : public Twice {
public:
  explicit Draw(bool pure) : pure_(pure) {}
  std::string name() const override { return "user_draw"; }
  Attrs attrs() const override { return Attrs{{"pure", pure_}}; }
  bool isPure() const override { return pure_; }

private:
  bool pure_;
};

/// A pure op without inputs: the scalar 7.
class Seven : public Op {
public:
  std::string name() const override { return "user_seven"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &) const override {
    return {TensorType(DType::Float64, {})};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &) const override { return {Shape{}}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &) const override {
    return {Tensor::scalar(7.0)};
  }
};
} // namespace

TEST(OpProperties, DefaultsOfAnOpThatStatesNothing) {
  Twice op;
  EXPECT_TRUE(op.isPure());
  EXPECT_FALSE(op.isFoldableWithoutInputs());
  EXPECT_FALSE(op.isBatchInvariant());
  Var x = matrix("x");
  Var y = applyOp1(std::make_shared<Twice>(), {x});
  EXPECT_FALSE(op.isRowwise(nodeOf(y), {true}));
}

TEST(OpProperties, EyeAndArangeFoldWithoutInputsOtherOpsOnlyWhenTheySaySo) {
  Var e = eye(3), r = arange(5);
  EXPECT_TRUE(opOf(e).isFoldableWithoutInputs());
  EXPECT_TRUE(opOf(r).isFoldableWithoutInputs());
  // The rewriter folds them (and what is built from them)...
  std::vector<Var> s = simplify({e * 2.0, r});
  EXPECT_EQ(countOps(s, "eye"), 0);
  EXPECT_EQ(countOps(s, "arange"), 0);
  ASSERT_TRUE(s[0]->isConstant());
  EXPECT_EQ(s[0]->constantValue().toDoubles(), (std::vector<double>{2, 0, 0, 0, 2, 0, 0, 0, 2}));
  // ...but leaves a pure op without inputs that does not say it may be folded.
  Var seven = applyOp1(std::make_shared<Seven>(), {});
  Var kept = simplify({seven})[0];
  EXPECT_FALSE(kept->isConstant());
  EXPECT_EQ(countOps({kept}, "user_seven"), 1);
}

TEST(OpProperties, ImpureNodesAreNeitherFoldedNorMerged) {
  Var c = constant(1.5);
  auto graph = [&](bool pure) {
    auto op = std::make_shared<Draw>(pure);
    return applyOp1(op, {c}) + applyOp1(op, {c}); // two equal nodes on a constant
  };
  std::vector<Var> impure = simplify({graph(false)});
  EXPECT_EQ(countOps(impure, "user_draw"), 2);
  EXPECT_FALSE(impure[0]->isConstant());
  // The same graph of a pure op folds to one constant.
  std::vector<Var> pure = simplify({graph(true)});
  EXPECT_EQ(countOps(pure, "user_draw"), 0);
  ASSERT_TRUE(pure[0]->isConstant());
  EXPECT_EQ(pure[0]->constantValue().toDoubles(), std::vector<double>{6.0});
}

TEST(OpProperties, ShapeIsBatchInvariant) {
  Var x = vector("x");
  Var s = shape(x);
  EXPECT_TRUE(opOf(s).isBatchInvariant());
  EXPECT_FALSE(opOf(exp(x)).isBatchInvariant());
  EXPECT_FALSE(opOf(sum(x)).isBatchInvariant());
  // vectorize_graph keeps the core shape: i64[1], not a batch of them.
  Var xs = tensor(DType::Float64, {4, 3}, "xs");
  Var batched = vectorize_graph(s, {{x, xs}});
  EXPECT_EQ(batched.type().str(), "i64[1]");
  EXPECT_EQ(
      batched.eval({{xs, Tensor::fromVector(std::vector<double>(12, 0.0), {4, 3})}}).toDoubles(),
      std::vector<double>{3.0});
}

TEST(OpProperties, ElemwiseIsRowwiseWhenTheOtherInputsBroadcastAlongAxisZero) {
  Var x = matrix("x");
  Var row = tensor(DType::Float64, {1, kUnknownDim}, "row");
  Var full = matrix("m");
  Var a = x + row;
  EXPECT_TRUE(opOf(a).isRowwise(nodeOf(a), {true, false}));
  Var b = x + full;
  EXPECT_TRUE(opOf(b).isRowwise(nodeOf(b), {true, true}));   // both split by rows
  EXPECT_FALSE(opOf(b).isRowwise(nodeOf(b), {true, false})); // m would be read whole
  Var e = exp(x);
  EXPECT_TRUE(opOf(e).isRowwise(nodeOf(e), {true}));
}

TEST(OpProperties, ReduceSoftmaxAndDimShuffleRowwiseRules) {
  Var x = matrix("x");
  Var s1 = sum(x, 1), s0 = sum(x, 0), sAll = sum(x);
  EXPECT_TRUE(opOf(s1).isRowwise(nodeOf(s1), {true}));
  EXPECT_FALSE(opOf(s0).isRowwise(nodeOf(s0), {true}));
  EXPECT_FALSE(opOf(sAll).isRowwise(nodeOf(sAll), {true}));
  Var m1 = softmax(x, 1), m0 = softmax(x, 0);
  EXPECT_TRUE(opOf(m1).isRowwise(nodeOf(m1), {true}));
  EXPECT_FALSE(opOf(m0).isRowwise(nodeOf(m0), {true}));
  Var keep = expand_dims(x, 1), swap = transpose(x);
  EXPECT_TRUE(opOf(keep).isRowwise(nodeOf(keep), {true}));
  EXPECT_FALSE(opOf(swap).isRowwise(nodeOf(swap), {true}));
  Var p = matmul(x, matrix("w"));
  EXPECT_FALSE(opOf(p).isRowwise(nodeOf(p), {true, false})); // no rule: not split
}

TEST(OpProperties, AnOpWithoutABatchingRuleIsNamedInTheError) {
  Var x = vector("x");
  Var y = applyOp1(std::make_shared<Twice>(), {x});
  try {
    vectorize_graph(y, {{x, matrix("xs")}});
    FAIL() << "expected NotImplementedError";
  } catch (const NotImplementedError &e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("user_twice"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has no batching rule"), std::string::npos) << msg;
  }
}

TEST(OpProperties, ScalarFunctionResultKindsAreTableFields) {
  EXPECT_EQ(scalarFnInfo(ScalarFn::Add).result, ScalarResult::Promoted);
  EXPECT_EQ(scalarFnInfo(ScalarFn::Exp).result, ScalarResult::Float);
  EXPECT_EQ(scalarFnInfo(ScalarFn::TrueDiv).result, ScalarResult::Float);
  EXPECT_EQ(scalarFnInfo(ScalarFn::Sqr).result, ScalarResult::Promoted);
  EXPECT_EQ(scalarFnInfo(ScalarFn::Lt).result, ScalarResult::Bool);
  EXPECT_EQ(scalarFnInfo(ScalarFn::Not).result, ScalarResult::Bool);
  EXPECT_EQ(scalarFnInfo(ScalarFn::Where).result, ScalarResult::Promoted);
  // And the dtypes follow them.
  Var i = vector("i", DType::Int64);
  EXPECT_EQ(exp(i).dtype(), DType::Float64);
  EXPECT_EQ(lt(i, i).dtype(), DType::Bool);
  EXPECT_EQ((i + i).dtype(), DType::Int64);
}
