// stabilize: replace forms that overflow or lose precision by stable ones
// (PyTensor's stabilize set). Each rule is tested at values where the naive
// form fails (x = 800, -800, 1e-20).
#include "Rules.h"

#include "graphjit/Rewrite/Pattern.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"

namespace graphjit::rewrite {

namespace {
const Var &in(Apply &n, int i) { return n.input(i); }

void add(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
         const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn,
         std::string grows = "") {
  r.add(
      NodeRewriter{name, {"stabilize"}, std::move(ops), algebra, std::move(grows), std::move(fn)});
}

/// The x of `1 + x` / `x + 1`, or null.
Var onePlus(const Var &v) {
  Apply *a = producer(v, "add");
  if (!a) return {};
  if (isSplat(a->input(0), 1)) return a->input(1);
  if (isSplat(a->input(1), 1)) return a->input(0);
  return {};
}
/// The x of `1 - x`, or null.
Var oneMinus(const Var &v) {
  Apply *a = producer(v, "sub");
  return a && isSplat(a->input(0), 1) ? a->input(1) : Var();
}
/// The argument of a unary op `name`, or null.
Var arg(const Var &v, const char *name) {
  Apply *a = v ? producer(v, name) : nullptr;
  return a ? a->input(0) : Var();
}
} // namespace

void registerStabilize(RewriteRegistry &r) {
  add(r, "local_log1p", {"log"}, "log(1 + x) -> log1p(x)", [](Apply &n) -> std::vector<Var> {
    Var x = onePlus(in(n, 0));
    return x ? one(log1p(x)) : std::vector<Var>{};
  });
  add(r, "local_log1p_exp", {"log", "log1p"}, "log(1 + exp(x)) -> softplus(x)",
      [](Apply &n) -> std::vector<Var> {
        Var x = n.op().name() == "log" ? arg(onePlus(in(n, 0)), "exp") : arg(in(n, 0), "exp");
        return x ? one(softplus(x)) : std::vector<Var>{};
      });
  r.add(patternRule("local_expm1", "stabilize", "sub(exp(x), 1) -> expm1(x)"));
  add(
      r, "local_log_sigmoid", {"log"}, "log(sigmoid(x)) -> -softplus(-x)",
      [](Apply &n) -> std::vector<Var> {
        Var x = arg(in(n, 0), "sigmoid");
        return x ? one(-softplus(-x)) : std::vector<Var>{};
      },
      "a neg on each side of softplus");
  add(r, "local_one_minus_sigmoid", {"sub"}, "1 - sigmoid(x) -> sigmoid(-x)",
      [](Apply &n) -> std::vector<Var> {
        Var x = arg(oneMinus(n.output(0)), "sigmoid");
        return x ? one(sigmoid(-x)) : std::vector<Var>{};
      });
  add(r, "local_log_one_minus_sigmoid", {"log", "log1p"}, "log(1 - sigmoid(x)) -> -softplus(x)",
      [](Apply &n) -> std::vector<Var> {
        Var x = n.op().name() == "log" ? arg(oneMinus(in(n, 0)), "sigmoid")
                                       : arg(arg(in(n, 0), "neg"), "sigmoid");
        return x ? one(-softplus(x)) : std::vector<Var>{};
      });
  r.add(patternRule("local_log_exp", "stabilize", "log(exp(x)) -> x"));
  add(r, "local_log_softmax", {"log"}, "log(softmax(x)) -> log_softmax(x)",
      [](Apply &n) -> std::vector<Var> {
        Apply *s = producer(in(n, 0), "softmax");
        if (!s) return {};
        return one(log_softmax(s->input(0), static_cast<const Softmax &>(s->op()).axis()));
      });
  add(
      r, "local_logsumexp", {"log"}, "log(sum(exp(x), axes)) -> max + log(sum(exp(x - max)))",
      [](Apply &n) -> std::vector<Var> {
        Apply *s = producer(in(n, 0), "sum");
        Var x = s ? arg(s->input(0), "exp") : Var();
        if (!x || feedsLogSoftmax(n.output(0), x)) return {};
        return one(logsumexp(x, static_cast<const Reduce &>(s->op()).axes()));
      },
      "the stable form subtracts the max");
  add(r, "local_softmax_stabilize", {"true_div"},
      "exp(x) / sum(exp(x), axis, keepdims) -> softmax(x, axis)", [](Apply &n) -> std::vector<Var> {
        Var x = arg(in(n, 0), "exp");
        Apply *ds = producer(in(n, 1), "dimshuffle");
        Apply *s = ds ? producer(ds->input(0), "sum") : nullptr;
        if (!x || !s || s->input(0) != in(n, 0)) return {};
        const auto &axes = static_cast<const Reduce &>(s->op()).axes();
        if (axes.size() != 1 || x.type() != n.output(0).type()) return {};
        // The dimshuffle must put the reduced axis back where it was (keepdims).
        auto &d = static_cast<const DimShuffle &>(ds->op());
        IntList keep;
        int next = 0;
        for (int i = 0; i < x.ndim(); ++i)
          keep.push_back(i == axes[0] ? -1 : next++);
        if (d.order() != keep) return {};
        return one(softmax(x, axes[0]));
      });
  // Then local_log1mexp picks the accurate branch: log(-expm1(x)) is itself poor far below -ln 2.
  add(r, "local_log_one_minus_exp", {"log"}, "log(1 - exp(x)) -> log(-expm1(x))",
      [](Apply &n) -> std::vector<Var> {
        Var x = arg(oneMinus(in(n, 0)), "exp");
        return x ? one(log(-expm1(x))) : std::vector<Var>{};
      });
  r.add(patternRule("local_sqrt_sqr", "stabilize", "sqrt(sqr(x)) -> abs(x)"));
  add(r, "local_sigmoid_neg_log", {"neg"}, "-log(sigmoid(x)) -> softplus(-x)",
      [](Apply &n) -> std::vector<Var> {
        Var x = arg(arg(in(n, 0), "log"), "sigmoid");
        return x ? one(softplus(-x)) : std::vector<Var>{};
      });
  add(r, "local_sigmoid_of_log", {"exp"}, "exp(-softplus(-x)) -> sigmoid(x)",
      [](Apply &n) -> std::vector<Var> {
        Var x = arg(arg(arg(in(n, 0), "neg"), "softplus"), "neg");
        return x ? one(sigmoid(x)) : std::vector<Var>{};
      });
}

} // namespace graphjit::rewrite
