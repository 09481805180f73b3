// stabilize (products): the sigmoid and softmax that the quotient rule hides in
// grad()'s products (PyTensor's local_exp_over_1_plus_exp, local_inv_1_plus_exp
// and local_sigm_times_exp, read over a whole product, sqr included). d/dz 1/(1 + exp(z)) is
// built as -exp(z) / sqr(1 + exp(z)): inf / inf at z = 800, and
// -sigmoid(z) * sigmoid(-z) once each 1 + exp(z) in a denominator is a sigmoid.
#include "Rules.h"

#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"

#include <algorithm>

namespace graphjit::rewrite {

namespace {
Var arg(const Var &v, const char *name) {
  Apply *a = v ? producer(v, name) : nullptr;
  return a ? a->input(0) : Var();
}

/// The a and b of exp(a) + exp(b) (a = 0 for 1 + exp(b)); false otherwise.
bool sumOfExps(const Var &v, Var &a, Var &b) {
  Apply *s = producer(v, "add");
  if (!s) return false;
  for (int k = 0; k < 2; ++k) {
    Var e = arg(s->input(1 - k), "exp");
    if (!e) continue;
    if (isSplat(s->input(k), 1)) {
      a = Var();
      b = e;
      return true;
    }
    if (Var o = arg(s->input(k), "exp")) {
      a = o;
      b = e;
      return true;
    }
  }
  return false;
}

/// Removes the first factor equal to v from fs; true if there was one.
bool take(std::vector<Var> &fs, const Var &v) {
  auto it = std::find(fs.begin(), fs.end(), v);
  if (it == fs.end()) return false;
  fs.erase(it);
  return true;
}

/// The x and axis of a keepdims dimshuffle of 1 / sum(exp(x), axis), or null.
Var reciprocalSumExp(const Var &f, int &axis) {
  Apply *ds = producer(f, "dimshuffle");
  Var r = ds ? arg(ds->input(0), "reciprocal") : Var();
  Apply *s = r ? producer(r, "sum") : nullptr;
  Var x = s ? arg(s->input(0), "exp") : Var();
  if (!x) return {};
  const auto &axes = static_cast<const Reduce &>(s->op()).axes();
  if (axes.size() != 1 && !(axes.empty() && x.ndim() == 1)) return {};
  axis = axes.empty() ? 0 : static_cast<int>(axes[0]);
  IntList keep;
  for (int i = 0, next = 0; i < x.ndim(); ++i)
    keep.push_back(i == axis ? -1 : next++);
  return static_cast<const DimShuffle &>(ds->op()).order() == keep ? x : Var();
}

/// One stabilizing step on a product; false when none applies.
bool stabilizeOnce(Product &p) {
  // exp(b) / (exp(a) + exp(b)) -> sigmoid(b - a); 1 / (exp(a) + exp(b)) -> exp(-a) sigmoid(a - b)
  // is not stabler, so a lone denominator is rewritten only as 1 / (1 + exp(b)) -> sigmoid(-b).
  for (size_t i = 0; i < p.den.size(); ++i) {
    Var a, b;
    if (!sumOfExps(p.den[i], a, b)) continue;
    for (int side = 0; side < 2; ++side) {
      const Var &top = side == 0 ? b : a;
      if (!top) continue;
      for (size_t j = 0; j < p.num.size(); ++j) {
        if (arg(p.num[j], "exp") != top) continue;
        const Var &other = side == 0 ? a : b;
        Var s = other ? sigmoid(top - other) : sigmoid(top);
        p.num.erase(p.num.begin() + static_cast<std::ptrdiff_t>(j));
        p.den.erase(p.den.begin() + static_cast<std::ptrdiff_t>(i));
        p.num.push_back(s);
        return true;
      }
    }
    if (!a) {
      p.den.erase(p.den.begin() + static_cast<std::ptrdiff_t>(i));
      p.num.push_back(sigmoid(-b));
      return true;
    }
  }
  // exp(z) * sigmoid(-z) -> sigmoid(z), also inside sqr(sigmoid(-z)).
  for (size_t i = 0; i < p.num.size(); ++i) {
    Var z = arg(p.num[i], "exp");
    if (!z) continue;
    for (size_t j = 0; j < p.num.size(); ++j) {
      Var w = arg(p.num[j], "sigmoid");
      if (j == i || !w || !(arg(w, "neg") == z || arg(z, "neg") == w)) continue;
      p.num.erase(p.num.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
      p.num.erase(p.num.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)));
      p.num.push_back(sigmoid(z));
      return true;
    }
  }
  // exp(x) / sum(exp(x), axis, keepdims) -> softmax(x, axis)
  for (size_t i = 0; i < p.num.size(); ++i) {
    int axis = 0;
    Var x = reciprocalSumExp(p.num[i], axis);
    if (!x) continue;
    for (size_t j = 0; j < p.num.size(); ++j)
      if (j != i && arg(p.num[j], "exp") == x) {
        Var sm = softmax(x, axis);
        p.num.erase(p.num.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
        p.num.erase(p.num.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)));
        p.num.push_back(sm);
        return true;
      }
  }
  return false;
}

