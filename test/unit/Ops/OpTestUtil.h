// Helpers shared by the op tests: value builders, an evaluation that also
// checks inferShape and the static type, exact comparison, and error checks.
#pragma once

#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

namespace graphjit::optest {

/// 0, 1, 2, ... in `dtype` and `shape`.
inline Tensor iota(const Shape &shape, DType dtype = DType::Float64) {
  std::vector<double> v(shapeSize(shape));
  std::iota(v.begin(), v.end(), 0.0);
  return Tensor::fromVector(v, shape).astype(dtype);
}

inline Tensor vals(const Shape &shape, std::vector<double> v, DType dtype = DType::Float64) {
  return Tensor::fromVector(v, shape).astype(dtype);
}

/// Evaluates `out`, and checks that its node's inferShape agrees with the
/// shape perform produced and that the value fits the static type.
inline Tensor run(const Var &out, const Bindings &b = {}) {
  Tensor r = evaluate(out, b);
  EXPECT_TRUE(out.type().accepts(r.dtype(), r.shape())) << out.type().str() << " vs " << r.str();
  if (auto node = out.owner()) {
    std::vector<Shape> in;
    for (auto &v : node->inputs())
      in.push_back(evaluate(v, b).shape());
    EXPECT_EQ(node->op().inferShape(in)[out->index()], r.shape()) << node->op().str();
  }
  return r;
}

inline void expectEq(const Tensor &got, const Tensor &want) {
  EXPECT_EQ(got.dtype(), want.dtype()) << got.str() << " vs " << want.str();
  EXPECT_TRUE(allclose(got, want, 0, 0)) << "got " << got.str() << ", expected " << want.str();
}

/// Runs `f`, expects exception E whose message contains every one of `parts`.
template <typename E, typename F> void expectThrowWith(F f, std::vector<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected an exception";
  } catch (const E &e) {
    std::string msg = e.what();
    for (auto &p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

/// The grads of node(out) for the given output grads.
inline std::vector<Var> lop(const Var &out, const std::vector<Var> &grads) {
  auto node = out.owner();
  return node->op().L_op(node->inputs(), node->outputs(), grads);
}

} // namespace graphjit::optest
