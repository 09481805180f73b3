// Issue 25 item 12: fast_run's algebra (x - x -> 0, x / x -> 1, x + 0 -> x, x * 0 -> 0) is not
// IEEE for inf, NaN and -0. The choice (docs/runtime.md, "Numbers"): keep PyTensor's algebra in
// fast_run — it is what makes gradient graphs small — and give IEEE results with rewrites="" (or
// by leaving the rules out: "fast_run,-local_sub_self,..."). Both modes give the same values
// either way; this test pins the difference so it can only change on purpose.
#include "Both.h"

#include <cmath>

using namespace graphjit;
using graphjit::testing::modeName;

namespace {
std::vector<Tensor> run(Mode mode, const std::string &rewrites, const Var &x,
                        const std::vector<Var> &outs, const Tensor &arg) {
  CompileOptions o;
  o.mode = mode;
  o.rewrites = rewrites;
  return compile({x}, outs, {}, o)({arg});
}
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}
} // namespace

TEST(FastRunAlgebra, DifferenceFromIEEEIsTheDocumentedOne) {
  Var x = vector("x");
  std::vector<Var> outs = {x - x, x / x, x + 0.0, x * 0.0};
  Tensor arg = Tensor::fromVector(std::vector<double>{INFINITY, NAN, -0.0, 2.0});
  const double nan = NAN, inf = INFINITY;
  (void)inf;
  // IEEE (no rewrites): what NumPy prints.
  std::vector<std::vector<double>> ieee = {
      {nan, nan, 0.0, 0.0}, {nan, nan, nan, 1.0}, {inf, nan, 0.0, 2.0}, {nan, nan, -0.0, 0.0}};
  // fast_run: the algebra, for every x.
  std::vector<std::vector<double>> algebra = {
      {0.0, 0.0, 0.0, 0.0}, {1.0, 1.0, 1.0, 1.0}, {inf, nan, -0.0, 2.0}, {0.0, 0.0, 0.0, 0.0}};
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    auto exact = run(mode, "", x, outs, arg);
    auto fast = run(mode, "fast_run", x, outs, arg);
    for (size_t k = 0; k < outs.size(); ++k)
      for (int64_t e = 0; e < 4; ++e) {
        EXPECT_TRUE(same(exact[k].getAsDouble(e), ieee[k][static_cast<size_t>(e)]))
            << modeName(mode) << " output " << k << " element " << e << " got "
            << exact[k].getAsDouble(e);
        EXPECT_TRUE(same(fast[k].getAsDouble(e), algebra[k][static_cast<size_t>(e)]))
            << modeName(mode) << " fast_run output " << k << " element " << e << " got "
            << fast[k].getAsDouble(e);
      }
  }
}
