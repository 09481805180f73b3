// Lazy indexing and shape rules: values equal the unrewritten graph's through the
// interpreter after fast_run and through the JIT (compile()), with broadcasting,
// negative steps and size-0/size-1 dims; and the big computation is really gone.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

using namespace graphjit;

namespace {
Tensor ramp(const Shape &shape, double scale = 0.1) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  for (int64_t i = 0; i < t.size(); ++i)
    p[i] = scale * static_cast<double>((i * 7) % 11) - 0.3;
  return t;
}

/// The nodes of `outs` whose op is `op` and whose output has at least `minRank` dims.
int countOps(const std::vector<Var> &outs, const std::string &op, int minRank = 0) {
  int n = 0;
  for (Apply *a : toposort(outs))
    if (a->op().name() == op && a->output(0).ndim() >= minRank) ++n;
  return n;
}

/// True if some node of `outs` applies `op` to `v` itself (not to a part of it).
bool appliedToWhole(const std::vector<Var> &outs, const std::string &op, const Var &v) {
  for (Apply *a : toposort(outs))
    if (a->op().name() == op)
      for (const Var &in : a->inputs())
        if (in == v) return true;
  return false;
}

/// out (before rewriting, interpreter) == fast_run + interpreter == compile() (JIT).
std::vector<Var> checkValues(const std::vector<Var> &ins, const std::vector<Tensor> &vals,
                             const Var &out) {
  Bindings b;
  for (size_t i = 0; i < ins.size(); ++i)
    b.emplace_back(ins[i], vals[i]);
  Tensor expected = evaluate(out, b);
  std::vector<Var> rewritten = simplify({out});
  Tensor interp = evaluate(rewritten[0], b);
  EXPECT_EQ(interp.shape(), expected.shape());
  EXPECT_TRUE(allclose(interp, expected, 1e-12, 1e-12)) << interp.str() << " vs " << expected.str();
  Tensor jit = compile(ins, {out}).call1(vals);
  EXPECT_EQ(jit.shape(), expected.shape());
  EXPECT_TRUE(allclose(jit, expected, 1e-12, 1e-12)) << jit.str() << " vs " << expected.str();
  return rewritten;
}
} // namespace

TEST(Pushdown, MatmulRowColumnAndElement) {
  Var A = matrix("A"), B = matrix("B");
  std::vector<Tensor> v{ramp({4, 3}), ramp({3, 5}, 0.2)};
  for (Var out : {matmul(A, B)(1), matmul(A, B)(slice(), 2), matmul(A, B)(1, -2),
                  matmul(A, B)(slice(1, 3)), dot(A(0), B)(-1)}) {
    auto r = checkValues({A, B}, v, out);
    EXPECT_FALSE(appliedToWhole(r, "matmul", A) && appliedToWhole(r, "matmul", B))
        << dprint(r); // no full product
  }
}

TEST(Pushdown, BatchedMatmul) {
  Var A = tensor(DType::Float64, {2, 3, 4}, "A"), B = tensor(DType::Float64, {1, 4, 5}, "B");
  auto r = checkValues({A, B}, {ramp({2, 3, 4}), ramp({1, 4, 5})}, matmul(A, B)(1, 2));
  EXPECT_EQ(countOps(r, "matmul", 2), 0) << dprint(r);
}

TEST(Pushdown, ElemwiseWithBroadcastingNegativeStepsAndEmptyDims) {
  // r and c broadcast against m; their other dims come from m, so the types prove the sizes agree.
  Var m = matrix("m");
  Var r = sum(m, 0, true), c = max(m, 1, true);
  auto none = std::nullopt;
  for (Var out :
       {(exp(m) + r)(1), (exp(m) * c)(slice(), 2),
        (exp(m) + r + c)(slice(none, none, -1), slice(none, none, -2)), (exp(m) - c)(slice(2, 2)),
        (sigmoid(m) * r)(-1, slice(1, none)), (exp(r) + c)(0), (exp(m) + 1.0)(slice(0, 0))}) {
    auto rw = checkValues({m}, {ramp({3, 4})}, out);
    EXPECT_FALSE(appliedToWhole(rw, "exp", m) || appliedToWhole(rw, "sigmoid", m)) << dprint(rw);
  }
  // Size-1 and size-0 dims.
  checkValues({m}, {ramp({1, 4})}, (exp(m) * c)(0, slice(1, 3)));
  checkValues({m}, {ramp({0, 4})}, (exp(m) + r)(slice(), 1));
}

