// The JIT against the interpreter beyond the per-op conformance test: dtypes
// and broadcasting, numerics at extreme values, caches, shared variables,
// strided inputs.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

using namespace graphjit;

namespace {
double tolerance(DType t) { return t == DType::Float32 ? 1e-5 : 1e-12; }

void expectSame(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                const std::vector<Tensor> &values, const std::string &what) {
  Function jit = compile(inputs, outputs, {}, Mode::JIT);
  Function ref = compile(inputs, outputs, {}, Mode::Interpret);
  auto a = jit(values), b = ref(values);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].dtype(), b[i].dtype()) << what;
    double tol = tolerance(b[i].dtype());
    EXPECT_TRUE(allclose(a[i], b[i], tol, tol))
        << what << " output " << i << "\nJIT    " << a[i].str() << "\ninterp " << b[i].str();
  }
}

} // namespace

TEST(Jit, DTypesAndBroadcasting) {
  for (DType t : {DType::Float32, DType::Int32, DType::Int64}) {
    Var a = tensor(t, {kUnknownDim, kUnknownDim}, "a");
    Var b = tensor(t, {1, kUnknownDim}, "b");
    Tensor av = Tensor::of({{1, -2, 3}, {4, 5, -6}}).astype(t),
           bv = Tensor::of({7, -8, 9}).reshaped({1, 3}).astype(t);
    std::string n = dtypeName(t);
    expectSame({a, b},
               {a + b, a * b - a, maximum(a, b), a < b, sum(a * b, 1), max(a, 0), a % b, abs(a)},
               {av, bv}, "arithmetic " + n);
    if (isFloat(t))
      expectSame({a, b}, {exp(a * 0.1) / b, mean(a), softmax(a), matmul(a, transpose(b))}, {av, bv},
                 "float " + n);
    else
      expectSame({a, b}, {floor_div(a, b), matmul(a, transpose(b)), cast(a, DType::Float32)},
                 {av, bv}, "int " + n);
  }
  Var p = tensor(DType::Bool, {kUnknownDim}, "p"), q = tensor(DType::Bool, {kUnknownDim}, "q");
  expectSame({p, q},
             {logical_and(p, q), logical_or(p, q), logical_not(p), cast(p, DType::Float64) + 1.0,
              any(p), all(q)},
             {Tensor::of({1, 0, 1}, DType::Bool), Tensor::of({1, 1, 0}, DType::Bool)}, "bool");
  Var i = vector("i", DType::Int64), j = vector("j", DType::Int64);
  expectSame(
      {i, j}, {floor_div(i, j), i % j, pow(i, j)},
      {Tensor::of({7, -7, 5, -9, 3}, DType::Int64), Tensor::of({2, 2, 0, -1, -1}, DType::Int64)},
      "integer division by 0 and -1");
  Var f = vector("f");
  expectSame({f}, {cast(f, DType::Int32), cast(f, DType::Int64), cast(f, DType::Bool)},
             {Tensor::of({1.7, -2.5, NAN, 1e30, -1e30, 0})}, "saturating casts");
}

TEST(Jit, NumericsSurviveLowering) {
  Var x = vector("x");
  Tensor v = Tensor::of({1e-20, 1e-10, -0.5, 30, 800, -800});
  Var m = tensor(DType::Float64, {1, kUnknownDim}, "m");
  Tensor mv = v.reshaped({1, 6});
  for (auto [name, out] : std::vector<std::pair<std::string, Var>>{{"log1p", log1p(x)},
                                                                   {"expm1", expm1(x)},
                                                                   {"softplus", softplus(x)},
                                                                   {"sigmoid", sigmoid(x)},
                                                                   {"erf", erf(x)},
                                                                   {"tanh", tanh(x)},
                                                                   {"log_softmax", log_softmax(x)},
                                                                   {"logsumexp", logsumexp(x)}}) {
    Tensor jit = compile({x}, {out}, {}, Mode::JIT).call1({v});
    Tensor ref = evaluate(out, {{x, v}});
    std::vector<double> a = jit.toDoubles(), b = ref.toDoubles();
    for (size_t k = 0; k < a.size(); ++k) {
      // A few ulps relative, and exact zeros/infinities.
      double scale = std::max(std::fabs(b[k]), 1e-300);
      EXPECT_TRUE(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k])) ||
                  std::fabs(a[k] - b[k]) <= 4e-16 * scale)
          << name << " at x = " << v.getAsDouble(static_cast<int64_t>(k % 6)) << ": JIT " << a[k]
          << ", interpreter " << b[k];
    }
  }
  // The stable forms really are stable: log1p(1e-20) is 1e-20, not 0.
  EXPECT_EQ(compile({x}, {log1p(x)}, {}, Mode::JIT).call1({Tensor::of({1e-20})}).item(), 1e-20);
  EXPECT_EQ(compile({x}, {expm1(x)}, {}, Mode::JIT).call1({Tensor::of({1e-20})}).item(), 1e-20);
  (void)m;
  (void)mv;
}

