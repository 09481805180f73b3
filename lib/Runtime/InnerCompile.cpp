// Compiled inner graphs: a JIT-compiled Function runs the bodies of scan and ifelse.
#include "InnerCompile.h"
#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/Runtime/Function.h"

#include <mutex>

namespace graphjit::runtime {

void installInnerGraphCompiler() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Each body is rewritten and compiled once, the first time a compiled step runs it.
    setInnerGraphCompiler([](const std::vector<Var> &inputs, const std::vector<Var> &outputs) {
      Function f = compile(inputs, outputs, {}, Mode::JIT);
      return std::function<std::vector<Tensor>(const std::vector<Tensor> &)>(
          [f](const std::vector<Tensor> &values) { return f(values); });
    });
  });
}

} // namespace graphjit::runtime
