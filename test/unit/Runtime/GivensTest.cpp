// compile(..., {.givens = ...}): variables substituted before compiling.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(Givens, ReplacesAnInputByAnExpressionOfAnother) {
  Var x = vector("x"), y = vector("y");
  CompileOptions o;
  o.mode = Mode::Interpret;
  o.givens = {{x, y * 2.0}};
  Function f = compile({y}, {x + 1.0}, {}, o);
  EXPECT_TRUE(allclose(f.call1({Tensor::of({1, 5})}), Tensor::of({3, 11})));
}

TEST(Givens, ReplacesASharedDataSetInOutputsAndUpdates) {
  // The usual PyTensor use: a shared data set replaced by a minibatch input.
  Var data = shared(Tensor::of({100, 200, 300}), "data");
  Var batch = vector("batch");
  Var acc = shared(Tensor::scalar(0.0), "acc");
  CompileOptions o;
  o.mode = Mode::JIT;
  o.givens = {{data, batch}};
  Function f = compile({batch}, {sum(data)}, {{acc, acc + sum(data)}}, o);
  EXPECT_DOUBLE_EQ(f.call1({Tensor::of({1, 2})}).item(), 3.0);
  EXPECT_DOUBLE_EQ(f.call1({Tensor::of({10})}).item(), 10.0);
  EXPECT_DOUBLE_EQ(getValue(acc).item(), 13.0);
  EXPECT_TRUE(allclose(getValue(data), Tensor::of({100, 200, 300}))); // never read, never written
}

TEST(Givens, BadEntriesAreRejectedWithTheReason) {
  Var x = vector("x"), y = vector("y"), m = matrix("m");
  auto attempt = [&](Replacements givens, std::vector<Var> inputs) -> std::string {
    CompileOptions o;
    o.mode = Mode::Interpret;
    o.givens = std::move(givens);
    try {
      compile(inputs, {x + y}, {}, o);
    } catch (const Error &e) {
      return e.what();
    }
    return "(no exception)";
  };
  EXPECT_NE(attempt({{x, m}}, {y, m}).find("by a value of type f64[?,?], expected f64[?]"),
            std::string::npos);
  EXPECT_NE(attempt({{x, y}}, {x, y}).find("also an input"), std::string::npos);
  EXPECT_NE(attempt({{exp(x), y}}, {x, y}).find("computed"), std::string::npos);
  EXPECT_NE(attempt({{x, Var()}}, {y}).find("null"), std::string::npos);
}
