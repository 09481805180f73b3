// scan: a loop in the graph (PyTensor's scan, JAX's lax.scan / while_loop).
// The op holds its body as an inner graph and runs it once per step; the
// builder `scan(fn, ...)` takes the step as a C++ callable, as PyTensor does.
#pragma once

#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/Graph/Op.h"

#include <functional>
#include <optional>

namespace graphjit {

/// How the op's inputs, the body's inputs and outputs and the op's outputs line up.
///   op inputs:    n_steps (int64 scalar), sequences [S], initial states [R], non-sequences [N]
///   body inputs:  one row of each sequence, each state's taps (oldest first), non-sequences
///   body outputs: the R new states, M per-step outputs (no feedback), then `until` if any
///   op outputs:   R + M, each stacked along a new first axis (one row per step run)
/// Recurrent state r with taps {-2, -1} takes an initial value of shape
/// [2, ...] (rows t-2, t-1 before step 0); with taps {-1} alone, [1, ...].
struct ScanLayout {
  int numSeqs = 0;
  std::vector<IntList> taps; ///< per recurrent state: negative, ascending (e.g. {-2, -1})
  int numNitSot = 0;         ///< outputs that are not fed back
  int numNonSeqs = 0;
  bool until = false;
  /// Run the steps from t = n-1 down to 0 (sequences read at row t); outputs stay in
  /// time order (row t is the value of step t). The gradient's reverse scan uses it.
  bool reverse = false;
  /// Per output (R + M): keep only the last row (scan_save_mem); the output is then [1, ...].
  std::vector<bool> keepLast;

  int numStates() const { return static_cast<int>(taps.size()); }
  int numOutputs() const { return numStates() + numNitSot; }
  int bufferRows(int r) const { return static_cast<int>(-taps[r].front()); }
  bool operator==(const ScanLayout &o) const = default;
};

class ScanOp : public Op {
public:
  ScanOp(std::shared_ptr<const InnerGraph> body, ScanLayout layout);

  std::string name() const override { return "scan"; }
  Attrs attrs() const override;
  Attrs displayAttrs() const override;
  std::vector<InnerFunctionView> innerFunctions() const override {
    return {{"body", body_->inputs(), body_->outputs()}};
  }
  const InnerGraph &body() const { return *body_; }
  const std::shared_ptr<const InnerGraph> &bodyPtr() const { return body_; }
  const ScanLayout &layout() const { return layout_; }
  /// The rows of an output are the steps run: n_steps and until are values.
  bool shapeNeedsValues() const override { return true; }

  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  /// Known only where the row count is: a kept-last output has one row; other
  /// outputs have one per step run, a value the shapes alone do not give (ShapeError).
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// The reverse scan over the stored states (see ScanGrad.cpp).
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// One loop over batched states (see ScanBatch.cpp); refuses a batched n_steps and `until`.
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  bool isPure() const override;
  /// A generator read by a draw inside the step is a recurrent state (isValueState).
  bool acceptsNonTensorInputs() const override { return true; }
  /// Whether recurrent state r is a value without rows (a generator): its initial value is
  /// the value itself, its only tap -1, and its output the value after the last step.
  bool isValueState(int r) const;

private:
  std::shared_ptr<const InnerGraph> body_;
  ScanLayout layout_;
};

/// One recurrent output of scan(): its initial value and the taps the step reads.
/// With the default taps {-1}, `initial` is the state before step 0 (any shape);
/// with several taps, `initial` holds one row per step before 0 ([-min(taps), ...]).
/// A null `initial` makes a per-step output that is not fed back (PyTensor's None).
struct OutputInfo {
  Var initial;
  IntList taps = {-1};
  OutputInfo() = default;
  OutputInfo(Var init) : initial(std::move(init)) {} // NOLINT: PyTensor's outputs_info=[x0]
  OutputInfo(Var init, IntList t) : initial(std::move(init)), taps(std::move(t)) {}
};

/// What the step function returns: the new value of each output (in the order
/// of outputs_info) and, for scan with `until`, the stop condition (a bool
/// scalar; the step that makes it true is the last one run).
struct StepResult {
  std::vector<Var> outputs;
  Var until;
  StepResult(std::vector<Var> outs) : outputs(std::move(outs)) {} // NOLINT
  StepResult(std::vector<Var> outs, Var stop) : outputs(std::move(outs)), until(std::move(stop)) {}
};

/// The step: called once, with symbolic values in PyTensor's order: one row of
/// each sequence, the taps of each recurrent output (oldest first), the non-sequences.
using StepFn = std::function<StepResult(const std::vector<Var> &)>;

struct ScanResult {
  /// Per output of outputs_info: the values of every step, stacked ([n, ...]).
  std::vector<Var> outputs;
  /// (shared variable, new value) pairs for Function's updates: each generator a draw
  /// inside the step reads, with its state after the last step. They are also set as the
  /// generators' default updates, so compile() applies them without being told
  /// (see docs/control-flow.md, "Random streams inside scan").
  std::vector<std::pair<Var, Var>> updates;
  /// The value after the last step (outputs[i][-1], cheap after scan_save_mem).
  Var last(int i) const;
};

/// Runs `fn` for n_steps steps (or the length of the first sequence when
/// n_steps is null). Variables the step reads that are not its arguments
/// become implicit non-sequences, as in PyTensor.
ScanResult scan(const StepFn &fn, const std::vector<Var> &sequences,
                const std::vector<OutputInfo> &outputs_info,
                const std::vector<Var> &non_sequences = {}, const Var &n_steps = Var());
ScanResult scan(const StepFn &fn, const std::vector<Var> &sequences,
                const std::vector<OutputInfo> &outputs_info, const std::vector<Var> &non_sequences,
                int64_t n_steps);

void registerScanOps(class OpRegistry &registry);

} // namespace graphjit
