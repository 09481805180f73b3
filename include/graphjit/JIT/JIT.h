// The JIT: compiles a FunctionGraph to native code for the host CPU through
// MLIR (the lowering of graphjit/Lower/Lower.h, then fusion, bufferization,
// loops, LLVM at -O3 with the host's CPU features and glibc's vector math).
// No MLIR or LLVM types appear here.
#pragma once

#include "graphjit/Graph/FunctionGraph.h"

#include <memory>
#include <string>
#include <vector>

namespace graphjit {

/// The levels of code that can be shown (tensorjit-opt --emit=...).
enum class EmitLevel { Graph, MLIR, MLIRLowered, LLVM, Asm };
/// Parses "graph|mlir|mlir-lowered|llvm|asm"; throws ValueError.
EmitLevel parseEmitLevel(const std::string &name);

/// The code for `fg` at `level`, as text.
std::string emitCode(const FunctionGraph &fg, EmitLevel level);

/// A compiled graph: call with one Tensor per graph input (dtypes and ranks of
/// the input types), get one Tensor per output. Shapes are checked per node
/// (Op::checkShapes) before the kernel runs, so it never reads out of bounds.
class JitKernel {
public:
  virtual ~JitKernel() = default;
  virtual std::vector<Tensor> run(const std::vector<Tensor> &inputs) = 0;
};

/// Compiles `fg` (or returns the cached kernel of a structurally equal graph
/// with the same input types). Throws NotImplementedError naming an op
/// without a lowering, Error if MLIR or LLVM reject the code.
std::shared_ptr<JitKernel> jitCompile(std::shared_ptr<const FunctionGraph> fg);

/// Number of kernels compiled (not served from the cache) in this process.
size_t jitCompileCount();

} // namespace graphjit
