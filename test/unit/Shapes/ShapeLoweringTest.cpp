// The lowering of dynamic sizes (issue 21): alloc/eye_n and infer_shape/check_shapes
// compile into kernels (no host step), one compile serves every size, and the JIT
// raises the interpreter's typed errors with the interpreter's messages.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <unistd.h>

using namespace graphjit;
namespace fs = std::filesystem;

namespace {
Tensor ramp(const Shape &shape) {
  Tensor t = Tensor::zeros(DType::Float64, shape);
  double *p = t.data<double>();
  for (int64_t i = 0; i < t.size(); ++i)
    p[i] = 0.1 * static_cast<double>(i % 7) - 0.2;
  return t;
}

Tensor i64(int64_t v) { return Tensor::scalar(static_cast<double>(v), DType::Int64); }

/// The message of the error `f(args)` raises as `E`, or "" (a test failure) when none.
template <class E> std::string errorOf(Function &f, const std::vector<Tensor> &args) {
  try {
    f(args);
  } catch (const E &e) {
    return e.what();
  } catch (const std::exception &e) {
    ADD_FAILURE() << "other error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

/// Compiles `outs` in both modes and checks that they agree on every argument list, values or
/// the same error type and message.
template <class E>
void expectSameErrors(const std::vector<Var> &ins, const std::vector<Var> &outs,
                      const std::vector<Tensor> &args) {
  Function interp = compile(ins, outs, {}, Mode::Interpret);
  Function jit = compile(ins, outs, {}, Mode::JIT);
  EXPECT_EQ(errorOf<E>(jit, args), errorOf<E>(interp, args));
}
} // namespace

TEST(ShapeLowering, AllocAndEyeRunInKernels) {
  Var n = scalar("n", DType::Int64), m = scalar("m", DType::Int64), v = scalar("v");
  std::vector<Var> outs{zeros({n, m}), alloc(v, {m}), eye(n, m, 1), eye(n, m, -1, DType::Int64),
                        eye(n) * 2.0 + 1.0};
  Function jit = compile({n, m, v}, outs, {}, Mode::JIT);
  EXPECT_EQ(jit.compileStats().hostSteps, 0u) << jit.scheduleText();
  Function interp = compile({n, m, v}, outs, {}, Mode::Interpret);
  size_t compiled = jitCompileCount();
  for (auto [a, b] : {std::pair<int64_t, int64_t>{3, 4}, {0, 2}, {1, 1}, {6, 2}, {2, 0}}) {
    std::vector<Tensor> args{i64(a), i64(b), Tensor::scalar(-1.5)};
    std::vector<Tensor> got = jit(args), want = interp(args);
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].shape(), want[i].shape()) << i;
      EXPECT_TRUE(allclose(got[i], want[i]))
          << i << ": " << got[i].str() << " vs " << want[i].str();
    }
  }
  EXPECT_EQ(jitCompileCount(), compiled); // every size ran the same kernels
}

TEST(ShapeLowering, NegativeSizesRaiseTheInterpretersError) {
  Var n = scalar("n", DType::Int64), m = scalar("m", DType::Int64);
  expectSameErrors<ValueError>({n, m}, {zeros({n, m})}, {i64(2), i64(-3)});
  expectSameErrors<ValueError>({n, m}, {eye(n, m)}, {i64(-1), i64(2)});
  Function f = compile({n, m}, {zeros({n, m})}, {}, Mode::JIT);
  std::string msg = errorOf<ValueError>(f, {i64(2), i64(-3)});
  EXPECT_NE(msg.find("alloc"), std::string::npos) << msg;
  EXPECT_NE(msg.find("-3"), std::string::npos) << msg;
  // A size computed in the graph: the kernel that computes it runs first, the allocation after.
  Var x = vector("x");
  expectSameErrors<ValueError>({x, n}, {zeros({shape_i(x, 0) - n})}, {ramp({2}), i64(5)});
  Function g = compile({x, n}, {zeros({shape_i(x, 0) - n})}, {}, Mode::JIT);
  EXPECT_EQ(g.compileStats().hostSteps, 0u) << g.scheduleText();
  EXPECT_EQ(g.call1({ramp({7}), i64(3)}).shape(), (Shape{4}));
}

