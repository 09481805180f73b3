// arange, linspace/logspace, reshape and broadcast_to with graph-valued arguments (issue 21)
// against the same builders with numbers (interpreter and JIT), their gradients by finite
// differences, the errors, shape graphs that never compute the data, and one compile serving
// every size.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
Tensor ramp(const Shape &shape, double scale = 0.1) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  for (int64_t i = 0; i < t.size(); ++i)
    p[i] = scale * static_cast<double>(i % 7) + 0.05;
  return t;
}

Tensor i64(int64_t v) { return Tensor::scalar(static_cast<double>(v), DType::Int64); }

const Mode kModes[] = {Mode::Interpret, Mode::JIT};

void expectSame(const std::vector<Tensor> &got, const std::vector<Tensor> &want,
                const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].dtype(), want[i].dtype()) << what << " output " << i;
    EXPECT_TRUE(allclose(got[i], want[i], 1e-12, 1e-12))
        << what << " output " << i << ": " << got[i].str() << " vs " << want[i].str();
  }
}

/// Runs `f` and expects a ValueError whose message holds every piece.
void expectValueError(const std::function<void()> &f, const std::vector<std::string> &pieces) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const ValueError &e) {
    std::string msg = e.what();
    for (const std::string &p : pieces)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

bool hasOp(const Function &f, const std::string &name) {
  std::string text = dprint(f);
  return text.find(name + " [id") != std::string::npos ||
         text.find(name + "{") != std::string::npos;
}
} // namespace

TEST(SymbolicArgs, ArangeMatchesNumbers) {
  Var a = scalar("a", DType::Int64), n = scalar("n", DType::Int64), s = scalar("s");
  for (Mode md : kModes) {
    Function f = compile({a, n, s},
                         {arange(n), arange(a, n, 2), arange(n, a, -3), arange(0.5, n, s),
                          arange(a, n, 1, DType::Float32)},
                         {}, md);
    for (auto [av, nv, sv] : {std::tuple<int64_t, int64_t, double>{0, 5, 0.5},
                              {2, 9, 1.25},
                              {7, 3, 0.75},
                              {0, 0, 2.0},
                              {-4, 1, 0.3}}) {
      std::vector<Tensor> got = f({i64(av), i64(nv), Tensor::scalar(sv)});
      double ad = static_cast<double>(av), nd = static_cast<double>(nv);
      std::vector<Tensor> want =
          evaluate(std::vector<Var>{arange(nv), arange(ad, nd, 2), arange(nd, ad, -3),
                                    arange(0.5, nd, sv), arange(ad, nd, 1, DType::Float32)},
                   {});
      expectSame(got, want, "arange " + std::to_string(nv));
    }
  }
}

TEST(SymbolicArgs, LinspaceAndLogspaceMatchNumbers) {
  Var n = scalar("n", DType::Int64), lo = scalar("lo"), hi = scalar("hi");
  for (Mode md : kModes) {
    Function f =
        compile({n, lo, hi},
                {linspace(0.0, 1.0, n), linspace(lo, hi, n, false), linspace(lo, 3, 7),
                 logspace(lo, hi, n, true, 2.0), linspace(lo, hi, n, true, DType::Float32)},
                {}, md);
    for (auto [nv, l, h] : {std::tuple<int64_t, double, double>{5, -1.0, 2.0},
                            {1, 0.5, 4.0},
                            {0, 0.0, 1.0},
                            {12, 3.0, -2.5}}) {
      std::vector<Tensor> got = f({i64(nv), Tensor::scalar(l), Tensor::scalar(h)});
      std::vector<Tensor> want = {linspace(0.0, 1.0, nv).eval(), linspace(l, h, nv, false).eval(),
                                  linspace(l, 3.0, 7).eval(), logspace(l, h, nv, true, 2.0).eval(),
                                  linspace(l, h, nv, true, DType::Float32).eval()};
      expectSame(got, want, "linspace " + std::to_string(nv));
    }
  }
}

