// "Misuse accepted silently": each is now a clear error.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
template <typename E, typename F> std::string messageOf(F f) {
  try {
    f();
  } catch (const E &e) {
    return e.what();
  }
  return "(no exception)";
}
} // namespace

TEST(Misuse, SameVarTwiceAmongCompileInputs) {
  Var x = vector("x");
  for (Mode m : {Mode::Interpret, Mode::JIT}) {
    std::string msg = messageOf<ValueError>([&] { compile({x, x}, {x + x}, {}, m); });
    EXPECT_NE(msg.find("input 1 ('x') is the same variable as input 0"), std::string::npos) << msg;
  }
}

TEST(Misuse, TwoUpdatesOfOneSharedVariable) {
  Var s = shared(Tensor::of({1}), "s");
  Var x = vector("x");
  std::string msg =
      messageOf<ValueError>([&] { compile({x}, {}, {{s, s + x}, {s, s * x}}, Mode::Interpret); });
  EXPECT_NE(msg.find("updates 0 and 1 both update shared variable 's'"), std::string::npos) << msg;
}

TEST(Misuse, BoolLiteralForAFloatValue) {
  std::string msg = messageOf<ValueError>([] { parseTensorLiteral("true", DType::Float64); });
  EXPECT_NE(msg.find("bool literal 'true'"), std::string::npos) << msg;
  EXPECT_THROW(parseTensorLiteral("[1, false]", DType::Int64), ValueError);
  EXPECT_THROW(parseTensorLiteral("2", DType::Bool), ValueError);
  EXPECT_EQ(parseTensorLiteral("[true, 0, 1]", DType::Bool).toVector<bool>(),
            (std::vector<bool>{true, false, true}));
  // A constant in the text IR follows the same rule.
  EXPECT_THROW(
      parseFunction("func @f() -> (f64[]) {\n  %c = constant true : f64[]\n  return %c\n}\n"),
      ParseError);
}

TEST(Misuse, IdentifierLongerThan256Characters) {
  std::string name(300, 'a');
  std::string text = "func @f(%" + name + ": f64[]) -> (f64[]) {\n  return %" + name + "\n}\n";
  try {
    parseFunction(text);
    FAIL();
  } catch (const ParseError &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("longer than 256 characters"), std::string::npos) << m;
    EXPECT_EQ(m.find("expected ':'"), std::string::npos) << m;
    EXPECT_EQ(e.col(), 10);
  }
  std::string ok(256, 'b');
  EXPECT_NO_THROW(
      parseFunction("func @f(%" + ok + ": f64[]) -> (f64[]) {\n  return %" + ok + "\n}\n"));
}
