// Text IR: readable SSA, constants, multiple results, parse errors, fuzzed
// input, literals, dprint and DOT (per-op round trips: test/unit/Conformance).
#include "graphjit/Text/TextIR.h"
#include "graphjit/Text/DPrint.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <random>

using namespace graphjit;

namespace {
std::string roundTrip(const std::string &text) { return printModule(parseModule(text)); }

} // namespace

TEST(TextIR, PrintsReadableSSA) {
  Var x = tensor(DType::Float64, {kUnknownDim, 3}, "x");
  Var b = tensor(DType::Float64, {3}, "b");
  Var y = exp(x) + b;
  y->name = "y";
  std::string text = printFunction({"f", {x, b}, {y}});
  EXPECT_EQ(text, "func @f(%x: f64[?,3], %b: f64[3]) -> (f64[?,3]) {\n"
                  "  %0 = exp(%x) : f64[?,3]\n"
                  "  %1 = dimshuffle{ndim=1, order=[-1,0]}(%b) : f64[1,3]\n"
                  "  %y = add(%0, %1) : f64[?,3]\n"
                  "  return %y\n"
                  "}\n");
}

TEST(TextIR, ConstantsAndMultipleResults) {
  std::string text = "func @g(%a: f32[2]) -> (f32[2], i64[2,2], f64[]) {\n"
                     "  %c = constant [1.5, -inf] : f32[2]\n"
                     "  %0 = add(%a, %c) : f32[2]\n"
                     "  %k = constant [[1, 2], [3, 4]] : i64[2,2]\n"
                     "  %s = constant 0.1 : f64[]\n"
                     "  return %0, %k, %s\n"
                     "}\n";
  EXPECT_EQ(roundTrip(text), text);
  TextFunction f = parseFunction(text);
  auto r = evaluate(f.outputs, {{f.inputs[0], Tensor::of({1, 2}, DType::Float32)}});
  EXPECT_EQ(r[0].str(), "f32[2] [2.5, -inf]");
  EXPECT_EQ(r[1].str(), "i64[2,2] [[1, 2], [3, 4]]");
  EXPECT_EQ(r[2].item(), 0.1);
}

