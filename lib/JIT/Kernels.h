// The run-time steps of a schedule (internal to lib/JIT): a compiled kernel
// (native code for a group of nodes) and a host step (an op's perform).
#pragma once

#include "ObjectLoader.h"

#include "graphjit/JIT/JIT.h"

#include <memory>
#include <string>
#include <vector>

namespace graphjit::jit {

/// Native code for `fg`, with the shape program and index checks run before each call.
std::shared_ptr<JitKernel> makeCompiledKernel(std::shared_ptr<const FunctionGraph> fg,
                                              std::shared_ptr<LoadedObject> object,
                                              const std::string &entry,
                                              std::vector<std::string> checkMessages);
/// Kernel calls split across threads so far.
size_t splitCallCount();
/// Runs `fg` (one node without a lowering) with the reference interpreter.
std::shared_ptr<JitKernel> makeHostKernel(std::shared_ptr<const FunctionGraph> fg);
/// A host step's kernel: a loop whose body lowers runs all its steps in one compiled
/// function (LoopKernel.cpp); any other node is makeHostKernel's.
std::shared_ptr<JitKernel> makeHostStepKernel(std::shared_ptr<const FunctionGraph> fg);

} // namespace graphjit::jit
