// The objective of minimize(loss, wrt, x0, args) compiled from graphs. Every optimized input
// becomes a slice of one static vector x and every data argument a static-shaped input, so the
// shapes are known when minimize runs and jacobian/hessian apply to any parameter (a shared
// f64[?] included); the loss, gradient, Hessian(-vector) and constraint Jacobians are graphs.
#include "Objective.h"

#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Inputs.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Transform/Grad.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>

namespace graphjit::optim::detail {

namespace {
GradOptions ignoreDisconnected() {
  GradOptions o;
  o.disconnected = DisconnectedPolicy::Ignore;
  return o;
}

bool needsGrad(Method m) {
  return m != Method::NelderMead && m != Method::Powell && m != Method::Sbplx &&
         m != Method::COBYLA;
}

void copyOut(const Tensor &t, double *out) {
  std::vector<double> v = t.toDoubles();
  std::copy(v.begin(), v.end(), out);
}

class GraphObjective : public Objective {
public:
  Tensor makeX(const double *x) const {
    return Tensor::fromVector(std::vector<double>(x, x + n), Shape{static_cast<int64_t>(n)});
  }
  std::vector<Tensor> callArgs(const double *x) const {
    std::vector<Tensor> a{makeX(x)};
    a.insert(a.end(), argValues.begin(), argValues.end());
    return a;
  }

  double evaluateHg(const double *x, double *g, double *hg) override {
    ++nfev, ++njev, ++nhev;
    std::vector<Tensor> r = (*fusedHg)(callArgs(x));
    copyOut(r[1], g);
    copyOut(r[2], hg);
    return r[0].item();
  }
  double evaluate(const double *x, double *g) override {
    ++nfev;
    if (g) {
      ++njev;
      std::vector<Tensor> r = (*fused)(callArgs(x));
      copyOut(r[1], g);
      return r[0].item();
    }
    return (fused && !lossOnly ? (*fused)(callArgs(x))[0] : (*lossOnly)(callArgs(x))[0]).item();
  }
  void hessp(const double *x, const double *v, double *out) override {
    ++nhev;
    std::vector<Tensor> a = callArgs(x);
    a.insert(a.begin() + 1, makeX(v));
    copyOut((*hesspFn)(a)[0], out);
  }
  void hess(const double *x, double *out) override {
    ++nhev;
    copyOut((*hessFn)(callArgs(x))[0], out);
  }
  void constraints(bool eq, const double *x, double *out, double *jac) override {
    std::optional<Function> &fn = eq ? eqFn : ineqFn;
    if (!fn) return;
    std::vector<Tensor> r = (*fn)(callArgs(x));
    copyOut(r[0], out);
    if (jac) copyOut(r.at(1), jac);
  }

