// canonicalize (gradient algebra): the cancellations that grad's output needs
// before the stabilize rules can see the stable form, e.g. grad(log(sigmoid))
// builds (-(1/s) / sqr(u)) * e and the BCE gradient ((a - (b / s) * t) * s).
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

namespace graphjit::rewrite {

namespace {
const Var &in(Apply &n, int i) { return n.input(i); }

void add(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
         const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn) {
  r.add(NodeRewriter{name, {"canonicalize"}, std::move(ops), algebra, "", std::move(fn)});
}

/// The x of 1/x (true_div(1, x) or reciprocal(x)).
Var reciprocalOf(const Var &v) {
  if (Apply *a = producer(v, "reciprocal")) return a->input(0);
  if (Apply *a = producer(v, "true_div"); a && isSplat(a->input(0), 1)) return a->input(1);
  return {};
}

/// p with one division by y removed: b for b / y, b * t for (b / y) * t; null if there is none.
Var cancelDivision(const Var &p, const Var &y) {
  if (Apply *d = producer(p, "true_div"); d && d->input(1) == y) return d->input(0);
  if (Apply *m = producer(p, "mul"))
    for (int k = 0; k < 2; ++k)
      if (Apply *d = producer(m->input(k), "true_div"); d && d->input(1) == y)
        return d->input(0) * m->input(1 - k);
  return {};
}
} // namespace

void registerCanonicalizeGrad(RewriteRegistry &r) {
  // Valid for x != 0, as x / x -> 1 is.
  add(r, "local_reciprocal_reciprocal", {"reciprocal", "true_div"}, "1 / (1 / x) -> x",
      [](Apply &n) -> std::vector<Var> {
        Var inner = reciprocalOf(n.output(0));
        Var x = inner ? reciprocalOf(inner) : Var();
        return x && x.type() == n.output(0).type() ? one(x) : std::vector<Var>{};
      });
  add(r, "local_div_sqr", {"true_div"}, "x / sqr(x) -> 1 / x; -x / sqr(x) -> -(1 / x) (x != 0)",
      [](Apply &n) -> std::vector<Var> {
        Apply *sq = producer(in(n, 1), "sqr");
        if (!sq) return {};
        const Var &x = sq->input(0);
        if (in(n, 0) == x) return one(reciprocal(x));
        if (Apply *ng = producer(in(n, 0), "neg"); ng && ng->input(0) == x)
          return one(-reciprocal(x));
        return {};
      });
  add(r, "local_mul_neg", {"mul"}, "(-a) * b -> -(a * b)", [](Apply &n) -> std::vector<Var> {
    for (int k = 0; k < 2; ++k)
      if (Apply *ng = producer(in(n, k), "neg"))
        return one(-(k == 0 ? ng->input(0) * in(n, 1) : in(n, 0) * ng->input(0)));
    return {};
  });
  add(r, "local_reduce_size1", {"sum", "prod", "max", "min", "mean"},
      "sum(x, axes of static size 1) -> x without those axes (any reduction)",
      [](Apply &n) -> std::vector<Var> {
        const auto &red = static_cast<const Reduce &>(n.op());
        const Var &x = in(n, 0);
        IntList order;
        for (int d = 0; d < x.ndim(); ++d) {
          if (!red.reducesAxis(d))
            order.push_back(d);
          else if (x.type().shape[d] != 1)
            return {};
        }
        Var y = dimshuffle(x, order);
        return y.type() == n.output(0).type() ? one(y) : std::vector<Var>{};
      });
  // The zeros only broadcast p to r's shape; e has that shape already (its dims share r's origins).
  add(r, "local_mul_add_zeros", {"mul"}, "(p + zeros_like(r)) * e -> p * e (e of r's shape)",
      [](Apply &n) -> std::vector<Var> {
        for (int k = 0; k < 2; ++k) {
          Apply *a = producer(in(n, k), "add");
          if (!a) continue;
          for (int j = 0; j < 2; ++j) {
            Apply *z = producer(a->input(j), "full_like");
            if (!z || !isSplat(a->input(j), 0)) continue;
            const Var &ref = z->input(0), &e = in(n, 1 - k);
            if (ref.ndim() != e.ndim()) continue;
            bool same = true;
            for (int d = 0; d < e.ndim() && same; ++d)
              same = dimOrigin(ref, d) == dimOrigin(e, d);
            if (!same) continue;
            Var out = a->input(1 - j) * e;
            if (out.type() == n.output(0).type()) return one(out);
          }
        }
        return {};
      });
  add(r, "local_mul_div_distribute", {"mul"},
      "(p +- (b / y) * t) * y -> p * y +- b * t (a division by y cancels)",
      [](Apply &n) -> std::vector<Var> {
        for (int k = 0; k < 2; ++k) {
          Apply *s = producer(in(n, k), "add");
          if (!s) s = producer(in(n, k), "sub");
          if (!s) continue;
          const Var &y = in(n, 1 - k);
          Var p = cancelDivision(s->input(0), y), q = cancelDivision(s->input(1), y);
          if (!p && !q) continue;
          if (!p) p = s->input(0) * y;
          if (!q) q = s->input(1) * y;
          return one(static_cast<const Elemwise &>(s->op()).fn() == ScalarFn::Add ? p + q : p - q);
        }
        return {};
      });
}

} // namespace graphjit::rewrite
