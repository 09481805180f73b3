// One small graph per registered op, shared by the tests that must cover
// every op (the conformance test, JIT gradients). Each builder takes
// two f64 inputs of shape [2,3] (the values used are given in opCaseValues()).
#pragma once

#include "graphjit/graphjit.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace graphjit::testing {

inline std::map<std::string, std::function<std::vector<Var>(const std::vector<Var> &)>>
opBuilders() {
  using V = const std::vector<Var> &;
  std::map<std::string, std::function<std::vector<Var>(V)>> b;
  for (ScalarFn fn : allScalarFns()) {
    std::string n = scalarFnInfo(fn).name;
    int arity = scalarFnInfo(fn).arity;
    if (fn == ScalarFn::Cast) {
      b[n] = [](V v) { return std::vector<Var>{cast(v[0], DType::Float32)}; };
    } else if (fn == ScalarFn::Clip) {
      b[n] = [](V v) { return std::vector<Var>{clip(v[0], v[1], v[1] + 1.0)}; };
    } else if (fn == ScalarFn::Where) {
      b[n] = [](V v) { return std::vector<Var>{where(v[0] > v[1], v[0], v[1])}; };
    } else if (fn == ScalarFn::And || fn == ScalarFn::Or || fn == ScalarFn::Not) {
      b[n] = [fn](V v) {
        std::vector<Var> ins{v[0] > 0.0, v[1] > 0.0};
        ins.resize(scalarFnInfo(fn).arity);
        return std::vector<Var>{elemwise(fn, ins)};
      };
    } else {
      b[n] = [fn, arity](V v) {
        return std::vector<Var>{elemwise(fn, std::vector<Var>(v.begin(), v.begin() + arity))};
      };
    }
  }
  b["dimshuffle"] = [](V v) { return std::vector<Var>{dimshuffle(v[0], {1, -1, 0})}; };
  for (const char *r : {"sum", "prod", "max", "min", "mean"})
    b[r] = [r](V v) {
      std::string s = r;
      ReduceKind k = s == "sum"    ? ReduceKind::Sum
                     : s == "prod" ? ReduceKind::Prod
                     : s == "max"  ? ReduceKind::Max
                     : s == "min"  ? ReduceKind::Min
                                   : ReduceKind::Mean;
      return std::vector<Var>{reduce(k, v[0], IntList{1})};
    };
  b["all"] = [](V v) { return std::vector<Var>{all(v[0] > 0.0, 0)}; };
  b["any"] = [](V v) { return std::vector<Var>{any(v[0] > 0.0)}; };
  b["argmax"] = [](V v) { return std::vector<Var>{argmax(v[0], 1), argmax(v[0])}; };
  b["argmin"] = [](V v) { return std::vector<Var>{argmin(v[0], 0)}; };
  b["softmax"] = [](V v) { return std::vector<Var>{softmax(v[0])}; };
  b["log_softmax"] = [](V v) { return std::vector<Var>{log_softmax(v[0], 0)}; };
  b["matmul"] = [](V v) { return std::vector<Var>{matmul(v[0], transpose(v[1]))}; };
  b["shape"] = [](V v) { return std::vector<Var>{shape(v[0])}; };
  b["reshape"] = [](V v) { return std::vector<Var>{reshape(v[0], {-1})}; };
  b["reshape_like"] = [](V v) { return std::vector<Var>{reshape_like(v[0], v[1])}; };
  b["broadcast_to"] = [](V v) { return std::vector<Var>{broadcast_to(v[0](0), {4, 3})}; };
  b["full_like"] = [](V v) { return std::vector<Var>{full_like(v[0], 2.5)}; };
  b["concatenate"] = [](V v) { return std::vector<Var>{concatenate({v[0], v[1]}, 1)}; };
  b["split"] = [](V v) { return split(v[0], {1, 1}, 0); };
  b["split_like"] = [](V v) {
    return applyOp(opRegistry().make("split_like", Attrs{{"axis", int64_t(0)}}), {v[0], v[1]});
  };
  b["arange"] = [](V) { return std::vector<Var>{arange(0.0, 5.0, 0.5)}; };
  b["eye"] = [](V) { return std::vector<Var>{eye(3, 4, -1, DType::Int32)}; };
  b["subtensor"] = [](V v) {
    return std::vector<Var>{v[0](slice(std::nullopt, std::nullopt, -1), 1)};
  };
  b["inc_subtensor"] = [](V v) {
    return std::vector<Var>{set_subtensor(v[0], {IndexEntry::slice(0, 1)}, v[1](slice(0, 1)))};
  };
  b["take"] = [](V v) { return std::vector<Var>{take(v[0], IntList{1, -1}, 1)}; };
  b["inc_take"] = [](V v) {
    return std::vector<Var>{
        inc_take(v[0], constant(Tensor::fromVector(std::vector<int64_t>{0, 0})), v[1], 0)};
  };
  b["stop_gradient"] = [](V v) { return std::vector<Var>{stop_gradient(v[0])}; };
  // Control flow: a branch on the data, and a recurrence over the rows of x.
  // The shape ops hold a node (here an add of x and y) and read only shapes.
  b["infer_shape"] = [](V v) { return std::vector<Var>{infer_shape(*(v[0] + v[1])->owner())}; };
  b["check_shapes"] = [](V v) {
    return std::vector<Var>{check_shapes(v[0] * 2.0, *(v[0] - v[1])->owner())};
  };
  // Sizes computed from values (2 and 3), so that the builders do not fall back to the static ops.
  b["alloc"] = [](V v) {
    Var two = cast(sum(v[0] * 0.0) + 2.0, DType::Int64);
    return std::vector<Var>{alloc(sum(v[1]), {two, shape_i(v[0], 1)})};
  };
  b["eye_n"] = [](V v) {
    Var three = cast(sum(v[0] * 0.0) + 3.0, DType::Int64);
    return std::vector<Var>{eye(three, shape_i(v[1], 1), 1) * sum(v[0])};
  };
  // Positions computed from values (1 and 2), so that the builders keep the symbolic ops.
  b["dyn_subtensor"] = [](V v) {
    Var one = cast(sum(v[0] * 0.0) + 1.0, DType::Int64),
        two = cast(sum(v[1] * 0.0) + 2.0, DType::Int64);
    return std::vector<Var>{v[0](one, slice(std::nullopt, two)), v[1][one],
                            v[1](slice(), slice(two, std::nullopt, -one))};
  };
  b["dyn_inc_subtensor"] = [](V v) {
    Var one = cast(sum(v[0] * 0.0) + 1.0, DType::Int64),
        two = cast(sum(v[1] * 0.0) + 2.0, DType::Int64);
    return std::vector<Var>{set_subtensor(v[0], {slice(one, two)}, v[1](slice(0, 1))),
                            inc_subtensor(v[1], {one}, v[0](0))};
  };
  b["dyn_index_shape"] = [](V v) {
    Var one = cast(sum(v[0] * 0.0) + 1.0, DType::Int64);
    return std::vector<Var>{graphShapes(*v[0](slice(one, std::nullopt), one)->owner())[0]};
  };
  // Arguments computed from y's values (3, 2), so that the builders do not fall back to the
  // static ops, and so that batching x alone exercises the batching rules.
  b["arange_n"] = [](V v) {
    Var five = cast(sum(v[1] * 0.0) + 5.0, DType::Int64);
    return std::vector<Var>{arange(five), arange(sum(v[1]), sum(v[1]) + 2.0, 0.5) * sum(v[0])};
  };
  b["linspace_n"] = [](V v) {
    Var four = cast(sum(v[1] * 0.0) + 4.0, DType::Int64);
    return std::vector<Var>{linspace(sum(v[0]), sum(v[1]), four),
                            linspace(sum(v[0]), 2.0, four, false) * sum(v[0])};
  };
  b["reshape_n"] = [](V v) {
    Var three = cast(sum(v[1] * 0.0) + 3.0, DType::Int64);
    return std::vector<Var>{reshape(v[0] * 2.0, {three, -1}), reshape(v[0], {-1, three, 1})};
  };
  b["broadcast_to_n"] = [](V v) {
    Var two = cast(sum(v[1] * 0.0) + 2.0, DType::Int64);
    return std::vector<Var>{broadcast_to(sum(v[0], 0, true), {two, 3}),
                            broadcast_to(v[0] * 2.0, {two, shape_i(v[0], 0), 3}),
                            broadcast_to(sum(v[0]), {3, two})};
  };
  b["size_shape"] = [](V v) {
    Var three = cast(sum(v[1] * 0.0) + 3.0, DType::Int64);
    Var r = reshape(v[0], {three, -1}), a = arange(three), z = zeros({three, three});
    Var bt = broadcast_to(sum(v[0], 0, true), {three, 3});
    return std::vector<Var>{graphShapes(*r->owner())[0], graphShapes(*a->owner())[0],
                            graphShapes(*z->owner())[0], graphShapes(*bt->owner())[0]};
  };
  b["ifelse"] = [](V v) {
    return ifelse(sum(v[0]) > sum(v[1]), {v[0] * v[1], sum(v[1], 0)}, {exp(v[1]), sum(v[0], 0)});
  };
  b["scan"] = [](V v) {
    ScanResult r =
        scan([](const std::vector<Var> &a) { return StepResult({a[1] * 0.5 + sin(a[0]) * a[2]}); },
             {v[0]}, {OutputInfo(sum(v[1], 0))}, {sum(v[1])});
    return r.outputs;
  };
  // Linear algebra on the positive definite x x^T ([2,2] from a [2,3] x).
  auto spd = [](const Var &x) { return matmul(x, transpose(x)); };
  // The lower triangle of a [2,2] matrix by an elemwise mask (cholesky and tril have no batching
  // rule, so a case built on them could not reach its own op's rule): a Cholesky factor of x
  // x^T-like.
  auto lowerOf = [](const Var &m) { return m * constant(Tensor::of({{1, 0}, {1, 1}})); };
  b["cholesky"] = [spd](V v) { return std::vector<Var>{cholesky(spd(v[0]))}; };
  b["solve_triangular"] = [spd, lowerOf](V v) {
    return std::vector<Var>{solve_triangular(lowerOf(spd(v[0])), v[1], true, true),
                            solve_triangular(spd(v[0]), v[1](slice(), 0), false)};
  };
  b["solve"] = [spd](V v) {
    return std::vector<Var>{solve(spd(v[0]), v[1]), solve(spd(v[0]), v[1](slice(), 1))};
  };
  b["det"] = [spd](V v) { return std::vector<Var>{det(spd(v[0]))}; };
  b["slogdet"] = [spd](V v) {
    auto [s, l] = slogdet(spd(v[1]) - 40.0);
    return std::vector<Var>{s, l};
  };
  b["matrix_inverse"] = [spd](V v) { return std::vector<Var>{inv(spd(v[0]))}; };
  b["tril"] = [](V v) { return std::vector<Var>{tril(v[0]), tril(v[1], -1)}; };
  // Decompositions: eigh of x x^T, svd and pinv of x, qr of the tall x^T, expm of x x^T / 4.
  b["eigh"] = [spd](V v) {
    auto [w, vecs] = eigh(spd(v[0]));
    return std::vector<Var>{w, vecs * vecs, eigvalsh(spd(v[1]))};
  };
  b["svd"] = [](V v) {
    auto [u, s, vh] = svd(v[0]);
    return std::vector<Var>{s, matmul(u * dimshuffle(s, {-1, 0}), vh), svdvals(v[1])};
  };
  b["qr"] = [](V v) {
    auto [q, r] = qr(transpose(v[0]));
    return std::vector<Var>{matmul(q, r), r * r};
  };
  b["pinv"] = [](V v) { return std::vector<Var>{pinv(v[0]), pinv(transpose(v[1]))}; };
  b["expm"] = [spd](V v) { return std::vector<Var>{expm(spd(v[0]) / 4.0)}; };
  // Blockwise: a stack of two SPD matrices (I + outer product of each row of x), inverted and
  // solved against the rows of y (a batch of vector right-hand sides), and slogdet's two outputs.
  b["blockwise"] = [](V v) {
    Var s = dimshuffle(v[0], {0, 1, -1}) * dimshuffle(v[0], {0, -1, 1}) +
            constant(Tensor::of({{2, 0, 0}, {0, 2, 0}, {0, 0, 2}}));
    auto [sign, logdet] = slogdet(s);
    return std::vector<Var>{inv(s), solve(s, v[1], 1), sign, logdet};
  };
  b["gammaln"] = [](V v) { return std::vector<Var>{gammaln(v[0]), gammaln(v[1])}; };
  // arcsin / arccos inside [-1, 1]; round on halves (half to even: 1.5 -> 2, 0.5 -> 0).
  b["arcsin"] = [](V v) { return std::vector<Var>{arcsin(v[1] / 4.0)}; };
  b["arccos"] = [](V v) { return std::vector<Var>{arccos(v[1] / 4.0)}; };
  b["round"] = [](V v) { return std::vector<Var>{round(v[1] * 2.0 + 0.5), round(v[0] / 4.0)}; };
  b["floor"] = [](V v) { return std::vector<Var>{floor(v[1] * 1.5)}; };
  b["ceil"] = [](V v) { return std::vector<Var>{ceil(v[1] * 1.5)}; };
  // isnan / isinf on values that have some: log of a negative, 5 / 0.
  b["isnan"] = [](V v) { return std::vector<Var>{isnan(log(v[1])), isnan(v[0])}; };
  b["isinf"] = [](V v) {
    return std::vector<Var>{isinf(v[0] / (v[1] - 0.25)), isinf(-v[0] / 0.0)};
  };
  b["extract_diag"] = [](V v) {
    return std::vector<Var>{diagonal(v[0]), diagonal(v[1], 1), diagonal(v[0], -1, 1, 0)};
  };
  b["alloc_diag"] = [](V v) { return std::vector<Var>{diag(v[0](0)), diag(v[1](1), -1)}; };
  b["cumsum"] = [](V v) { return std::vector<Var>{cumsum(v[0], 1), cumsum(v[1], 0)}; };
  b["cumprod"] = [](V v) { return std::vector<Var>{cumprod(v[1], 1), cumprod(v[0], 0)}; };
  b["sort"] = [](V v) { return std::vector<Var>{sort(v[1]), sort(v[0] * v[1], 0)}; };
  b["argsort"] = [](V v) { return std::vector<Var>{argsort(v[1]), argsort(v[1] - v[0], 0)}; };
  auto ints = [](std::vector<int64_t> i) { return constant(Tensor::fromVector(i)); };
  b["advanced_subtensor"] = [ints](V v) {
    return std::vector<Var>{advanced_subtensor(v[0], {ints({1, 0, 1}), ints({2, 2, -3})}),
                            advanced_subtensor(v[1], {ints({1, 1, 0})})};
  };
  b["advanced_inc_subtensor"] = [ints](V v) {
    return std::vector<Var>{
        advanced_inc_subtensor(v[0], {ints({0, 0, 1}), ints({1, 1, 2})}, v[1](0)),
        advanced_set_subtensor(v[1], {ints({1}), ints({0})}, v[0](1, slice(0, 1)))};
  };
  b["digamma"] = [](V v) { return std::vector<Var>{digamma(v[0]), digamma(v[1])}; };
  // Random variables: valid parameters from x and y, computed exactly (abs, add, div), so that
  // the interpreter and the JIT draw from bit-identical parameters and state.
  auto pos = [](const Var &t) { return abs(t) + 0.5; };             // > 0
  auto unit = [](const Var &t) { return abs(t) / (abs(t) + 1.0); }; // in [0, 1)
  // A constant generator: the same state in both runs, so the draws must agree bit for bit.
  auto rv = [](Dist d, std::function<std::vector<Var>(V)> params) {
    return [d, params](V v) {
      Var g = Var::constant(randomGeneratorValue(7, {3, 0, 0, 0}));
      return std::vector<Var>{randomVariable(d, g, Var(), params(v))};
    };
  };
  b["rv_normal"] = rv(Dist::Normal, [pos](V v) { return std::vector<Var>{v[0], pos(v[1])}; });
  b["rv_halfnormal"] = rv(Dist::HalfNormal, [pos](V v) { return std::vector<Var>{pos(v[1])}; });
  b["rv_lognormal"] = rv(Dist::LogNormal, [pos](V v) { return std::vector<Var>{v[1], pos(v[0])}; });
  b["rv_mvnormal"] =
      rv(Dist::MvNormal, [spd](V v) { return std::vector<Var>{v[1](slice(), 0), spd(v[0])}; });
  // Any lower triangular L with a positive diagonal is a Cholesky factor (of L L^T).
  b["rv_mvnormal_chol"] = rv(Dist::MvNormalChol, [spd, lowerOf](V v) {
    return std::vector<Var>{v[1](slice(), 0), lowerOf(spd(v[0]))};
  });
  b["rv_mvnormal_diag"] =
      rv(Dist::MvNormalDiag, [pos](V v) { return std::vector<Var>{v[0](0), pos(v[1](0))}; });
  b["rv_uniform"] =
      rv(Dist::Uniform, [pos](V v) { return std::vector<Var>{v[1], v[1] + pos(v[0])}; });
  b["rv_exponential"] = rv(Dist::Exponential, [pos](V v) { return std::vector<Var>{pos(v[1])}; });
  b["rv_gamma"] = rv(Dist::Gamma, [pos](V v) { return std::vector<Var>{pos(v[0]), pos(v[1])}; });
  b["rv_beta"] = rv(Dist::Beta, [pos](V v) { return std::vector<Var>{pos(v[0]), pos(v[1])}; });
  b["rv_studentt"] =
      rv(Dist::StudentT, [pos](V v) { return std::vector<Var>{pos(v[0]), v[1], pos(v[1])}; });
  b["rv_laplace"] = rv(Dist::Laplace, [pos](V v) { return std::vector<Var>{v[0], pos(v[1])}; });
  b["rv_bernoulli"] = rv(Dist::Bernoulli, [unit](V v) { return std::vector<Var>{unit(v[1])}; });
  b["rv_categorical"] =
      rv(Dist::Categorical, [pos](V v) { return std::vector<Var>{pos(v[1](0))}; });
  b["rv_poisson"] = rv(Dist::Poisson, [pos](V v) { return std::vector<Var>{pos(v[0])}; });
  return b;
}

