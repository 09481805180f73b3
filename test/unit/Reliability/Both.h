// Helpers of the reliability regression tests: run one graph in both modes.
#pragma once

#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

namespace graphjit::testing {

/// The outputs of `outputs` over `inputs` in `mode` (no rewrites: the op itself is under test).
inline std::vector<Tensor> runIn(Mode mode, const std::vector<Var> &inputs,
                                 const std::vector<Var> &outputs, const std::vector<Tensor> &args) {
  CompileOptions o;
  o.mode = mode;
  o.rewrites = "";
  return compile(inputs, outputs, {}, o)(args);
}

inline const char *modeName(Mode m) { return m == Mode::JIT ? "jit" : "interpret"; }

} // namespace graphjit::testing
