// The rv ops on Philox states: draws as a function of (state, position), size=,
// parameter checks, generator updates in compile(), and the silent bugs.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace graphjit;

namespace {
Tensor drawOf(Dist d, const std::vector<Tensor> &params, const Shape &shape, int threads,
              PhiloxCounter *next = nullptr, DType dtype = DType::Float64) {
  RandomThreadsScope scope(threads);
  return drawFromState(d, params, shape, isDiscrete(d) ? DType::Int64 : dtype, 42, {5, 0, 0, 0},
                       next);
}
bool bitwiseEqual(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.rawData(), b.rawData(), a.size() * dtypeSize(a.dtype())) == 0;
}
std::vector<Tensor> defaultParams(Dist d) {
  switch (d) {
  case Dist::MvNormal:
    return {Tensor::of({1.0, -1.0}), Tensor::of({{2.0, 0.5}, {0.5, 1.0}})};
  case Dist::MvNormalChol:
    return {Tensor::of({1.0, -1.0}), Tensor::of({{1.0, 0.0}, {0.5, 2.0}})};
  case Dist::MvNormalDiag:
    return {Tensor::of({1.0, -1.0}), Tensor::of({0.5, 2.0})};
  case Dist::Categorical:
    return {Tensor::of({0.2, 0.5, 0.3})};
  case Dist::Bernoulli:
    return {Tensor::scalar(0.3)};
  case Dist::Beta:
    return {Tensor::scalar(2.0), Tensor::scalar(3.0)};
  case Dist::StudentT:
    return {Tensor::scalar(4.0), Tensor::scalar(1.0), Tensor::scalar(2.0)};
  case Dist::Uniform:
    return {Tensor::scalar(-1.0), Tensor::scalar(3.0)};
  default: {
    std::vector<Tensor> p;
    for (int i = 0; i < distArity(d); ++i)
      p.push_back(Tensor::scalar(i == 0 && d == Dist::Normal ? 0.5 : 1.5));
    return p;
  }
  }
}
} // namespace

TEST(RandomOp, UniformIsTheTop53BitsOfPhiloxWords) {
  Tensor u = drawOf(Dist::Uniform, {Tensor::scalar(0.0), Tensor::scalar(1.0)}, {40}, 1);
  const double *v = u.data<double>();
  for (int64_t i : {0, 1, 17, 39}) { // 17 comes from the eight-lane path
    PhiloxCounter b = philox4x32(philoxAdvance({5, 0, 0, 0}, i / 2), {42, 0});
    uint64_t w = static_cast<uint64_t>(b[2 * (i % 2) + 1]) << 32 | b[2 * (i % 2)];
    EXPECT_EQ(v[i], (static_cast<double>(w >> 11) + 0.5) * 0x1.0p-53) << i;
  }
}

TEST(RandomOp, VectorizedUniformsMatchScalarPhiloxAcrossChunksAndCarries) {
  // The batched paths (AVX-512/AVX2/SSE2 lanes, 2048-element buffers) against philox4x32 one
  // block at a time, at chunk edges and where the counter's low 64 bits wrap inside a group.
  for (PhiloxCounter base :
       {PhiloxCounter{5, 0, 0, 0}, PhiloxCounter{0xFFFFFFFDu, 0xFFFFFFFFu, 7, 0}}) {
    RandomThreadsScope scope(1);
    Tensor u = drawFromState(Dist::Uniform, {Tensor::scalar(0.0), Tensor::scalar(1.0)}, {5000},
                             DType::Float64, 42, base, nullptr);
    Tensor f = drawFromState(Dist::Uniform, {Tensor::scalar(0.0f), Tensor::scalar(1.0f)}, {5000},
                             DType::Float32, 42, base, nullptr);
    for (int64_t i : {0, 1, 3, 7, 8, 15, 2047, 2048, 2049, 4095, 4999}) {
      PhiloxCounter b = philox4x32(philoxAdvance(base, i / 2), {42, 0});
      uint64_t w = static_cast<uint64_t>(b[2 * (i % 2) + 1]) << 32 | b[2 * (i % 2)];
      EXPECT_EQ(u.data<double>()[i], (static_cast<double>(w >> 11) + 0.5) * 0x1.0p-53) << i;
      PhiloxCounter b4 = philox4x32(philoxAdvance(base, i / 4), {42, 0});
      EXPECT_EQ(f.data<float>()[i], (static_cast<float>(b4[i % 4] >> 9) + 0.5f) * 0x1.0p-23f) << i;
    }
  }
}

