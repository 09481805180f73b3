// A random generator's state flowing through the runtime: a shared generator
// advanced by `updates`, a generator as a Function input and output, givens and
// eval; the JIT keeps it on the host and agrees with the interpreter.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
/// (next generator, n uniforms in (0, 1)) from a generator: one Philox block per
/// four numbers, the counter advanced past the blocks used. A stand-in for the
/// random ops a later change adds; the point here is the generator's path.
class TestUniform : public Op {
public:
  explicit TestUniform(int64_t n) : n_(n) {}
  std::string name() const override { return "test_uniform"; }
  Attrs attrs() const override { return Attrs{{"n", n_}}; }
  bool acceptsNonTensorInputs() const override { return true; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    if (in.size() != 1 || !in[0].kindAs<RandomGeneratorType>())
      throw TypeError("test_uniform: expected one rng input, got " +
                      (in.empty() ? "none" : in[0].str()));
    return {rngType(), TensorType(DType::Float64, {n_})};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &) const override { return {{}, {n_}}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    const RandomGeneratorState &s = randomGeneratorState(in[0]);
    int64_t blocks = (n_ + 3) / 4;
    std::vector<double> u(n_);
    for (int64_t b = 0; b < blocks; ++b) {
      PhiloxCounter bits = philox4x32(philoxAdvance(s.counter(), b), s.philoxKey());
      for (int64_t j = 0; j < 4 && 4 * b + j < n_; ++j)
        u[4 * b + j] = (bits[j] + 0.5) / 4294967296.0;
    }
    return {randomGeneratorValue(s.key(), philoxAdvance(s.counter(), blocks)),
            Tensor::fromVector(u)};
  }

private:
  int64_t n_;
};

std::vector<Var> draw(const Var &g, int64_t n) {
  return applyOp(std::make_shared<TestUniform>(n), {g});
}

/// The numbers TestUniform gives for (key, counter), computed here by hand.
std::vector<double> expectedUniforms(uint64_t key, uint32_t counter0) {
  PhiloxCounter bits = philox4x32({counter0, 0, 0, 0},
                                  {static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)});
  std::vector<double> u;
  for (uint32_t b : bits)
    u.push_back((b + 0.5) / 4294967296.0);
  return u;
}

std::string typeErrorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const TypeError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a TypeError";
  return "";
}

class RandomGeneratorModes : public ::testing::TestWithParam<Mode> {};
} // namespace

TEST_P(RandomGeneratorModes, SharedGeneratorAdvancesThroughUpdates) {
  Var g = shared(randomGeneratorValue(42), "g");
  EXPECT_EQ(g.type(), rngType());
  Var x = vector("x");
  std::vector<Var> d = draw(g, 4);
  Var y = exp(d[1]) + x; // the draw feeds ordinary (compiled) ops
  Function f = compile({x}, {y, d[1]}, {{g, d[0]}}, GetParam());
  if (GetParam() == Mode::JIT) EXPECT_GE(f.compileStats().hostSteps, 1u);

  Tensor xv = Tensor::of({0.0, 1.0, 2.0, 3.0});
  for (uint32_t call = 0; call < 3; ++call) {
    std::vector<Tensor> out = f({xv});
    std::vector<double> u = expectedUniforms(42, call);
    EXPECT_EQ(out[1].toDoubles(), u) << "call " << call;
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(out[0].getAsDouble(i), std::exp(u[i]) + i, 1e-12);
    EXPECT_EQ(randomGeneratorState(getValue(g)).counter(), (PhiloxCounter{call + 1, 0, 0, 0}));
  }
  // Reseeding through setValue: the type's filter turns an integer into a fresh generator.
  setValue(g, Tensor::scalar(42, DType::Int64));
  EXPECT_EQ(f({xv})[1].toDoubles(), expectedUniforms(42, 0));
  EXPECT_EQ(typeErrorOf([&] { setValue(g, Tensor::of({1.0})); }),
            "setValue: 'g': expected rng (or an integer seed to make one), got f64[1]");
}

TEST_P(RandomGeneratorModes, GeneratorAsFunctionInputAndOutput) {
  Var g = Var::input(rngType(), "g");
  std::vector<Var> d = draw(g, 4);
  Function f = compile({g}, {d[0], d[1], g}, {}, GetParam());
  Tensor in = randomGeneratorValue(5, {9, 0, 0, 0});
  std::vector<Tensor> out = f({in});
  ASSERT_TRUE(out[0].isOpaque());
  EXPECT_TRUE(allclose(out[0], randomGeneratorValue(5, {10, 0, 0, 0}))) << out[0].str();
  EXPECT_EQ(out[1].toDoubles(), expectedUniforms(5, 9));
  EXPECT_TRUE(out[2].sharesBuffer(in)); // passed through by reference
  // A seed is converted by the type's filter; a tensor is refused, naming the argument.
  EXPECT_EQ(f({Tensor::scalar(5, DType::Int32)})[1].toDoubles(), expectedUniforms(5, 0));
  EXPECT_EQ(
      typeErrorOf([&] { f({Tensor::of({1.0, 2.0})}); }),
      "Function call: argument 0 ('g'): expected rng (or an integer seed to make one), got f64[2]");
}

TEST_P(RandomGeneratorModes, GeneratorConstantThroughGivens) {
  Var g = shared(randomGeneratorValue(1), "g");
  std::vector<Var> d = draw(g, 4);
  CompileOptions o;
  o.mode = GetParam();
  o.givens = {{g, Var::constant(randomGeneratorValue(77, {3, 0, 0, 0}))}};
  Function f = compile({}, {d[1], d[0]}, {}, o);
  std::vector<Tensor> out = f({});
  EXPECT_EQ(out[0].toDoubles(), expectedUniforms(77, 3));
  EXPECT_TRUE(allclose(out[1], randomGeneratorValue(77, {4, 0, 0, 0})));
}

INSTANTIATE_TEST_SUITE_P(Modes, RandomGeneratorModes, ::testing::Values(Mode::Interpret, Mode::JIT),
                         [](const auto &info) {
                           return info.param == Mode::JIT ? "JIT" : "Interpret";
                         });

TEST(RandomGenerator, EvalAndInterpreterAgreeWithTheJit) {
  Var g = Var::input(rngType(), "g");
  std::vector<Var> d = draw(g, 6); // two blocks
  Var y = d[1] * 2.0;
  Tensor in = randomGeneratorValue(11);
  Tensor viaEval = y.eval({{g, in}});
  Tensor viaInterp = evaluate(y, {{g, in}});
  Tensor viaJit = compile({g}, {y}).call1({in});
  EXPECT_TRUE(allclose(viaEval, viaJit, 0, 0));
  EXPECT_TRUE(allclose(viaInterp, viaJit, 0, 0));
  std::vector<double> first = expectedUniforms(11, 0), second = expectedUniforms(11, 1);
  EXPECT_EQ(viaJit.getAsDouble(5), 2 * second[1]);
  EXPECT_EQ(viaJit.getAsDouble(0), 2 * first[0]);
  EXPECT_NE(typeErrorOf([&] {
              y.eval({{g, Tensor::of({1.0})}});
            }).find("Var::eval: input 'g': expected rng"),
            std::string::npos);
}