TEST(Pushdown, UnprovenShapesKeepTheirCheck) {
  // x and y of unknown length: (x + y)[1] checks len(x) == len(y); x[1] + y[1] alone would not,
  // so fast_run lifts the index and keeps the check (check_shapes of x's and y's shapes).
  Var x = vector("x"), y = vector("y");
  Var out = (exp(x) + y)(1);
  std::vector<Var> rw = simplify({out});
  EXPECT_FALSE(appliedToWhole(rw, "exp", x)) << dprint(rw);
  EXPECT_EQ(countOps(rw, "check_shapes"), 1) << dprint(rw);
  Tensor a = ramp({4}), b = ramp({4}, 0.5), shortB = ramp({3});
  EXPECT_TRUE(allclose(evaluate(rw[0], {{x, a}, {y, b}}), evaluate(out, {{x, a}, {y, b}})));
  // The error stays, in both modes; take's form too.
  Var t = take(exp(x) + y, IntList{2, 0});
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    EXPECT_THROW(compile({x, y}, {out}, {}, mode).call1({a, shortB}), ShapeError);
    EXPECT_THROW(compile({x, y}, {t}, {}, mode).call1({a, shortB}), ShapeError);
    EXPECT_TRUE(
        allclose(compile({x, y}, {t}, {}, mode).call1({a, b}), evaluate(t, {{x, a}, {y, b}})));
  }
  // shape_unsafe drops the check (the caller vouches that the lengths agree).
  std::vector<Var> unsafe = simplify({out}, "canonicalize,-local_subtensor_elemwise,shape_unsafe");
  EXPECT_EQ(countOps(unsafe, "check_shapes"), 0) << dprint(unsafe);
}

TEST(Pushdown, StaticElemwiseAndWhereAndCast) {
  Var x = tensor(DType::Float64, {10}, "x"), y = tensor(DType::Float64, {10}, "y");
  std::vector<Tensor> v{ramp({10}), ramp({10}, 0.3)};
  for (Var out : {(exp(x) + y)(3), where(x > y, exp(x), y)(slice(2, 8, 3)),
                  cast(exp(x) * y, DType::Float32)(-1)}) {
    auto rw = checkValues({x, y}, v, cast(out, DType::Float64));
    EXPECT_FALSE(appliedToWhole(rw, "exp", x)) << dprint(rw);
  }
}

TEST(Pushdown, ReductionsSoftmaxAndLogsumexp) {
  Var m = matrix("m");
  std::vector<Tensor> v{ramp({3, 5}, 2.0)};
  for (Var out :
       {sum(exp(m), 1)(2), max(m * 2.0, 1)(0), mean(exp(m), 0)(slice(1, 3)), softmax(exp(m), 1)(1),
        log_softmax(m, 1)(-1), logsumexp(m, 1)(1), logsumexp(m, 1, true)(0)}) {
    auto rw = checkValues({m}, v, out);
    for (const char *op : {"exp", "softmax", "log_softmax", "max", "mul"})
      EXPECT_FALSE(appliedToWhole(rw, op, m)) << op << "\n" << dprint(rw);
  }
}

TEST(Pushdown, DimshuffleConcatenateBroadcastFullAndTake) {
  Var m = matrix("m"), a = tensor(DType::Float64, {2, 3}, "a"),
      b = tensor(DType::Float64, {1, 3}, "b");
  Var x = vector("x");
  std::vector<Tensor> v{ramp({3, 4}), ramp({2, 3}), ramp({1, 3}), ramp({5})};
  std::vector<Var> ins{m, a, b, x};
  checkValues(ins, v, transpose(exp(m))(1));
  checkValues(ins, v, exp(expand_dims(x, 0))(0, slice(1, 4)));
  auto rw = checkValues(ins, v, concatenate({exp(a), exp(b)}, 0)(2));
  EXPECT_EQ(countOps(rw, "concatenate"), 0) << dprint(rw);
  checkValues(ins, v, concatenate({exp(a), exp(b)}, 0)(slice(), 1));
  checkValues(ins, v, concatenate({a, b}, 0)(slice(0, 2)));
  checkValues(ins, v, broadcast_to(exp(b), {4, 3})(2, slice(std::nullopt, std::nullopt, -1)));
  checkValues(ins, v, (full_like(m, 2.0) + m)(1));
  checkValues(ins, v, reshape(exp(a), {3, 2})(2));
  checkValues(ins, v, reshape(exp(a), {3, 1, 2})(1));
  rw = checkValues(ins, v, take(exp(x) + 1.0, IntList{4, 0, -1}));
  EXPECT_EQ(countOps(rw, "exp", 1), 1) << dprint(rw); // exp of the three taken values only
  for (Apply *n : toposort(rw))
    if (n->op().name() == "exp") EXPECT_EQ(n->input(0).owner()->op().name(), "take");
  checkValues(ins, v, take(transpose(exp(m)), IntList{1, 0}, 0));
}