TEST(ShapeLowering, ProdOfShapeOfProductHasNoHostStep) {
  Var x = matrix("x"), y = matrix("y");
  Function f = compile({x, y}, {prod(shape(x * y))}, {}, Mode::JIT);
  EXPECT_EQ(f.compileStats().hostSteps, 0u) << f.scheduleText();
  EXPECT_NE(f.scheduleText().find("(1 kernels, 0 host)"), std::string::npos) << f.scheduleText();
  EXPECT_EQ(f.call1({ramp({3, 4}), ramp({3, 4})}).item(), 12);
  EXPECT_EQ(f.call1({ramp({0, 5}), ramp({0, 5})}).item(), 0);
  // Sizes that do not agree: the interpreter's ShapeError, word for word.
  expectSameErrors<ShapeError>({x, y}, {prod(shape(x * y))}, {ramp({3, 4}), ramp({2, 4})});
  expectSameErrors<ShapeError>({x, y}, {prod(shape(x * y))}, {ramp({3, 4}), ramp({1, 4})});
  // A static 1 broadcasts.
  Var r = tensor(DType::Float64, {1, kUnknownDim}, "r");
  Function g = compile({x, r}, {shape(exp(x) + r)}, {}, Mode::JIT);
  EXPECT_EQ(g.compileStats().hostSteps, 0u) << g.scheduleText();
  EXPECT_EQ(g.call1({ramp({3, 4}), ramp({1, 4})}).toVector<int64_t>(),
            (std::vector<int64_t>{3, 4}));
  expectSameErrors<ShapeError>({x, r}, {shape(exp(x) + r)}, {ramp({3, 4}), ramp({1, 5})});
}

TEST(ShapeLowering, ShapeRulesOfProductsJoinsReductionsTransposes) {
  Var a = matrix("a"), b = matrix("b"), v = vector("v");
  std::vector<std::pair<std::vector<Var>, Var>> cases = {
      {{a, b}, shape(matmul(exp(a), b))},
      {{a, v}, shape(matmul(exp(a), v))},
      {{a, b}, shape(concatenate({exp(a), b}, 1))},
      {{a, b}, shape(sum(exp(a) * b, 0))},
      // max has no identity: its empty-axis check stays in the shape graph.
      {{a, b}, shape(max(exp(a), 1))},
      {{a, b}, shape(transpose(exp(a)) + b)},
      {{a, b}, shape(reshape(exp(a), {2, -1}) + reshape(b, {-1, 6}))},
      {{a, b}, shape(reshape(exp(a), {4, 3}))},
      // The walkthrough's question: the shape of a concatenation of ravelled products.
      {{a, b},
       shape(concatenate({reshape(matmul(a, b), {-1}), reshape(a, {-1}), reshape(b, {-1})}))},
  };
  // (3, 4) and (4, 3): agree for matmul and transpose-add; (3, 4) and (3, 2) for concatenate.
  std::vector<std::vector<Tensor>> good = {
      {ramp({3, 4}), ramp({4, 5})}, {ramp({3, 4}), ramp({4})},    {ramp({3, 4}), ramp({3, 2})},
      {ramp({3, 4}), ramp({3, 4})}, {ramp({3, 4}), ramp({3, 4})}, {ramp({3, 4}), ramp({4, 3})},
      {ramp({3, 4}), ramp({2, 6})}, {ramp({6, 2}), ramp({1, 1})}, {ramp({3, 4}), ramp({4, 5})}};
  std::vector<std::vector<Tensor>> bad = {
      {ramp({3, 4}), ramp({5, 5})}, {ramp({3, 4}), ramp({3})},    {ramp({3, 4}), ramp({2, 2})},
      {ramp({3, 4}), ramp({3, 5})}, {ramp({3, 0}), ramp({3, 0})}, {ramp({3, 4}), ramp({3, 4})},
      {ramp({5, 1}), ramp({2, 6})}, {ramp({5, 2}), ramp({1, 1})}, {ramp({3, 4}), ramp({5, 5})}};
  for (size_t c = 0; c < cases.size(); ++c) {
    const auto &[ins, out] = cases[c];
    Function jit = compile(ins, {out}, {}, Mode::JIT);
    EXPECT_EQ(jit.compileStats().hostSteps, 0u) << c << "\n" << jit.scheduleText();
    Function interp = compile(ins, {out}, {}, Mode::Interpret);
    EXPECT_EQ(jit.call1(good[c]).toVector<int64_t>(), interp.call1(good[c]).toVector<int64_t>())
        << c;
    std::string want;
    try {
      interp(bad[c]);
    } catch (const Error &e) {
      want = e.what();
    }
    ASSERT_FALSE(want.empty()) << c;
    try {
      jit(bad[c]);
      ADD_FAILURE() << c << ": no error";
    } catch (const Error &e) {
      EXPECT_EQ(std::string(e.what()), want) << c;
    }
  }
}

