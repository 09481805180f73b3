// Types beyond tensors: the rng type and its values (equality, hashing, text
// form, filter), opaque values refusing element access, and Philox4x32-10
// against the Random123 known-answer vectors.
#include "graphjit/Support/Philox.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
/// The message of the TypeError `f` throws ("" and a test failure if none).
template <typename F> std::string typeErrorOf(F f) {
  try {
    f();
  } catch (const TypeError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a TypeError";
  return "";
}
} // namespace

// Known-answer vectors of Random123 (kat_vectors, philox4x32 10 rounds).
TEST(Philox, KnownAnswers) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}),
            (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, AdvanceCarriesAcrossWords) {
  EXPECT_EQ(philoxAdvance({0xffffffff, 0, 0, 0}, 1), (PhiloxCounter{0, 1, 0, 0}));
  EXPECT_EQ(philoxAdvance({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 2),
            (PhiloxCounter{1, 0, 0, 0}));
  EXPECT_EQ(philoxAdvance({5, 0, 0, 0}, 0x100000003ull), (PhiloxCounter{8, 1, 0, 0}));
}

TEST(RandomGeneratorType, EqualityHashAndPrinting) {
  TensorType g = rngType(), h = rngType();
  EXPECT_FALSE(g.isTensor());
  EXPECT_TRUE(TensorType(DType::Float64, {}).isTensor());
  EXPECT_EQ(g.str(), "rng");
  EXPECT_EQ(g, h);
  EXPECT_EQ(g.hash(), h.hash());
  // Not the f64[] scalar its values report as dtype and shape.
  EXPECT_NE(g, TensorType(DType::Float64, {}));
  EXPECT_FALSE(g.isCompatible(TensorType(DType::Float64, {})));
  EXPECT_FALSE(TensorType(DType::Float64, {}).isCompatible(g));
  EXPECT_TRUE(g.isCompatible(h));
  EXPECT_NE(g.kindAs<RandomGeneratorType>(), nullptr);
  EXPECT_EQ(TensorType(DType::Float64, {}).kindAs<RandomGeneratorType>(), nullptr);
}

TEST(RandomGeneratorType, ValuesPrintParseAndCompare) {
  Tensor v = randomGeneratorValue(42, {7, 0, 0, 1});
  EXPECT_TRUE(v.isOpaque());
  EXPECT_EQ(v.str(), "rng{key=42, counter=[7,0,0,1]}");
  EXPECT_EQ(typeOf(v), rngType());
  const RandomGeneratorState &s = randomGeneratorState(v);
  EXPECT_EQ(s.key(), 42u);
  EXPECT_EQ(s.counter(), (PhiloxCounter{7, 0, 0, 1}));
  EXPECT_EQ(s.philoxKey(), (PhiloxKey{42, 0}));

  Tensor back = rngType().kind->parseValue(v.str());
  EXPECT_TRUE(back.opaqueValue()->equals(*v.opaqueValue()));
  EXPECT_EQ(back.opaqueValue()->hash(), v.opaqueValue()->hash());
  EXPECT_TRUE(allclose(back, v));
  EXPECT_FALSE(allclose(randomGeneratorValue(43), v));
  EXPECT_FALSE(allclose(Tensor::scalar(0), v));
  // The largest key and counter words survive the round trip.
  Tensor big = randomGeneratorValue(UINT64_MAX, {UINT32_MAX, 1, 2, 3});
  EXPECT_TRUE(allclose(rngType().kind->parseValue(big.str()), big));
  EXPECT_THROW(rngType().kind->parseValue("rng{key=1, counter=[0,0,0]}"), ValueError);
  EXPECT_THROW(rngType().kind->parseValue("rng{key=-1, counter=[0,0,0,0]}"), ValueError);
  EXPECT_THROW(rngType().kind->parseValue("rng{key=1, counter=[4294967296,0,0,0]}"), ValueError);
}

TEST(RandomGeneratorType, FilterConvertsASeedAndRejectsOtherValues) {
  TensorType g = rngType();
  Tensor v = randomGeneratorValue(3);
  EXPECT_TRUE(g.accepts(v));
  EXPECT_TRUE(g.filter(v, "here").sharesBuffer(v)); // passed by reference
  Tensor seeded = g.filter(Tensor::scalar(9, DType::Int64), "here");
  EXPECT_EQ(randomGeneratorState(seeded).key(), 9u);
  EXPECT_EQ(randomGeneratorState(seeded).counter(), (PhiloxCounter{0, 0, 0, 0}));

  std::string msg = typeErrorOf([&] { g.filter(Tensor::of({1.0, 2.0, 3.0}), "setValue: 'g'"); });
  EXPECT_EQ(msg, "setValue: 'g': expected rng (or an integer seed to make one), got f64[3]");
  msg = typeErrorOf([&] { g.filter(Tensor::scalar(-2, DType::Int64), "f"); });
  EXPECT_NE(msg.find("seed >= 0, got seed -2"), std::string::npos) << msg;
  // A tensor type refuses a generator, naming both types.
  msg =
      typeErrorOf([&] { TensorType(DType::Float64, {3}).filter(v, "Function call: argument 0"); });
  EXPECT_EQ(msg, "Function call: argument 0 expects f64[3], got rng");
  EXPECT_FALSE(TensorType(DType::Float64, {}).accepts(v));
}

TEST(OpaqueValue, ElementAccessIsATypeError) {
  Tensor v = randomGeneratorValue(1);
  EXPECT_NE(typeErrorOf([&] {
              v.item();
            }).find("Tensor::getAsDouble: the value rng{key=1, counter=[0,0,0,0]} is not an array"),
            std::string::npos);
  EXPECT_THROW(v.data<double>(), TypeError);
  EXPECT_THROW(v.toDoubles(), TypeError);
  EXPECT_THROW(v.astype(DType::Float32), TypeError);
  EXPECT_THROW(v.reshaped({1}), TypeError);
  EXPECT_TRUE(v.clone().sharesBuffer(v)); // immutable: a copy is the same value
  EXPECT_NE(typeErrorOf([&] {
              Tensor::scalar(1).opaqueAs<RandomGeneratorState>();
            }).find("an array, not an opaque value"),
            std::string::npos);
  EXPECT_THROW(Tensor::opaque(nullptr), ValueError);
}

TEST(RandomGeneratorType, TensorOpsRefuseAGenerator) {
  Var g = Var::input(rngType(), "g");
  std::string msg = typeErrorOf([&] { exp(g); });
  EXPECT_EQ(msg, "exp: input 0 has type rng, expected a tensor (the op takes tensors only)");
}

TEST(RandomGeneratorType, TextIRRoundTrip) {
  const std::string text = "func @f(%g: rng, %x: f64[3]) -> (rng, rng, f64[3]) {\n"
                           "  %0 = exp(%x) : f64[3]\n"
                           "  %c = constant rng{key=7, counter=[1,2,3,4]} : rng\n"
                           "  return %g, %c, %0\n"
                           "}\n";
  TextFunction fn = parseFunction(text, "t.gj");
  EXPECT_EQ(fn.inputs[0].type(), rngType());
  ASSERT_TRUE(fn.outputs[1]->isConstant());
  EXPECT_TRUE(allclose(fn.outputs[1]->constantValue(), randomGeneratorValue(7, {1, 2, 3, 4})));
  EXPECT_EQ(printFunction(fn), text);

  auto parseError = [](const std::string &t) -> std::string {
    try {
      parseFunction(t, "t.gj");
    } catch (const ParseError &e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(parseError("func @f(%g: rng<f64[]>) -> () { return }"),
            "t.gj:1:13: error: type rng takes no parameters, got 1");
  EXPECT_EQ(parseError("func @f() -> (rng) {\n  %c = constant 3.0 : rng\n  return %c\n}"),
            "t.gj:2:17: error: a tensor literal for a constant of type rng (write the value as it "
            "prints)");
  EXPECT_EQ(parseError("func @f() -> (f64[]) {\n  %c = constant rng{key=1, counter=[0,0,0,0]} : "
                       "f64[]\n  return %c\n}"),
            "t.gj:2:17: error: expected a literal such as [1, 2] for type f64[], found 'rng{key=1, "
            "counter=[0,0,0,0]}'");
  EXPECT_NE(parseError("func @f() -> (rng) {\n  %c = constant rng{key=x} : rng\n  return %c\n}")
                .find("t.gj:2:17: error: rng literal"),
            std::string::npos);
  EXPECT_EQ(
      parseError("func @f(%g: rng) -> (f64[]) {\n  %y = exp(%g) : f64[]\n  return %y\n}"),
      "t.gj:2:8: error: exp: input 0 has type rng, expected a tensor (the op takes tensors only)");
}
