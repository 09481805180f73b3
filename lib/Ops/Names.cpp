// The PyTensor name table (Names.h) and its Markdown rendering, docs/ops.md.
#include "graphjit/Ops/Names.h"
#include "graphjit/Ops/Random.h"

#include <set>
#include <sstream>

namespace graphjit {

namespace {
using N = PyTensorName;

std::vector<N> makeTable() {
  std::vector<N> t = {
      // ---- inputs, constants, creation ----
      {"pt.tensor", "tensor(dtype, shape, name)", {}, "graph input"},
      {"pt.scalar / pt.dscalar", "scalar(name)", {}, "graph input"},
      {"pt.vector / pt.dvector", "vector(name)", {}, "graph input"},
      {"pt.matrix / pt.dmatrix", "matrix(name)", {}, "graph input"},
      {"pt.constant / pt.as_tensor / pt.as_tensor_variable", "constant(value)", {}, "constant"},
      {"pytensor.shared", "shared(value, name)", {}, "shared variable"},
      {"pt.zeros / pt.ones / pt.full",
       "zeros(shape) / ones(shape) / full(shape, v)",
       {"broadcast_to"},
       "a constant broadcast"},
      {"pt.zeros_like / pt.ones_like / pt.full_like",
       "zeros_like(x) / ones_like(x) / full_like(x, v)",
       {"full_like"},
       ""},
      {"pt.alloc",
       "alloc(value, shape)",
       {"broadcast_to", "alloc"},
       "sizes numbers or graph values"},
      {"pt.eye", "eye(n, m, k)", {"eye", "eye_n"}, "n, m numbers or graph values"},
      {"pt.arange",
       "arange(start, stop, step)",
       {"arange", "arange_n"},
       "numbers or graph values (arange(n), arange(0, n, 2))"},
      {"pt.linspace",
       "linspace(start, stop, num, endpoint)",
       {"linspace_n"},
       "numbers: a constant; num, start, stop may be graph values"},
      {"pt.logspace",
       "logspace(start, stop, num, endpoint, base)",
       {"linspace_n", "pow"},
       "numbers: a constant; num, start, stop may be graph values"},
      // ---- elementwise math (also pt.math.*) ----
      {"pt.add / +", "add(a, b), a + b", {"add"}, ""},
      {"pt.sub / -", "sub(a, b), a - b", {"sub"}, ""},
      {"pt.mul / *", "mul(a, b), a * b", {"mul"}, ""},
      {"pt.true_div / /", "true_div(a, b), a / b", {"true_div"}, ""},
      {"pt.int_div / pt.floor_div / //", "floor_div(a, b)", {"floor_div"}, ""},
      {"pt.mod / %", "mod(a, b), a % b", {"mod"}, ""},
      {"pt.pow / **", "pow(a, b)", {"pow"}, ""},
      {"pt.maximum", "maximum(a, b)", {"maximum"}, ""},
      {"pt.minimum", "minimum(a, b)", {"minimum"}, ""},
      {"pt.neg", "neg(x), -x", {"neg"}, ""},
      {"pt.abs", "abs(x)", {"abs"}, ""},
      {"pt.sign", "sign(x)", {"sign"}, ""},
      {"pt.exp", "exp(x)", {"exp"}, ""},
      {"pt.exp2", "exp2(x)", {"pow"}, "pow(2, x)"},
      {"pt.expm1", "expm1(x)", {"expm1"}, ""},
      {"pt.log", "log(x)", {"log"}, ""},
      {"pt.log1p", "log1p(x)", {"log1p"}, ""},
      {"pt.log2", "log2(x)", {"log2"}, ""},
      {"pt.log10", "log10(x)", {"log10"}, ""},
      {"pt.sqrt", "sqrt(x)", {"sqrt"}, ""},
      {"pt.sqr / pt.square", "sqr(x) / square(x)", {"sqr"}, ""},
      {"pt.reciprocal", "reciprocal(x)", {"reciprocal"}, ""},
      {"pt.sigmoid / pt.math.sigmoid / pt.special.expit", "sigmoid(x)", {"sigmoid"}, ""},
      {"pt.softplus / pt.math.softplus", "softplus(x)", {"softplus"}, ""},
      {"pt.math.logit", "logit(x)", {"log", "true_div", "sub"}, "log(x / (1 - x))"},
      {"pt.tanh", "tanh(x)", {"tanh"}, ""},
      {"pt.sin", "sin(x)", {"sin"}, ""},
      {"pt.cos", "cos(x)", {"cos"}, ""},
      {"pt.tan", "tan(x)", {"sin", "cos", "true_div"}, "sin / cos"},
      {"pt.sinh / pt.cosh", "sinh(x) / cosh(x)", {"exp"}, "from exp"},
      {"pt.arcsin / pt.arccos / pt.arctan",
       "arcsin(x) / arccos(x) / arctan(x)",
       {"arcsin", "arccos", "arctan"},
       ""},
      {"pt.floor / pt.ceil / pt.round",
       "floor(x) / ceil(x) / round(x)",
       {"floor", "ceil", "round"},
       "round: half to even"},
      {"pt.erf", "erf(x)", {"erf"}, ""},
      {"pt.erfc", "erfc(x)", {"erf", "sub"}, "1 - erf(x)"},
      {"pt.gammaln", "gammaln(x)", {"gammaln"}, ""},
      {"pt.psi / pt.digamma", "digamma(x)", {"digamma"}, ""},
      {"pt.clip", "clip(x, lo, hi)", {"clip"}, ""},
      {"pt.where / pt.switch", "where(cond, a, b)", {"where"}, ""},
      {"pt.cast", "cast(x, dtype)", {"cast"}, ""},
      {"pt.lt / <", "lt(a, b), a < b", {"lt"}, ""},
      {"pt.le / <=", "le(a, b), a <= b", {"le"}, ""},
      {"pt.gt / >", "gt(a, b), a > b", {"gt"}, ""},
      {"pt.ge / >=", "ge(a, b), a >= b", {"ge"}, ""},
      {"pt.eq", "eq(a, b)", {"eq"}, "== on Var compares identity"},
      {"pt.neq", "neq(a, b)", {"neq"}, ""},
      {"pt.and_ / &", "logical_and(a, b)", {"and"}, ""},
      {"pt.or_ / |", "logical_or(a, b)", {"or"}, ""},
      {"pt.invert / ~", "logical_not(x)", {"not"}, ""},
      {"pt.isnan", "isnan(x)", {"isnan"}, ""},
      {"pt.isinf", "isinf(x)", {"isinf"}, ""},
      {"pt.nan_to_num", "nan_to_num(x, nan, posinf, neginf)", {"isnan", "isinf", "where"}, ""},
      // ---- reductions ----
      {"pt.sum", "sum(x, axis, keepdims)", {"sum"}, ""},
      {"pt.prod", "prod(x, axis, keepdims)", {"prod"}, ""},
      {"pt.max", "max(x, axis, keepdims)", {"max"}, ""},
      {"pt.min", "min(x, axis, keepdims)", {"min"}, ""},
      {"pt.mean", "mean(x, axis, keepdims)", {"mean"}, ""},
      {"pt.var", "var(x, axis, keepdims, ddof)", {"mean", "sqr", "sub"}, ""},
      {"pt.std", "std(x, axis, keepdims, ddof)", {"sqrt"}, "sqrt(var)"},
      {"pt.all", "all(x, axis)", {"all"}, ""},
      {"pt.any", "any(x, axis)", {"any"}, ""},
      {"pt.argmax", "argmax(x, axis)", {"argmax"}, ""},
      {"pt.argmin", "argmin(x, axis)", {"argmin"}, ""},
      {"pt.logsumexp", "logsumexp(x, axis)", {"max", "exp", "sum", "log"}, "stable composition"},
      {"pt.special.softmax", "softmax(x, axis)", {"softmax"}, ""},
      {"pt.special.log_softmax", "log_softmax(x, axis)", {"log_softmax"}, ""},
      {"pt.cumsum", "cumsum(x, axis)", {"cumsum"}, ""},
      {"pt.cumprod", "cumprod(x, axis)", {"cumprod"}, ""},
      {"pt.sort", "sort(x, axis)", {"sort"}, ""},
      {"pt.argsort", "argsort(x, axis)", {"argsort"}, ""},
      // ---- shape and structure ----
      {"pt.shape / x.shape", "shape(x)", {"shape"}, ""},
      {"x.shape[i] / shape_i", "shape_i(x, i)", {"shape"}, "a constant where the dim is static"},
      {"ShapeFeature / infer_shape",
       "shape(f(x)) under the default rewrites",
       {"infer_shape", "check_shapes", "size_shape"},
       "a shape from the input shapes (and size arguments' values), with f's checks"},
      {"pt.reshape",
       "reshape(x, shape)",
       {"reshape", "reshape_like", "reshape_n"},
       "shape: numbers, an int vector of the graph, or a mix ({n, -1})"},
      {"pt.flatten", "flatten(x, ndim)", {"reshape"}, ""},
      {"x.dimshuffle", "dimshuffle(x, order)", {"dimshuffle"}, ""},
      {"pt.transpose / x.T", "transpose(x, axes)", {"dimshuffle"}, ""},
      {"pt.swapaxes", "swapaxes(x, a, b)", {"dimshuffle"}, ""},
      {"pt.expand_dims", "expand_dims(x, axis)", {"dimshuffle"}, ""},
      {"pt.squeeze", "squeeze(x, axes)", {"dimshuffle"}, ""},
      {"pt.broadcast_to",
       "broadcast_to(x, shape)",
       {"broadcast_to", "broadcast_to_n"},
       "shape: numbers, an int vector of the graph, or a mix ({n, 3})"},
      {"pt.broadcast_arrays", "broadcast_arrays(xs)", {"broadcast_to"}, ""},
      {"pt.concatenate", "concatenate(xs, axis)", {"concatenate"}, ""},
      {"pt.join", "concatenate(xs, axis)", {"concatenate"}, "axis comes first in PyTensor"},
      {"pt.stack", "stack(xs, axis)", {"concatenate", "dimshuffle"}, ""},
      {"pt.split", "split(x, sizes, axis)", {"split", "split_like"}, ""},
      {"pt.flip", "flip(x, axes)", {"subtensor"}, "step -1 slices"},
      {"pt.roll", "roll(x, shift, axis)", {"subtensor", "concatenate"}, ""},
      {"pt.tile", "tile(x, reps)", {"concatenate"}, ""},
      {"pt.repeat", "repeat(x, repeats, axis)", {"take"}, "static axis length"},
      {"pt.diag", "diag(x, k)", {"alloc_diag", "extract_diag"}, ""},
      {"pt.diagonal", "diagonal(x, offset, axis1, axis2)", {"extract_diag"}, ""},
      {"pt.trace / pt.linalg.trace", "trace(x, offset)", {"extract_diag", "sum"}, ""},
      {"pt.tril", "tril(x, k)", {"tril"}, ""},
      {"pt.triu", "triu(x, k)", {"tril", "sub"}, "x - tril(x, k - 1)"},
      // ---- indexing ----
      {"x[i, a:b]", "x(i, slice(a, b))", {"subtensor"}, ""},
      {"pt.set_subtensor / pt.inc_subtensor (slices)",
       "set_subtensor / inc_subtensor",
       {"inc_subtensor"},
       ""},
      {"x[i, a:b] (symbolic i, a, b)",
       "x(i, slice(a, b)), x[i]",
       {"dyn_subtensor", "dyn_index_shape"},
       "int64 scalar Vars; constants give subtensor"},
      {"pt.set_subtensor / pt.inc_subtensor (symbolic positions)",
       "set_subtensor / inc_subtensor with Var entries",
       {"dyn_inc_subtensor"},
       ""},
      {"pt.take / x[idx]", "take(x, idx, axis)", {"take"}, ""},
      {"pt.set_subtensor / pt.inc_subtensor (x[idx])", "set_take / inc_take", {"inc_take"}, ""},
      {"x[rows, cols]", "advanced_subtensor(x, {rows, cols})", {"advanced_subtensor"}, ""},
      {"pt.set_subtensor / pt.inc_subtensor (x[rows, cols])",
       "advanced_set_subtensor / advanced_inc_subtensor",
       {"advanced_inc_subtensor"},
       ""},
      {"pt.take_along_axis", "take_along_axis(x, idx, axis)", {"advanced_subtensor"}, ""},
      // ---- products ----
      {"pt.dot", "dot(a, b)", {"matmul"}, ""},
      {"pt.matmul / @", "matmul(a, b)", {"matmul"}, ""},
      {"pt.outer", "outer(a, b)", {"mul", "dimshuffle"}, ""},
      {"pt.tensordot", "tensordot(a, b, axes)", {"matmul", "reshape", "dimshuffle"}, ""},
      {"pt.einsum",
       "einsum(subscripts, operands)",
       {"mul", "sum", "dimshuffle"},
       "explicit output, no ellipsis"},
      {"pt.linalg.kron / pt.kron", "kron(a, b)", {"mul", "reshape"}, ""},
      // ---- linear algebra ----
      {"pt.linalg.cholesky", "cholesky(a)", {"cholesky"}, ""},
      {"pt.linalg.solve", "solve(a, b)", {"solve"}, ""},
      {"pt.linalg.solve_triangular",
       "solve_triangular(a, b, lower, trans)",
       {"solve_triangular"},
       ""},
      {"pt.linalg.cho_solve", "cho_solve({c, lower}, b)", {"solve_triangular"}, ""},
      {"pt.linalg.det", "det(a)", {"det"}, ""},
      {"pt.linalg.slogdet", "slogdet(a)", {"slogdet"}, ""},
      {"pt.linalg.inv / pt.linalg.matrix_inverse", "inv(a)", {"matrix_inverse"}, ""},
      {"pt.linalg.norm",
       "norm(x, ord, axis)",
       {"abs", "sum", "max"},
       "matrix ord 2 / nuc need an SVD"},
      {"pt.linalg.matrix_power", "matrix_power(a, n)", {"matmul"}, ""},
      {"pt.linalg.eigh / pt.linalg.eigvalsh", "eigh(a) / eigvalsh(a)", {"eigh"}, ""},
      {"pt.linalg.svd",
       "svd(a, full_matrices) / svdvals(a)",
       {"svd"},
       "gradient: values; U and Vh with full_matrices=False"},
      {"pt.linalg.qr", "qr(a)", {"qr"}, "reduced; gradient for tall and wide A"},
      {"pt.linalg.lstsq", "lstsq(a, b)", {"pinv", "matmul"}, "the solution x only"},
      {"pt.linalg.pinv", "pinv(a)", {"pinv"}, ""},
      {"pt.linalg.expm", "expm(a)", {"expm"}, ""},
      {"pt.linalg.eig", "", {}, "missing"},
      // ---- gradients and graph transforms (no op of their own) ----
      {"pt.grad / pytensor.grad", "grad(cost, wrt)", {}, "a graph transform"},
      {"pytensor.gradient.disconnected_grad", "stop_gradient(x)", {"stop_gradient"}, ""},
      {"pytensor.graph.vectorize_graph", "vectorize_graph(out, replace)", {}, "a graph transform"},
      {"pytensor.tensor.blockwise.Blockwise",
       "applyBlockwise(core, inputs, signature)",
       {"blockwise"},
       "linalg builders take stacks; ops with a gufunc signature batch through it"},
      {"pytensor.function", "compile(inputs, outputs)", {}, ""},
      // ---- control flow (lib/ControlFlow) ----
      {"pytensor.scan", "scan(fn, sequences, outputs_info, non_sequences, n_steps)", {"scan"}, ""},
      {"pytensor.ifelse.ifelse", "ifelse(cond, then, else)", {"ifelse"}, "lazy"},
  };
  // ---- random variables ----
  const std::pair<const char *, Dist> rvs[] = {
      {"pt.random.normal", Dist::Normal},       {"pt.random.halfnormal", Dist::HalfNormal},
      {"pt.random.lognormal", Dist::LogNormal}, {"pt.random.multivariate_normal", Dist::MvNormal},
      {"pt.random.uniform", Dist::Uniform},     {"pt.random.exponential", Dist::Exponential},
      {"pt.random.gamma", Dist::Gamma},         {"pt.random.beta", Dist::Beta},
      {"pt.random.t", Dist::StudentT},          {"pt.random.laplace", Dist::Laplace},
      {"pt.random.bernoulli", Dist::Bernoulli}, {"pt.random.categorical", Dist::Categorical},
      {"pt.random.poisson", Dist::Poisson},
  };
  for (auto &[py, d] : rvs) {
    std::string n = distName(d);
    t.push_back(
        {py, (n == "mvnormal" ? std::string("mvnormal") : n) + "(params...)", {"rv_" + n}, ""});
  }
  t.push_back({"(graphjit) Cholesky / diagonal-covariance normal",
               "mvnormal_chol / mvnormal_diag",
               {"rv_mvnormal_chol", "rv_mvnormal_diag"},
               "no PyTensor name"});
  t.push_back({"pt.random.binomial / pt.random.dirichlet", "", {}, "missing"});
  return t;
}
} // namespace

const std::vector<PyTensorName> &pytensorNames() {
  static const std::vector<PyTensorName> table = makeTable();
  return table;
}

std::vector<std::string> pytensorSpellings(const PyTensorName &n) {
  std::vector<std::string> out;
  std::string rest = n.pytensor;
  while (!rest.empty()) {
    size_t cut = rest.find(" / ");
    std::string tok = rest.substr(0, cut);
    for (const char *prefix : {"pt.", "pytensor.", "x.", "x["})
      if (tok.rfind(prefix, 0) == 0) {
        out.push_back(tok.substr(0, tok.find(' '))); // "pt.set_subtensor (x[idx])" -> the name
        break;
      }
    rest = cut == std::string::npos ? "" : rest.substr(cut + 3);
  }
  return out;
}

NameCoverage pytensorNameCoverage() {
  NameCoverage c;
  std::set<std::string> seen, have;
  for (const PyTensorName &n : pytensorNames())
    for (const std::string &s : pytensorSpellings(n)) {
      seen.insert(s);
      if (!n.builder.empty()) have.insert(s);
    }
  c.listed = seen.size();
  c.present = have.size();
  return c;
}

std::string opsTableMarkdown() {
  const auto &t = pytensorNames();
  NameCoverage cov = pytensorNameCoverage();
  size_t have = cov.present, listed = cov.listed;
  std::ostringstream o;
  o << "# PyTensor names in graphjit\n\n"
    << "Generated from `pytensorNames()` (lib/Ops/Names.cpp) by the test "
       "`OpNames.DocsTableIsCurrent`;\n"
    << "edit the table there, then run `GRAPHJIT_UPDATE_DOCS=1 build/test/test-Ops "
       "--gtest_filter=OpNames.*`.\n"
    << "Every op name in the last column is a registered op (`opRegistry()`), and every "
       "registered\n"
    << "op appears in the table. The op is what `dprint` shows and what a rewrite's op filter "
       "names\n"
    << "(`inv()` builds `matrix_inverse`).\n\n"
    << "Coverage: " << have << " of the " << listed
    << " PyTensor names listed (each spelling in the first column) have a graphjit builder ("
    << (listed ? (100 * have + listed / 2) / listed : 0) << "%).\n\n"
    << "| PyTensor | graphjit builder | op(s) | note |\n|---|---|---|---|\n";
  auto cell = [](const std::string &s) {
    std::string r;
    for (char c : s)
      r += c == '|' ? std::string("\\|") : std::string(1, c);
    return r;
  };
  for (auto &n : t) {
    std::string ops;
    for (auto &op : n.ops)
      ops += (ops.empty() ? "`" : ", `") + op + "`";
    o << "| `" << cell(n.pytensor) << "` | "
      << (n.builder.empty() ? "—" : "`" + cell(n.builder) + "`") << " | "
      << (ops.empty() ? "—" : ops) << " | " << cell(n.note) << " |\n";
  }
  return o.str();
}

} // namespace graphjit
