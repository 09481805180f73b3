// The run-time form of a schedule (internal to lib/JIT): steps over a table of
// tensors, each a compiled kernel or a host step, and its text (--emit=schedule).
#pragma once

#include "Partition.h"

#include "graphjit/JIT/JIT.h"
#include "graphjit/Support/Hash.h"

#include <memory>
#include <string>
#include <vector>

namespace graphjit::jit {

struct Step {
  std::shared_ptr<JitKernel> kernel; // null in a schedule that is only printed
  bool host = false;
  std::vector<Slot> inputs, outputs;
  std::vector<Slot> release; // slots whose last use is this step
  /// What the step computes, for printing: its graph, or its text IR when it came from disk
  /// and was linked without parsing it.
  std::shared_ptr<const FunctionGraph> graph;
  std::string text;
};

/// Runs the steps in order over a table of tensors; outputs never alias an input, a constant or
/// each other.
std::shared_ptr<JitKernel> makeScheduleKernel(const Partition &layout, std::vector<Step> steps);

/// The steps as partitioned: each kernel with its nodes (text IR), node count, BLAS calls and
/// slots, each host step with its op, then the output slots. `layout`'s steps are not read.
std::string printSchedule(const Partition &layout, const std::vector<Step> &steps);

/// The steps of `p` as printSchedule shows them before anything is compiled.
std::vector<Step> stepsOf(const Partition &p);

} // namespace graphjit::jit
