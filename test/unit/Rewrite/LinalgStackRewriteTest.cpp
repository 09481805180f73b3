// The linalg rewrites over stacks of matrices (blockwise nodes): each rule fires on a batched
// graph, the values before and after agree (interpreter and JIT), and what must stay does.
#include <gtest/gtest.h>

#include "graphjit/Ops/Blockwise.h"
#include "graphjit/graphjit.h"

#include <set>

using namespace graphjit;

namespace {
struct Stacks {
  // X: 4 diagonals of length 3; A: 4 symmetric positive definite 3x3; b: 4 vectors; B: 4 3x2.
  Var X = tensor(DType::Float64, {4, 3}, "X"), A = tensor(DType::Float64, {4, 3, 3}, "A"),
      b = tensor(DType::Float64, {4, 3}, "b"), B = tensor(DType::Float64, {4, 3, 2}, "B"),
      c = tensor(DType::Float64, {4, 1, 1}, "c");
  Bindings values() const {
    std::vector<double> m(36), a(36);
    for (int i = 0; i < 36; ++i)
      m[i] = 0.25 * ((i * 7) % 11) - 1.0;
    for (int e = 0; e < 4; ++e) // a = m m^T + 3 I
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          double s = i == j ? 3.0 : 0.0;
          for (int k = 0; k < 3; ++k)
            s += m[e * 9 + i * 3 + k] * m[e * 9 + j * 3 + k];
          a[e * 9 + i * 3 + j] = s;
        }
    std::vector<double> x, bv, bm;
    for (int i = 0; i < 12; ++i)
      x.push_back(0.5 + 0.25 * i), bv.push_back(1.0 - 0.125 * i);
    for (int i = 0; i < 24; ++i)
      bm.push_back(0.1 * i - 1.0);
    return {{X, Tensor::fromVector(x, {4, 3})},
            {A, Tensor::fromVector(a, {4, 3, 3})},
            {b, Tensor::fromVector(bv, {4, 3})},
            {B, Tensor::fromVector(bm, {4, 3, 2})},
            {c, Tensor::fromVector(std::vector<double>{2.0, -0.5, 4.0, 1.5}, {4, 1, 1})}};
  }
  /// A stack of diagonal matrices: eye(3) * X[:, None, :].
  Var diagStack(const Var &d) const { return eye(3) * expand_dims(d, 1); }
};

/// Rules fired when rewriting `outs` with `query`; checks the values did not change in the
/// interpreter and through the JIT.
std::set<std::string> fired(const Stacks &s, const std::vector<Var> &outs,
                            const std::string &query) {
  std::vector<Var> roots = graphInputs(outs);
  FunctionGraph fg(roots, outs, true);
  std::set<std::string> names;
  RewriteOptions o;
  o.query = query;
  o.listener = [&](const RewriteEvent &e) { names.insert(e.rule); };
  rewriteGraph(fg, o);
  Bindings before = s.values(), after;
  for (size_t i = 0; i < roots.size(); ++i)
    for (auto &[v, t] : before)
      if (v == roots[i]) after.emplace_back(fg.inputs()[i], t);
  std::vector<Tensor> a = evaluate(outs, before), b = evaluate(fg.outputs(), after);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(allclose(a[i], b[i], 1e-12, 1e-12))
        << query << ": " << a[i].str() << " became " << b[i].str();
  return names;
}

/// Names of the ops (blockwise nodes as blockwise{core}) left in the rewritten graph.
std::multiset<std::string> opsAfter(const std::vector<Var> &outs, const std::string &query) {
  FunctionGraph fg(graphInputs(outs), outs, true);
  RewriteOptions o;
  o.query = query;
  rewriteGraph(fg, o);
  std::multiset<std::string> ops;
  for (Apply *n : fg.toposort())
    ops.insert(n->op().name() == "blockwise"
                   ? "blockwise{" + static_cast<const Blockwise &>(n->op()).core().name() + "}"
                   : n->op().name());
  return ops;
}
} // namespace

