// Shapes as graphs (issue 21): shape(f(x)) is answered from the input shapes under
// the default rewrites, f is not computed, and the shape errors f would raise are
// still raised (infer_shape / check_shapes), in the interpreter and the JIT.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
Tensor ramp(const Shape &shape) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  for (int64_t i = 0; i < t.size(); ++i)
    p[i] = 0.1 * static_cast<double>(i % 7) - 0.2;
  return t;
}

int countOps(const std::vector<Var> &outs, const std::string &op) {
  int n = 0;
  for (Apply *a : toposort(outs))
    n += a->op().name() == op;
  return n;
}

const Mode kModes[] = {Mode::Interpret, Mode::JIT};
} // namespace

TEST(ShapeGraph, ConcatenatedProductShapeSkipsTheProduct) {
  Var A = matrix("A"), B = matrix("B");
  Var out = shape(concatenate({reshape(matmul(A, B), {-1}), reshape(A, {-1})}));
  std::vector<Var> rw = simplify({out});
  EXPECT_EQ(countOps(rw, "matmul"), 0) << dprint(rw);
  EXPECT_EQ(countOps(rw, "concatenate"), 0) << dprint(rw);
  for (Mode m : kModes) {
    Function f = compile({A, B}, {out}, {}, m);
    EXPECT_EQ(f.call1({ramp({3, 4}), ramp({4, 5})}).toVector<int64_t>(),
              (std::vector<int64_t>{27}));
    // Inner dims that disagree: matmul's own error, though the product is never computed.
    EXPECT_THROW(f.call1({ramp({3, 4}), ramp({5, 5})}), ShapeError);
  }
}

TEST(ShapeGraph, ProdOfShapeOfProductIsShapeArithmetic) {
  Var x = matrix("x"), y = matrix("y");
  Var out = prod(shape(x * y));
  std::vector<Var> rw = simplify({out});
  EXPECT_EQ(countOps(rw, "mul"), 0) << dprint(rw);
  for (Apply *a : toposort(rw))
    for (int k = 0; k < a->numOutputs(); ++k)
      EXPECT_EQ(a->output(k).dtype(), DType::Int64) << "only shape arithmetic:\n" << dprint(rw);
  for (Mode m : kModes) {
    Function f = compile({x, y}, {out}, {}, m);
    EXPECT_EQ(f.call1({ramp({3, 4}), ramp({3, 4})}).item(), 12);
    EXPECT_EQ(f.call1({ramp({0, 4}), ramp({0, 4})}).item(), 0);
    // An unknown dim never stretches (only a static 1 does), as in the data path.
    EXPECT_THROW(f.call1({ramp({3, 4}), ramp({1, 4})}), ShapeError);
    EXPECT_THROW(f.call1({ramp({3, 4}), ramp({2, 4})}), ShapeError); // do not broadcast
  }
}

TEST(ShapeGraph, StaticOutputOfUnknownInputsKeepsTheCheck) {
  // f64[?] * f64[3] is f64[3], but a length-4 x fails: the shape is not the constant [3].
  Var x = vector("x"), y = tensor(DType::Float64, {3}, "y");
  Var out = shape(exp(x) * y);
  std::vector<Var> rw = simplify({out});
  EXPECT_FALSE(rw[0]->isConstant()) << dprint(rw);
  EXPECT_EQ(countOps(rw, "exp"), 0) << dprint(rw);
  for (Mode m : kModes) {
    Function f = compile({x, y}, {out}, {}, m);
    EXPECT_EQ(f.call1({ramp({3}), ramp({3})}).toVector<int64_t>(), (std::vector<int64_t>{3}));
    EXPECT_THROW(f.call1({ramp({1}), ramp({3})}), ShapeError);
    EXPECT_THROW(f.call1({ramp({4}), ramp({3})}), ShapeError);
  }
  // Static inputs: a constant.
  Var a = tensor(DType::Float64, {2, 3}, "a");
  EXPECT_TRUE(simplify({shape(exp(a) * 2.0)})[0]->isConstant());
}