TEST(TextIR, ParseErrorsNameLineAndColumn) {
  auto err = [](const std::string &text) -> std::string {
    try {
      parseModule(text, "t.gj");
    } catch (const ParseError &e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(err(""), "t.gj:1:1: error: expected 'func', found end of input");
  EXPECT_EQ(err("fun @f() -> () {\n return\n}"), "t.gj:1:1: error: expected 'func', found 'fun'");
  EXPECT_EQ(err("func @f(%x: f65[2]) -> () { return }"),
            "t.gj:1:13: error: unknown type 'f65' (expected a dtype b1, i32, i64, f32 or f64, or a "
            "registered type: rng)");
  EXPECT_EQ(
      err("func @f(%x: f64[2]) -> (f64[2]) {\n  %y = frobnicate(%x) : f64[2]\n  return %y\n}"),
      "t.gj:2:8: error: unknown op 'frobnicate'");
  EXPECT_EQ(err("func @f(%x: f64[2]) -> (f64[2]) {\n  %y = exp(%z) : f64[2]\n  return %y\n}"),
            "t.gj:2:12: error: use of undefined value '%z'");
  EXPECT_EQ(err("func @f(%x: f64[2]) -> (f64[2]) {\n  %y = exp(%x) : f64[3]\n  return %y\n}"),
            "t.gj:2:8: error: 'exp' result 0 has type f64[2], declared f64[3]");
  EXPECT_EQ(err("func @f(%x: f64[2]) -> (f64[2]) {\n  %x = exp(%x) : f64[2]\n  return %x\n}"),
            "t.gj:2:3: error: redefinition of value '%x'");
  std::string shape = err(
      "func @f(%x: f64[2], %y: f64[3]) -> (f64[2]) {\n  %z = add(%x, %y) : f64[2]\n  return %z\n}");
  EXPECT_NE(shape.find("t.gj:2:8: error: add: cannot broadcast"), std::string::npos) << shape;
  EXPECT_EQ(
      err("func @f(%x: f64[2]) -> (f64[2]) {\n  %c = constant [1, [2]] : f64[2]\n  return %c\n}"),
      "t.gj:2:22: error: ragged literal: values at different nesting depths");
  EXPECT_EQ(err("func @f(%x: f64[2]) -> (f64[2]) {\n  return %x, %x\n}"),
            "t.gj:2:10: error: return gives 2 values, the signature declares 1");
  EXPECT_EQ(
      err("func @f(%x: f64[2]) -> (f64[2]) {\n  %y = sum{axes=[0}(%x) : f64[]\n  return %y\n}"),
      "t.gj:2:19: error: expected ']' to close an integer list, found '}'");
  EXPECT_EQ(err("func @f(%x: f64[2]) -> (f64[2]) {\n  %y = exp(%x) : f64[2]\n  return %y\n"),
            "t.gj:4:1: error: expected '}' to close the function body, found end of input");
  EXPECT_EQ(err("func @f(%x: f64[99999999999999999999]) -> () { return }"),
            "t.gj:1:17: error: integer '99999999999999999999' is out of range");
}

TEST(TextIR, RandomBytesNeverCrash) {
  std::mt19937 rng(1);
  std::string seed =
      "func @f(%x: f64[?,3]) -> (f64[]) {\n  %0 = sum{axes=[0,1]}(%x) : f64[]\n  return %0\n}\n";
  for (int i = 0; i < 3000; ++i) {
    std::string s = seed;
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      size_t p = rng() % s.size();
      switch (rng() % 3) {
      case 0:
        s[p] = static_cast<char>(rng() % 256);
        break;
      case 1:
        s.erase(p, 1 + rng() % 3);
        break;
      default:
        s.insert(p, 1, "[](){}%,:=-?0123456789.e"[rng() % 25]);
        break;
      }
      if (s.empty()) s = "x";
    }
    try {
      parseModule(s);
    } catch (const Error &) {
    }
  }
}

TEST(TextIR, TensorLiterals) {
  EXPECT_EQ(parseTensorLiteral("[[1,2],[3,4]]").str(), "f64[2,2] [[1, 2], [3, 4]]");
  EXPECT_EQ(parseTensorLiteral("2.5").str(), "f64[] 2.5");
  EXPECT_EQ(parseTensorLiteral("[]").str(), "f64[0] []");
  EXPECT_EQ(parseTensorLiteral("[[], []]").shape(), (Shape{2, 0}));
  EXPECT_EQ(parseTensorLiteral("[true, false]", DType::Bool).str(), "b1[2] [true, false]");
  EXPECT_THROW(parseTensorLiteral("[1, 2"), ValueError);
  EXPECT_THROW(parseTensorLiteral("[[1], [2, 3]]"), ValueError);
  EXPECT_THROW(parseTensorLiteral("1.5", DType::Int32), ValueError);
  EXPECT_THROW(parseTensorLiteral("[1] x"), ValueError);
  EXPECT_THROW(parseTensorLiteral(std::string(200, '[')), ValueError);
}

TEST(DPrint, TreeWithIdsAndSharedSubgraphs) {
  Var x = matrix("x");
  Var e = exp(x);
  Var y = e * e + 1.0;
  y->name = "y";
  EXPECT_EQ(dprint(y), "add [id A] 'y'\n"
                       " ├─ mul [id B]\n"
                       " │   ├─ exp [id C]\n"
                       " │   │   └─ x [id D]\n"
                       " │   └─ exp [id C]\n"
                       " └─ expand_dims{axis=[0,1]} [id E]\n"
                       "     └─ 1 [id F]\n");
  DPrintOptions o;
  o.printTypes = true;
  o.depth = 1;
  EXPECT_EQ(dprint(y, o), "add [id A] <f64[?,?]> 'y'\n"
                          " ├─ mul [id B] <f64[?,?]>\n"
                          " └─ expand_dims{axis=[0,1]} [id C] <f64[1,1]>\n");
}

TEST(Dot, DistinguishesVariablesAndNodes) {
  Var x = vector("x");
  Var y = exp(x) + x;
  std::string dot = to_dot({y});
  EXPECT_NE(dot.find("digraph"), std::string::npos);
  EXPECT_NE(dot.find("label=\"exp\", shape=box"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"x\\nf64[?]\", shape=ellipse, style=filled, fillcolor=lightgreen"),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("[label=\"1\"]"), std::string::npos); // edge to input 1 of add
}

TEST(DPrint, ShowsDimshufflesByWhatTheyDoAndConstantValues) {
  Var m = matrix("m");
  std::string s = dprint({transpose(m), expand_dims(m, 1), squeeze(expand_dims(m, 0), {0}),
                          dimshuffle(m, {1, -1, 0})});
  EXPECT_NE(s.find("transpose{axes=[1,0]}"), std::string::npos) << s;
  EXPECT_NE(s.find("expand_dims{axis=[1]}"), std::string::npos) << s;
  EXPECT_NE(s.find("squeeze{axis=[0]}"), std::string::npos) << s;
  EXPECT_NE(s.find("dimshuffle{ndim=2, order=[1,-1,0]}"), std::string::npos) << s; // a mix
  // The text IR keeps the op's own name.
  EXPECT_NE(printFunction({"f", {m}, {transpose(m)}}).find("dimshuffle{"), std::string::npos);
  std::string c = dprint(constant(Tensor::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6})) + m);
  EXPECT_NE(c.find("constantf64[6][1, 2, 3, 4, ...]"), std::string::npos) << c;
}
