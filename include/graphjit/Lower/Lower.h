// Lowering: a FunctionGraph becomes an MLIR function on tensors (func, linalg,
// tensor, arith, math), as text. No MLIR headers are needed to produce it; the
// JIT module parses it and compiles it.
//
// Calling convention (destination-passing style): one tensor argument per
// graph input, then one memref argument per graph output, which the kernel
// fills (bufferization.materialize_in_destination). The runtime computes the
// output shapes with Op::inferShape and allocates the outputs.
#pragma once

#include "graphjit/Graph/FunctionGraph.h"

#include <string>
#include <vector>

namespace graphjit {

/// A lowered function and the run-time checks it reports: after the outputs,
/// the kernel takes one memref<i1> per check, set when the check fails
/// (e.g. a computed take index out of range; the kernel clamps, never reads out of bounds).
struct LoweredFunction {
  std::string mlir;                      // the function, then its declarations
  std::string function;                  // the function alone
  std::vector<std::string> declarations; // external functions it calls
  std::vector<std::string> checkMessages;
};

/// MLIR text of `func.func @<name>` for `fg`. Throws NotImplementedError naming
/// the first op that has no lowering.
LoweredFunction lowerFunction(const FunctionGraph &fg, const std::string &name = "kernel");
std::string lowerToMLIR(const FunctionGraph &fg, const std::string &name = "kernel");

/// The op names that have a lowering (for tests and docs).
std::vector<std::string> loweredOpNames();
/// Whether ops of kind `opName` have a lowering (others run on the host).
bool hasLowering(const std::string &opName);
/// Whether `node` lowers: its op kind has a lowering, and the lowering takes this node (an
/// infer_shape lowers only for ops whose shape rule is plain arithmetic).
bool canLower(const Apply &node);

/// A check message that starts with this marker is a shape check: when it fails the runtime
/// reruns the kernel's graph on the interpreter for the exact typed error (the text after the
/// marker is the fallback message). Other check messages raise IndexError.
inline constexpr const char *kRerunCheck = "@rerun ";

} // namespace graphjit
