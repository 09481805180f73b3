// specialize: cheaper forms chosen once the graph is canonical and stable.
#include "Rules.h"

#include "graphjit/Ops/Elemwise.h"

namespace graphjit::rewrite {

namespace {
void add(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
         const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn) {
  r.add(NodeRewriter{name, {"specialize"}, std::move(ops), algebra, "", std::move(fn)});
}
/// x of pow(x, c) when c is the constant `value` and x has the output's type.
Var powBase(Apply &n, double value) {
  return isSplat(n.input(1), value) && n.input(0).type() == n.output(0).type() ? n.input(0) : Var();
}
} // namespace

void registerSpecialize(RewriteRegistry &r) {
  add(r, "local_pow_two", {"pow"}, "x ** 2 -> sqr(x)", [](Apply &n) {
    Var x = powBase(n, 2);
    return x ? one(sqr(x)) : std::vector<Var>{};
  });
  add(r, "local_pow_half", {"pow"}, "x ** 0.5 -> sqrt(x)", [](Apply &n) {
    Var x = powBase(n, 0.5);
    return x ? one(sqrt(x)) : std::vector<Var>{};
  });
  add(r, "local_pow_minus_half", {"pow"}, "x ** -0.5 -> 1 / sqrt(x)", [](Apply &n) {
    Var x = powBase(n, -0.5);
    return x ? one(reciprocal(sqrt(x))) : std::vector<Var>{};
  });
  add(r, "local_pow_three", {"pow"}, "x ** 3 -> x * sqr(x)", [](Apply &n) {
    Var x = powBase(n, 3);
    return x ? one(x * sqr(x)) : std::vector<Var>{};
  });
  add(r, "local_mul_self", {"mul"}, "x * x -> sqr(x)", [](Apply &n) -> std::vector<Var> {
    return n.input(0) == n.input(1) ? one(sqr(n.input(0))) : std::vector<Var>{};
  });
  add(r, "local_one_div", {"true_div"}, "1 / x -> reciprocal(x)", [](Apply &n) -> std::vector<Var> {
    return isSplat(n.input(0), 1) && n.input(1).type() == n.output(0).type()
               ? one(reciprocal(n.input(1)))
               : std::vector<Var>{};
  });
}

} // namespace graphjit::rewrite
