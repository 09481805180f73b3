// Positions as graph values (issue 21): x[i], x(slice(i, j, k)), set/inc_subtensor at symbolic
// positions against the same builders with the numbers (interpreter and JIT, one compile for every
// position), gradients, the IndexError / ValueError of both modes, the shape graph, and the lazy
// subtensor rewrites on a symbolic position.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <tuple>

using namespace graphjit;

namespace {
Tensor ramp(const Shape &shape) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  for (int64_t i = 0; i < t.size(); ++i)
    p[i] = 0.5 * static_cast<double>(i) - 3.0;
  return t;
}

Tensor i64(int64_t v) { return Tensor::scalar(static_cast<double>(v), DType::Int64); }
Var c64(int64_t v) { return constant(i64(v)); }

const Mode kModes[] = {Mode::Interpret, Mode::JIT};

void expectSame(const std::vector<Tensor> &got, const std::vector<Tensor> &want,
                const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].shape(), want[k].shape()) << what << " output " << k;
    EXPECT_TRUE(allclose(got[k], want[k], 0, 0))
        << what << " output " << k << ": " << got[k].str() << " vs " << want[k].str();
  }
}
} // namespace

TEST(SymbolicIndex, ReadsMatchTheNumericBuilder) {
  Var x = matrix("x"), i = scalar("i", DType::Int64), j = scalar("j", DType::Int64),
      k = scalar("k", DType::Int64);
  std::vector<Var> outs{x[i],
                        x(i, j),
                        x(slice(i, j)),
                        x(slice(i, j, k)),
                        x(slice(), j),
                        x(slice(std::nullopt, j), i),
                        x(slice(i, std::nullopt, k), slice(j))};
  for (const Var &o : outs)
    EXPECT_NE(o->owner()->op().name(), "subtensor");
  EXPECT_EQ(x[i].type().str(), "f64[?]");
  Tensor xv = ramp({5, 4});
  std::vector<std::tuple<int64_t, int64_t, int64_t>> positions{
      {1, 2, 1},  {0, 3, 2},    {-2, -1, 1}, {3, 1, -1},   {-1, -4, -2},
      {4, 0, -3}, {-5, 100, 3}, {2, 2, 1},   {-100, 3, 1}, {0, -100, -1}};
  for (Mode md : kModes) {
    size_t before = jitCompileCount();
    Function f = compile({x, i, j, k}, outs, {}, md);
    size_t compiled = jitCompileCount() - before;
    for (auto [a, b, s] : positions) {
      std::vector<Var> want{x[a],
                            x(a, b),
                            x(slice(a, b)),
                            x(slice(a, b, s)),
                            x(slice(), b),
                            x(slice(std::nullopt, b), a),
                            x(slice(a, std::nullopt, s), slice(b))};
      // Integer entries out of range raise (tested below); slices clip (SlicesClipLikeNumPy).
      if (a < -4 || a >= 4 || b < -4 || b >= 4) continue;
      expectSame(f({xv, i64(a), i64(b), i64(s)}), evaluate(want, {{x, xv}}),
                 "positions " + std::to_string(a) + "," + std::to_string(b) + "," +
                     std::to_string(s));
    }
    // Every position ran on the same compiled kernels.
    EXPECT_EQ(jitCompileCount() - before, compiled);
  }
}

TEST(SymbolicIndex, SlicesClipLikeNumPy) {
  Var x = vector("x"), i = scalar("i", DType::Int64), j = scalar("j", DType::Int64);
  Var out = x(slice(i, j)), back = x(slice(i, j, c64(-2))), stepped = x(slice(j, i, i));
  Tensor xv = ramp({6});
  for (Mode md : kModes) {
    Function f = compile({x, i, j}, {out, back, stepped}, {}, md);
    for (auto [a, b] : std::vector<std::pair<int64_t, int64_t>>{
             {-100, 100}, {4, 2}, {5, 1000}, {-3, -100}, {7, 9}, {-1, -7}, {2, -100}}) {
      expectSame(f({xv, i64(a), i64(b)}),
                 evaluate({x(slice(a, b)), x(slice(a, b, -2)), x(slice(b, a, a))}, {{x, xv}}),
                 std::to_string(a) + ":" + std::to_string(b));
    }
  }
}

TEST(SymbolicIndex, ConstantPositionsGiveTheStaticOp) {
  Var x = matrix("x");
  EXPECT_EQ(x[c64(1)]->owner()->op().name(), "subtensor");
  EXPECT_EQ(x(slice(c64(0), c64(2)), c64(-1))->owner()->op().name(), "subtensor");
  EXPECT_EQ(set_subtensor(x, {slice(c64(0), c64(2))}, vector("y"))->owner()->op().name(),
            "inc_subtensor");
  // An integer entry checks a static dim when the graph is built, as the numeric builder does.
  Var s = tensor(DType::Float64, {3, 2}, "s");
  EXPECT_THROW(s[c64(3)], IndexError);
  EXPECT_THROW(s(slice(scalar("i", DType::Int64), c64(1), c64(0))), ValueError);
  EXPECT_THROW(s[scalar("f")], TypeError); // a float position
}