TEST(Pushdown, IndexMergingAndUselessIndexing) {
  Var s = tensor(DType::Float64, {6, 3}, "s"), r = tensor(DType::Float64, {1, kUnknownDim}, "r");
  std::vector<Tensor> v{ramp({6, 3}), ramp({1, 4})};
  auto none = std::nullopt;
  for (Var out : {s(slice(none, none, -1))(slice(1, 5, 2))(1),
                  s(slice(1, none))(slice(none, none, -2)), s(slice(-5, -1))(slice(10, 20)),
                  s(slice(0, 6))(slice(), 2), s(slice(none, none, -2))(slice(none, none, -1))}) {
    auto rw = checkValues({s, r}, v, out);
    EXPECT_LE(countOps(rw, "subtensor"), 1) << dprint(rw);
  }
  // An index of a constant folds.
  Var folded = simplify({constant(Tensor::of({{1.0, 2.0}, {3.0, 4.0}}))(
      1, slice(std::nullopt, std::nullopt, -1))})[0];
  ASSERT_TRUE(folded->isConstant());
  EXPECT_TRUE(allclose(folded->constantValue(), Tensor::of({4.0, 3.0})));
  auto rw = checkValues({s, r}, v, exp(r(0)));
  EXPECT_EQ(countOps(rw, "subtensor"), 0) << dprint(rw);
  // An index that is out of range stays an error (merging must not hide it).
  Var m = matrix("m");
  Var bad = m(slice(0, 2))(5);
  EXPECT_THROW(evaluate(simplify({bad})[0], {{m, ramp({6, 3})}}), IndexError);
}

TEST(Pushdown, NeverDuplicatesWork) {
  Var A = matrix("A"), B = matrix("B");
  Var p = matmul(A, B);
  std::vector<Var> rw = simplify({p(0), sum(p)});
  EXPECT_EQ(countOps(rw, "matmul"), 1) << dprint(rw);
  Var x = vector("x");
  Var e = exp(x);
  rw = simplify({e(0), e(1), e});
  EXPECT_EQ(countOps(rw, "exp"), 1) << dprint(rw);
}

TEST(Pushdown, ShapeFromInputs) {
  Var m = matrix("m"), w = tensor(DType::Float64, {kUnknownDim, 3}, "w");
  std::vector<Tensor> v{ramp({2, 5}), ramp({4, 3})};
  for (Var out : {shape(exp(m)), shape(transpose(sum(exp(w), 0, true))), shape(sum(exp(m), 1)),
                  shape(exp(w) * 2.0), shape(exp(m))(1)}) {
    Bindings b{{m, v[0]}, {w, v[1]}};
    Tensor expected = evaluate(out, b);
    std::vector<Var> rw = simplify({out});
    EXPECT_EQ(countOps(rw, "exp"), 0) << dprint(rw);
    EXPECT_TRUE(allclose(evaluate(rw[0], b), expected)) << dprint(rw);
    EXPECT_TRUE(allclose(compile({m, w}, {out}).call1(v), expected));
  }
  // A static dim is a constant.
  EXPECT_TRUE(simplify({shape(exp(w))(1)})[0]->isConstant());
}

TEST(Pushdown, ExcludedByQuery) {
  Var A = matrix("A"), B = matrix("B");
  std::vector<Var> rw = simplify({matmul(A, B)(0)}, "fast_run,-pushdown");
  EXPECT_EQ(countOps(rw, "matmul", 2), 1);
}