TEST(RandomOp, DrawsDoNotDependOnTheThreadSplit) {
  for (Dist d : allDists()) {
    Shape s = isMultivariate(d) ? Shape{70001, 2} : Shape{140001};
    PhiloxCounter n1, n2;
    Tensor a = drawOf(d, defaultParams(d), s, 1, &n1), b = drawOf(d, defaultParams(d), s, 2, &n2);
    EXPECT_TRUE(bitwiseEqual(a, b)) << distName(d);
    EXPECT_EQ(n1, n2) << distName(d);
  }
}

TEST(RandomOp, NextStateIsPastTheBlocksUsedAndPrefixesAgree) {
  PhiloxCounter next;
  Tensor a = drawOf(Dist::Normal, {Tensor::scalar(0.0), Tensor::scalar(1.0)}, {10}, 1, &next);
  EXPECT_EQ(next, (PhiloxCounter{15, 0, 0, 0}));
  Tensor b = drawOf(Dist::Normal, {Tensor::scalar(0.0), Tensor::scalar(1.0)}, {4}, 1);
  for (int i = 0; i < 4; ++i) // element i depends only on (state, i)
    EXPECT_EQ(a.data<double>()[i], b.data<double>()[i]);
  drawOf(Dist::Uniform, {Tensor::scalar(0.0), Tensor::scalar(1.0)}, {10}, 1, &next);
  EXPECT_EQ(next, (PhiloxCounter{10, 0, 0, 0}));
  drawOf(Dist::Uniform, {Tensor::scalar(0.0f), Tensor::scalar(1.0f)}, {10}, 1, &next,
         DType::Float32);
  EXPECT_EQ(next, (PhiloxCounter{8, 0, 0, 0}));
}