TEST(SymbolicArgs, ReshapeMatchesNumbers) {
  Var x = matrix("x"), n = scalar("n", DType::Int64), t = tensor(DType::Int64, {2}, "t");
  Var y = tensor(DType::Float64, {kUnknownDim, 3}, "y");
  for (Mode md : kModes) {
    Function f = compile({x, n, t, y},
                         {reshape(x, {n, -1}), reshape(x, {-1, n, 2}), reshape(x, t),
                          reshape(x, n * 0 - 1), reshape(y, {n, -1}), reshape(y * 2.0, shape(x))},
                         {}, md);
    for (auto [r, c, nv] : {std::tuple<int64_t, int64_t, int64_t>{2, 6, 3}, {4, 3, 6}, {0, 6, 2}}) {
      Tensor xv = ramp({r, c}), yv = ramp({r * c / 3, 3});
      Tensor tv = Tensor::fromVector(std::vector<int64_t>{c, -1});
      std::vector<Tensor> got = f({xv, i64(nv), tv, yv});
      Var xs = tensor(DType::Float64, {r, c}), ys = tensor(DType::Float64, {r * c / 3, 3});
      std::vector<Tensor> want =
          evaluate(std::vector<Var>{reshape(xs, IntList{nv, -1}), reshape(xs, IntList{-1, nv, 2}),
                                    reshape(xs, IntList{c, -1}), reshape(xs, IntList{-1}),
                                    reshape(ys, IntList{nv, -1}), reshape(ys * 2.0, IntList{r, c})},
                   {{xs, xv}, {ys, yv}});
      expectSame(got, want, "reshape " + std::to_string(r) + "x" + std::to_string(c));
    }
  }
}

TEST(SymbolicArgs, BroadcastToMatchesNumbers) {
  Var row = tensor(DType::Float64, {1, 3}, "row"), v = vector("v"), n = scalar("n", DType::Int64);
  Var s = tensor(DType::Int64, {3}, "s");
  for (Mode md : kModes) {
    Function f = compile({row, v, n, s},
                         {broadcast_to(row, {n, 3}), broadcast_to(v, {n, 2, shape_i(v, 0)}),
                          broadcast_to(row, s), broadcast_to(constant(1.5), {n})},
                         {}, md);
    for (int64_t nv : {0, 1, 4}) {
      Tensor rv = ramp({1, 3}), vv = ramp({5});
      Tensor sv = Tensor::fromVector(std::vector<int64_t>{2, nv, 3});
      std::vector<Tensor> got = f({rv, vv, i64(nv), sv});
      Var rs = tensor(DType::Float64, {1, 3}), vs = tensor(DType::Float64, {5});
      std::vector<Tensor> want = evaluate(
          std::vector<Var>{broadcast_to(rs, Shape{nv, 3}), broadcast_to(vs, Shape{nv, 2, 5}),
                           broadcast_to(rs, Shape{2, nv, 3}), full(Shape{nv}, 1.5)},
          {{rs, rv}, {vs, vv}});
      expectSame(got, want, "broadcast_to " + std::to_string(nv));
    }
  }
}

TEST(SymbolicArgs, StaticEntriesStayInTheType) {
  Var x = matrix("x"), n = scalar("n", DType::Int64);
  EXPECT_EQ(reshape(x, {n, 3}).type().str(), "f64[?,3]");
  EXPECT_EQ(reshape(tensor(DType::Float64, {4, 6}), {n, 3, -1}).type().str(), "f64[?,3,?]");
  EXPECT_EQ(reshape(tensor(DType::Float64, {4, 6}), {n, 6}).type().str(), "f64[4,6]");
  EXPECT_EQ(broadcast_to(tensor(DType::Float64, {1, 3}), {n, 2, 3}).type().str(), "f64[?,2,3]");
  EXPECT_EQ(broadcast_to(tensor(DType::Float64, {5}), {n, n}).type().str(), "f64[?,5]");
  EXPECT_EQ(arange(n).type().str(), "i64[?]");
  EXPECT_EQ(linspace(0.0, 1.0, n).type().str(), "f64[?]");
}

TEST(SymbolicArgs, ConstantArgumentsGiveTheStaticOps) {
  Var x = matrix("x");
  Var three = constant(Tensor::scalar(3, DType::Int64));
  EXPECT_EQ(reshape(x, {three, -1})->owner()->op().name(), "reshape");
  EXPECT_EQ(
      reshape(x, constant(Tensor::fromVector(std::vector<int64_t>{-1})))->owner()->op().name(),
      "reshape");
  EXPECT_EQ(broadcast_to(vector("v"), {three, 1})->owner()->op().name(), "broadcast_to");
  EXPECT_EQ(arange(three)->owner()->op().name(), "arange");
  EXPECT_EQ(arange(0, three, 2)->owner()->op().str(), arange(0, 3, 2)->owner()->op().str());
  EXPECT_TRUE(linspace(0.0, 1.0, three)->isConstant());
  // Braced numbers pick the numeric builders.
  EXPECT_EQ(reshape(x, {2, -1})->owner()->op().name(), "reshape");
  EXPECT_EQ(broadcast_to(vector("v"), {2, 3})->owner()->op().name(), "broadcast_to");
}

