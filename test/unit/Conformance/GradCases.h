// Finite-difference gradient cases for every differentiable op: several
// shapes per op (plain, broadcast against a static-1 dim, size-1 dims). The
// conformance test (OpConformanceTest.cpp) runs verify_grad on each.
#pragma once

#include "graphjit/graphjit.h"

#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace graphjit::testing {

using GradFn = std::function<Var(const std::vector<Var> &)>;
struct GradCase {
  GradFn fn;
  std::vector<Tensor> point;
};

inline Tensor rnd(const Shape &s, double lo = -1, double hi = 1, uint64_t seed = 7) {
  std::mt19937_64 rng(seed + s.size() * 131 + static_cast<uint64_t>(shapeSize(s)));
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(static_cast<size_t>(shapeSize(s)));
  for (double &x : v)
    x = u(rng);
  return Tensor::fromVector(v, s);
}
inline Tensor pos(const Shape &s) { return rnd(s, 0.5, 2.0, 11); }

// Several shapes per op: plain, broadcast against a static-1 dim, and size-1 dims.
inline std::map<std::string, std::vector<GradCase>> differentiableCases() {
  auto un = [](Var (*f)(const Var &), bool positive = false) {
    auto p = positive ? pos : [](const Shape &s) { return rnd(s); };
    return std::vector<GradCase>{{[f](auto v) { return f(v[0]); }, {p({3, 4})}},
                                 {[f](auto v) { return f(v[0]); }, {p({1, 5})}},
                                 {[f](auto v) { return f(v[0]); }, {p({})}}};
  };
  auto bin = [](Var (*f)(const Var &, const Var &), bool positive = false) {
    auto p = positive ? pos : [](const Shape &s) { return rnd(s); };
    return std::vector<GradCase>{
        {[f](auto v) { return f(v[0], v[1]); }, {p({2, 3}), rnd({2, 3}, 0.5, 1.5, 3)}},
        // v[1] has a static 1 leading dim: broadcasting gradients are summed back.
        {[f](auto v) { return f(v[0], dimshuffle(v[1], {-1, 0})); },
         {p({2, 3}), rnd({3}, 0.5, 1.5, 5)}},
        {[f](auto v) { return f(v[0], v[1]); }, {p({4}), rnd({4}, 0.5, 1.5, 9)}}};
  };
  std::map<std::string, std::vector<GradCase>> c;
  c["add"] = bin(add);
  c["sub"] = bin(sub);
  c["mul"] = bin(mul);
  c["true_div"] = bin(true_div);
  c["pow"] = bin(static_cast<Var (*)(const Var &, const Var &)>(pow), true);
  c["maximum"] = bin(maximum);
  c["minimum"] = bin(minimum);
  c["mod"] = {{[](auto v) { return mod(v[0], v[1]); }, {rnd({5}, 0.1, 0.9), rnd({5}, 1.1, 2.0)}}};
  c["neg"] = un(neg);
  c["check_shapes"] = {{[](auto v) { return check_shapes(v[0] * v[1], *(v[0] + v[1])->owner()); },
                        {rnd({2, 3}), rnd({2, 3}, -1, 1, 9)}}};
  c["alloc"] = {{[](auto v) {
                   Var n = cast(v[1](0) * 0.0 + 3.0, DType::Int64);
                   return alloc(v[0](0), {n, shape_i(v[1], 0)}) * v[1];
                 },
                 {rnd({2}), rnd({2}, -1, 1, 5)}}};
  c["reshape_n"] = {{[](auto v) { return reshape(v[0], {shape_i(v[1], 0), -1}) * v[1]; },
                     {rnd({2, 6}), rnd({3, 4}, -1, 1, 5)}}};
  c["broadcast_to_n"] = {
      {[](auto v) { return broadcast_to(v[0], {shape_i(v[1], 0), 3}) * v[1]; },
       {rnd({3}), rnd({4, 3}, -1, 1, 5)}},
      {[](auto v) { return broadcast_to(reshape(v[0], {1, 3}), {shape_i(v[1], 0), 3}) * v[1]; },
       {rnd({3}), rnd({2, 3}, -1, 1, 5)}}};
  c["linspace_n"] = {
      {[](auto v) { return linspace(sum(v[0]), sum(v[0] * v[0]), shape_i(v[1], 0)) * v[1]; },
       {rnd({2}), rnd({5}, -1, 1, 5)}},
      {[](auto v) { return linspace(v[0](0), v[0](1), shape_i(v[1], 0), false) * v[1]; },
       {rnd({2}), rnd({1}, -1, 1, 5)}}};
  c["arange_n"] = {{[](auto v) {
                      Var stop = cast(shape_i(v[1], 0), DType::Float64) * 2.0;
                      return arange(v[0](0) * 0.1, stop, v[0](1) * 0.01 + 0.5) * 1.0;
                    },
                    {rnd({2}), rnd({3}, -1, 1, 5)}}};
  c["exp"] = un(exp);
  c["log"] = un(log, true);
  c["log1p"] = un(log1p, true);
  c["expm1"] = un(expm1);
  c["log2"] = un(log2, true);
  c["log10"] = un(log10, true);
  c["sqrt"] = un(sqrt, true);
  c["sqr"] = un(sqr);
  c["abs"] = un(abs, true);
  c["sigmoid"] = un(sigmoid);
  c["softplus"] = un(softplus);
  c["tanh"] = un(tanh);
  c["sin"] = un(sin);
  c["cos"] = un(cos);
  c["erf"] = un(erf);
  c["reciprocal"] = un(reciprocal, true);
  c["identity"] = {{[](auto v) { return elemwise(ScalarFn::Identity, {v[0]}); }, {rnd({3})}}};
  c["cast"] = {
      {[](auto v) { return cast(v[0], DType::Float64) * 2.0; }, {rnd({3}).astype(DType::Float32)}}};
  c["where"] = {{[](auto v) { return where(v[0] > 0.0, v[0] * 3.0, sqr(v[0])); }, {rnd({6})}},
                {[](auto v) { return where(v[0] > 0.0, dimshuffle(v[1], {-1, 0}), v[0]); },
                 {rnd({2, 3}), rnd({3})}}};
  c["clip"] = {{[](auto v) { return clip(v[0], -0.5, 0.5); }, {rnd({7})}},
               {[](auto v) { return clip(v[0], v[1], v[2]); },
                {rnd({4}), rnd({4}, -2, -1.5, 4), rnd({4}, 0, 0.1, 5)}}};
  c["dimshuffle"] = {
      {[](auto v) { return transpose(v[0]); }, {rnd({3, 4})}},
      {[](auto v) { return dimshuffle(expand_dims(v[0], 1), {1, 0, 2}); }, {rnd({2, 3})}},
      {[](auto v) { return squeeze(v[0]); }, {rnd({3, 1})}}};
  for (const char *r : {"sum", "mean", "max", "min", "prod"}) {
    ReduceKind k = std::string(r) == "sum"    ? ReduceKind::Sum
                   : std::string(r) == "mean" ? ReduceKind::Mean
                   : std::string(r) == "max"  ? ReduceKind::Max
                   : std::string(r) == "min"  ? ReduceKind::Min
                                              : ReduceKind::Prod;
    c[r] = {{[k](auto v) { return reduce(k, v[0]); }, {rnd({3, 4})}},
            {[k](auto v) { return reduce(k, v[0], IntList{1}, true); }, {rnd({2, 5})}},
            {[k](auto v) { return reduce(k, v[0], IntList{0}); }, {rnd({1, 3})}}};
  }
  c["prod"].push_back(
      {[](auto v) { return prod(v[0] * v[1]); }, {Tensor::of({0.0, 2.0, 3.0}), rnd({3})}});
  c["softmax"] = {{[](auto v) { return softmax(v[0]); }, {rnd({3, 4})}},
                  {[](auto v) { return softmax(v[0], 0); }, {rnd({3, 1})}}};
  c["log_softmax"] = {{[](auto v) { return log_softmax(v[0]); }, {rnd({3, 4})}},
                      {[](auto v) { return log_softmax(v[0], 0); }, {rnd({2, 3})}}};
  c["matmul"] = {{[](auto v) { return matmul(v[0], v[1]); }, {rnd({2, 3}), rnd({3, 4})}},
                 {[](auto v) { return matmul(v[0], v[1]); }, {rnd({3}), rnd({3, 2})}},
                 {[](auto v) { return matmul(v[0], v[1]); }, {rnd({2, 3}), rnd({3})}},
                 {[](auto v) { return matmul(v[0], v[1]); }, {rnd({3}), rnd({3}, 0, 1, 2)}},
                 {[](auto v) { return matmul(v[0], v[1]); }, {rnd({2, 2, 3}), rnd({3, 2})}}};
  c["reshape"] = {{[](auto v) { return reshape(v[0], {3, -1}); }, {rnd({2, 6})}}};
  c["reshape_like"] = {{[](auto v) { return reshape_like(v[0], v[1]); }, {rnd({6}), rnd({2, 3})}}};
  c["broadcast_to"] = {{[](auto v) { return broadcast_to(v[0], {3, 4}); }, {rnd({4})}}};
  c["concatenate"] = {
      {[](auto v) { return concatenate({v[0], v[1]}, 1); }, {rnd({2, 3}), rnd({2, 2})}}};
  c["split"] = {{[](auto v) {
                   auto parts = split(v[0], {1, 3}, 0);
                   return parts[0] * 2.0 + sum(parts[1], 0, true);
                 },
                 {rnd({4, 2})}}};
  c["subtensor"] = {
      {[](auto v) { return v[0](slice(1, std::nullopt), -1); }, {rnd({3, 4})}},
      {[](auto v) { return v[0](slice(std::nullopt, std::nullopt, -2)); }, {rnd({5})}}};
  // Positions from values (2 and -1), so that the ops stay symbolic.
  c["dyn_subtensor"] = {{[](auto v) {
                           Var two = cast(v[0](0, 0) * 0.0 + 2.0, DType::Int64);
                           Var m1 = cast(v[0](0, 0) * 0.0 - 1.0, DType::Int64);
                           return v[0](slice(std::nullopt, two), m1);
                         },
                         {rnd({3, 4})}},
                        {[](auto v) {
                           Var m1 = cast(v[0](0, 0) * 0.0 - 1.0, DType::Int64);
                           return v[0](slice(m1, std::nullopt, m1), 0);
                         },
                         {rnd({3, 4})}}};
  c["dyn_inc_subtensor"] = {{[](auto v) {
                               Var one = cast(v[1](0, 0) * 0.0 + 1.0, DType::Int64);
                               return inc_subtensor(v[0], {slice(one, std::nullopt)}, v[1]) +
                                      set_subtensor(v[0], {one}, v[1](0));
                             },
                             {rnd({3, 2}), rnd({2, 2})}}};
  c["inc_subtensor"] = {
      {[](auto v) { return inc_subtensor(v[0], {IndexEntry::slice(0, 2)}, v[1]); },
       {rnd({3, 2}), rnd({2, 2})}},
      {[](auto v) { return set_subtensor(v[0], {IndexEntry::at(1)}, v[1]); },
       {rnd({3, 2}), rnd({2})}}};
  Tensor idx = Tensor::fromVector(std::vector<int64_t>{2, 0, 2});
  c["take"] = {{[idx](auto v) { return take(v[0], constant(idx), 0); }, {rnd({3, 2})}}};
  c["inc_take"] = {{[idx](auto v) { return inc_take(v[0], constant(idx), v[1], 0); },
                    {rnd({4, 2}), rnd({3, 2})}}};
  // Linear algebra: well-conditioned square matrices (a random matrix plus 3 I).
  auto square = [](int64_t n, uint64_t seed) {
    std::vector<double> v = rnd({n, n}, -1, 1, seed).toDoubles();
    for (int64_t i = 0; i < n; ++i)
      v[i * n + i] += 3;
    return Tensor::fromVector(v, {n, n});
  };
  Tensor spd = square(3, 1);
  {
    std::vector<double> a = spd.toDoubles(), s(9, 0.0);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int k = 0; k < 3; ++k)
          s[i * 3 + j] += a[i * 3 + k] * a[j * 3 + k];
    spd = Tensor::fromVector(s, {3, 3});
  }
  c["cholesky"] = {
      {[](auto v) { return cholesky(v[0]); }, {spd}},
      {[](auto v) { return cholesky(matmul(v[0], transpose(v[0]))); }, {square(3, 4)}}};
  for (bool lower : {true, false})
    for (bool trans : {false, true}) {
      c["solve_triangular"].push_back(
          {[lower, trans](auto v) { return solve_triangular(v[0], v[1], lower, trans); },
           {square(3, 2), rnd({3, 2})}});
      c["solve_triangular"].push_back(
          {[lower, trans](auto v) { return solve_triangular(v[0], v[1], lower, trans); },
           {square(3, 3), rnd({3})}});
    }
  c["solve"] = {{[](auto v) { return solve(v[0], v[1]); }, {square(3, 5), rnd({3, 2})}},
                {[](auto v) { return solve(v[0], v[1]); }, {square(2, 6), rnd({2})}}};
  c["det"] = {{[](auto v) { return det(v[0]); }, {square(3, 7)}}};
  c["slogdet"] = {{[](auto v) { return slogdet(v[0]).second; }, {square(3, 8)}},
                  {[](auto v) { return slogdet(-1.0 * v[0]).second; }, {square(3, 9)}}};
  c["matrix_inverse"] = {{[](auto v) { return inv(v[0]); }, {square(3, 10)}}};
  c["tril"] = {{[](auto v) { return tril(v[0]); }, {rnd({3, 4})}},
               {[](auto v) { return tril(v[0], -1); }, {rnd({3, 3})}}};
  c["eigh"] = {{[](auto v) { return eigh(v[0]).first; }, {spd}},
               {[](auto v) {
                  auto [w, vecs] = eigh(v[0] + transpose(v[0]));
                  return vecs * vecs + dimshuffle(w, {-1, 0});
                },
                {square(3, 12)}}};
  c["svd"] = {{[](auto v) { return svdvals(v[0]); }, {rnd({4, 3})}},
              {[](auto v) { return std::get<1>(svd(v[0])); }, {rnd({2, 3})}},
              {[](auto v) { // U and Vh, through losses blind to the singular vectors' signs
                 auto [u, s, vh] = svd(v[0]);
                 return matmul(sqr(u) * dimshuffle(s, {-1, 0}), sqr(vh));
               },
               {rnd({4, 3})}},
              {[](auto v) { return sqr(std::get<2>(svd(v[0]))); }, {rnd({2, 3})}}};
  c["qr"] = {{[](auto v) {
                auto [q, r] = qr(v[0]);
                return q + matmul(q, r);
              },
              {rnd({4, 3})}},
             {[](auto v) { return qr(v[0]).second; }, {square(3, 13)}},
             {[](auto v) { // wide
                auto [q, r] = qr(v[0]);
                return matmul(sqr(q), sqr(r));
              },
              {rnd({2, 4})}}};
  c["pinv"] = {{[](auto v) { return pinv(v[0]); }, {rnd({4, 3})}},
               {[](auto v) { return pinv(v[0]); }, {rnd({2, 3})}}};
  c["expm"] = {{[](auto v) { return expm(v[0]); }, {rnd({3, 3})}},
               {[](auto v) { return expm(v[0]); }, {rnd({1, 1})}}};
  // Blockwise: stacks (batch dims broadcast: A shared by a batch of right-hand sides).
  auto stack2 = [](const Tensor &a, const Tensor &b) {
    std::vector<double> v = a.toDoubles(), w = b.toDoubles();
    v.insert(v.end(), w.begin(), w.end());
    Shape s = a.shape();
    s.insert(s.begin(), 2);
    return Tensor::fromVector(v, s);
  };
  c["blockwise"] = {
      {[](auto v) { return inv(v[0]); }, {stack2(square(3, 10), square(3, 11))}},
      {[](auto v) { return solve(v[0], v[1]); }, {square(3, 5), rnd({4, 3, 2})}},
      {[](auto v) { return slogdet(v[0]).second; }, {stack2(square(3, 8), square(3, 9))}}};
  c["gammaln"] = un(gammaln, true);
  // ifelse: each branch taken (the condition is data: the gradient does not flow into it).
  for (double pick : {0.0, 1.0})
    c["ifelse"].push_back({[pick](auto v) {
                             return ifelse(constant(pick, DType::Bool), exp(v[0]) * v[1],
                                           sin(v[0]) + v[1] * v[1]);
                           },
                           {rnd({2, 3}), rnd({2, 3}, -1, 1, 3)}});
  // scan: a sequence, one tap, several taps, a non-sequence, and a per-step output.
  c["scan"].push_back({[](auto v) {
                         return scan(
                                    [](const std::vector<Var> &a) {
                                      return StepResult({a[1] * tanh(a[0]) + a[0]});
                                    },
                                    {v[0]}, {OutputInfo(v[1])})
                             .outputs[0];
                       },
                       {rnd({4, 3}), rnd({3}, -1, 1, 5)}});
  c["scan"].push_back({[](auto v) {
                         auto r = scan(
                             [](const std::vector<Var> &a) {
                               return StepResult({a[0] * a[2] + sin(a[1]), a[1] * a[1]});
                             },
                             {}, {OutputInfo(v[0], {-2, -1}), OutputInfo()}, {v[1]}, 5);
                         return concatenate({r.outputs[0], r.outputs[1]}, 0);
                       },
                       {rnd({2, 3}), rnd({3}, -1, 1, 9)}});
  c["scan"].push_back(
      {[](auto v) {
         auto r = scan(
             [](const std::vector<Var> &a) { return StepResult({a[0] * a[1] + 1.0, a[0] * 2.0}); },
             {v[0]}, {OutputInfo(v[1], {-3, -1}), OutputInfo()});
         return sum(r.outputs[0]) + sum(r.outputs[1]);
       },
       {rnd({3, 2}), rnd({3, 2}, -1, 1, 13)}});
  c["arcsin"] = {{[](auto v) { return arcsin(v[0]); }, {rnd({3, 4}, -0.9, 0.9)}}};
  c["arccos"] = {{[](auto v) { return arccos(v[0]); }, {rnd({3, 4}, -0.9, 0.9)}}};
  c["arctan"] = un(arctan);
  c["extract_diag"] = {{[](auto v) { return diagonal(v[0]); }, {rnd({3, 4})}},
                       {[](auto v) { return trace(v[0], -1); }, {rnd({3, 3})}},
                       {[](auto v) { return diagonal(v[0], 1, 2, 1); }, {rnd({2, 3, 3})}}};
  c["alloc_diag"] = {{[](auto v) { return diag(v[0]); }, {rnd({3})}},
                     {[](auto v) { return diag(v[0], 1) * 2.0; }, {rnd({2})}}};
  c["cumsum"] = {{[](auto v) { return cumsum(v[0], 1); }, {rnd({3, 4})}},
                 {[](auto v) { return cumsum(v[0]); }, {rnd({2, 3})}}};
  c["cumprod"] = {{[](auto v) { return cumprod(v[0], 0); }, {pos({3, 2})}},
                  {[](auto v) { return cumprod(v[0]); }, {pos({4})}}};
  c["sort"] = {{[](auto v) { return sort(v[0]) * constant(Tensor::of({1.0, 2.0, 3.0, 4.0})); },
                {rnd({3, 4})}},
               {[](auto v) { return sort(v[0], 0); }, {rnd({3, 2})}}};
  auto ix = [](std::vector<int64_t> i) { return constant(Tensor::fromVector(i)); };
  c["advanced_subtensor"] = {
      {[ix](auto v) { return advanced_subtensor(v[0], {ix({0, 2, 2}), ix({1, 3, 1})}); },
       {rnd({3, 4})}},
      {[ix](auto v) { return advanced_subtensor(v[0], {ix({1, 1})}); }, {rnd({2, 3})}}};
  c["advanced_inc_subtensor"] = {
      {[ix](auto v) { return advanced_inc_subtensor(v[0], {ix({0, 2, 0}), ix({1, 3, 1})}, v[1]); },
       {rnd({3, 4}), rnd({3})}},
      {[ix](auto v) { return advanced_set_subtensor(v[0], {ix({0, 2})}, v[1]); },
       {rnd({3, 4}), rnd({4})}}};
  return c;
}

} // namespace graphjit::testing