/// Input values for the builders.
inline std::vector<Tensor> opCaseValues() {
  return {Tensor::of({{1, 2, 3}, {4, 5, 6}}), Tensor::of({{0.5, -1, 2}, {3, 0.25, -2}})};
}

/// Ops whose builders work for any [n,3] inputs (checked with n = 0, 1, 2 and unknown dims).
inline bool shapeAgnostic(const std::string &name) {
  static const std::vector<std::string> fixed = {
      "split", "split_like", "broadcast_to", "inc_subtensor", "take", "inc_take", "subtensor",
      "arange", "eye", "argmax", "argmin", "max", "min", "reshape_like",
      // square matrices from the rows: need independent rows
      "cholesky", "solve_triangular", "solve", "det", "slogdet", "matrix_inverse",
      // a vector from row 0, or a [k,k] matrix from the rows
      "rv_mvnormal", "rv_mvnormal_chol", "rv_mvnormal_diag", "rv_categorical",
      // a row of x, or constant indices into rows 0 and 1
      "alloc_diag", "advanced_subtensor", "advanced_inc_subtensor",
      // positions 1 and 2 into the rows
      "dyn_subtensor", "dyn_inc_subtensor", "dyn_index_shape"};
  for (auto &f : fixed)
    if (f == name) return false;
  return true;
}

} // namespace graphjit::testing
