// Gradient graphs through the JIT agree with the interpreter, for every op.
#include "OpCases.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(JitGradients, EveryOpsGradientGraphMatchesTheInterpreter) {
  auto builders = graphjit::testing::opBuilders();
  auto values = graphjit::testing::opCaseValues();
  int checked = 0;
  for (auto &[name, build] : builders) {
    Var x = tensor(DType::Float64, {2, 3}, "x"), y = tensor(DType::Float64, {2, 3}, "y");
    std::vector<Var> outs = build({x, y});
    Var cost;
    for (const Var &o : outs)
      if (isFloat(o.dtype())) cost = cost ? cost + sum(o * 0.5) : sum(o * 0.5);
    if (!cost) continue; // integer or bool results: nothing to differentiate
    GradOptions ignore;
    ignore.disconnected = DisconnectedPolicy::Ignore;
    std::vector<Var> grads;
    try {
      grads = grad(cost, {x, y}, ignore);
    } catch (const NotImplementedError &) {
      continue; // an op without a gradient (digamma, rv_*): the conformance test checks it says so
    }
    std::vector<Tensor> jit;
    try {
      jit = compile({x, y}, grads, {}, Mode::JIT)(values);
    } catch (const Error &e) {
      ADD_FAILURE() << name << ": " << e.what();
      continue;
    }
    std::vector<Tensor> ref = compile({x, y}, grads, {}, Mode::Interpret)(values);
    for (size_t i = 0; i < jit.size(); ++i)
      EXPECT_TRUE(allclose(jit[i], ref[i], 1e-12, 1e-12))
          << name << " d/d" << (i ? "y" : "x") << "\nJIT    " << jit[i].str() << "\ninterp "
          << ref[i].str();
    ++checked;
  }
  EXPECT_GT(checked, 50);
}
