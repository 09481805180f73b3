// Item 4: both modes give the caller the same copy semantics: outputs never
// alias inputs or shared state, a shared variable updated from an input keeps
// a copy, and getValue hands out a copy.
#include "Both.h"

using namespace graphjit;
using graphjit::testing::modeName;

class CopySemantics : public ::testing::TestWithParam<Mode> {};

TEST_P(CopySemantics, IdentityOutputDoesNotAliasItsInput) {
  Var x = vector("x");
  CompileOptions o;
  o.mode = GetParam();
  o.rewrites = "";
  Function f = compile({x}, {x}, {}, o);
  std::vector<double> data = {1, 2, 3};
  Tensor in = Tensor::borrow(data.data(), {3});
  Tensor out = f.call1({in});
  data[0] = 100;
  EXPECT_EQ(out.toDoubles(), (std::vector<double>{1, 2, 3})) << modeName(GetParam());
}

TEST_P(CopySemantics, SharedUpdatedFromAnInputKeepsACopy) {
  Var s = shared(Tensor::of({0, 0}), "s");
  Var x = vector("x");
  Function f = compile({x}, {s}, {{s, x}}, GetParam());
  {
    std::vector<double> data = {5, 6};
    f({Tensor::borrow(data.data(), {2})});
    data[0] = -1; // the caller reuses (or frees) its buffer
  }
  EXPECT_EQ(getValue(s).toDoubles(), (std::vector<double>{5, 6})) << modeName(GetParam());
}

TEST_P(CopySemantics, ReturnedSharedValueIsNotTheStateItself) {
  Var s = shared(Tensor::of({1, 2}), "s");
  Var x = vector("x");
  Function f = compile({x}, {s, s + x}, {}, GetParam());
  std::vector<Tensor> outs = f({Tensor::of({1, 1})});
  outs[0].data<double>()[0] = 42;
  EXPECT_EQ(getValue(s).toDoubles(), (std::vector<double>{1, 2})) << modeName(GetParam());
  EXPECT_EQ(f({Tensor::of({0, 0})})[0].toDoubles(), (std::vector<double>{1, 2}));
}

TEST_P(CopySemantics, GetValueIsACopy) {
  Var s = shared(Tensor::of({1, 2}), "s");
  Tensor v = getValue(s);
  v.data<double>()[1] = 7;
  EXPECT_EQ(getValue(s).toDoubles(), (std::vector<double>{1, 2}));
  Var x = vector("x");
  Function f = compile({x}, {s * x}, {}, GetParam());
  EXPECT_EQ(f.call1({Tensor::of({1, 1})}).toDoubles(), (std::vector<double>{1, 2}))
      << modeName(GetParam());
}

INSTANTIATE_TEST_SUITE_P(BothModes, CopySemantics, ::testing::Values(Mode::Interpret, Mode::JIT),
                         [](const auto &info) { return std::string(modeName(info.param)); });
