// The standing differential test (issue 25): random graphs over the op set — elementwise float,
// int64 and bool arithmetic, reductions with negative axes, softmax, concatenate/split, take and
// inc_take with negative indices, set/inc_subtensor, products, where — on shapes with size-0 and
// size-1 dims, run by the interpreter on the graph as built and by the JIT after fast_run. Int and
// bool results must agree exactly, float ones within 1e-9 (transcendental functions differ by
// ulps). A fixed seed and DifferentialCases() cases in `make test`; `make fuzz` runs many more.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

using namespace graphjit;

namespace {
/// GRAPHJIT_TEST_CASES overrides the count (make fuzz); the library itself never reads it.
int differentialCases() {
  const char *v = std::getenv("GRAPHJIT_TEST_CASES");
  return v && *v ? std::atoi(v) : 300;
}

/// Random expressions of shape [r, c] (r, c known to the generator, unknown to the graph) in
/// float64, int64 and bool, over inputs x (f64), xi (i64) and v (f64 [c]).
class Generator {
public:
  Generator(uint64_t seed, int64_t r, int64_t c, Var x, Var xi, Var v)
      : rng_(seed), r_(r), c_(c), x_(std::move(x)), xi_(std::move(xi)), v_(std::move(v)) {}

  int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

  /// Indices into an axis of length n, negative ones included; `len` of them (0 when n is 0).
  Var indices(int64_t n, int64_t len) {
    std::vector<int64_t> ix;
    for (int64_t k = 0; n > 0 && k < len; ++k)
      ix.push_back(static_cast<int64_t>(rng_() % static_cast<uint64_t>(2 * n)) - n);
    return constant(Tensor::fromVector(ix, {static_cast<int64_t>(ix.size())}));
  }

  /// Rotates the last axis by one through a split and a concatenate (axis -1).
  Var rotate(const Var &a) {
    if (c_ == 0) return a;
    int64_t k = 1 + pick(static_cast<int>(c_));
    std::vector<Var> parts = split(a, {k, c_ - k}, -1);
    return concatenate({parts[1], parts[0]}, -1);
  }
  /// a with column 0 incremented (or set) by b's column 0.
  Var updateColumn(const Var &a, const Var &b, bool set) {
    IndexList region = {IndexEntry::slice(), IndexEntry::slice(0, 1)};
    Var piece = subtensor(b, region);
    return set ? set_subtensor(a, region, piece) : inc_subtensor(a, region, piece);
  }
  /// a with take(b, i, -1) added at i (repeated indices accumulate).
  Var incTake(const Var &a, const Var &b) {
    Var i = indices(c_, 1 + pick(3));
    return inc_take(a, i, take(b, i, -1), -1);
  }

  Var real(int depth) {
    if (depth == 0) return pick(2) ? x_ : x_ * dimshuffle(v_, {-1, 0});
    Var a = real(depth - 1);
    switch (pick(20)) {
    case 0:
      return a + real(depth - 1);
    case 1:
      return a * real(depth - 1);
    case 2:
      return a - real(depth - 1);
    case 3:
      return a / (1.0 + sqr(real(depth - 1)));
    case 4:
      return tanh(a);
    case 5:
      return exp(-sqr(a));
    case 6:
      return log1p(abs(a));
    case 7:
      return sigmoid(a) - 0.5;
    case 8:
      return pick(2) ? maximum(a, real(depth - 1)) : minimum(a, real(depth - 1));
    case 9:
      return where(x_ > 0.0, a, a * 0.5);
    case 10:
      return a + sum(a, int64_t{-1}, true);
    case 11:
      if (r_ > 0 && c_ > 0)
        return a - (pick(2) ? max(a, int64_t{-2}, true) : min(a, int64_t{-1}, true));
      return a;
    case 12:
      return pick(2) ? softmax(a, -1) : log_softmax(a, -2);
    case 13:
      return rotate(a);
    case 14:
      return take(a, indices(c_, c_), -1);
    case 15:
      return updateColumn(a, real(depth - 1), pick(2));
    case 16:
      return matmul(matmul(a, transpose(a)), a) * 0.01;
    case 17:
      return incTake(a, real(depth - 1));
    case 18:
      return cast(integer(depth - 1), DType::Float64) * 0.25;
    default:
      return where(boolean(depth - 1), a, -a);
    }
  }