TEST(SymbolicArgs, ErrorsNameTheOpAndTheValues) {
  Var x = matrix("x"), n = scalar("n", DType::Int64), m = scalar("m", DType::Int64);
  Var row = tensor(DType::Float64, {1, 3}, "row"), v = vector("v");
  for (Mode md : kModes) {
    Function r = compile({n, m}, {arange(0, n, m)}, {}, md);
    expectValueError([&] { r({i64(5), i64(0)}); }, {"arange", "step", "0"});
    Function l = compile({n}, {linspace(0.0, 1.0, n)}, {}, md);
    expectValueError([&] { l({i64(-3)}); }, {"linspace", "-3"});
    Function rs = compile({x, n}, {reshape(x, {n, -1})}, {}, md);
    expectValueError([&] { rs({ramp({2, 3}), i64(4)}); }, {"reshape", "(2, 3)", "(4, -1)"});
    expectValueError([&] { rs({ramp({2, 3}), i64(-2)}); }, {"reshape", "-2"});
    Function rt = compile({x, n}, {reshape(x, {n, 2})}, {}, md);
    expectValueError([&] { rt({ramp({2, 3}), i64(2)}); }, {"reshape", "(2, 3)", "(2, 2)"});
    Function b = compile({row, v, n}, {broadcast_to(row, {n, 3}), broadcast_to(v, {n, 4})}, {}, md);
    expectValueError([&] { b({ramp({1, 3}), ramp({3}), i64(2)}); },
                     {"broadcast_to", "(3,)", "(2, 4)"});
    expectValueError([&] { b({ramp({1, 3}), ramp({4}), i64(-1)}); }, {"broadcast_to", "-1"});
  }
  // Static misfits are found while building.
  EXPECT_THROW(reshape(tensor(DType::Float64, {2, 3}), {n, 4}), ValueError);
  EXPECT_THROW(broadcast_to(tensor(DType::Float64, {2, 3}), {n, 4}), ValueError);
  EXPECT_THROW(reshape(x, {n, -2}), ValueError);
  EXPECT_THROW(reshape(x, {scalar("f"), 2}), TypeError);
  EXPECT_THROW(reshape(x, matrix("t", DType::Int64)), TypeError);
}

TEST(SymbolicArgs, GradientsByFiniteDifferences) {
  // The size arguments come from the data's shapes, so verify_grad's symbolic inputs drive them.
  verify_grad(
      [](const std::vector<Var> &v) { return reshape(v[0], {shape_i(v[1], 0), -1}) * v[1]; },
      {ramp({2, 6}), ramp({3, 4}, 0.3)});
  verify_grad(
      [](const std::vector<Var> &v) {
        return broadcast_to(reshape(v[0], {1, -1}), {shape_i(v[1], 0), 3}) * v[1];
      },
      {ramp({3}), ramp({4, 3}, 0.3)});
  verify_grad(
      [](const std::vector<Var> &v) {
        Var lo = sum(v[0]), hi = sum(v[0] * v[0]) + 1.0;
        return linspace(lo, hi, shape_i(v[1], 0)) * v[1] +
               linspace(hi, lo, shape_i(v[1], 0), false) * v[1] * v[1];
      },
      {ramp({2}), ramp({5}, 0.3)});
  verify_grad(
      [](const std::vector<Var> &v) {
        Var start = sum(v[0]), step = sum(v[0] * v[0]) + 0.5;
        return arange(start, cast(shape_i(v[0], 0), DType::Float64) * 10.0, step) * 1.0;
      },
      {ramp({2}, 0.01)});
}

TEST(SymbolicArgs, ShapeOfTheResultIsShapeArithmetic) {
  // shape(op(...)) runs size_shape (the same checks) and never the op itself.
  Var x = matrix("x"), n = scalar("n", DType::Int64);
  std::vector<Var> outs = {shape(arange(n)), shape(linspace(0.0, 1.0, n)),
                           shape(reshape(exp(x), {n, -1})), shape(broadcast_to(x, {n, 2, 3})),
                           shape(zeros({n, n}))};
  for (Mode md : kModes) {
    Function f = compile({x, n}, outs, {}, md);
    for (const char *op : {"arange_n", "linspace_n", "reshape_n", "broadcast_to_n", "alloc"})
      EXPECT_FALSE(hasOp(f, op)) << op << "\n" << dprint(f);
    std::vector<Tensor> got = f({ramp({2, 3}), i64(3)});
    std::vector<Tensor> want = {Tensor::fromVector(std::vector<int64_t>{3}),
                                Tensor::fromVector(std::vector<int64_t>{3}),
                                Tensor::fromVector(std::vector<int64_t>{3, 2}),
                                Tensor::fromVector(std::vector<int64_t>{3, 2, 3}),
                                Tensor::fromVector(std::vector<int64_t>{3, 3})};
    expectSame(got, want, "shapes");
    expectValueError([&] { f({ramp({2, 3}), i64(4)}); }, {"reshape", "(2, 3)"});
    expectValueError([&] { f({ramp({2, 3}), i64(-1)}); }, {"-1"});
  }
}

