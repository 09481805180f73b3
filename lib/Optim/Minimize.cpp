// minimize(): checks the inputs and their values, builds the objective, runs the method's solver
// and fills SciPy's OptimizeResult. Nothing a caller holds changes unless the run succeeds in
// evaluating: errors leave shared values as they were.
#include "Objective.h"

#include "graphjit/Ops/Inputs.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

namespace graphjit::optim {

namespace {
struct NamedMethod {
  const char *name;
  Method method;
};
constexpr NamedMethod kMethods[] = {
    {"Nelder-Mead", Method::NelderMead},
    {"Powell", Method::Powell},
    {"Sbplx", Method::Sbplx},
    {"BFGS", Method::BFGS},
    {"L-BFGS-B", Method::LBFGSB},
    {"SLSQP", Method::SLSQP},
    {"COBYLA", Method::COBYLA},
    {"AUGLAG", Method::AUGLAG},
    {"trust-constr", Method::TrustConstr},
    {"Newton-CG", Method::NewtonCG},
    {"trust-ncg", Method::TrustNCG},
    {"trust-exact", Method::TrustExact},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool needsGrad(Method m) {
  return m != Method::NelderMead && m != Method::Powell && m != Method::Sbplx &&
         m != Method::COBYLA;
}

std::vector<Tensor> unflatten(const std::vector<double> &x, const std::vector<Shape> &shapes) {
  std::vector<Tensor> out;
  size_t off = 0;
  for (const Shape &s : shapes) {
    size_t size = static_cast<size_t>(shapeSize(s));
    out.push_back(
        Tensor::fromVector(std::vector<double>(x.begin() + off, x.begin() + off + size), s));
    off += size;
  }
  return out;
}

/// The options with the method's defaults filled in (0 maxEval/maxIter).
MinimizeOptions resolved(const MinimizeOptions &o, size_t n) {
  MinimizeOptions r = o;
  bool nm = o.method == Method::NelderMead;
  int perParam = static_cast<int>(std::min<size_t>(200 * std::max<size_t>(n, 1), 1 << 30));
  if (nm && (r.maxEval == 0) != (r.maxIter == 0)) {
    // SciPy: a budget given for one of them leaves the other unlimited.
    if (r.maxEval == 0) r.maxEval = std::numeric_limits<int>::max();
    if (r.maxIter == 0) r.maxIter = std::numeric_limits<int>::max();
  }
  if (r.maxEval == 0) r.maxEval = nm ? perParam : 2000;
  if (r.maxIter == 0) r.maxIter = nm ? perParam : 1000;
  return r;
}

void checkOptions(const MinimizeOptions &o, size_t n) {
  if (o.maxEval < 0)
    throw ValueError("minimize: maxEval must be >= 0 (0: the method's default), got " +
                     std::to_string(o.maxEval));
  if (o.maxIter < 0)
    throw ValueError("minimize: maxIter must be >= 0 (0: the method's default), got " +
                     std::to_string(o.maxIter));
  if (!o.bounds.empty() && o.bounds.size() != 1 && o.bounds.size() != n)
    throw ShapeError("minimize: " + std::to_string(o.bounds.size()) + " bounds for " +
                     std::to_string(n) + " parameter elements (give one per element, or one)");
  for (const Bound &b : o.bounds)
    if (!(b.lo <= b.hi))
      throw ValueError("minimize: a bound has lo " + std::to_string(b.lo) + " > hi " +
                       std::to_string(b.hi));
  bool newton = o.method == Method::NewtonCG || o.method == Method::TrustNCG ||
                o.method == Method::TrustExact;
  if (newton && (!o.bounds.empty() || !o.constraints.empty()))
    throw ValueError("minimize: method " + methodName(o.method) +
                     " takes no bounds or constraints; use L-BFGS-B, SLSQP or trust-constr");
}

/// Runs the solver on a built objective and fills the result (x flattened to `shapes`).
OptimizeResult run(detail::Objective &obj, const std::vector<double> &x0,
                   const std::vector<Shape> &shapes, const MinimizeOptions &given) {
  MinimizeOptions options = resolved(given, x0.size());
  // The check is the solver's first evaluation: the objective remembers the point, so the
  // solver's own call at x0 (with the gradient, if it takes one) costs nothing more.
  std::vector<double> g0(obj.hasGrad ? x0.size() : 0), hg0(obj.hasValueHg ? x0.size() : 0);
  double f0 = obj.hasValueHg ? obj.valueHg(x0.data(), g0.data(), hg0.data())
                             : obj.value(x0.data(), obj.hasGrad ? g0.data() : nullptr);
  if (!std::isfinite(f0))
    throw ValueError("minimize: the loss is not finite at the starting point (" +
                     std::to_string(f0) + "); the parameters are unchanged");
  detail::Run r;
  r.obj = &obj;
  r.options = &options;
  r.method = methodName(options.method);
  detail::SolverResult s;
  switch (options.method) {
  case Method::NewtonCG:
  case Method::TrustNCG:
    s = detail::solveTrustRegion(r, x0, false);
    break;
  case Method::TrustExact:
    s = detail::solveTrustRegion(r, x0, true);
    break;
  case Method::NelderMead:
    s = detail::solveNelderMead(r, x0);
    break;
  default:
    s = detail::solveNlopt(r, x0);
  }
  if (!r.failure.empty())
    throw ValueError("minimize: " + r.failure + "; the parameters are unchanged");
  OptimizeResult res;
  res.x = unflatten(s.x, shapes);
  res.fun = s.fun;
  res.nit = s.nit >= 0 ? s.nit : r.nit;
  res.nfev = obj.nfev;
  res.njev = obj.njev;
  res.nhev = obj.nhev;
  res.status = s.status;
  res.success = s.success;
  res.message = s.message;
  if (obj.hasGrad) {
    std::vector<double> g(obj.n);
    int nfev = obj.nfev, njev = obj.njev; // the answer's gradient is not the solver's
    obj.value(s.x.data(), g.data());      // evaluation (usually the last point, remembered)
    obj.nfev = nfev, obj.njev = njev;
    res.jac = unflatten(g, shapes);
  }
  if (!s.hess.empty()) res.hess = Tensor::fromVector(s.hess, Shape{int64_t(obj.n), int64_t(obj.n)});
  res.maxcv = obj.maxViolation(s.x.data());
  if (res.maxcv > options.ctol) {
    res.success = false;
    res.message += " (infeasible: constraint violation " + std::to_string(res.maxcv) + ")";
  }
  return res;
}
} // namespace

Method methodFromName(std::string_view name) {
  std::string want = lower(name);
  for (const NamedMethod &m : kMethods)
    if (lower(m.name) == want) return m.method;
  if (want == "lbfgs" || want == "l-bfgs") return Method::LBFGSB;
  std::string known;
  for (const NamedMethod &m : kMethods)
    known += std::string(known.empty() ? "" : ", ") + m.name;
  throw ValueError("minimize: unknown method '" + std::string(name) + "' (known: " + known + ")");
}

std::string methodName(Method m) {
  for (const NamedMethod &k : kMethods)
    if (k.method == m) return k.name;
  return "?";
}

void detail::Run::iteration(const std::vector<double> &x, double fun) {
  ++nit;
  if (options->callback && options->callback(IterationInfo{nit, fun, &x})) stopped = true;
  if (options->progressSeconds <= 0) return;
  auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - lastLine).count() < options->progressSeconds) return;
  lastLine = now;
  std::fprintf(stderr, "minimize[%s]: %.1f s, nit %d, nfev %d, fun %.10g\n", method.c_str(),
               std::chrono::duration<double>(now - start).count(), nit, obj->nfev, fun);
}