TEST(RandomOp, InvalidParametersAreValueErrorsNamingTheDistributionAndValue) {
  auto message = [](Dist d, std::vector<Tensor> p) {
    try {
      drawOf(d, p, {3}, 1);
    } catch (const ValueError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message(Dist::Normal, {Tensor::scalar(0.0), Tensor::of({1.0, -2.0, 1.0})});
  EXPECT_NE(m.find("rv_normal"), std::string::npos) << m;
  EXPECT_NE(m.find("sigma"), std::string::npos) << m;
  EXPECT_NE(m.find("-2"), std::string::npos) << m;
  m = message(Dist::Bernoulli, {Tensor::scalar(1.5)});
  EXPECT_NE(m.find("rv_bernoulli: p must be in [0, 1], got 1.5"), std::string::npos) << m;
  m = message(Dist::Normal, {Tensor::scalar(NAN), Tensor::scalar(1.0)});
  EXPECT_NE(m.find("nan"), std::string::npos) << m;
  m = message(Dist::Gamma, {Tensor::scalar(0.0), Tensor::scalar(1.0)});
  EXPECT_NE(m.find("rv_gamma: alpha must be > 0"), std::string::npos) << m;
}

TEST(RandomOp, SizeBroadcastsTheParametersAsNumPyDoes) {
  Var g = Var::constant(randomGeneratorValue(3));
  Var mu = constant(Tensor::of({0.0, 10.0, 20.0}));
  Var x = normal(g, sizeOf({4, 3}), mu, constant(0.01));
  EXPECT_EQ(x.type().shape, (Shape{kUnknownDim, 3}));
  Tensor v = x.eval();
  ASSERT_EQ(v.shape(), (Shape{4, 3}));
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(v.data<double>()[r * 3 + c], 10.0 * c, 0.1);
  // Empty size: the parameters' shape.
  EXPECT_EQ(normal(g, sizeOf({}), mu, constant(1.0)).eval().shape(), (Shape{3}));
  // Parameters that do not broadcast to size.
  EXPECT_THROW(normal(g, sizeOf({4, 2}), mu, constant(1.0)).eval(), ShapeError);
  EXPECT_EQ(rvParams(x).size(), 2u);
  EXPECT_EQ(rvRng(x), g);
  EXPECT_EQ(asRandomVariable(rvNextRng(x)), nullptr);
  EXPECT_EQ(asRandomVariable(x)->dist(), Dist::Normal);
}

TEST(RandomOp, TextFormPrintsAndParses) {
  Var x = vector("x");
  Var g = Var::input(rngType(), "g");
  Var y = normal(g, Var(), x, abs(x) + 1.0);
  TextFunction fn{"f", {x, g}, {rvNextRng(y), y}};
  std::string text = printFunction(fn);
  EXPECT_NE(text.find("rv_normal("), std::string::npos) << text;
  TextFunction back = parseFunction(text);
  EXPECT_EQ(printFunction(back), text);
  Tensor in = Tensor::of({1.0, 2.0}), state = randomGeneratorValue(9, {1, 2, 3, 4});
  auto a = evaluate(fn.outputs, {{x, in}, {g, state}});
  auto b = evaluate(back.outputs, {{back.inputs[0], in}, {back.inputs[1], state}});
  EXPECT_TRUE(bitwiseEqual(a[1], b[1]));
  EXPECT_EQ(a[0].opaqueValue()->str(), b[0].opaqueValue()->str());
}

// Issue 19, silent bug 1: a random variable was folded into one constant.
TEST(RandomOp, CanonicalizeDoesNotFoldARandomVariable) {
  Var x = normal(zeros({4}), constant(1.0));
  Var y = simplify({x}, "canonicalize")[0];
  EXPECT_FALSE(y->isConstant());
  bool hasRv = false;
  for (Apply *n : toposort({y}))
    hasRv |= n->op().name() == "rv_normal";
  EXPECT_TRUE(hasRv) << dprint({y});
}

// Issue 19, silent bug 2: compiled functions returned the same "random" values on every call.
TEST(RandomOp, CompiledDrawsChangePerCallAndRepeatAfterReseeding) {
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    Var x = vector("x");
    Function f = compile({x}, {normal(x, constant(1.0))}, {}, mode);
    Tensor in = Tensor::of({0.0, 1.0, 2.0});
    Tensor a = f({in})[0], b = f({in})[0];
    EXPECT_FALSE(allclose(a, b, 0, 0)) << a.str();

    RandomStream rs(123);
    Var z = rs.normal(x, constant(1.0));
    Function h = compile({x}, {z}, {}, mode);
    Tensor h1 = h({in})[0], h2 = h({in})[0];
    EXPECT_FALSE(allclose(h1, h2, 0, 0));
    rs.seed(123);
    EXPECT_TRUE(bitwiseEqual(h({in})[0], h1));
    EXPECT_TRUE(bitwiseEqual(h({in})[0], h2));

    CompileOptions o;
    o.mode = mode;
    o.noDefaultUpdates = true;
    Function frozen = compile({x}, {z}, {}, o);
    EXPECT_TRUE(bitwiseEqual(frozen({in})[0], frozen({in})[0]));
  }
}

TEST(RandomOp, InterpreterAndJitDrawTheSameSequences) {
  for (Dist d : allDists()) {
    std::vector<Tensor> seq[2];
    for (int m = 0; m < 2; ++m) {
      RandomStream rs(77);
      std::vector<Var> params;
      for (const Tensor &t : defaultParams(d))
        params.push_back(constant(t) * 1.0); // computed: a kernel feeds the host step
      Var x = rs.draw(d, params,
                      isMultivariate(d) ? std::vector<int64_t>{5} : std::vector<int64_t>{3, 5});
      Function f = compile({}, {x}, {}, m == 0 ? Mode::Interpret : Mode::JIT);
      for (int call = 0; call < 3; ++call)
        seq[m].push_back(f({})[0]);
    }
    for (int call = 0; call < 3; ++call)
      EXPECT_TRUE(bitwiseEqual(seq[0][call], seq[1][call]))
          << distName(d) << " call " << call << ": " << seq[0][call].str() << " vs "
          << seq[1][call].str();
  }
}

TEST(RandomOp, ExplicitGeneratorUpdatesWorkAsInPyTensor) {
  Var g = shared(randomGeneratorValue(11), "g");
  Var x = normal(g, sizeOf({2}), constant(0.0), constant(1.0));
  Function f = compile({}, {x}, {{g, rvNextRng(x)}});
  Tensor a = f({})[0], b = f({})[0];
  EXPECT_FALSE(allclose(a, b, 0, 0));
  EXPECT_EQ(randomGeneratorState(getValue(g)).counter(), (PhiloxCounter{4, 0, 0, 0}));
  Function still = compile({}, {x}); // no default update on a hand-made generator
  EXPECT_TRUE(bitwiseEqual(still({})[0], still({})[0]));
}