TEST(SymbolicArgs, OneCompileServesEverySize) {
  Var x = vector("x"), n = scalar("n", DType::Int64);
  // x has 2n entries.
  Var out = sum(reshape(arange(n * 2) * 2, {-1, 2}), 1) + linspace(0.0, 1.0, n) +
            reshape(x, {n, 2})(slice(), 0);
  Function f = compile({x, n}, {out});
  size_t before = jitCompileCount();
  for (int64_t k : {2, 5, 32, 1}) {
    Tensor xv = ramp({2 * k});
    Var xs = tensor(DType::Float64, {2 * k});
    Var ref = sum(reshape(arange(2 * k) * 2, IntList{-1, 2}), 1) + linspace(0.0, 1.0, k) +
              reshape(xs, IntList{k, 2})(slice(), 0);
    EXPECT_TRUE(allclose(f.call1({xv, i64(k)}), evaluate(ref, {{xs, xv}}))) << k;
  }
  EXPECT_EQ(jitCompileCount(), before) << "a call compiled again";
}

TEST(SymbolicArgs, BatchedThroughVectorize) {
  // vectorize_graph: a batched x through reshape_n and broadcast_to_n, a batched bound through
  // linspace_n; the results against a loop over the batch.
  Var x = matrix("x"), n = scalar("n", DType::Int64), lo = scalar("lo");
  Var core = reshape(x, {n, -1}) * 2.0 + sum(broadcast_to(lo, {n, 3}));
  Var lin = linspace(lo, 1.0, n);
  Var xb = tensor(DType::Float64, {kUnknownDim, kUnknownDim, kUnknownDim}, "xb");
  Var lob = vector("lob");
  std::vector<Var> batched = vectorize_graph({core, lin}, {{x, xb}, {lo, lob}});
  Tensor xv = ramp({3, 2, 6}), lov = Tensor::of({0.5, -1.0, 2.0});
  std::vector<Tensor> got = evaluate(batched, {{xb, xv}, {lob, lov}, {n, i64(4)}});
  for (int64_t b = 0; b < 3; ++b) {
    Tensor xe = evaluate(xb(b), {{xb, xv}}), le = evaluate(lob(b), {{lob, lov}});
    std::vector<Tensor> want =
        evaluate(std::vector<Var>{core, lin}, {{x, xe}, {lo, le}, {n, i64(4)}});
    EXPECT_TRUE(allclose(evaluate(Var::constant(got[0])(b), {}), want[0])) << b;
    EXPECT_TRUE(allclose(evaluate(Var::constant(got[1])(b), {}), want[1])) << b;
  }
}

TEST(SymbolicArgs, SizesThatBecomeConstantsGiveTheStaticOps) {
  // shape(m)[0] of m: f64[4,?] is 4 only once rewritten (the builders saw a graph value): the
  // compiled graph then holds today's static ops, with the same values in both modes.
  Var m = tensor(DType::Float64, {4, kUnknownDim}, "m"), y = matrix("y");
  Var four = shape(m)(0);
  std::vector<Var> outs = {zeros({four, four}) + y, reshape(y, {four, -1}) * 2.0, arange(four) * 3,
                           broadcast_to(sum(m, 0, true), {four, shape_i(m, 1)})};
  Tensor mv = ramp({4, 2}), yv = ramp({4, 4}, 0.3);
  std::vector<Tensor> want = evaluate(outs, {{m, mv}, {y, yv}});
  for (Mode md : kModes) {
    Function f = compile({m, y}, outs, {}, md);
    for (const char *op : {"alloc", "reshape_n", "arange_n"})
      EXPECT_FALSE(hasOp(f, op)) << op << "\n" << dprint(f);
    expectSame(f({mv, yv}), want, "rewritten sizes");
  }
}
