// For every rewrite rule: a graph where it must fire and one where it must not
// (broadcasting would change the shape, a dtype differs, the pattern is not quite
// there). Shared by the unit tests and the generator of test/lit/Rewrite/*.gj.
#pragma once

#include "graphjit/graphjit.h"

#include <functional>
#include <map>
#include <string>

namespace graphjit::testing {

struct RewriteCase {
  /// Builds outputs from inputs x: f64[?], y: f64[?], m: f64[?,?], r: f64[1,?].
  std::function<std::vector<Var>(const Var &x, const Var &y, const Var &m, const Var &r)> positive, negative;
};

inline std::map<std::string, RewriteCase> rewriteCases() {
  using V = const Var &;
  auto c = [](double v) { return constant(v); };
  std::map<std::string, RewriteCase> k;
  k["constant_folding"] = {[=](V x, V, V, V) { return std::vector<Var>{x + exp(c(0.0))}; },
                           [](V x, V, V, V) { return std::vector<Var>{exp(x)}; }};
  k["local_add_zero"] = {[=](V x, V, V, V) { return std::vector<Var>{x + 0.0}; },
                         [=](V, V, V, V r) { return std::vector<Var>{r + zeros({3, 1})}; }}; // broadcasting grows r
  k["local_sub_zero"] = {[](V x, V, V, V) { return std::vector<Var>{x - 0.0}; },
                         [](V x, V, V, V) { return std::vector<Var>{x - 1.0}; }};
  k["local_mul_one"] = {[](V x, V, V, V) { return std::vector<Var>{x * 1.0}; },
                        [](V, V, V m, V) { return std::vector<Var>{cast(m, DType::Int32) * 1.5}; }}; // dtype changes
  k["local_div_one"] = {[](V x, V, V, V) { return std::vector<Var>{x / 1.0}; },
                        [](V x, V, V, V) { return std::vector<Var>{x / 2.0}; }};
  k["local_mul_zero"] = {[](V x, V, V, V) { return std::vector<Var>{x * 0.0}; },
                         [](V x, V, V, V) { return std::vector<Var>{x * 0.5}; }};
  k["local_mul_minus_one"] = {[](V x, V, V, V) { return std::vector<Var>{x * -1.0}; },
                              [](V, V, V, V r) { return std::vector<Var>{r * constant(Tensor::of({-1.0, -1.0}).reshaped({2, 1}))}; }};
  k["local_zero_sub"] = {[](V x, V, V, V) { return std::vector<Var>{0.0 - x}; },
                         [](V x, V, V, V) { return std::vector<Var>{1.0 - x}; }};
  k["local_add_self"] = {[](V x, V, V, V) { return std::vector<Var>{x + x}; },
                         [](V x, V y, V, V) { return std::vector<Var>{x + y}; }};
  k["local_sub_self"] = {[](V x, V, V, V) { return std::vector<Var>{x - x}; },
                         [](V x, V y, V, V) { return std::vector<Var>{x - y}; }};
  k["local_neg_neg"] = {[](V x, V, V, V) { return std::vector<Var>{-(-x)}; },
                        [](V x, V, V, V) { return std::vector<Var>{-x}; }};
  k["local_add_neg"] = {[](V x, V y, V, V) { return std::vector<Var>{x + (-y)}; },
                        [](V x, V y, V, V) { return std::vector<Var>{x + exp(y)}; }};
  k["local_sub_neg"] = {[](V x, V y, V, V) { return std::vector<Var>{x - (-y)}; },
                        [](V x, V y, V, V) { return std::vector<Var>{x - exp(y)}; }};
  k["local_mul_div_cancel"] = {[](V x, V y, V, V) { return std::vector<Var>{(x * y) / x}; },
                               [](V x, V y, V, V) { return std::vector<Var>{(x * y) / (x + 1.0)}; }};
  k["local_div_mul_cancel"] = {[](V x, V y, V, V) { return std::vector<Var>{(x / y) * y}; },
                               [](V x, V y, V, V) { return std::vector<Var>{(x / y) * x}; }};
  k["local_div_self"] = {[](V x, V, V, V) {
                           Var e = exp(x);
                           return std::vector<Var>{e / e};
                         },
                         [](V x, V y, V, V) { return std::vector<Var>{x / y}; }};
  k["local_exp_mul"] = {[](V x, V y, V, V) { return std::vector<Var>{exp(x) * exp(y)}; },
                        [](V x, V y, V, V) { return std::vector<Var>{exp(x) * y}; }};
  k["local_pow_one"] = {[](V x, V, V, V) { return std::vector<Var>{pow(x, 1.0)}; },
                        [](V x, V, V, V) { return std::vector<Var>{pow(x, 1.5)}; }};
  k["local_pow_zero"] = {[](V x, V, V, V) { return std::vector<Var>{pow(x, 0.0)}; },
                         [](V x, V, V, V) { return std::vector<Var>{pow(x, 0.25)}; }};
  k["local_pow_minus_one"] = {[](V x, V, V, V) { return std::vector<Var>{pow(x, -1.0)}; },
                              [](V x, V, V, V) { return std::vector<Var>{pow(x, -1.5)}; }};
  k["local_useless_dimshuffle"] = {[](V, V, V m, V) { return std::vector<Var>{dimshuffle(m, {0, 1})}; },
                                   [](V, V, V m, V) { return std::vector<Var>{transpose(m)}; }};
  k["local_dimshuffle_dimshuffle"] = {[](V, V, V m, V) { return std::vector<Var>{transpose(expand_dims(m, 0))}; },
                                      [](V, V, V m, V) { return std::vector<Var>{transpose(exp(expand_dims(m, 0)))}; }};
  k["local_useless_cast"] = {[](V x, V, V, V) { return std::vector<Var>{cast(x, DType::Float64)}; },
                             [](V x, V, V, V) { return std::vector<Var>{cast(x, DType::Float32)}; }};
  k["local_cast_cast"] = {[](V x, V, V, V) { return std::vector<Var>{cast(cast(cast(x, DType::Float32), DType::Float64), DType::Int32)}; },
                          [](V x, V, V, V) { return std::vector<Var>{cast(cast(x, DType::Int32), DType::Float32)}; }};
  k["local_useless_reshape"] = {[](V x, V, V, V) {
                                  Var s = broadcast_to(x(0), {2, 3}); // a value of static shape [2,3]
                                  return std::vector<Var>{reshape(s, {2, 3})};
                                },
                                [](V, V, V m, V) { return std::vector<Var>{reshape(m, {-1})}; }};
  k["local_reshape_reshape"] = {[](V, V, V m, V) { return std::vector<Var>{reshape(reshape(m, {-1}), {-1, 1})}; },
                                [](V, V, V m, V) { return std::vector<Var>{reshape(exp(reshape(m, {-1})), {-1, 1})}; }};
  k["local_sum_sum"] = {[](V, V, V m, V) { return std::vector<Var>{sum(sum(m, 0))}; },
                        [](V, V, V m, V) { return std::vector<Var>{sum(max(m, 0))}; }};
  k["local_remove_identity"] = {[](V x, V, V, V) { return std::vector<Var>{stop_gradient(x)}; },
                                [](V x, V, V, V) { return std::vector<Var>{exp(x)}; }};
  k["local_not_not"] = {[](V x, V, V, V) { return std::vector<Var>{logical_not(logical_not(x > 0.0))}; },
                        [](V x, V, V, V) { return std::vector<Var>{logical_not(x > 0.0)}; }};
  k["local_fill_add"] = {[](V x, V, V, V) { return std::vector<Var>{full_like(x, 1.0) + 2.0}; },
                         [](V x, V y, V, V) { return std::vector<Var>{full_like(x, 1.0) + y}; }};
  // stabilize
  k["local_log1p"] = {[](V x, V, V, V) { return std::vector<Var>{log(1.0 + x)}; },
                      [](V x, V, V, V) { return std::vector<Var>{log(2.0 + x)}; }};
  k["local_log1p_exp"] = {[](V x, V, V, V) { return std::vector<Var>{log(1.0 + exp(x))}; },
                          [](V x, V, V, V) { return std::vector<Var>{log(1.0 + sqrt(x))}; }};
  k["local_expm1"] = {[](V x, V, V, V) { return std::vector<Var>{exp(x) - 1.0}; },
                      [](V x, V, V, V) { return std::vector<Var>{exp(x) - 2.0}; }};
  k["local_log_sigmoid"] = {[](V x, V, V, V) { return std::vector<Var>{log(sigmoid(x))}; },
                            [](V x, V, V, V) { return std::vector<Var>{log(tanh(x))}; }};
  k["local_one_minus_sigmoid"] = {[](V x, V, V, V) { return std::vector<Var>{1.0 - sigmoid(x)}; },
                                  [](V x, V, V, V) { return std::vector<Var>{2.0 - sigmoid(x)}; }};
  k["local_log_one_minus_sigmoid"] = {[](V x, V, V, V) { return std::vector<Var>{log1p(-sigmoid(x))}; },
                                      [](V x, V, V, V) { return std::vector<Var>{log1p(-tanh(x))}; }};
  k["local_log_exp"] = {[](V x, V, V, V) { return std::vector<Var>{log(exp(x))}; },
                        [](V x, V, V, V) { return std::vector<Var>{log(exp(x) + 1.5)}; }};
  k["local_log_softmax"] = {[](V, V, V m, V) { return std::vector<Var>{log(softmax(m))}; },
                            [](V, V, V m, V) { return std::vector<Var>{log(sigmoid(m))}; }};
  k["local_logsumexp"] = {[](V, V, V m, V) { return std::vector<Var>{log(sum(exp(m), 1))}; },
                          [](V, V, V m, V) { return std::vector<Var>{log(sum(sqr(m), 1))}; }};
  k["local_softmax_stabilize"] = {[](V, V, V m, V) {
                                    Var e = exp(m);
                                    return std::vector<Var>{e / sum(e, 1, true)};
                                  },
                                  [](V, V, V m, V) {
                                    Var e = exp(m);
                                    return std::vector<Var>{e / sum(e)};
                                  }};
  k["local_log_one_minus_exp"] = {[](V x, V, V, V) { return std::vector<Var>{log(1.0 - exp(x))}; },
                                  [](V x, V, V, V) { return std::vector<Var>{log(1.0 - sqr(x))}; }};
  k["local_sqrt_sqr"] = {[](V x, V, V, V) { return std::vector<Var>{sqrt(sqr(x))}; },
                         [](V x, V, V, V) { return std::vector<Var>{sqrt(abs(x))}; }};
  k["local_sigmoid_neg_log"] = {[](V x, V, V, V) { return std::vector<Var>{-log(sigmoid(x))}; },
                                [](V x, V, V, V) { return std::vector<Var>{-log(x)}; }};
  k["local_sigmoid_of_log"] = {[](V x, V, V, V) { return std::vector<Var>{exp(-softplus(-x))}; },
                               [](V x, V, V, V) { return std::vector<Var>{exp(-softplus(x))}; }};
  // specialize
  k["local_pow_two"] = {[](V x, V, V, V) { return std::vector<Var>{pow(x, 2.0)}; },
                        [](V x, V, V, V) { return std::vector<Var>{pow(x, 2.5)}; }};
  k["local_pow_half"] = {[](V x, V, V, V) { return std::vector<Var>{pow(x, 0.5)}; },
                         [](V x, V, V, V) { return std::vector<Var>{pow(x, 0.75)}; }};
  k["local_pow_minus_half"] = {[](V x, V, V, V) { return std::vector<Var>{pow(x, -0.5)}; },
                               [](V x, V, V, V) { return std::vector<Var>{pow(x, -0.75)}; }};
  k["local_pow_three"] = {[](V x, V, V, V) { return std::vector<Var>{pow(x, 3.0)}; },
                          [](V x, V, V, V) { return std::vector<Var>{pow(x, 4.0)}; }};
  k["local_mul_self"] = {[](V x, V, V, V) {
                           Var e = exp(x);
                           return std::vector<Var>{e * e + 0.5};
                         },
                         [](V x, V y, V, V) { return std::vector<Var>{exp(x) * y}; }};
  k["local_one_div"] = {[](V x, V, V, V) { return std::vector<Var>{1.0 / exp(x)}; },
                        [](V x, V, V, V) { return std::vector<Var>{2.0 / exp(x)}; }};
  // Products (SpecializeProducts.cpp): m is 2x3, x has 3 elements.
  k["local_dot_transpose_vector"] = {[](V x, V, V m, V) { return std::vector<Var>{dot(transpose(m), dot(m, x))}; },
                                     [](V, V, V m, V) { return std::vector<Var>{dot(transpose(m), m)}; }}; // no vector
  k["local_dot_vector_transpose"] = {[](V x, V, V m, V) { return std::vector<Var>{dot(x, transpose(m))}; },
                                     [](V x, V, V m, V) { return std::vector<Var>{dot(dot(m, x), m)}; }};
  k["local_matmul_transpose_transpose"] = {
      [](V, V, V m, V) {
        Var i = cast(m, DType::Int64);
        return std::vector<Var>{dot(transpose(i), transpose(transpose(i)))};
      },
      [](V, V, V m, V) { return std::vector<Var>{dot(transpose(m), transpose(transpose(m)))}; }}; // float: BLAS
  k["local_matmul_inner_one"] = {[](V x, V y, V, V) { return std::vector<Var>{matmul(expand_dims(x, 1), expand_dims(y, 0))}; },
                                 [](V, V, V m, V) { return std::vector<Var>{dot(m, transpose(m))}; }}; // k = 3
  return k;
}

} // namespace graphjit::testing
