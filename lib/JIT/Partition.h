// Splitting a graph into the steps of a schedule (internal to lib/JIT).
//
// Each step is either a kernel (a group of lowerable nodes compiled into one
// function) or a host step (one node without a lowering, or one that reads or
// makes a value that is not a tensor, run by its perform).
// Nodes join a group only along producer -> consumer edges where every use of
// the producer is inside the group, which keeps the steps acyclic; a size cap
// keeps each function small, so compile time grows linearly with the graph and
// equal groups (chains, layers, per-parameter updates) deduplicate.
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