TEST(ShapeLowering, CheckShapesInAKernel) {
  Var x = vector("x"), y = vector("y");
  Var xy = x + y;
  Var out = check_shapes(x * 3.0, *xy->owner());
  Function f = compile({x, y}, {out}, {}, Mode::JIT);
  EXPECT_EQ(f.compileStats().hostSteps, 0u) << f.scheduleText();
  EXPECT_TRUE(allclose(f.call1({ramp({4}), ramp({4})}), evaluate(x * 3.0, {{x, ramp({4})}})));
  expectSameErrors<ShapeError>({x, y}, {out}, {ramp({4}), ramp({3})});
}

TEST(ShapeLowering, CacheKeysDoNotDependOnSizes) {
  // One compile serves every size: calls at new sizes compile and store nothing, a second
  // compile is a memory hit, and a schedule loaded from disk runs every size too.
  fs::path dir = fs::temp_directory_path() / ("graphjit-sizes-" + std::to_string(getpid()));
  fs::remove_all(dir);
  CompileOptions opts;
  opts.cacheDir = dir.string();
  opts.diskCache = true;
  Var M = matrix("M"), r = vector("r"), n = scalar("n", DType::Int64);
  std::vector<Var> outs{matmul(0.85 * M + 0.15 * eye(shape_i(M, 0)), r) * 1.5 + sum(zeros({n})),
                        prod(shape(M * M))};
  auto files = [&] {
    size_t k = 0;
    for (auto &e : fs::directory_iterator(dir))
      k += e.is_regular_file();
    return k;
  };
  using Call = std::function<std::vector<Tensor>(const std::vector<Tensor> &)>;
  auto callSizes = [&](const Call &f) {
    for (int64_t s : {2, 5, 40, 300}) {
      std::vector<Tensor> got = f({ramp({s, s}), ramp({s}), i64(s)});
      EXPECT_EQ(got[0].shape(), (Shape{s}));
      EXPECT_EQ(got[1].item(), static_cast<double>(s * s));
    }
  };
  {
    Function f = compile({M, r, n}, outs, {}, opts);
    EXPECT_FALSE(f.compileStats().functionFromMemory);
    EXPECT_EQ(f.compileStats().hostSteps, 0u) << f.scheduleText();
    size_t compiled = jitCompileCount();
    size_t stored = files();
    EXPECT_GT(stored, 0u);
    callSizes([&](const std::vector<Tensor> &a) { return f(a); });
    EXPECT_EQ(jitCompileCount(), compiled);
    EXPECT_EQ(files(), stored);
    Function again = compile({M, r, n}, outs, {}, opts);
    EXPECT_TRUE(again.compileStats().functionFromMemory);
    EXPECT_EQ(jitCompileCount(), compiled);
  }
  // The JIT's disk path: a schedule stored under a key, loaded back once its code is gone, runs
  // every size without compiling or storing anything.
  auto fg = std::make_shared<FunctionGraph>(std::vector<Var>{M, r, n}, simplify(outs));
  Hash128 key{0x21c, static_cast<uint64_t>(getpid())};
  JitOptions jo;
  jo.cacheDir = dir.string();
  jo.diskCache = true;
  jitCompile(fg, &key, jo)->run({ramp({3, 3}), ramp({3}), i64(3)});
  size_t compiled = jitCompileCount(), stored = files();
  CompileStats st;
  std::shared_ptr<JitKernel> loaded = jitLoadCached(key, jo, &st);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(st.scheduleFromDisk) << st.str();
  EXPECT_EQ(st.compiled, 0u) << st.str();
  callSizes([&](const std::vector<Tensor> &a) { return loaded->run(a); });
  EXPECT_EQ(jitCompileCount(), compiled);
  EXPECT_EQ(files(), stored);
  fs::remove_all(dir);
}
