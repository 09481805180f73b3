// canonicalize (products): what PyTensor's mul canonizer and its gradient
// rules do to the products grad() writes. A product is read as a sign, a list
// of numerator and a list of denominator factors (through mul, true_div,
// reciprocal and neg); a factor found on both sides cancels. This is what turns
// grad(log(1 - sigmoid(x))) = -(1 / (1 - s)) * s * (1 - s) into -s, which is
// otherwise 0 * inf = NaN at x = 800.
//
// Cancelling y / y assumes y != 0, as x / x -> 1 does (PyTensor makes the same
// assumption). A cancelled factor must not carry the only check that the other
// factors agree in shape: each of its dims is a static 1 or has the origin of a
// dim of a factor that stays (see dimOrigin).
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Ops/Elemwise.h"

#include <algorithm>
#include <functional>

namespace graphjit::rewrite {

namespace {
void add(RewriteRegistry &r, const std::string &name, std::vector<std::string> tags,
         std::vector<std::string> ops, const std::string &algebra,
         std::function<std::vector<Var>(Apply &)> fn) {
  r.add(NodeRewriter{name, std::move(tags), std::move(ops), algebra, "", std::move(fn)});
}

Var arg(const Var &v, const char *name) {
  Apply *a = v ? producer(v, name) : nullptr;
  return a ? a->input(0) : Var();
}

/// Bound on the factors read from one product (grad's chains are short; this keeps it linear).
constexpr size_t kMaxFactors = 16;

/// Every dim of `v` (aligned right against rank `nd`) is a static 1 or shares its origin with
/// that dim of one of `kept`: dropping v drops no check that the factors agree in shape.
bool coveredBy(const Var &v, const std::vector<Var> &kept, int nd) {
  for (int d = 0; d < v.ndim(); ++d) {
    if (v.type().shape[d] == 1) continue;
    DimOrigin o = dimOrigin(v, d);
    int od = nd - v.ndim() + d;
    bool found = false;
    for (const Var &k : kept) {
      int kd = od - (nd - k.ndim());
      if (kd >= 0 && kd < k.ndim() && k.type().shape[kd] != 1 && dimOrigin(k, kd) == o)
        found = true;
    }
    if (!found) return false;
  }
  return true;
}

/// x * ... / x ... -> the product without the x (x != 0).
std::vector<Var> cancelProduct(Apply &n) {
  if (!isFloat(n.output(0).dtype())) return {};
  Product p = Product::of(n.output(0));
  std::vector<Var> cancelled;
  for (size_t i = 0; i < p.num.size();) {
    auto j = std::find(p.den.begin(), p.den.end(), p.num[i]);
    if (j == p.den.end()) {
      ++i;
      continue;
    }
    cancelled.push_back(p.num[i]);
    p.den.erase(j);
    p.num.erase(p.num.begin() + static_cast<std::ptrdiff_t>(i));
  }
  if (cancelled.empty()) return {};
  std::vector<Var> kept = p.num;
  kept.insert(kept.end(), p.den.begin(), p.den.end());
  for (const Var &c : cancelled)
    if (!coveredBy(c, kept, n.output(0).ndim())) return {};
  Var r = p.build(n.output(0));
  return r.type() == n.output(0).type() ? one(r) : std::vector<Var>{};
}

/// u + v = 1: u = 1 - v (or v = 1 - u), or sigmoid(t) and sigmoid(-t).
bool complements(const Var &u, const Var &v) {
  auto oneMinus = [](const Var &a, const Var &b) {
    Apply *s = producer(a, "sub");
    return s && isSplat(s->input(0), 1) && s->input(1) == b;
  };
  if (oneMinus(u, v) || oneMinus(v, u)) return true;
  Var tu = arg(u, "sigmoid"), tv = arg(v, "sigmoid");
  return tu && tv && (arg(tu, "neg") == tv || arg(tv, "neg") == tu);
}

/// Factors of a plain product (mul only).
std::vector<Var> mulFactors(const Var &v) {
  std::vector<Var> out;
  std::function<void(const Var &, int)> walk = [&](const Var &x, int depth) {
    Apply *m = depth < 6 ? producer(x, "mul") : nullptr;
    if (m && out.size() < kMaxFactors) {
      walk(m->input(0), depth + 1);
      walk(m->input(1), depth + 1);
    } else {
      out.push_back(x);
    }
  };
  walk(v, 0);
  return out;
}

/// c*a*b - c*e*d -> c*(a - d) when a + e = 1 and b + d = 1: a(1 - d) - (1 - a)d = a - d.
/// The cross-entropy gradient y*(1 - s) - (1 - y)*s is s's complement mixed: y - s.
std::vector<Var> complementMix(Apply &n) {
  if (!isFloat(n.output(0).dtype())) return {};
  std::vector<Var> l = mulFactors(n.input(0)), r = mulFactors(n.input(1));
  std::vector<Var> common;
  for (size_t i = 0; i < l.size();) {
    auto j = std::find(r.begin(), r.end(), l[i]);
    if (j == r.end()) {
      ++i;
      continue;
    }
    common.push_back(l[i]);
    r.erase(j);
    l.erase(l.begin() + static_cast<std::ptrdiff_t>(i));
  }
  if (l.size() != 2 || r.size() != 2) return {};
  for (int a = 0; a < 2; ++a)
    for (int e = 0; e < 2; ++e)
      if (complements(l[a], r[e]) && complements(l[1 - a], r[1 - e])) {
        Var res = l[a] - r[1 - e];
        if (!common.empty()) res = productOf(common) * res;
        if (res.type() == n.output(0).type()) return one(res);
      }
  return {};
}
} // namespace

namespace {
void flatten(const Var &v, bool inDen, Product &p, int depth) {
  Apply *a = v->owner();
  std::string op = a && depth < 8 ? a->op().name() : "";
  if (p.num.size() + p.den.size() < kMaxFactors) {
    if (op == "mul" || op == "sqr") {
      flatten(a->input(0), inDen, p, depth + 1);
      flatten(a->input(op == "sqr" ? 0 : 1), inDen, p, depth + 1);
      return;
    }
    if (op == "true_div") {
      flatten(a->input(0), inDen, p, depth + 1);
      flatten(a->input(1), !inDen, p, depth + 1);
      return;
    }
    if (op == "reciprocal") {
      flatten(a->input(0), !inDen, p, depth + 1);
      return;
    }
    if (op == "neg") {
      p.negative = !p.negative;
      flatten(a->input(0), inDen, p, depth + 1);
      return;
    }
  }
  (inDen ? p.den : p.num).push_back(v);
}
} // namespace

Product Product::of(const Var &v) {
  Product p;
  flatten(v, false, p, 0);
  return p;
}

Var productOf(const std::vector<Var> &factors) {
  Var r = factors.at(0);
  for (size_t i = 1; i < factors.size(); ++i)
    r = r * factors[i];
  return r;
}

Var Product::build(const Var &like) const {
  Var r;
  if (num.empty())
    r = den.empty() ? scalarLike(1, like) : reciprocal(productOf(den));
  else
    r = den.empty() ? productOf(num) : productOf(num) / productOf(den);
  return negative ? -r : r;
}

void registerCanonicalizeProducts(RewriteRegistry &r) {
  add(r, "local_mul_canonizer", {"canonicalize"}, {"mul", "true_div"},
      "x * y / (x * z) -> y / z; (1 / x) * (-y) * x -> -y (a factor on both sides cancels, x != 0)",
      cancelProduct);
  // Complements include sigmoid(z) and sigmoid(-z): the form stabilize leaves for 1 - s.
  add(r, "local_complement_mix", {"canonicalize"}, {"sub"},
      "c*a*(1-d) - c*(1-a)*d -> c*(a - d), e.g. y*(1-s) - (1-y)*s -> y - s", complementMix);
}

} // namespace graphjit::rewrite
