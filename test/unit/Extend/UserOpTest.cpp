// Extending graphjit from outside: a user-defined op registered so text IR that
// uses it parses and prints, compiled with the JIT (as a host step, from the
// disk cache too), and the graph a compiled Function runs shown by dprint(f).
// Its own test binary: registering an op changes the registry other tests walk.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
/// x * scale, with `scale` an attribute, and no lowering.
class Scale : public Op {
public:
  explicit Scale(double s) : s_(s) {}
  std::string name() const override { return "user_scale"; }
  Attrs attrs() const override { return Attrs{{"scale", s_}}; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    return {in.at(0)};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in.at(0)}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    std::vector<double> v = in[0].toDoubles();
    for (double &e : v)
      e *= s_;
    return {Tensor::fromVector(v, in[0].shape())};
  }
  std::vector<Var> L_op(const std::vector<Var> &, const std::vector<Var> &,
                        const std::vector<Var> &g) const override {
    return {g[0] * s_};
  }

private:
  double s_;
};

void registerScale() {
  static bool done = [] {
    registerOp(
        "user_scale",
        [](const Attrs &a) {
          return std::make_shared<Scale>(a.get<double>("scale", "user_scale"));
        },
        Attrs{{"scale", 2.0}});
    return true;
  }();
  (void)done;
}
} // namespace

TEST(UserOp, RegisteredOpParsesPrintsAndCompiles) {
  registerScale();
  const char *text = "func @f(%x: f64[?]) -> (f64[?]) {\n"
                     "  %0 = user_scale{scale=3.0}(%x) : f64[?]\n"
                     "  %1 = exp(%0) : f64[?]\n"
                     "  return %1\n"
                     "}\n";
  TextFunction fn = parseFunction(text);
  EXPECT_NE(printFunction(fn).find("user_scale{scale=3"), std::string::npos) << printFunction(fn);
  Function f = compile(fn.inputs, fn.outputs);
  EXPECT_GE(f.compileStats().hostSteps + f.compileStats().scheduleFromDisk, 1u);
  Tensor in = Tensor::of({0.0, 0.5, -1.0});
  Tensor got = f.call1({in});
  for (int64_t i = 0; i < 3; ++i)
    EXPECT_NEAR(got.getAsDouble(i), std::exp(3 * in.getAsDouble(i)), 1e-12);
  EXPECT_THROW(registerOp("user_scale", [](const Attrs &) { return std::make_shared<Scale>(1.0); }),
               ValueError);
  EXPECT_THROW(registerOp("add", [](const Attrs &) { return std::make_shared<Scale>(1.0); }),
               ValueError);
}

// Issue 25 item 18: names the text IR cannot read back are refused, saying why.
TEST(UserOp, NamesTheTextIRCannotReadAreRefused) {
  auto factory = [](const Attrs &) { return std::make_shared<Scale>(1.0); };
  for (const char *bad : {"constant", "return", "func", "a b", "x{", "", "1op", "op-name", "%x"}) {
    try {
      registerOp(bad, factory);
      ADD_FAILURE() << "registered '" << bad << "'";
    } catch (const ValueError &e) {
      EXPECT_EQ(
          std::string(e.what()).rfind(std::string("registerOp: cannot register an op named '") +
                                          bad + "': the text IR could not read it back (",
                                      0),
          0u)
          << e.what();
    }
  }
  EXPECT_THROW(registerOp(std::string(257, 'a'), factory), ValueError);
  EXPECT_FALSE(opRegistry().contains("a b"));
}

TEST(UserOp, DprintOfAFunctionShowsTheGraphAsCompiled) {
  Var x = vector("x");
  Var y = log(1.0 + exp(x)); // fast_run makes this softplus
  Function f = compile({x}, {y});
  std::string shown = dprint(f);
  EXPECT_NE(shown.find("softplus"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("log"), std::string::npos) << shown;
  // A second Function from the memory cache has no rewritten graph of its own: rebuilt on demand.
  Var x2 = vector("x2");
  Function g = compile({x2}, {log(1.0 + exp(x2))});
  EXPECT_TRUE(g.compileStats().functionFromMemory);
  EXPECT_NE(dprint(g).find("softplus"), std::string::npos);
}
