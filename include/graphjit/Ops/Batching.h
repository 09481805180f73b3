// Helpers for batching rules (Op::vectorize): the pieces every rule shares.
//
// vectorize_graph hands a rule each input with a flag saying whether it carries
// the B leading batch dims; these helpers line the unbatched ones up, move axis
// attrs past the batch dims and refuse (naming the op) what a rule cannot batch.
// They live in Ops, beside the rules, because ops cannot see Transform.
#pragma once

#include "graphjit/Graph/Op.h"

#include <string>
#include <utility>
#include <vector>

namespace graphjit {

/// `v` with `b` leading broadcastable dims added when it is not batched yet.
Var withBatchDims(const BatchedVar &v, int b);
/// Axes of the core value renumbered past `b` leading batch dims.
IntList shifted(const IntList &axes, int b);
/// Throws NotImplementedError "vectorize_graph: cannot batch <op>: <why>".
[[noreturn]] void cannotBatch(const Op &op, const std::string &why);
/// The `b` leading dims of `batchedInput` as static sizes; refuses (naming `op`)
/// when one is unknown, for rules whose target shape is an attr.
IntList staticBatchDims(const Op &op, const Var &batchedInput, int b);
/// The rule of an op that maps elements (or broadcasts to its inputs' shape):
/// the same op over the inputs aligned to B batch dims.
std::vector<Var> batchBroadcasting(const Apply &node, const std::vector<BatchedVar> &inputs, int b);

/// The node's outputs for batched inputs: its op's rule (Op::vectorize), or, when the op has
/// none and declares a gufunc signature, the op wrapped in Blockwise.
std::vector<Var> batchNode(const Apply &node, const std::vector<BatchedVar> &inputs, int b);
/// The walk behind vectorize_graph (and Blockwise's gradient): rebuilds the nodes between
/// `outputs` and the variables of `replace` (each given by its batched stand-in), asking each
/// node's rule. Returns each output with whether it carries the `b` batch dims.
std::vector<BatchedVar> batchGraph(const std::vector<Var> &outputs,
                                   const std::vector<std::pair<Var, BatchedVar>> &replace, int b);

} // namespace graphjit