TEST(SymbolicIndex, SetAndIncMatchTheNumericBuilder) {
  Var x = matrix("x"), y = vector("y"), v = scalar("v");
  Var i = scalar("i", DType::Int64), j = scalar("j", DType::Int64);
  std::vector<Var> outs{set_subtensor(x, {i}, y), inc_subtensor(x, {i}, y),
                        set_subtensor(x, {slice(i, j)}, v), inc_subtensor(x, {slice(j, i, -1)}, v),
                        inc_subtensor(x, {slice(), j}, v)};
  EXPECT_EQ(outs[0]->owner()->op().name(), "dyn_inc_subtensor");
  Tensor xv = ramp({5, 4}), yv = ramp({4}), vv = Tensor::scalar(10.0);
  for (Mode md : kModes) {
    size_t before = jitCompileCount();
    Function f = compile({x, y, v, i, j}, outs, {}, md);
    size_t compiled = jitCompileCount() - before;
    for (auto [a, b] :
         std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {-1, 1}, {3, -4}, {4, 0}, {2, 2}}) {
      std::vector<Var> want{set_subtensor(x, {IndexEntry::at(a)}, y),
                            inc_subtensor(x, {IndexEntry::at(a)}, y),
                            set_subtensor(x, {IndexEntry::slice(a, b)}, v),
                            inc_subtensor(x, {IndexEntry::slice(b, a, -1)}, v),
                            inc_subtensor(x, {IndexEntry::slice(), IndexEntry::at(b)}, v)};
      expectSame(f({xv, yv, vv, i64(a), i64(b)}), evaluate(want, {{x, xv}, {y, yv}, {v, vv}}),
                 std::to_string(a) + "," + std::to_string(b));
    }
    EXPECT_EQ(jitCompileCount() - before, compiled);
  }
}

TEST(SymbolicIndex, OutOfRangeIsAnIndexErrorNamingOpValueAndSize) {
  Var x = matrix("x"), y = vector("y"), i = scalar("i", DType::Int64);
  for (Mode md : kModes) {
    for (Var out : {x[i], set_subtensor(x, {i}, y)}) {
      Function f = compile({x, y, i}, {out}, {}, md);
      for (int64_t bad : {5, -6, 1000}) {
        try {
          f({ramp({5, 4}), ramp({4}), i64(bad)});
          FAIL() << "no error for " << bad;
        } catch (const IndexError &e) {
          std::string msg = e.what();
          EXPECT_NE(msg.find("subtensor"), std::string::npos) << msg;
          EXPECT_NE(msg.find("index " + std::to_string(bad)), std::string::npos) << msg;
          EXPECT_NE(msg.find("size 5"), std::string::npos) << msg;
        }
      }
    }
  }
}

TEST(SymbolicIndex, ZeroStepIsAValueError) {
  Var x = vector("x"), v = scalar("v"), k = scalar("k", DType::Int64);
  for (Mode md : kModes) {
    Function f = compile({x, v, k},
                         {x(slice(std::nullopt, std::nullopt, k)),
                          inc_subtensor(x, {slice(std::nullopt, std::nullopt, k)}, v)},
                         {}, md);
    EXPECT_EQ(f({ramp({4}), Tensor::scalar(1.0), i64(2)})[0].shape(), Shape{2});
    try {
      f({ramp({4}), Tensor::scalar(1.0), i64(0)});
      FAIL() << "no error";
    } catch (const ValueError &e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find("step cannot be zero"), std::string::npos) << msg;
      EXPECT_NE(msg.find("subtensor"), std::string::npos) << msg;
    }
  }
}

TEST(SymbolicIndex, GradientAddsBackAtTheSamePosition) {
  // d/dx sum(x[i:j]^2) = 2x inside rows i:j, 0 elsewhere; against the numeric builder's gradient.
  Var x = matrix("x"), i = scalar("i", DType::Int64), j = scalar("j", DType::Int64);
  Var g = grad(sum(sqr(x(slice(i, j), j))), x);
  Var gSet = grad(sum(set_subtensor(x, {i}, x[j] * 3.0) * x), x);
  Tensor xv = ramp({4, 3});
  for (Mode md : kModes) {
    Function f = compile({x, i, j}, {g, gSet}, {}, md);
    for (auto [a, b] : std::vector<std::pair<int64_t, int64_t>>{{0, 2}, {1, -1}, {-3, 2}}) {
      Var wantG = grad(sum(sqr(x(slice(a, b), b))), x);
      Var wantSet = grad(sum(set_subtensor(x, {IndexEntry::at(a)}, x[b] * 3.0) * x), x);
      std::vector<Tensor> want = evaluate({wantG, wantSet}, {{x, xv}});
      std::vector<Tensor> got = f({xv, i64(a), i64(b)});
      for (int k = 0; k < 2; ++k)
        EXPECT_TRUE(allclose(got[k], want[k], 1e-12, 1e-12)) << a << "," << b << " " << k;
    }
  }
  // Finite differences, positions computed from the input's own shape (size-agnostic).
  verify_grad(
      [](const std::vector<Var> &v) {
        Var n = shape_i(v[0], 0);
        return inc_subtensor(v[0], {slice(n - c64(3), n - c64(1))},
                             v[0](slice(c64(0), c64(2))))(slice(c64(1), n));
      },
      {ramp({5, 2})});
}

