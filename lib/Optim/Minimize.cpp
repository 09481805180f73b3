// minimize() over NLopt. The shared parameters become inputs of one compiled
// Function returning the loss and its gradients; NLopt sees a flat vector.
#include "graphjit/Optim/Minimize.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Ops/Inputs.h"
#include "graphjit/Transform/Grad.h"

#include <nlopt.h>

#include <cmath>
#include <limits>
#include <memory>

namespace graphjit::optim {

namespace {
struct Problem {
  Function fn{nullptr};
  std::vector<Shape> shapes;
  bool withGrad;
  int nfev = 0, nit = 0;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> bestX;
  std::string failure; ///< set when the loss became NaN (the run is stopped)
  nlopt_opt opt = nullptr;

  std::vector<Tensor> unpack(const double *x) const {
    std::vector<Tensor> args;
    size_t off = 0;
    for (const Shape &s : shapes) {
      std::vector<double> v(x + off, x + off + shapeSize(s));
      args.push_back(Tensor::fromVector(v, s));
      off += v.size();
    }
    return args;
  }
};

double objective(unsigned n, const double *x, double *gradOut, void *data) {
  auto *p = static_cast<Problem *>(data);
  ++p->nfev;
  std::vector<Tensor> r;
  try {
    r = p->fn(p->unpack(x));
  } catch (const std::exception &e) {
    p->failure = std::string("the loss function failed: ") + e.what();
    nlopt_force_stop(p->opt);
    return std::numeric_limits<double>::infinity();
  }
  double f = r[0].item();
  if (std::isnan(f)) {
    p->failure = "the loss became NaN after " + std::to_string(p->nfev) + " evaluations";
    nlopt_force_stop(p->opt);
    return std::numeric_limits<double>::infinity();
  }
  if (gradOut) {
    size_t off = 0;
    for (size_t i = 1; i < r.size(); ++i) {
      std::vector<double> g = r[i].toDoubles();
      std::copy(g.begin(), g.end(), gradOut + off);
      off += g.size();
    }
  }
  if (f < p->best) {
    p->best = f;
    p->bestX.assign(x, x + n);
    ++p->nit;
  }
  return f;
}

nlopt_algorithm algorithm(Method m) {
  switch (m) {
  case Method::LBFGS:
    return NLOPT_LD_LBFGS;
  case Method::NelderMead:
    return NLOPT_LN_NELDERMEAD;
  case Method::Sbplx:
    return NLOPT_LN_SBPLX;
  }
  return NLOPT_LD_LBFGS;
}
} // namespace

OptimizeResult minimize(const Var &loss, const std::vector<Var> &params,
                        const MinimizeOptions &options) {
  if (!loss || loss.ndim() != 0 || !isFloat(loss.dtype()))
    throw TypeError("minimize: the loss must be a float scalar, got " +
                    (loss ? loss.type().str() : std::string("null")));
  if (params.empty()) throw ValueError("minimize: no parameters");
  if (options.maxEval <= 0)
    throw ValueError("minimize: maxEval must be > 0, got " + std::to_string(options.maxEval));
  Problem prob;
  prob.withGrad = options.method == Method::LBFGS;
  std::vector<Var> inputs;
  Replacements replace;
  std::vector<double> x0;
  for (const Var &p : params) {
    if (!p || !p->isShared())
      throw ValueError("minimize: parameter '" + (p ? p.name() : std::string("null")) +
                       "' is not a shared variable");
    if (p.dtype() != DType::Float64)
      throw TypeError("minimize: parameter '" + p.name() + "' is " + p.type().str() +
                      ", expected float64");
    Tensor v = getValue(p);
    prob.shapes.push_back(v.shape());
    for (double d : v.toDoubles())
      x0.push_back(d);
    Var in = tensor(DType::Float64, v.shape(), p.name());
    inputs.push_back(in);
    replace.push_back({p, in});
  }
  std::vector<Var> outs{loss};
  if (prob.withGrad)
    for (const Var &g : grad(loss, params, [] {
           GradOptions o;
           o.disconnected = DisconnectedPolicy::Ignore;
           return o;
         }()))
      outs.push_back(g);
  outs = graph_replace(outs, replace, false);
  prob.fn = compile(inputs, outs, {}, options.mode);

  double f0 = prob.fn(prob.unpack(x0.data()))[0].item();
  if (!std::isfinite(f0))
    throw ValueError("minimize: the loss is not finite at the starting point (" +
                     std::to_string(f0) + "); the parameters are unchanged");

  unsigned n = static_cast<unsigned>(x0.size());
  std::unique_ptr<nlopt_opt_s, void (*)(nlopt_opt)> opt(nlopt_create(algorithm(options.method), n),
                                                        nlopt_destroy);
  if (!opt) throw ValueError("minimize: NLopt could not create the optimizer");
  prob.opt = opt.get();
  nlopt_set_min_objective(opt.get(), objective, &prob);
  nlopt_set_maxeval(opt.get(), options.maxEval);
  nlopt_set_ftol_rel(opt.get(), options.ftolRel);
  nlopt_set_xtol_rel(opt.get(), options.xtolRel);
  if (options.initialStep > 0) nlopt_set_initial_step1(opt.get(), options.initialStep);
  std::vector<double> x = x0;
  double fmin = 0;
  nlopt_result status = nlopt_optimize(opt.get(), x.data(), &fmin);
  if (!prob.failure.empty())
    throw ValueError("minimize: " + prob.failure + "; the parameters are unchanged");

  OptimizeResult res;
  if (prob.bestX.empty()) prob.bestX = x0, prob.best = f0;
  res.x = prob.unpack(prob.bestX.data());
  res.fun = prob.best;
  res.nit = prob.nit;
  res.nfev = prob.nfev;
  res.status = static_cast<int>(status);
  // L-BFGS stopping on round-off at the optimum is a success in practice (SciPy reports it as
  // such).
  res.success = status > 0 || status == NLOPT_ROUNDOFF_LIMITED;
  res.message = nlopt_result_to_string(status);
  for (size_t i = 0; i < params.size(); ++i)
    setValue(params[i], res.x[i]);
  return res;
}

} // namespace graphjit::optim
