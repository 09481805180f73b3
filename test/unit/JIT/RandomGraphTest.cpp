// Random graphs, seeded and reproducible: the JIT must agree with the interpreter.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <random>

using namespace graphjit;

namespace {
/// Builds a random expression over a [r, c] matrix x and a [c] vector v.
class RandomGraph {
public:
  explicit RandomGraph(uint64_t seed) : rng_(seed) {}

  Var build(const Var &x, const Var &v, int depth) {
    if (depth == 0) return pick(2) ? x : x * dimshuffle(v, {-1, 0});
    Var a = build(x, v, depth - 1);
    switch (pick(12)) {
    case 0:
      return a + build(x, v, depth - 1);
    case 1:
      return a * build(x, v, depth - 1);
    case 2:
      return tanh(a);
    case 3:
      return exp(-sqr(a));
    case 4:
      return log1p(abs(a));
    case 5:
      return sigmoid(a) - 0.5;
    case 6:
      return maximum(a, build(x, v, depth - 1));
    case 7:
      return a + sum(a, 1, true); // reduction broadcast back
    case 8:
      return a * mean(a, 0, true);
    case 9:
      return where(a > 0.0, a, a * 0.1);
    case 10:
      return matmul(a, matmul(transpose(a), a)) * 0.01; // dot
    default:
      return concatenate({a(slice(1, std::nullopt)), a(slice(0, 1))}, 0); // indexing
    }
  }
  int pick(int n) { return static_cast<int>(rng_() % n); }
  Tensor values(const Shape &s) {
    std::uniform_real_distribution<double> u(-2, 2);
    std::vector<double> v(static_cast<size_t>(shapeSize(s)));
    for (double &e : v)
      e = u(rng_);
    return Tensor::fromVector(v, s);
  }

private:
  std::mt19937_64 rng_;
};
} // namespace

TEST(Jit, TwoHundredRandomGraphs) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    RandomGraph g(seed);
    Var x = matrix("x"), v = vector("v");
    Var out = g.build(x, v, 1 + g.pick(3));
    Var reduced = g.pick(2) ? sum(out, 1) : out;
    int64_t r = 1 + g.pick(4), c = 1 + g.pick(5);
    Tensor xv = g.values({r, c}), vv = g.values({c});
    Tensor ref = evaluate(reduced, {{x, xv}, {v, vv}});
    Tensor jit = compile({x, v}, {reduced}, {}, Mode::JIT)({xv, vv})[0];
    ASSERT_TRUE(allclose(jit, ref, 1e-10, 1e-10))
        << "seed " << seed << "\n"
        << dprint(reduced) << "JIT " << jit.str() << "\ninterp " << ref.str();
  }
}
