// stabilize (spellings): the other ways users and grad write the functions of
// Stabilize.cpp — commuted, negated, reciprocal and keepdims forms — and the
// two-branch log1mexp (Mächler 2012). Rules that build a form another rule
// matches (log1mexp's branches, logsumexp under a log_softmax) check the
// clients so that they do not fire on their own result.
#include "Rules.h"

#include "graphjit/Rewrite/Pattern.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"

#include <cmath>

namespace graphjit::rewrite {

namespace {
const Var &in(Apply &n, int i) { return n.input(i); }

void add(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
         const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn,
         std::string grows = "") {
  r.add(
      NodeRewriter{name, {"stabilize"}, std::move(ops), algebra, std::move(grows), std::move(fn)});
}

Var arg(const Var &v, const char *name) {
  Apply *a = v ? producer(v, name) : nullptr;
  return a ? a->input(0) : Var();
}
/// The z of `1 + exp(z)` or `exp(z) + 1`.
Var onePlusExp(const Var &v) {
  Apply *a = producer(v, "add");
  if (!a) return {};
  if (isSplat(a->input(0), 1)) return arg(a->input(1), "exp");
  if (isSplat(a->input(1), 1)) return arg(a->input(0), "exp");
  return {};
}
/// -z without a double negation.
Var negOf(const Var &z) {
  Var inner = arg(z, "neg");
  return inner ? inner : -z;
}
bool isNegOf(const Var &a, const Var &b) { return arg(a, "neg") == b || arg(b, "neg") == a; }

/// log(1 - exp(x)) for x <= 0, accurate everywhere: log(-expm1(x)) above -ln 2, log1p(-exp(x))
/// below.
Var log1mexp(const Var &x) {
  Var c = scalarLike(-std::log(2.0), x);
  return where(x > c, log(-expm1(x)), log1p(-exp(x)));
}
/// True if every user of v is a where() on `x > c`: v is a branch of log1mexp(x) already.
bool isLog1mexpBranch(const Var &v, const Var &x) {
  const FunctionGraph *g = rewritingGraph();
  if (!g || g->clients(v).empty()) return false;
  for (const Client &c : g->clients(v)) {
    if (!c.node || c.node->op().name() != "where") return false;
    Apply *gt = producer(c.node->input(0), "gt");
    if (!gt || gt->input(0) != x) return false;
  }
  return true;
}

/// The axis a keepdims dimshuffle restores after a one-axis reduction of a rank-`nd` value, or -1.
int keepdimsAxis(const DimShuffle &d, int nd) {
  for (int a = 0; a < nd; ++a) {
    IntList keep;
    for (int i = 0, next = 0; i < nd; ++i)
      keep.push_back(i == a ? -1 : next++);
    if (d.order() == keep) return a;
  }
  return -1;
}
/// x and the axis when v = log(dimshuffle_keepdims(sum(exp(x), a))) or
/// dimshuffle_keepdims(log(sum(exp(x), a))).
std::optional<std::pair<Var, int>> keepdimsLogSumExp(const Var &v) {
  Var inner;
  Apply *ds = nullptr;
  if (Var l = arg(v, "log"); l && (ds = producer(l, "dimshuffle")))
    inner = ds->input(0);
  else if ((ds = producer(v, "dimshuffle")) && arg(ds->input(0), "log"))
    inner = arg(ds->input(0), "log");
  if (!ds || !inner) return std::nullopt;
  Apply *s = producer(inner, "sum");
  Var x = s ? arg(s->input(0), "exp") : Var();
  if (!x) return std::nullopt;
  const auto &axes = static_cast<const Reduce &>(s->op()).axes();
  int a = keepdimsAxis(static_cast<const DimShuffle &>(ds->op()), x.ndim());
  if (axes.size() != 1 || a != axes[0]) return std::nullopt;
  return std::make_pair(x, a);
}
/// True if x is y - max(y) as logsumexp builds it: its log(sum(exp(x))) is stable already.
bool isShiftedByMax(const Var &x) {
  Apply *s = producer(x, "sub");
  Apply *w = s ? producer(s->input(1), "where") : nullptr;
  Apply *ds = w ? producer(w->input(1), "dimshuffle") : nullptr;
  Apply *mx = ds ? producer(ds->input(0), "max") : nullptr;
  return mx && mx->input(0) == s->input(0);
}
} // namespace

bool feedsLogSoftmax(const Var &v, const Var &x) {
  const FunctionGraph *g = rewritingGraph();
  if (!g) return false;
  auto subtractedFromX = [&](const Var &w) {
    for (const Client &c : g->clients(w))
      if (c.node && c.node->op().name() == "sub" && c.node->input(0) == x && c.node->input(1) == w)
        return true;
    return false;
  };
  if (subtractedFromX(v)) return true;
  for (const Client &c : g->clients(v))
    if (c.node && c.node->op().name() == "dimshuffle" && subtractedFromX(c.node->output(0)))
      return true;
  return false;
}

namespace {
/// Factors of a product, looking one level into each side: a * (b * c) -> {a, b, c}.
std::vector<Var> factors(Apply &n) {
  std::vector<Var> f;
  for (const Var &v : n.inputs()) {
    Apply *m = producer(v, "mul");
    if (m && v.type() == n.output(0).type()) {
      f.push_back(m->input(0));
      f.push_back(m->input(1));
    } else {
      f.push_back(v);
    }
  }
  return f;
}
} // namespace

void registerStabilizeForms(RewriteRegistry &r) {
  add(r, "local_log1p_neg", {"log"}, "log(1 - x) -> log1p(-x)", [](Apply &n) -> std::vector<Var> {
    Apply *s = producer(in(n, 0), "sub");
    if (!s || !isSplat(s->input(0), 1) || s->input(1).type() != n.output(0).type()) return {};
    return one(log1p(negOf(s->input(1))));
  });
  r.add(patternRule("local_expm1_add", "stabilize", "add(exp(x), -1) -> expm1(x)"));
  r.add(patternRule("local_expm1_add_left", "stabilize", "add(-1, exp(x)) -> expm1(x)"));
  r.add(patternRule("local_one_minus_exp", "stabilize", "sub(1, exp(x)) -> neg(expm1(x))"));
  add(
      r, "local_log1mexp", {"log", "log1p"},
      "log1p(-exp(x)), log(-expm1(x)) -> where(x > -ln 2, log(-expm1(x)), log1p(-exp(x)))",
      [](Apply &n) -> std::vector<Var> {
        Var x = n.op().name() == "log1p" ? arg(arg(in(n, 0), "neg"), "exp")
                                         : arg(arg(in(n, 0), "neg"), "expm1");
        if (!x || isLog1mexpBranch(n.output(0), x)) return {};
        return one(log1mexp(x));
      },
      "two branches and a comparison");
  add(
      r, "local_logaddexp", {"log"}, "log(exp(a) + exp(b)) -> maximum(a, b) + softplus(-|a - b|)",
      [](Apply &n) -> std::vector<Var> {
        Apply *s = producer(in(n, 0), "add");
        Var a = s ? arg(s->input(0), "exp") : Var(), b = s ? arg(s->input(1), "exp") : Var();
        if (!a || !b) return {};
        return one(maximum(a, b) + softplus(-abs(a - b)));
      },
      "max, difference and softplus");
  add(r, "local_sigmoid_reciprocal", {"reciprocal", "true_div"},
      "1 / (1 + exp(z)) -> sigmoid(-z); a / (1 + exp(z)) -> a * sigmoid(-z)",
      [](Apply &n) -> std::vector<Var> {
        bool div = n.op().name() == "true_div";
        Var z = onePlusExp(in(n, div ? 1 : 0));
        if (!z) return {};
        Var s = sigmoid(negOf(z));
        if (!div || isSplat(in(n, 0), 1)) return one(s);
        return one(in(n, 0) * s);
      });
  add(r, "local_exp_times_sigmoid", {"mul"},
      "exp(z) * sigmoid(-z) -> sigmoid(z) (one level into products)",
      [](Apply &n) -> std::vector<Var> {
        std::vector<Var> f = factors(n);
        for (size_t i = 0; i < f.size(); ++i)
          for (size_t j = 0; j < f.size(); ++j) {
            Var z = arg(f[i], "exp"), w = arg(f[j], "sigmoid");
            if (i == j || !z || !w || !isNegOf(z, w)) continue;
            Var result = sigmoid(z);
            for (size_t k = 0; k < f.size(); ++k)
              if (k != i && k != j) result = result * f[k];
            return one(result);
          }
        return {};
      });
  add(
      r, "local_logsumexp_keepdims", {"log", "dimshuffle"},
      "log(sum(exp(x), axis, keepdims)) -> logsumexp(x, axis, keepdims)",
      [](Apply &n) -> std::vector<Var> {
        auto m = keepdimsLogSumExp(n.output(0));
        if (!m || feedsLogSoftmax(n.output(0), m->first) || isShiftedByMax(m->first)) return {};
        return one(logsumexp(m->first, m->second, true));
      },
      "the stable form subtracts the max");
  add(r, "local_log_softmax_keepdims", {"sub"},
      "x - log(sum(exp(x), axis, keepdims)) -> log_softmax(x, axis)",
      [](Apply &n) -> std::vector<Var> {
        auto m = keepdimsLogSumExp(in(n, 1));
        if (!m || m->first != in(n, 0)) return {};
        return one(log_softmax(m->first, m->second));
      });
  r.add(patternRule("local_sqrt_mul_self", "stabilize", "sqrt(mul(x, x)) -> abs(x)"));
  r.add(patternRule("local_sqrt_pow_two", "stabilize", "sqrt(pow(x, 2)) -> abs(x)"));
  add(r, "local_softmax_from_grad", {"mul"},
      "(a / sum(exp(x), axis, keepdims)) * exp(x) -> a * softmax(x, axis)",
      [](Apply &n) -> std::vector<Var> {
        for (int k = 0; k < 2; ++k) {
          Apply *d = producer(in(n, k), "true_div");
          Var x = arg(in(n, 1 - k), "exp");
          Apply *ds = d ? producer(d->input(1), "dimshuffle") : nullptr;
          Apply *s = ds ? producer(ds->input(0), "sum") : nullptr;
          if (!x || !s || s->input(0) != in(n, 1 - k)) continue;
          const auto &axes = static_cast<const Reduce &>(s->op()).axes();
          if (axes.size() != 1 ||
              keepdimsAxis(static_cast<const DimShuffle &>(ds->op()), x.ndim()) != axes[0])
            continue;
          return one(d->input(0) * softmax(x, axes[0]));
        }
        return {};
      });
}

} // namespace graphjit::rewrite