TEST(SymbolicIndex, ShapeOfASliceIsShapeArithmetic) {
  // shape(x[i:j]) never copies x: the compiled graph holds dyn_index_shape, not dyn_subtensor.
  Var x = matrix("x"), i = scalar("i", DType::Int64), j = scalar("j", DType::Int64);
  Var s = shape(x(slice(i, j), i));
  for (Mode md : kModes) {
    Function f = compile({x, i, j}, {s}, {}, md);
    bool copies = false;
    for (Apply *n : f.compiledGraph()->toposort())
      copies |= n->op().name() == "dyn_subtensor";
    EXPECT_FALSE(copies) << "mode " << static_cast<int>(md);
    EXPECT_TRUE(allclose(f.call1({ramp({5, 4}), i64(1), i64(-1)}),
                         Tensor::fromVector(std::vector<int64_t>{3})));
    // The error the data path would raise is kept.
    EXPECT_THROW(f({ramp({5, 4}), i64(4), i64(1)}), IndexError);
  }
}

TEST(SymbolicIndex, LazySubtensorRewritesKeepSymbolicPositionsRight) {
  // local_subtensor_* rules match the static subtensor; on a symbolic position they must not
  // miscompute (here they leave the node alone, and fast_run agrees with the interpreter).
  Var x = matrix("x"), y = matrix("y"), i = scalar("i", DType::Int64),
      j = scalar("j", DType::Int64);
  Var out = (exp(x) * y + 1.0)(slice(i, j), i);
  Var dimshuffled = transpose(x)(j)(slice(i, std::nullopt));
  Tensor xv = ramp({4, 4}), yv = ramp({4, 4});
  CompileOptions plain;
  plain.mode = Mode::Interpret;
  plain.rewrites = "";
  Function ref = compile({x, y, i, j}, {out, dimshuffled}, {}, plain);
  for (Mode md : kModes) {
    Function f = compile({x, y, i, j}, {out, dimshuffled}, {}, md);
    for (auto [a, b] : std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {-2, 3}, {1, 1}})
      expectSame(f({xv, yv, i64(a), i64(b)}), ref({xv, yv, i64(a), i64(b)}),
                 std::to_string(a) + "," + std::to_string(b));
  }
}

TEST(SymbolicIndex, BatchesOverTheIndexedTensor) {
  Var x = matrix("x"), i = scalar("i", DType::Int64);
  Var row = x(slice(), i);
  Var xb = tensor(DType::Float64, {kUnknownDim, kUnknownDim, kUnknownDim}, "xb");
  Var batched = vectorize_graph(row, {{x, xb}});
  Tensor xv = ramp({2, 3, 4});
  Tensor got = evaluate({batched}, {{xb, xv}, {i, i64(-1)}})[0];
  Var xs = tensor(DType::Float64, {2, 3, 4}, "xs");
  Tensor want = evaluate({xs(slice(), slice(), -1)}, {{xs, xv}})[0];
  EXPECT_TRUE(allclose(got, want)) << got.str() << " vs " << want.str();
}

TEST(SymbolicIndex, TextIRRoundTrip) {
  Var x = matrix("x"), i = scalar("i", DType::Int64), y = vector("y");
  Var out = set_subtensor(x, {slice(i, std::nullopt, c64(2))}, y(slice(i)))[i];
  std::string text = printFunction({"f", {x, i, y}, {out}});
  EXPECT_NE(text.find("dyn_subtensor"), std::string::npos) << text;
  EXPECT_NE(text.find("dyn_inc_subtensor"), std::string::npos) << text;
  EXPECT_EQ(printFunction(parseFunction(text)), text);
}

TEST(SymbolicIndex, InsideAScanBody) {
  // particles[i] with i from a sequence: the loop runs its body's compiled schedule (the body's
  // shapes need i), the interpreter and the JIT agree, and a bad position is the same IndexError.
  Var x = matrix("x"), idx = tensor(DType::Int64, {kUnknownDim}, "idx");
  ScanResult r = scan(
      [](const std::vector<Var> &a) {
        return StepResult({a[1] + a[2][a[0]] * 2.0 + sum(a[2](slice(a[0]), 0))});
      },
      {idx}, {OutputInfo(x(0) * 0.0)}, {x});
  Var out = r.last(0);
  Tensor xv = ramp({4, 3});
  Tensor iv = Tensor::fromVector(std::vector<int64_t>{2, -1, 0, 3});
  Tensor want = compile({x, idx}, {out}, {}, Mode::Interpret).call1({xv, iv});
  Function f = compile({x, idx}, {out});
  EXPECT_TRUE(allclose(f.call1({xv, iv}), want, 1e-12, 1e-12));
  EXPECT_THROW(f({xv, Tensor::fromVector(std::vector<int64_t>{1, 4})}), IndexError);
}