OptimizeResult minimize(const Var &loss, const std::vector<Var> &wrt, const std::vector<Tensor> &x0,
                        const Args &args, const MinimizeOptions &options) {
  if (!loss || loss.ndim() != 0 || !isFloat(loss.dtype()))
    throw TypeError("minimize: the loss must be a float scalar, got " +
                    (loss ? loss.type().str() : std::string("null")));
  if (wrt.empty()) throw ValueError("minimize: no parameters");
  if (!x0.empty() && x0.size() != wrt.size())
    throw ValueError("minimize: " + std::to_string(x0.size()) + " starting values for " +
                     std::to_string(wrt.size()) + " parameters");
  std::vector<Shape> shapes;
  std::vector<double> start;
  for (size_t i = 0; i < wrt.size(); ++i) {
    const Var &p = wrt[i];
    std::string name = p ? "'" + p.name() + "'" : std::string("null");
    if (!p || (p.owner() && !p->isShared()) || p->isConstant())
      throw ValueError("minimize: parameter " + name +
                       " is not a graph input or shared variable (it is computed or constant)");
    if (x0.empty() && !p->isShared())
      throw ValueError("minimize: parameter " + name +
                       " is not a shared variable; give its starting value in x0");
    if (p.dtype() != DType::Float64)
      throw TypeError("minimize: parameter " + name + " is " + p.type().str() +
                      ", expected float64");
    Tensor v = x0.empty() ? getValue(p) : x0[i];
    const Shape &want = p.type().shape;
    bool fits = v.shape().size() == want.size();
    for (size_t d = 0; fits && d < want.size(); ++d)
      fits = want[d] == kUnknownDim || want[d] == v.shape()[d];
    if (!fits)
      throw ShapeError("minimize: the starting value of " + name + " has shape " +
                       shapeStr(v.shape()) + ", expected " + p.type().str());
    shapes.push_back(v.shape());
    for (double d : v.toDoubles())
      start.push_back(d);
  }
  for (const auto &[var, value] : args) {
    if (!var || var.owner() || var->isConstant())
      throw ValueError("minimize: an argument is not a graph input");
    if (std::find(wrt.begin(), wrt.end(), var) != wrt.end())
      throw ValueError("minimize: '" + var.name() + "' is both optimized and an argument");
    const Shape &want = var.type().shape;
    bool fits = value.shape().size() == want.size() && value.dtype() == var.dtype();
    for (size_t d = 0; fits && d < want.size(); ++d)
      fits = want[d] == kUnknownDim || want[d] == value.shape()[d];
    if (!fits)
      throw TypeError("minimize: argument '" + var.name() + "' is " + var.type().str() +
                      ", got a value " + std::string(dtypeName(value.dtype())) +
                      shapeStr(value.shape()));
  }
  checkOptions(options, start.size());
  std::unique_ptr<detail::Objective> obj =
      detail::makeGraphObjective(loss, wrt, shapes, args, options);
  OptimizeResult res = run(*obj, start, shapes, options);
  for (size_t i = 0; i < wrt.size(); ++i)
    if (wrt[i]->isShared()) setValue(wrt[i], res.x[i]);
  return res;
}

