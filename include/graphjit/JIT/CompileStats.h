// Where the time of one compile went, and what the caches did. jitCompile fills
// the CompileStats its caller owns; Function::compileStats() keeps its compile's.
#pragma once

#include <cstddef>
#include <string>

namespace graphjit {

struct CompileStats {
  double rewrite = 0, partition = 0, lower = 0, mlirPasses = 0, translate = 0, llvmOpt = 0,
         codegen = 0, link = 0, total = 0;
  size_t nodes = 0, steps = 0, hostSteps = 0, kernels = 0, uniqueKernels = 0, memoryHits = 0,
         diskHits = 0, compiled = 0, modules = 0;
  bool functionFromMemory = false, scheduleFromDisk = false;
  /// One line per stage, as MLIR's -mlir-timing (GRAPHJIT_LOG=compile and tensorjit-opt --time
  /// print it).
  std::string str() const;
};

} // namespace graphjit