TEST(Jit, CacheAndCallErrors) {
  Var x = vector("x");
  size_t before = jitCompileCount();
  Function f1 = compile({x}, {exp(x) * 2.0}, {}, Mode::JIT);
  size_t fromDisk = f1.compileStats().diskHits + f1.compileStats().scheduleFromDisk;
  Var x2 = vector("y");
  Function f2 = compile({x2}, {exp(x2) * 2.0}, {}, Mode::JIT); // structurally equal, other names
  EXPECT_TRUE(f2.compileStats().functionFromMemory);
  EXPECT_EQ(jitCompileCount(), before + (fromDisk ? 0 : 1));
  EXPECT_TRUE(allclose(f1.call1({Tensor::of({0, 1})}), f2.call1({Tensor::of({0, 1})})));
  // Run-time shape mismatches are caught before the kernel runs.
  Var a = vector("a"), b = vector("b");
  Function g = compile({a, b}, {a + b}, {}, Mode::JIT);
  EXPECT_THROW(g({Tensor::of({1, 2, 3}), Tensor::of({1, 2})}), ShapeError);
  EXPECT_THROW(g({Tensor::of({1, 2, 3}), Tensor::of({1.0})}), ShapeError);
  EXPECT_THROW(g({Tensor::of({1, 2, 3})}), ValueError);
  Var m = matrix("m");
  Function s = compile({m}, {m(5)}, {}, Mode::JIT);
  EXPECT_THROW(s({Tensor::of({{1, 2}, {3, 4}})}), IndexError);
  Function mm = compile({m}, {matmul(m, m)}, {}, Mode::JIT);
  EXPECT_THROW(mm({Tensor::of({{1, 2, 3}, {3, 4, 5}})}), ShapeError);
}

TEST(Jit, TakeAndIncTake) {
  Var x = matrix("x"), i = vector("i", DType::Int64), y = matrix("y");
  Tensor xv = Tensor::of({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  Tensor iv = Tensor::of({2, -3, 2, 1}, DType::Int64),
         yv = Tensor::of({{1, 1, 1}, {10, 10, 10}, {100, 100, 100}, {5, 5, 5}});
  expectSame({x, i, y}, {take(x, i, 0), take(x, i, 1), inc_take(x, i, y, 0), set_take(x, i, y, 0)},
             {xv, iv, yv}, "take with repeated and negative indices");
  // Out-of-range indices given as inputs are rejected before the kernel runs.
  Function f = compile({x, i}, {take(x, i, 0)}, {}, Mode::JIT);
  EXPECT_THROW(f({xv, Tensor::of({3}, DType::Int64)}), IndexError);
}

TEST(Jit, SharedVariablesAndUpdates) {
  Var w = shared(Tensor::of({1, 2}), "w");
  Var x = vector("x");
  Function step = compile({x}, {sum(w * x)}, {{w, w * 2.0}}, Mode::JIT);
  EXPECT_DOUBLE_EQ(step({Tensor::of({1, 1})})[0].item(), 3);
  EXPECT_DOUBLE_EQ(step({Tensor::of({1, 1})})[0].item(), 6);
  EXPECT_TRUE(allclose(getValue(w), Tensor::of({4, 8})));
}

TEST(Jit, StridedAndBorrowedInputs) {
  double buf[6] = {1, 2, 3, 4, 5, 6};
  Tensor transposed = Tensor::borrow(buf, {3, 2}, {1, 3});
  Var m = matrix("m");
  expectSame({m}, {m * 2.0, sum(m, 0)}, {transposed}, "strided input");
  EXPECT_EQ(buf[0], 1); // caller data untouched
}