std::vector<Var> stabilizeProduct(Apply &n) {
  if (!isFloat(n.output(0).dtype())) return {};
  Product p = Product::of(n.output(0));
  bool changed = false;
  for (int step = 0; step < 8 && stabilizeOnce(p); ++step)
    changed = true;
  if (!changed) return {};
  Var r = p.build(n.output(0));
  return r.type() == n.output(0).type() ? one(r) : std::vector<Var>{};
}
/// c - c * sigmoid(z) -> c * sigmoid(-z); c * sigmoid(z) - c -> -c * sigmoid(-z). grad of
/// exp(x) / (1 + exp(x)) ends as s - sqr(s): 1 - 1 = 0 for x > 37, where s * sigmoid(-x) is not.
std::vector<Var> subSigmoidFactor(Apply &n) {
  if (!isFloat(n.output(0).dtype())) return {};
  Product l = Product::of(n.input(0)), r = Product::of(n.input(1));
  if (l.negative != r.negative || l.den != r.den) return {};
  std::vector<Var> common;
  for (size_t i = 0; i < l.num.size();) {
    if (take(r.num, l.num[i])) {
      common.push_back(l.num[i]);
      l.num.erase(l.num.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  if (common.empty() || l.num.size() + r.num.size() != 1) return {};
  Var z = arg(l.num.empty() ? r.num[0] : l.num[0], "sigmoid");
  if (!z) return {};
  Product res{l.negative != !l.num.empty(), common, l.den};
  res.num.push_back(sigmoid(arg(z, "neg") ? arg(z, "neg") : -z));
  Var out = res.build(n.output(0));
  return out.type() == n.output(0).type() ? one(out) : std::vector<Var>{};
}
} // namespace

void registerStabilizeProducts(RewriteRegistry &r) {
  r.add(NodeRewriter{"local_sigmoid_in_product",
                     {"stabilize"},
                     {"mul", "true_div", "reciprocal"},
                     "exp(b) / (exp(a) + exp(b)) -> sigmoid(b - a); 1 / (1 + exp(b)) -> "
                     "sigmoid(-b); exp(x) / sum(exp(x), axis, keepdims) -> softmax(x, axis) "
                     "(anywhere in a product)",
                     "",
                     stabilizeProduct});
  r.add(
      NodeRewriter{"local_sub_sigmoid_factor",
                   {"stabilize"},
                   {"sub"},
                   "c - c * sigmoid(z) -> c * sigmoid(-z); c * sigmoid(z) - c -> -c * sigmoid(-z)",
                   "",
                   subSigmoidFactor});
}

} // namespace graphjit::rewrite
