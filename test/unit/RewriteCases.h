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
  std::function<std::vector<Var>(const Var &x, const Var &y, const Var &m, const Var &r)> positive,
      negative;
};

inline std::map<std::string, RewriteCase> rewriteCases() {
  using V = const Var &;
  auto c = [](double v) { return constant(v); };
  std::map<std::string, RewriteCase> k;
  k["constant_folding"] = {[=](V x, V, V, V) { return std::vector<Var>{x + exp(c(0.0))}; },
                           [](V x, V, V, V) { return std::vector<Var>{exp(x)}; }};
  k["local_add_zero"] = {
      [=](V x, V, V, V) { return std::vector<Var>{x + 0.0}; },
      [=](V, V, V, V r) { return std::vector<Var>{r + zeros({3, 1})}; }}; // broadcasting grows r
  k["local_sub_zero"] = {[](V x, V, V, V) { return std::vector<Var>{x - 0.0}; },
                         [](V x, V, V, V) { return std::vector<Var>{x - 1.0}; }};
  k["local_mul_one"] = {
      [](V x, V, V, V) { return std::vector<Var>{x * 1.0}; },
      [](V, V, V m, V) { return std::vector<Var>{cast(m, DType::Int32) * 1.5}; }}; // dtype changes
  k["local_div_one"] = {[](V x, V, V, V) { return std::vector<Var>{x / 1.0}; },
                        [](V x, V, V, V) { return std::vector<Var>{x / 2.0}; }};
  k["local_mul_zero"] = {[](V x, V, V, V) { return std::vector<Var>{x * 0.0}; },
                         [](V x, V, V, V) { return std::vector<Var>{x * 0.5}; }};
  k["local_mul_minus_one"] = {[](V x, V, V, V) { return std::vector<Var>{x * -1.0}; },
                              [](V, V, V, V r) {
                                return std::vector<Var>{
                                    r * constant(Tensor::of({-1.0, -1.0}).reshaped({2, 1}))};
                              }};
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
  k["local_mul_div_cancel"] = {
      [](V x, V y, V, V) { return std::vector<Var>{(x * y) / x}; },
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
  k["local_useless_dimshuffle"] = {
      [](V, V, V m, V) { return std::vector<Var>{dimshuffle(m, {0, 1})}; },
      [](V, V, V m, V) { return std::vector<Var>{transpose(m)}; }};
  k["local_dimshuffle_dimshuffle"] = {
      [](V, V, V m, V) { return std::vector<Var>{transpose(expand_dims(m, 0))}; },
      [](V, V, V m, V) { return std::vector<Var>{transpose(exp(expand_dims(m, 0)))}; }};
  k["local_useless_cast"] = {
      [](V x, V, V, V) { return std::vector<Var>{cast(x, DType::Float64)}; },
      [](V x, V, V, V) { return std::vector<Var>{cast(x, DType::Float32)}; }};
  k["local_cast_cast"] = {
      [](V x, V, V, V) {
        return std::vector<Var>{cast(cast(cast(x, DType::Float32), DType::Float64), DType::Int32)};
      },
      [](V x, V, V, V) { return std::vector<Var>{cast(cast(x, DType::Int32), DType::Float32)}; }};
  k["local_useless_reshape"] = {[](V x, V, V, V) {
                                  Var s =
                                      broadcast_to(x(0), {2, 3}); // a value of static shape [2,3]
                                  return std::vector<Var>{reshape(s, {2, 3})};
                                },
                                [](V, V, V m, V) { return std::vector<Var>{reshape(m, {-1})}; }};
  k["local_reshape_reshape"] = {
      [](V x, V, V, V) {
        return std::vector<Var>{reshape(reshape(broadcast_to(x(0), {2, 3}), {-1}), {-1, 1})};
      },
      // m of unknown shape: the inner reshape may fail at run time, so it stays
      [](V, V, V m, V) { return std::vector<Var>{reshape(reshape(m, {-1}), {-1, 1})}; }};
  k["local_sum_sum"] = {[](V, V, V m, V) { return std::vector<Var>{sum(sum(m, 0))}; },
                        [](V, V, V m, V) { return std::vector<Var>{sum(max(m, 0))}; }};
  k["local_remove_identity"] = {[](V x, V, V, V) { return std::vector<Var>{stop_gradient(x)}; },
                                [](V x, V, V, V) { return std::vector<Var>{exp(x)}; }};
  k["local_not_not"] = {
      [](V x, V, V, V) { return std::vector<Var>{logical_not(logical_not(x > 0.0))}; },
      [](V x, V, V, V) { return std::vector<Var>{logical_not(x > 0.0)}; }};
  k["local_fill_add"] = {[](V x, V, V, V) { return std::vector<Var>{full_like(x, 1.0) + 2.0}; },
                         [](V x, V y, V, V) { return std::vector<Var>{full_like(x, 1.0) + y}; }};
  // pushdown (x, y: 3 values, m: 2x3, r: 1x3)
  using VL = std::vector<Var>;
  auto st = [](V x) { return broadcast_to(x(0), {2, 3}); }; // a value of static shape [2,3]
  k["local_subtensor_elemwise"] = {[](V, V, V m, V r) { return VL{(m + r)(1)}; },
                                   [](V x, V, V, V) {
                                     Var e = exp(x);
                                     return VL{e(1), e};
                                   }}; // e has another user
  k["local_subtensor_elemwise_unsafe"] = {
      [](V x, V y, V, V) { return VL{(x + y)(1)}; },
      [](V x, V, V, V) { return VL{(exp(x) + 1.0)(1)}; }}; // proven: the safe rule's
  k["local_subtensor_dimshuffle"] = {[](V, V, V m, V) { return VL{transpose(m)(1)}; },
                                     [](V, V, V m, V) {
                                       Var t = transpose(m);
                                       return VL{t(1), t};
                                     }};
  k["local_subtensor_matmul"] = {[](V, V, V m, V) { return VL{matmul(m, transpose(m))(1)}; },
                                 [](V, V, V m, V) {
                                   Var p = matmul(m, transpose(m));
                                   return VL{p(1), p};
                                 }};
  k["local_subtensor_reduce"] = {[](V, V, V m, V) { return VL{sum(m, 1)(0)}; },
                                 [](V, V, V m, V) {
                                   Var s = sum(m, 1);
                                   return VL{s(0), s};
                                 }};
  k["local_subtensor_softmax"] = {
      [](V, V, V m, V) { return VL{softmax(m, 1)(0)}; },
      [](V, V, V m, V) { return VL{softmax(m, 0)(0)}; }}; // the index is on the axis
  k["local_subtensor_concatenate"] = {
      [=](V x, V y, V, V) { return VL{concatenate({st(x), st(y)}, 0)(2)}; },
      [](V x, V y, V, V) { return VL{concatenate({x, y}, 0)(1)}; }}; // sizes unknown
  k["local_subtensor_broadcast_to"] = {[=](V x, V, V, V) { return VL{st(x)(1)}; },
                                       [=](V x, V, V, V) {
                                         Var b = st(x);
                                         return VL{b(1), b};
                                       }};
  k["local_subtensor_reshape"] = {
      [=](V x, V, V, V) { return VL{reshape(exp(st(x)), {3, 2})(1), reshape(st(x), {-1})(4)}; },
      [](V, V, V m, V) { return VL{reshape(m, {-1, 2})(0)}; }}; // m of unknown shape
  k["local_subtensor_full_like"] = {[](V, V, V m, V) { return VL{full_like(m, 2.0)(1)}; },
                                    [](V, V, V m, V) {
                                      Var f = full_like(m, 2.0);
                                      return VL{f(1), f};
                                    }};
  k["local_subtensor_merge"] = {
      [=](V x, V, V, V) { return VL{st(x)(slice(std::nullopt, std::nullopt, -1))(slice(0, 2))}; },
      [](V, V, V m, V) { return VL{m(slice(1, std::nullopt))(slice(1, std::nullopt))}; }};
  k["local_useless_subtensor"] = {
      [](V, V, V m, V r) { return VL{m(slice(), slice()) + 1.0, r(0)}; },
      [](V, V, V m, V) { return VL{m(0)}; }};
  k["local_take_elemwise"] = {[](V x, V, V, V) { return VL{take(exp(x) + 1.0, IntList{2, 0})}; },
                              [](V x, V, V, V) {
                                Var e = exp(x);
                                return VL{take(e, IntList{2, 0}), e};
                              }}; // e has another user
  k["local_take_elemwise_unsafe"] = {
      [](V x, V y, V, V) { return VL{take(x + y, IntList{2, 0})}; },
      [](V x, V, V, V) { return VL{take(exp(x) + 1.0, IntList{2, 0})}; }};
  k["local_take_dimshuffle"] = {
      [](V, V, V m, V) { return VL{take(transpose(m), IntList{1, 0}, 0)}; },
      [](V x, V, V, V) { return VL{take(expand_dims(x, 0), IntList{0, 0}, 0)}; }};
  k["local_shape_pushdown"] = {[](V, V, V m, V) { return VL{shape(exp(m))}; },
                               [](V x, V y, V, V) { return VL{shape(x + y)}; }};
  // A position that became a constant (here one built so) gives the static subtensor back.
  k["local_dyn_subtensor_constant"] = {
      [](V x, V, V, V) {
        return VL{applyOp1(
            std::make_shared<DynSubtensor>(IndexList{IndexEntry::at(0)}, IntList{kDynIndex}),
            {x, constant(Tensor::scalar(1, DType::Int64))})};
      },
      [](V x, V, V, V) { return VL{x[cast(sum(x) * 0.0, DType::Int64)]}; }};
  // x + y is not computed for its shape (x and y checked by infer_shape) unless it is used anyway.
  k["local_shape_to_shape_graph"] = {[](V x, V y, V, V) { return VL{shape(x + y)}; },
                                     [](V x, V y, V, V) {
                                       Var s = x + y;
                                       return VL{shape(s), s};
                                     }};
  // random_lift (opt-in): the size lift keeps every bit; the subtensor lift keeps the law
  // (RandomLiftTest checks it), not the values.
  k["local_rv_size_lift"] = {
      [](V, V, V, V) {
        Var g = Var::shared(randomGeneratorValue(7), "g");
        return VL{normal(g, sizeOf({3}), constant(Tensor::of({1.0, 2.0, 3.0})), constant(0.5))};
      },
      [](V x, V, V, V) { // size fixes a dim no parameter does: the draw's type would change
        Var g = Var::shared(randomGeneratorValue(7), "g");
        return VL{normal(g, sizeOf({3}), x, constant(0.5))};
      }};
  k["local_subtensor_rv_lift"] = {
      [](V x, V, V, V) { return VL{subtensor(normal(x, constant(1.0)), {IndexEntry::at(1)})}; },
      [](V x, V, V, V) { // the whole draw is used too
        Var d = normal(x, constant(1.0));
        return VL{subtensor(d, {IndexEntry::at(1)}), d};
      }};
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
  k["local_log_one_minus_sigmoid"] = {
      [](V x, V, V, V) { return std::vector<Var>{log1p(-sigmoid(x))}; },
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
  // stabilize: other spellings
  k["local_log1p_neg"] = {[](V x, V, V, V) { return VL{log(1.0 - x * 0.1)}; },
                          [](V x, V, V, V) { return VL{log(3.0 - x)}; }};
  k["local_expm1_add"] = {[](V x, V, V, V) { return VL{exp(x) + (-1.0)}; },
                          [](V x, V, V, V) { return VL{exp(x) + 1.0}; }};
  k["local_expm1_add_left"] = {[](V x, V, V, V) { return VL{-1.0 + exp(x)}; },
                               [](V x, V, V, V) { return VL{-2.0 + exp(x)}; }};
  k["local_one_minus_exp"] = {[](V x, V, V, V) { return VL{1.0 - exp(x)}; },
                              [](V x, V, V, V) { return VL{2.0 - exp(x)}; }};
  k["local_log1mexp"] = {[](V x, V, V, V) { return VL{log1p(-exp(-x)), log(-expm1(-x * 0.01))}; },
                         [](V x, V, V, V) { return VL{log1p(-sigmoid(x))}; }};
  k["local_logaddexp"] = {[](V x, V y, V, V) { return VL{log(exp(x) + exp(y))}; },
                          [](V x, V y, V, V) { return VL{log(exp(x) + y)}; }};
  k["local_sigmoid_reciprocal"] = {
      [](V x, V y, V, V) { return VL{1.0 / (1.0 + exp(-x)), y / (exp(x) + 1.0)}; },
      [](V x, V, V, V) { return VL{1.0 / (2.0 + exp(-x))}; }};
  k["local_exp_times_sigmoid"] = {[](V x, V y, V, V) { return VL{exp(x) * sigmoid(-x) * y}; },
                                  [](V x, V, V, V) { return VL{exp(x) * sigmoid(x)}; }};
  k["local_logsumexp_keepdims"] = {
      [](V, V, V m, V) { return VL{log(sum(exp(m), 1, true))}; },
      [](V, V, V m, V) { return VL{m - log(sum(exp(m), 1, true))}; }}; // a log_softmax
  k["local_log_softmax_keepdims"] = {
      [](V, V, V m, V) { return VL{m - log(sum(exp(m), 1, true))}; },
      [](V, V, V m, V) { return VL{m - log(sum(exp(m * 2.0), 1, true))}; }};
  k["local_sqrt_mul_self"] = {[](V x, V, V, V) { return VL{sqrt(x * x)}; },
                              [](V x, V y, V, V) { return VL{sqrt(x * y)}; }};
  k["local_sqrt_pow_two"] = {[](V x, V, V, V) { return VL{sqrt(pow(x, 2.0))}; },
                             [](V x, V, V, V) { return VL{sqrt(pow(x, 3.0))}; }};
  k["local_softmax_from_grad"] = {
      [](V, V, V m, V) { return VL{(m / sum(exp(m), 1, true)) * exp(m)}; },
      [](V, V, V m, V) { return VL{(m / sum(exp(m), 0, true)) * exp(m * 2.0)}; }};
  // canonicalize: gradient algebra
  k["local_reciprocal_reciprocal"] = {
      [](V x, V, V, V) { return VL{1.0 / (1.0 / exp(x)), reciprocal(reciprocal(x))}; },
      [](V x, V, V, V) { return VL{1.0 / (2.0 / exp(x))}; }};
  k["local_div_sqr"] = {[](V x, V, V, V) {
                          Var e = exp(x);
                          return VL{e / sqr(e), -e / sqr(e)};
                        },
                        [](V x, V y, V, V) { return VL{x / sqr(y)}; }};
  k["local_mul_neg"] = {[](V x, V y, V, V) { return VL{(-x) * y, exp(x) * (-y)}; },
                        [](V x, V y, V, V) { return VL{x * y}; }};
  k["local_reduce_size1"] = {[](V, V, V, V r) { return VL{sum(r, 0), max(exp(r), 0)}; },
                             [](V, V, V m, V) { return VL{sum(m, 0)}; }};
  k["local_mul_add_zeros"] = {[](V, V, V m, V r) { return VL{(r + zeros_like(m)) * exp(m)}; },
                              [](V x, V y, V, V) {
                                return VL{(x + zeros_like(y)) * exp(x)};
                              }}; // y might not have x's shape
  k["local_mul_div_distribute"] = {[](V, V, V m, V) {
                                     Var s = softmax(m);
                                     return VL{(m / s - sum(m, 1, true)) * s};
                                   },
                                   [](V, V, V m, V) {
                                     Var s = softmax(m);
                                     return VL{(m / s - 1.0) * m};
                                   }};
  // Not where y alone would check that x and y agree in length.
  k["local_mul_canonizer"] = {[](V x, V, V, V) { return VL{reciprocal(exp(x)) * -x * exp(x)}; },
                              [](V x, V y, V, V) { return VL{reciprocal(y) * -x * y}; }};
  k["local_complement_mix"] = {[](V x, V y, V, V) {
                                 return VL{x * (1.0 - y) - (1.0 - x) * y,
                                           sigmoid(-y) * x - sigmoid(y) * (1.0 - x)};
                               },
                               [](V x, V y, V, V) { return VL{x * (1.0 - y) - (2.0 - x) * y}; }};
  k["local_sigmoid_in_product"] = {[](V x, V y, V, V) {
                                     return VL{-exp(x) / sqr(1.0 + exp(x)),
                                               y * exp(x) / (exp(x) + exp(y)),
                                               exp(x) * reciprocal(sum(exp(x), 0, true))};
                                   },
                                   [](V x, V, V, V) { return VL{exp(x) / (2.0 + exp(x))}; }};
  k["local_sub_sigmoid_factor"] = {
      [](V x, V y, V, V) { return VL{sigmoid(x) - sqr(sigmoid(x)), y * x * sigmoid(x) - x * y}; },
      [](V x, V y, V, V) { return VL{y - x * sigmoid(x)}; }};
  k["local_full_like_sink"] = {[](V x, V, V, V) { return VL{full_like(exp(x) * x, 2.0)}; },
                               [](V x, V y, V, V) { return VL{full_like(x + y, 2.0)}; }};
  k["local_full_like_static"] = {
      [](V, V, V, V) { return VL{full_like(exp(constant(Tensor::of({1.0, 2.0}))), 3.0)}; },
      [](V x, V, V, V) { return VL{full_like(exp(x), 3.0)}; }};
  // Nodes whose size inputs are constants (as they become after rewriting: shape_i of a static
  // dim), built directly since the builders would already give the static ops.
  k["local_size_args_static"] = {
      [](V x, V, V, V) {
        auto i64 = [](int64_t v) { return Var::constant(Tensor::scalar(v, DType::Int64)); };
        Var t = Var::constant(Tensor::fromVector(std::vector<int64_t>{-1, 3}));
        return VL{applyOp1(std::make_shared<ReshapeN>(IntList{-1, -1}), {x, t}),
                  applyOp1(std::make_shared<ArangeN>(DType::Int64), {i64(1), i64(7), i64(2)}),
                  applyOp1(std::make_shared<AllocOp>(), {sum(x), i64(2), i64(3)})};
      },
      [](V x, V, V, V) { return VL{reshape(x, {shape(x)(0), 1}), arange(shape(x)(0))}; }};
  k["local_shape_i_static"] = {[](V, V, V, V r) { return VL{shape(r)(0) + 1}; },
                               [](V, V, V, V r) { return VL{shape(r)(1) + 1}; }};
  k["local_useless_where"] = {
      [](V x, V, V, V) { return VL{where(constant(1.0, DType::Bool), exp(x), x)}; },
      [](V x, V y, V, V) { return VL{where(constant(1.0, DType::Bool), x, y)}; }};
  k["local_fill_operand"] = {[](V x, V, V, V) { return VL{full_like(x, 2.0) * x}; },
                             [](V x, V y, V, V) { return VL{full_like(y, 2.0) * x}; }};
  // linalg: A = m^T m + diag(x) is symmetric positive definite (3 x 3).
  static const auto spd = [](V x, V m) { return matmul(transpose(m), m) + diag(x); };
  k["local_inv_diag"] = {[](V x, V, V, V) { return VL{inv(diag(x)), inv(eye(3) * diag(x))}; },
                         [](V x, V, V m, V) { return VL{inv(spd(x, m))}; }};
  k["local_solve_diag"] = {
      [](V x, V, V, V) { return VL{solve(diag(x), exp(x))}; },
      [](V x, V y, V, V) { return VL{solve(diag(x), y)}; }}; // y's length unproven
  k["local_det_diag"] = {[](V x, V, V m, V) { return VL{det(diag(x)), det(cholesky(spd(x, m)))}; },
                         [](V x, V, V m, V) { return VL{det(spd(x, m))}; }};
  k["local_slogdet_triangular"] = {[](V x, V, V m, V) {
                                     auto [s, l] = slogdet(cholesky(spd(x, m)));
                                     return VL{s, l};
                                   },
                                   [](V x, V, V m, V) {
                                     auto [s, l] = slogdet(spd(x, m));
                                     return VL{s, l};
                                   }};
  k["local_log_det"] = {
      [](V x, V, V m, V) { return VL{log(det(spd(x, m))), log(abs(det(spd(x, m))))}; },
      [](V x, V, V m, V) { return VL{log(sum(spd(x, m)))}; }};
  k["local_inv_matmul"] = {[](V x, V y, V m, V) { return VL{matmul(inv(spd(x, m)), y)}; },
                           [](V x, V y, V m, V) {
                             Var i = inv(spd(x, m));
                             return VL{matmul(i, y), i};
                           }};
  // (A of static shape: solve(A, eye(3)) of a dynamic A is typed [?, 3], inv(A) [?, ?].)
  k["local_solve_eye"] = {[](V, V, V, V) { return VL{solve(eye(3) * 2.0 + 0.5, eye(3))}; },
                          [](V x, V, V m, V) { return VL{solve(spd(x, m), spd(x, m))}; }};
  k["local_solve_triangular"] = {[](V x, V y, V m, V) { return VL{solve(cholesky(spd(x, m)), y)}; },
                                 [](V x, V y, V m, V) { return VL{solve(spd(x, m), y)}; }};
  k["local_cholesky_diag"] = {[](V x, V, V, V) { return VL{cholesky(diag(exp(x)))}; },
                              [](V x, V, V m, V) { return VL{cholesky(spd(x, m))}; }};
  k["local_cholesky_llt"] = {[](V x, V, V m, V) {
                               Var l = cholesky(spd(x, m));
                               return VL{cholesky(matmul(l, transpose(l)))};
                             },
                             [](V x, V, V m, V) {
                               Var l = tril(spd(x, m));
                               return VL{cholesky(matmul(l, transpose(l)))};
                             }};
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
  k["local_dot_transpose_vector"] = {
      [](V x, V, V m, V) { return std::vector<Var>{dot(transpose(m), dot(m, x))}; },
      [](V, V, V m, V) { return std::vector<Var>{dot(transpose(m), m)}; }}; // no vector
  k["local_dot_vector_transpose"] = {
      [](V x, V, V m, V) { return std::vector<Var>{dot(x, transpose(m))}; },
      [](V x, V, V m, V) { return std::vector<Var>{dot(dot(m, x), m)}; }};
  k["local_matmul_transpose_transpose"] = {
      [](V, V, V m, V) {
        Var i = cast(m, DType::Int64);
        return std::vector<Var>{dot(transpose(i), transpose(transpose(i)))};
      },
      [](V, V, V m, V) {
        return std::vector<Var>{dot(transpose(m), transpose(transpose(m)))};
      }}; // float: BLAS
  k["local_matmul_inner_one"] = {
      [](V x, V y, V, V) { return std::vector<Var>{matmul(expand_dims(x, 1), expand_dims(y, 0))}; },
      [](V, V, V m, V) { return std::vector<Var>{dot(m, transpose(m))}; }}; // k = 3
  k["local_add_factor_products"] = {
      [](V x, V y, V, V) { return std::vector<Var>{x * exp(y) + exp(x) * exp(y)}; },
      [](V x, V y, V, V) {
        Var p = x * y; // read twice: factoring would compute it anyway
        return std::vector<Var>{p + exp(x) * y, p};
      }};
  // Control flow: a running sum over x (only its last value used, or every row used), and a
  // step reading exp(y[0]) (loop-invariant) or x_t * y[0] (varies with the step).
  auto running = [](V x, const Var &w, bool invariant) {
    return scan(
        [invariant](const std::vector<Var> &a) {
          return StepResult({a[1] + (invariant ? a[0] * exp(a[2]) : a[0] * a[2])});
        },
        {x}, {OutputInfo(constant(0.0))}, {w});
  };
  k["scan_save_mem"] = {
      [=](V x, V y, V, V) { return std::vector<Var>{running(x, y(0), false).last(0)}; },
      [=](V x, V y, V, V) { return std::vector<Var>{running(x, y(0), false).outputs[0]}; }};
  k["scan_hoist_invariant"] = {
      [=](V x, V y, V, V) { return std::vector<Var>{running(x, y(0), true).outputs[0]}; },
      [=](V x, V y, V, V) { return std::vector<Var>{running(x, y(0), false).outputs[0]}; }};
  return k;
}

} // namespace graphjit::testing
