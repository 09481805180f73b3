// Lets compiled code run the inner graphs of control-flow ops compiled (internal to lib/Runtime).
#pragma once

namespace graphjit::runtime {

/// Installs, once, the compiler InnerGraph::run uses inside a JIT host step.
void installInnerGraphCompiler();

} // namespace graphjit::runtime