TEST(LinalgStackRewrites, EachRuleFiresOnAStack) {
  Stacks s;
  Var L = cholesky(s.A);
  struct Case {
    std::string rule;
    std::vector<Var> outs;
  };
  std::vector<Case> cases = {
      {"local_inv_diag", {inv(s.diagStack(s.X))}},
      {"local_inv_diag", {inv(eye(3) * s.c)}},
      {"local_inv_diag", {inv(eye(3) * s.diagStack(s.X))}}, // eye(n) * a diag stack
      {"local_solve_diag", {solve(s.diagStack(s.X), s.b, 1)}},
      {"local_solve_diag", {solve(s.diagStack(s.X), s.B)}},
      {"local_det_diag", {det(s.diagStack(s.X))}},
      {"local_det_diag", {det(L)}},
      {"local_slogdet_triangular", {slogdet(L).first, slogdet(L).second}},
      {"local_log_det", {log(det(s.A))}},
      {"local_inv_matmul", {matmul(inv(s.A), s.B)}},
      {"local_solve_eye", {solve(s.A, eye(3))}},
      {"local_solve_triangular", {solve(L, s.b, 1)}},
      {"local_solve_triangular", {solve(L, s.B)}},
      {"local_cholesky_diag", {cholesky(s.diagStack(exp(s.X)))}},
      {"local_cholesky_llt", {cholesky(matmul(L, transpose(L, {0, 2, 1})))}},
  };
  for (const Case &c : cases) {
    ASSERT_EQ(c.outs[0].owner()->op().name() == "blockwise" ||
                  c.outs[0].owner()->op().name() == "log" ||
                  c.outs[0].owner()->op().name() == "matmul",
              true)
        << c.rule << ": the case is not a stack";
    EXPECT_TRUE(fired(s, c.outs, c.rule).count(c.rule)) << c.rule << " did not fire on a stack";
  }
}

TEST(LinalgStackRewrites, TheDenseStackIsGone) {
  Stacks s;
  // inv(eye(n) * diag-stack) over a batch: no blockwise inverse left, the reciprocal diagonal.
  std::multiset<std::string> ops = opsAfter({inv(s.diagStack(s.X))}, "fast_run");
  EXPECT_EQ(ops.count("blockwise{matrix_inverse}"), 0u);
  EXPECT_EQ(ops.count("alloc_diag"), 1u);
  ops = opsAfter({solve(cholesky(s.A), s.b, 1)}, "fast_run");
  EXPECT_EQ(ops.count("blockwise{solve}"), 0u);
  EXPECT_EQ(ops.count("blockwise{solve_triangular}"), 1u);
  ops = opsAfter({log(det(s.A))}, "fast_run");
  EXPECT_EQ(ops.count("blockwise{det}"), 0u);
  EXPECT_EQ(ops.count("blockwise{slogdet}"), 1u);
}

TEST(LinalgStackRewrites, CompiledValuesAgreeWithTheDenseStacks) {
  Stacks s;
  Bindings v = s.values();
  std::vector<Var> outs = {inv(s.diagStack(s.X)), solve(s.diagStack(s.X), s.b, 1),
                           det(cholesky(s.A)), log(det(s.A)), matmul(inv(s.A), s.B)};
  std::vector<Var> ins = {s.X, s.A, s.b, s.B};
  std::vector<Tensor> args;
  for (const Var &x : ins)
    for (auto &[var, t] : v)
      if (var == x) args.push_back(t);
  CompileOptions dense;
  dense.rewrites = "fast_run,-linalg";
  std::vector<Tensor> fast = compile(ins, outs)(args), slow = compile(ins, outs, {}, dense)(args),
                      interp = evaluate(outs, v);
  for (size_t i = 0; i < outs.size(); ++i) {
    EXPECT_TRUE(allclose(fast[i], slow[i], 1e-12, 1e-12)) << i << ": " << fast[i].str();
    EXPECT_TRUE(allclose(fast[i], interp[i], 1e-12, 1e-12)) << i << ": " << fast[i].str();
  }
  // inv of the diagonal stack is the reciprocal diagonal, element by element.
  Tensor x = v[0].second;
  for (int e = 0; e < 4; ++e)
    for (int i = 0; i < 3; ++i)
      EXPECT_DOUBLE_EQ(fast[0].toDoubles()[e * 9 + i * 4], 1.0 / x.toDoubles()[e * 3 + i]);
}

TEST(LinalgStackRewrites, UnprovenShapesStay) {
  // b's rows are not provably 3 (a dynamic length): solve(diag stack, b) keeps its check.
  Stacks s;
  Var bd = tensor(DType::Float64, {4, kUnknownDim}, "bd");
  FunctionGraph fg({s.X, bd}, {solve(s.diagStack(s.X), bd, 1)}, true);
  std::set<std::string> names;
  RewriteOptions o;
  o.query = "local_solve_diag";
  o.listener = [&](const RewriteEvent &e) { names.insert(e.rule); };
  rewriteGraph(fg, o);
  EXPECT_EQ(names.count("local_solve_diag"), 0u);
  // eye(3) * a stack of full matrices of unknown size: not read as a diagonal.
  Var M = tensor(DType::Float64, {4, kUnknownDim, kUnknownDim}, "M");
  FunctionGraph g({M}, {inv(eye(3) * M)}, true);
  o.query = "local_inv_diag";
  rewriteGraph(g, o);
  EXPECT_EQ(names.count("local_inv_diag"), 0u);
}