  std::vector<Tensor> argValues;
  std::optional<Function> fused, fusedHg, lossOnly, hesspFn, hessFn, eqFn, ineqFn;
};

/// The constraints of one kind as one flat vector (SciPy's sign convention).
Var flatConstraints(const std::vector<Var> &funs) {
  std::vector<Var> flat;
  for (const Var &f : funs)
    flat.push_back(reshape(f, {shapeSize(f.type().shape)}));
  return flat.size() == 1 ? flat[0] : concatenate(flat, 0);
}
} // namespace

namespace {
std::unique_ptr<GraphObjective> build(const Var &loss, const std::vector<Var> &wrt,
                                      const std::vector<Shape> &shapes, const Args &args,
                                      const MinimizeOptions &options) {
  auto obj = std::make_unique<GraphObjective>();
  int64_t n = 0;
  for (const Shape &s : shapes)
    n += shapeSize(s);
  obj->n = static_cast<size_t>(n);
  Var x = tensor(DType::Float64, {n}, "x");
  Replacements replace;
  int64_t off = 0;
  for (size_t i = 0; i < wrt.size(); ++i) {
    int64_t size = shapeSize(shapes[i]);
    Var piece = subtensor(x, {slice(off, off + size)});
    IntList dims(shapes[i].begin(), shapes[i].end());
    replace.push_back({wrt[i], reshape(piece, dims)});
    off += size;
  }
  std::vector<Var> inputs{x};
  for (const auto &[var, value] : args) {
    Var in = tensor(value.dtype(), value.shape(), var.name());
    replace.push_back({var, in});
    inputs.push_back(in);
    obj->argValues.push_back(value);
  }

  std::vector<Var> eqs, ineqs;
  for (const Constraint &c : options.constraints) {
    if (!c.fun) throw ValueError("minimize: a constraint has no graph");
    if (!isFloat(c.fun.dtype()))
      throw TypeError("minimize: a constraint must be float, got " + c.fun.type().str());
    (c.kind == Constraint::Eq ? eqs : ineqs).push_back(c.fun);
  }
  std::vector<Var> roots{loss};
  roots.insert(roots.end(), eqs.begin(), eqs.end());
  roots.insert(roots.end(), ineqs.begin(), ineqs.end());
  std::vector<Var> rebuilt = graph_replace(roots, replace, false);
  for (const Var &in : graphInputs(rebuilt))
    if (std::find(inputs.begin(), inputs.end(), in) == inputs.end())
      throw ValueError("minimize: the graph reads input '" + in.name() +
                       "', which is neither optimized (wrt) nor given a value in args");
  Var l = rebuilt[0];
  std::vector<Var> eqR(rebuilt.begin() + 1, rebuilt.begin() + 1 + eqs.size());
  std::vector<Var> ineqR(rebuilt.begin() + 1 + eqs.size(), rebuilt.end());

  Method m = options.method;
  bool withGrad = needsGrad(m);
  obj->hasGrad = withGrad;
  Mode mode = options.mode;
  if (withGrad) {
    Var g = grad(l, x, ignoreDisconnected());
    obj->fused = compile(inputs, {l, g}, {}, mode);
  } else {
    obj->lossOnly = compile(inputs, {l}, {}, mode);
  }
  if (m == Method::NewtonCG || m == Method::TrustNCG) {
    // H v as the gradient of (grad . v): reverse over reverse, never a dense Hessian.
    Var v = tensor(DType::Float64, {n}, "v");
    Var g = grad(l, x, ignoreDisconnected());
    Var hv = grad(sum(g * v), x, ignoreDisconnected());
    std::vector<Var> in = inputs;
    in.insert(in.begin() + 1, v);
    obj->hesspFn = compile(in, {hv}, {}, mode);
    obj->hasHessp = true;
    // Loss, gradient and H g in one call, sharing the loss's intermediates (X beta, the
    // sigmoid...): grad(g . stop_gradient(g)) = H g.
    Var hg = grad(sum(g * stop_gradient(g)), x, ignoreDisconnected());
    obj->fusedHg = compile(inputs, {l, g, hg}, {}, mode);
    obj->hasValueHg = true;
  }
  if (m == Method::TrustExact) {
    obj->hessFn = compile(inputs, {hessian(l, x, ignoreDisconnected())}, {}, mode);
    obj->hasHess = true;
  }
  auto constraintFn = [&](const std::vector<Var> &cs, size_t &count) -> std::optional<Function> {
    if (cs.empty()) return std::nullopt;
    Var c = flatConstraints(cs);
    count = static_cast<size_t>(shapeSize(c.type().shape));
    std::vector<Var> outs{c};
    if (withGrad)
      outs.push_back(
          reshape(jacobian(c, x, ignoreDisconnected()), {static_cast<int64_t>(count), n}));
    return compile(inputs, outs, {}, mode);
  };
  obj->eqFn = constraintFn(eqR, obj->nEq);
  obj->ineqFn = constraintFn(ineqR, obj->nIneq);
  return obj;
}

/// What determines the compiled Functions of a run: the graphs (by identity; the key holds them,
/// so an address is never reused while cached), the shapes and dtypes, the method and the mode.
struct Key {
  std::vector<Var> vars;
  std::vector<int64_t> ints;
  bool operator==(const Key &o) const { return vars == o.vars && ints == o.ints; }
};

Key keyOf(const Var &loss, const std::vector<Var> &wrt, const std::vector<Shape> &shapes,
          const Args &args, const MinimizeOptions &options) {
  Key k;
  k.vars.push_back(loss);
  k.vars.insert(k.vars.end(), wrt.begin(), wrt.end());
  k.ints = {static_cast<int64_t>(options.method), static_cast<int64_t>(options.mode)};
  for (const Shape &s : shapes) {
    k.ints.push_back(static_cast<int64_t>(s.size()));
    k.ints.insert(k.ints.end(), s.begin(), s.end());
  }
  for (const auto &[var, value] : args) {
    k.vars.push_back(var);
    k.ints.push_back(static_cast<int64_t>(value.dtype()));
    k.ints.push_back(static_cast<int64_t>(value.shape().size()));
    k.ints.insert(k.ints.end(), value.shape().begin(), value.shape().end());
  }
  for (const Constraint &c : options.constraints) {
    k.vars.push_back(c.fun);
    k.ints.push_back(c.kind);
  }
  return k;
}
} // namespace

std::unique_ptr<Objective> makeGraphObjective(const Var &loss, const std::vector<Var> &wrt,
                                              const std::vector<Shape> &shapes, const Args &args,
                                              const MinimizeOptions &options) {
  // Refitting the same graphs (new data of the same shapes, new starting points) reuses the
  // Functions: building the flat graph, its gradients and looking them up in the compile cache
  // cost about 0.2 ms a run, a tenth of the GLM's. The few most recent are kept.
  static std::mutex mutex;
  static std::deque<std::pair<Key, std::shared_ptr<const GraphObjective>>> recent;
  constexpr size_t kKept = 8;
  Key key = keyOf(loss, wrt, shapes, args, options);
  std::shared_ptr<const GraphObjective> proto;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto &[k, p] : recent)
      if (k == key) proto = p;
  }
  if (!proto) {
    std::shared_ptr<GraphObjective> built = build(loss, wrt, shapes, args, options);
    built->argValues.clear(); // the prototype holds no data
    proto = built;
    std::lock_guard<std::mutex> lock(mutex);
    recent.emplace_back(std::move(key), proto);
    if (recent.size() > kKept) recent.pop_front();
  }
  auto obj = std::make_unique<GraphObjective>(*proto);
  for (const auto &a : args)
    obj->argValues.push_back(a.second);
  return obj;
}

} // namespace graphjit::optim::detail
