// Splitting a graph into the steps of a schedule (internal to lib/JIT).
//
// Each step is either a kernel (a group of lowerable nodes compiled into one
// function) or a host step (one node without a lowering, or one that reads or
// makes a value that is not a tensor, run by its perform).
// Nodes first join a group along producer -> consumer edges where every use of
// the producer is inside the group; then groups merge along edges whose value is
// also used elsewhere (it stays a step output) when no path through a third step
// would make a cycle, and when neither group has an equal twin (equal groups
// deduplicate: chains, layers, per-parameter updates). A size cap keeps each
// function small, so compile time grows linearly with the graph.
#pragma once

#include "graphjit/Graph/FunctionGraph.h"

#include <memory>
#include <vector>

namespace graphjit::jit {

/// A value of the schedule: an index into the table of run-time tensors.
using Slot = int;

struct PartStep {
  bool host = false;
  /// The step as a function of its own (fresh inputs; constants stay inside).
  std::shared_ptr<FunctionGraph> graph;
  std::vector<Slot> inputs, outputs;
};

struct Partition {
  int numSlots = 0;
  std::vector<Slot> inputSlots;  // one per graph input
  std::vector<Slot> outputSlots; // one per graph output
  /// Slots holding constants that are graph outputs or host-step inputs.
  std::vector<std::pair<Slot, Tensor>> constants;
  std::vector<PartStep> steps; // in an order that respects dependencies
};

/// Partitions `fg` with at most `maxNodes` nodes per kernel.
Partition partitionGraph(const FunctionGraph &fg, int maxNodes);

} // namespace graphjit::jit