OptimizeResult minimize(const Var &loss, const std::vector<Var> &params,
                        const MinimizeOptions &options) {
  for (const Var &p : params)
    if (!p || !p->isShared())
      throw ValueError("minimize: parameter '" + (p ? p.name() : std::string("null")) +
                       "' is not a shared variable (give graph inputs with x0 and args)");
  return minimize(loss, params, {}, {}, options);
}

OptimizeResult minimize(const CompiledObjective &objective, const Tensor &x0,
                        const std::vector<Tensor> &args, const MinimizeOptions &options) {
  if (x0.shape().size() != 1 || x0.dtype() != DType::Float64)
    throw TypeError("minimize: x0 must be a float64 vector, got " +
                    std::string(dtypeName(x0.dtype())) + shapeStr(x0.shape()));
  if (!options.constraints.empty())
    throw ValueError("minimize: constraints are graphs; give the loss as a graph to use them");
  std::vector<double> start = x0.toDoubles();
  checkOptions(options, start.size());
  auto obj = detail::makeCompiledObjective(objective, start.size(), args);
  bool newton = options.method == Method::NewtonCG || options.method == Method::TrustNCG;
  if (needsGrad(options.method) && !obj->hasGrad)
    throw ValueError("minimize: method " + methodName(options.method) +
                     " needs the gradient: the compiled function must return (loss, grad)");
  if (newton && !obj->hasHessp)
    throw ValueError("minimize: method " + methodName(options.method) + " needs hess or hessp");
  if (options.method == Method::TrustExact && !obj->hasHess)
    throw ValueError("minimize: method trust-exact needs hess");
  return run(*obj, start, {x0.shape()}, options);
}

} // namespace graphjit::optim