  Var integer(int depth) {
    if (depth == 0) return xi_;
    Var a = integer(depth - 1);
    switch (pick(11)) {
    case 0:
      return a + integer(depth - 1);
    case 1:
      return a * integer(depth - 1);
    case 2:
      return a - integer(depth - 1);
    case 3:
      return pick(2) ? maximum(a, integer(depth - 1)) : minimum(a, integer(depth - 1));
    case 4:
      return a + sum(a, int64_t{-1}, true);
    case 5:
      return take(a, indices(c_, c_), -1);
    case 6:
      return updateColumn(a, integer(depth - 1), pick(2));
    case 7:
      return matmul(matmul(a, transpose(a)), a); // wraps
    case 8:
      return incTake(a, integer(depth - 1));
    case 9:
      return rotate(a);
    default:
      return where(boolean(depth - 1), a, -a);
    }
  }

  Var boolean(int depth) {
    Var leaf = pick(2) ? x_ > 0.0 : xi_ > 0.0;
    if (depth == 0) return leaf;
    Var a = boolean(depth - 1);
    switch (pick(7)) {
    case 0:
      return logical_and(a, boolean(depth - 1));
    case 1:
      return logical_or(a, logical_not(boolean(depth - 1)));
    case 2:
      if (c_ > 0)
        return logical_and(a, pick(2) ? min(a, int64_t{-1}, true) : max(a, int64_t{-1}, true));
      return a;
    case 3:
      return updateColumn(a, boolean(depth - 1), pick(2));
    case 4:
      return incTake(a, boolean(depth - 1));
    case 5:
      return rotate(a);
    default:
      return eq(integer(depth - 1), xi_);
    }
  }

  Tensor reals(const Shape &s) {
    std::uniform_real_distribution<double> u(-2, 2);
    std::vector<double> out(static_cast<size_t>(shapeSize(s)));
    for (double &e : out)
      e = u(rng_);
    return Tensor::fromVector(out, s);
  }
  Tensor integers(const Shape &s) {
    std::vector<int64_t> out(static_cast<size_t>(shapeSize(s)));
    for (int64_t &e : out)
      e = static_cast<int64_t>(rng_() % 11) - 5;
    return Tensor::fromVector(out, s);
  }

private:
  std::mt19937_64 rng_;
  int64_t r_, c_;
  Var x_, xi_, v_;
};

/// Runs one case; "" when both modes agree, else a report.
std::string runCase(uint64_t seed) {
  std::mt19937_64 shapes(seed * 7919 + 1);
  const int64_t rows[] = {0, 1, 2, 3}, cols[] = {0, 1, 2, 4};
  int64_t r = rows[shapes() % 4], c = cols[shapes() % 4];
  if (shapes() % 4 != 0) r = std::max<int64_t>(r, 1), c = std::max<int64_t>(c, 1); // size 0: 1 in 4
  Var x = matrix("x"), xi = matrix("xi", DType::Int64), v = vector("v");
  Generator g(seed, r, c, x, xi, v);
  int depth = 1 + g.pick(3);
  std::vector<Var> outs = {g.real(depth), g.integer(depth), g.boolean(depth)};
  std::vector<Tensor> args = {g.reals({r, c}), g.integers({r, c}), g.reals({c})};
  std::vector<Tensor> want, got;
  try {
    want = evaluate(outs, {{x, args[0]}, {xi, args[1]}, {v, args[2]}});
  } catch (const Error &e) {
    return std::string("interpreter threw: ") + e.what();
  }
  try {
    got = compile({x, xi, v}, outs, {}, Mode::JIT)(args);
  } catch (const Error &e) {
    return std::string("JIT threw: ") + e.what();
  }
  std::string report;
  for (size_t k = 0; k < outs.size(); ++k) {
    bool exact = outs[k].dtype() != DType::Float64;
    bool same = got[k].shape() == want[k].shape() && got[k].dtype() == want[k].dtype() &&
                (exact ? allclose(got[k], want[k], 0, 0) : allclose(got[k], want[k], 1e-9, 1e-12));
    if (!same)
      report += "output " + std::to_string(k) + ": JIT " + got[k].str() + "\ninterpreter " +
                want[k].str() + "\n";
  }
  if (!report.empty())
    report = "r=" + std::to_string(r) + " c=" + std::to_string(c) + "\n" + dprint(outs) + report;
  return report;
}
} // namespace

TEST(Differential, RandomGraphsOverTheOpSet) {
  int cases = differentialCases(), failed = 0;
  for (int seed = 0; seed < cases; ++seed) {
    std::string report = runCase(static_cast<uint64_t>(seed));
    if (!report.empty()) {
      ADD_FAILURE() << "seed " << seed << "\n" << report;
      if (++failed >= 5) break; // enough to look at
    }
  }
}