TEST(ShapeGraph, ValueChecksStay) {
  // take checks index values, cholesky positive definiteness: shapes alone cannot say.
  Var x = vector("x");
  Var i = tensor(DType::Int64, {kUnknownDim}, "i");
  Var out = shape(take(exp(x), i));
  for (Mode m : kModes) {
    Function f = compile({x, i}, {out}, {}, m);
    EXPECT_THROW(f.call1({ramp({3}), Tensor::fromVector(std::vector<int64_t>{0, 5})}), IndexError);
  }
}

TEST(ShapeGraph, MaxOverAnEmptyAxisStillRaises) {
  // max has no identity: shape(max(x, 1)) of a (3, 0) input raises as max itself does.
  Var m = matrix("m");
  Var out = shape(max(exp(m), 1));
  for (Mode md : kModes) {
    Function f = compile({m}, {out}, {}, md);
    EXPECT_EQ(f.call1({ramp({3, 4})}).toVector<int64_t>(), (std::vector<int64_t>{3}));
    EXPECT_THROW(f.call1({ramp({3, 0})}), ValueError);
  }
}

TEST(ShapeGraph, ReshapeAndReductionShapes) {
  Var m = matrix("m");
  for (Var out : {shape(reshape(exp(m), {2, -1})), shape(sum(exp(m), 0)),
                  shape(transpose(exp(m)) * 2.0), shape(matmul(exp(m), transpose(m)))}) {
    std::vector<Var> rw = simplify({out});
    EXPECT_EQ(countOps(rw, "exp"), 0) << dprint(rw);
    for (Mode md : kModes) {
      Tensor want = evaluate(out, {{m, ramp({4, 3})}});
      EXPECT_EQ(compile({m}, {out}, {}, md).call1({ramp({4, 3})}).toVector<int64_t>(),
                want.toVector<int64_t>());
    }
  }
  // reshape of 5 elements to [2, -1]: reshape's error, without computing exp.
  for (Mode md : kModes)
    EXPECT_THROW(compile({m}, {shape(reshape(exp(m), {2, -1}))}, {}, md).call1({ramp({5, 1})}),
                 ShapeError);
}

TEST(ShapeGraph, CheckShapesPassesThroughAndRaises) {
  Var x = vector("x"), y = vector("y");
  Var xy = x + y;
  Var out = check_shapes(x * 3.0, *xy->owner());
  for (Mode m : kModes) {
    Function f = compile({x, y}, {out}, {}, m);
    EXPECT_TRUE(allclose(f.call1({ramp({4}), ramp({4})}), evaluate(x * 3.0, {{x, ramp({4})}})));
    EXPECT_THROW(f.call1({ramp({4}), ramp({3})}), ShapeError);
  }
  // The text IR reads it back.
  std::string text = printFunction(TextFunction{"f", {x, y}, {out}});
  TextFunction back = parseFunction(text);
  EXPECT_EQ(printFunction(back), text);
  // Its gradient is the value's.
  Var g = grad(graphjit::sum(out), x);
  EXPECT_TRUE(allclose(evaluate(g, {{x, ramp({4})}, {y, ramp({4})}}),
                       Tensor::full(DType::Float64, {4}, 3.0)));
}

TEST(ShapeGraph, RulesThatRemoveAComputationKeepItsChecks) {
  // Issue 25 item 13: x + zeros_like(y) -> x must still say that x and y differ in size; the
  // rules now fire and keep the check (check_shapes) instead of refusing.
  Var x = vector("x"), y = vector("y"), a = matrix("a");
  for (Var out : {x + zeros_like(y), x * ones_like(y), x * zeros_like(y), zeros_like(y) - x}) {
    std::vector<Var> rw = simplify({out});
    EXPECT_EQ(countOps(rw, "check_shapes"), 1) << dprint(rw);
    for (Mode m : kModes) {
      Function f = compile({x, y}, {out}, {}, m);
      EXPECT_TRUE(allclose(f.call1({ramp({4}), ramp({4})}),
                           evaluate(out, {{x, ramp({4})}, {y, ramp({4})}})));
      EXPECT_THROW(f.call1({ramp({4}), ramp({3})}), ShapeError);
    }
  }
  // zeros_like(inv(a)) - x: inv's square-matrix check stays.
  Var out = zeros_like(inv(a)) - a;
  for (Mode m : kModes)
    EXPECT_THROW(compile({a}, {out}, {}, m).call1({ramp({2, 3})}), ShapeError);
}
