// compile() and Function: calls, updates, shared variables and modes.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(Function, MultipleOutputsAndConstants) {
  Var x = vector("x"), y = vector("y");
  Function f = compile({x, y}, {x + y, x * y * 2.0}, {}, Mode::Interpret);
  auto outs = f({Tensor::of({1, 2}), Tensor::of({3, 4})});
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_TRUE(allclose(outs[0], Tensor::of({4, 6})));
  EXPECT_TRUE(allclose(outs[1], Tensor::of({6, 16})));
  // Unknown dims take any size.
  outs = f({Tensor::of({1, 2, 3}), Tensor::of({1, 1, 1})});
  EXPECT_TRUE(allclose(outs[0], Tensor::of({2, 3, 4})));
}

TEST(Function, CallTimeErrorsNameTheArgument) {
  Var x = tensor(DType::Float64, {kUnknownDim, 3}, "x");
  Function f = compile({x}, {exp(x)}, {}, Mode::Interpret);
  EXPECT_THROW(f({}), ValueError);
  EXPECT_THROW(f({Tensor::zeros(DType::Float64, {2, 3}), Tensor::zeros(DType::Float64, {2, 3})}),
               ValueError);
  try {
    f({Tensor::zeros(DType::Float64, {2, 4})});
    FAIL();
  } catch (const TypeError &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'x'"), std::string::npos) << m;
    EXPECT_NE(m.find("f64[?,3]"), std::string::npos) << m;
    EXPECT_NE(m.find("f64[2,4]"), std::string::npos) << m;
  }
  EXPECT_THROW(f({Tensor::zeros(DType::Float32, {2, 3})}), TypeError);
  EXPECT_THROW(f.call1({Tensor::zeros(DType::Float64, {2})}), TypeError);
}

TEST(Function, CompileRejectsBadArguments) {
  Var x = vector("x"), y = vector("y");
  EXPECT_THROW(compile({x}, {x + y}, {}, Mode::Interpret), ValueError);  // y missing
  EXPECT_THROW(compile({exp(x)}, {x}, {}, Mode::Interpret), ValueError); // not a root
  Var w = shared(Tensor::of({1.0}), "w");
  EXPECT_THROW(compile({x}, {x}, {{x, x}}, Mode::Interpret), ValueError); // target not shared
  EXPECT_THROW(compile({x}, {x}, {{w, cast(w, DType::Float32)}}, Mode::Interpret), TypeError);
}

TEST(Function, SharedVariablesAndUpdates) {
  // A counter and an accumulator: updates are computed from the old values.
  Var count = shared(Tensor::scalar(0), "count");
  Var acc = shared(Tensor::of({0, 0}), "acc");
  Var x = vector("x");
  Function step =
      compile({x}, {acc + x}, {{count, count + 1.0}, {acc, acc + x * count}}, Mode::Interpret);
  auto r1 = step({Tensor::of({1, 2})});
  EXPECT_TRUE(allclose(r1[0], Tensor::of({1, 2})));
  EXPECT_DOUBLE_EQ(getValue(count).item(), 1);
  EXPECT_TRUE(allclose(getValue(acc), Tensor::of({0, 0}))); // used old count = 0
  step({Tensor::of({1, 2})});
  EXPECT_DOUBLE_EQ(getValue(count).item(), 2);
  EXPECT_TRUE(allclose(getValue(acc), Tensor::of({1, 2})));
  setValue(count, Tensor::scalar(10));
  step({Tensor::of({1, 1})});
  EXPECT_TRUE(allclose(getValue(acc), Tensor::of({11, 12})));
  EXPECT_THROW(setValue(count, Tensor::of({1.0})), TypeError);
  EXPECT_THROW(getValue(x), ValueError);
}

TEST(Function, SharedValueIsCopiedFromTheCaller) {
  Tensor init = Tensor::of({1, 2});
  Var w = shared(init, "w");
  Function f = compile({}, {w}, {{w, w * 2.0}}, Mode::Interpret);
  f({});
  EXPECT_TRUE(allclose(init, Tensor::of({1, 2}))); // caller data never modified
  EXPECT_TRUE(allclose(getValue(w), Tensor::of({2, 4})));
}

TEST(Function, DefaultConstructedIsEmptyUntilAssigned) {
  Function f; // e.g. a member assigned later
  EXPECT_FALSE(f.valid());
  try {
    f({});
    ADD_FAILURE() << "an empty Function ran";
  } catch (const ValueError &e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos) << e.what();
  }
  EXPECT_THROW(f.inputs(), ValueError);
  Var x = vector("x");
  f = compile({x}, {x * 2.0}, {}, Mode::Interpret);
  EXPECT_TRUE(f.valid());
  EXPECT_TRUE(allclose(f.call1({Tensor::of({1, 2})}), Tensor::of({2, 4})));
}

// A graph compiled again is found by its identity (issue 24): the hit does not walk the graph,
// yet rewiring a node of it (FunctionGraph without a copy) makes compile() see the new graph.
TEST(Function, RecompiledGraphHitsAndSeesEdits) {
  Var x = vector("x");
  Var a = x * 2.0, out = a + 1.0;
  Function f = compile({x}, {out});
  Function g = compile({x}, {out});
  EXPECT_TRUE(g.compileStats().functionFromMemory);
  EXPECT_EQ(g.call1({Tensor::of({1.0, 2.0})}).toDoubles(), (std::vector<double>{3.0, 5.0}));
  {
    FunctionGraph fg({x}, {out}, /*clone=*/false);
    fg.replace(a, x * 3.0);
  }
  Function h = compile({x}, {out});
  EXPECT_EQ(h.call1({Tensor::of({1.0, 2.0})}).toDoubles(), (std::vector<double>{4.0, 7.0}));
  // Shared variables and default updates found by a hit are the graph's own.
  Var w = shared(Tensor::of({1.0}), "w");
  Var y = x * w;
  Function u1 = compile({x}, {y}, {{w, w + 1.0}});
  Function u2 = compile({x}, {y}, {{w, w + 1.0}}); // a new update expression: another graph
  u1({Tensor::of({1.0})});
  EXPECT_EQ(u2({Tensor::of({1.0})})[0].toDoubles(), (std::vector<double>{2.0}));
  EXPECT_EQ(getValue(w).toDoubles(), (std::vector<double>{3.0}));
  Updates same{{w, w * 2.0}};
  Function u3 = compile({x}, {y}, same);
  Function u4 = compile({x}, {y}, same); // the same variables: remembered front
  EXPECT_EQ(u4({Tensor::of({1.0})})[0].toDoubles(), (std::vector<double>{3.0}));
  EXPECT_EQ(getValue(w).toDoubles(), (std::vector<double>{6.0}));
}
