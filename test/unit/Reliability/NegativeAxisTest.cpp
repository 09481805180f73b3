// Issue 25 item 1: an op never stores a negative axis (its constructor refuses one, the builders
// map -1 to the last axis first), so no consumer (lowering, batching rule, rewrite) can misread it.
// Negative axes through every builder that takes one give NumPy's answer in both modes.
#include "Both.h"

#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Text/TextIR.h"

using namespace graphjit;
using graphjit::testing::modeName;
using graphjit::testing::runIn;

TEST(NegativeAxis, OpsRefuseToStoreOne) {
  EXPECT_THROW(Concatenate(-1), ValueError);
  EXPECT_THROW(Split(-1, {1, 1}), ValueError);
  EXPECT_THROW(SplitLike(-2), ValueError);
  EXPECT_THROW(Take(-1), ValueError);
  EXPECT_THROW(IncTake(-1, false), ValueError);
  EXPECT_THROW(Softmax(false, -1), ValueError);
  EXPECT_THROW(Softmax(true, -1), ValueError);
  EXPECT_THROW(Reduce(ReduceKind::Sum, {-1}), ValueError);
  EXPECT_THROW(ArgReduce(true, -1), ValueError);
  try {
    Concatenate c(-1);
    FAIL();
  } catch (const ValueError &e) {
    EXPECT_EQ(std::string(e.what()), "concatenate: axis must be normalised (non-negative; the "
                                     "builders map -1 to the last axis), got -1");
  }
}

TEST(NegativeAxis, TextIRWithANegativeAxisIsRefused) {
  // Once read as given: the lowering then looked up dim(-1) (heap overflow, [3, 4, garbage]).
  const char *text = "func @f(%a: f64[2], %b: f64[2]) -> (f64[4]) {\n"
                     "  %0 = concatenate{axis=-1}(%a, %b) : f64[4]\n"
                     "  return %0\n}\n";
  EXPECT_THROW(parseFunction(text, "neg.gj"), Error);
}

TEST(NegativeAxis, BuildersAgreeWithNumPyInBothModes) {
  Var a = vector("a"), b = vector("b"), m = matrix("m"), i = vector("i", DType::Int64);
  std::vector<Var> outs = {
      concatenate({a, b}, -1), // [1, 2, 3, 4]
      concatenate({m, m}, -1), // rows doubled
      split(m, {1, 2}, -1)[1], // m[:, 1:]
      take(m, i, -1),          // m[:, i]
      set_take(m, i, constant(Tensor::fromVector(std::vector<double>{7, 8, 9, 10}, {2, 2})), -1),
      stack({a, b}, -1), // [[1, 3], [2, 4]]
      softmax(m, -1),
      sum(m, int64_t{-1}),
      argmax(m, -1),
  };
  Tensor va = Tensor::fromVector(std::vector<double>{1, 2}),
         vb = Tensor::fromVector(std::vector<double>{3, 4}),
         vm = Tensor::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}),
         vi = Tensor::fromVector(std::vector<int64_t>{2, 0});
  // Reference values from NumPy.
  std::vector<Tensor> want = {
      Tensor::fromVector(std::vector<double>{1, 2, 3, 4}),
      Tensor::fromVector(std::vector<double>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, {2, 6}),
      Tensor::fromVector(std::vector<double>{2, 3, 5, 6}, {2, 2}),
      Tensor::fromVector(std::vector<double>{3, 1, 6, 4}, {2, 2}),
      Tensor::fromVector(std::vector<double>{8, 2, 7, 10, 5, 9}, {2, 3}),
      Tensor::fromVector(std::vector<double>{1, 3, 2, 4}, {2, 2}),
      Tensor::fromVector(std::vector<double>{0.09003057317038043, 0.24472847105479767,
                                             0.6652409557748218, 0.09003057317038043,
                                             0.24472847105479767, 0.6652409557748218},
                         {2, 3}),
      Tensor::fromVector(std::vector<double>{6, 15}),
      Tensor::fromVector(std::vector<int64_t>{2, 2}),
  };
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    auto got = runIn(mode, {a, b, m, i}, outs, {va, vb, vm, vi});
    for (size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(got[k].shape(), want[k].shape()) << modeName(mode) << " output " << k;
      EXPECT_TRUE(allclose(got[k], want[k], 1e-14, 0)) << modeName(mode) << " output " << k;
    }
  }
}
