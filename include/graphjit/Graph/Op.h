// Op: the contract every operation fulfils (PyTensor's make_node / perform /
// infer_shape / L_op). Ops are stateless values: two ops with the same name
// and attrs are equal, which is what lets CSE merge equal nodes.
#pragma once

#include "graphjit/Graph/Attrs.h"
#include "graphjit/Graph/Variable.h"

#include <string>
#include <vector>

namespace graphjit {

/// One input of a node as vectorize_graph hands it to a batching rule: the
/// rebuilt input, and whether it carries the B leading batch dims (an
/// unbatched input is shared by every batch element).
struct BatchedVar {
  Var var;
  bool batched = false;
};

/// A function an op holds (a branch of ifelse, the body of scan), as viewers show it.
struct InnerFunctionView {
  std::string label;
  std::vector<Var> inputs, outputs;
};

class Op {
public:
  virtual ~Op() = default;

  /// Kind name as printed and parsed: "add", "sum", "dimshuffle".
  virtual std::string name() const = 0;
  /// Parameters (identity and printed form); empty for most elemwise ops.
  virtual Attrs attrs() const { return {}; }

  /// Type rule: output types from input types. Throws TypeError/ShapeError
  /// (naming the op, expected vs got) when the inputs do not fit.
  virtual std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const = 0;
  /// Output shapes from concrete input shapes; agrees with perform.
  virtual std::vector<Shape> inferShape(const std::vector<Shape> &in) const = 0;
  /// Run-time shape checks that need the node's static input types (e.g. a
  /// dim that may broadcast only where its type says 1). Throws ShapeError.
  virtual void checkShapes(const std::vector<TensorType> &inTypes,
                           const std::vector<Shape> &in) const {
    (void)inTypes;
    (void)in;
  }
  /// Reference implementation on concrete tensors: the test oracle.
  virtual std::vector<Tensor> perform(const std::vector<Tensor> &in) const = 0;

  /// Vector-Jacobian product: given d(cost)/d(outputs), returns
  /// d(cost)/d(inputs), one per input (a null Var = disconnected / no gradient).
  virtual std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                                const std::vector<Var> &outputGrads) const;

  // ---- The op's properties: other modules ask these, never guess from a name or a class. ----

  /// Batching rule (vectorize_graph): the outputs of this node for inputs that
  /// carry `batchDims` leading batch dims (where `inputs[i].batched`). The
  /// default refuses with NotImplementedError naming the op.
  virtual std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                     int batchDims) const;
  /// NumPy gufunc signature of one application, "(m,m),(m,n)->(m,n)" ("" for none). An op that
  /// declares one batches through Blockwise (include/graphjit/Ops/Blockwise.h) when it has no
  /// batching rule of its own.
  virtual std::string gufuncSignature() const { return ""; }
  /// perform over `batchDims` leading batch dims that every input carries in full (one batch
  /// shape, contiguous): the whole stack in one call (a library's batched routine, or a loop
  /// without per-element allocations). Empty when the op has none: Blockwise then calls perform
  /// once per batch element.
  virtual std::vector<Tensor> performBatched(const std::vector<Tensor> &in, int batchDims) const {
    (void)in;
    (void)batchDims;
    return {};
  }
  /// True when the outputs are a function of the inputs alone. Impure ops (a
  /// random draw) are never constant-folded, merged by CSE or removed as dead
  /// while their effect is used.
  virtual bool isPure() const { return true; }
  /// May constant folding evaluate a node of this op that has no inputs? Off by
  /// default: an input-less op may be a data source or costly to run at rewrite
  /// time. Cheap generators (eye, arange) say yes, so that what is built from
  /// them (tril(eye(n)), arange(n) * 2) folds too.
  virtual bool isFoldableWithoutInputs() const { return false; }
  /// Does the op take inputs that are not tensors (TensorType::isTensor() false:
  /// a generator state, a user's tuple)? Apply::make refuses them for other ops,
  /// whose type rules read only dtypes and shapes.
  virtual bool acceptsNonTensorInputs() const { return false; }
  /// Are the outputs the same for every batch element (shape(x) of a batched x)?
  /// vectorize_graph then keeps them unbatched.
  virtual bool isBatchInvariant() const { return false; }
  /// Can output rows [i, j) (axis 0) be computed from rows [i, j) of the inputs
  /// marked in `inputIsRows` (the others whole)? Lets the JIT split a kernel
  /// across threads. `node` gives the static types.
  virtual bool isRowwise(const Apply &node, const std::vector<bool> &inputIsRows) const {
    (void)node;
    (void)inputIsRows;
    return false;
  }

  /// Do the output shapes, or any error perform raises, depend on input values and not only on
  /// input shapes (scan's step count, take's index range, cholesky's positive definiteness)?
  /// Then shape(f(x)) is never answered from shapes alone: that would hide the error.
  virtual bool shapeNeedsValues() const { return false; }
  /// Inputs whose VALUES decide the output shapes (alloc's and eye_n's sizes): the JIT reads them
  /// on the host before a kernel call (they are always kernel inputs, never computed inside the
  /// kernel) and asks inferShapeFromValues for the shapes it allocates. Empty: shapes follow
  /// from input shapes alone (inferShape).
  virtual std::vector<int> shapeValueInputs(size_t numInputs) const {
    (void)numInputs;
    return {};
  }
  /// The output shapes given the input shapes and the values of shapeValueInputs() (`values[i]`
  /// is set for those inputs only). Raises the errors perform raises for those values (a
  /// negative size), so a compiled call fails before it allocates, as the interpreter does.
  virtual std::vector<Shape> inferShapeFromValues(const std::vector<Shape> &inShapes,
                                                  const std::vector<const Tensor *> &values) const {
    (void)values;
    return inferShape(inShapes);
  }
  /// Output shapes as graphs of the input shapes (PyTensor's infer_shape returning graphs): one
  /// int64 vector per output, built from `inShapes` (the shape(x_i) vectors). Empty: the default,
  /// which graphShapes() (ControlFlow/ShapeGraph.h) builds from inferShape and checkShapes: static
  /// outputs of static inputs are constants, the rest an infer_shape node that raises the same
  /// shape errors the data path would. An override must keep those errors too.
  virtual std::vector<Var> shapeGraph(const Apply &node, const std::vector<Var> &inShapes) const {
    (void)node;
    (void)inShapes;
    return {};
  }

  /// The functions this op holds, for dprint (their text is in attrs() too). Empty for
  /// ordinary ops.
  virtual std::vector<InnerFunctionView> innerFunctions() const { return {}; }
  /// The attrs one-line views show (dprint): attrs() without the text of inner functions.
  virtual Attrs displayAttrs() const { return attrs(); }

  /// "sum{axes=[0]}".
  std::string str() const { return name() + attrs().str(); }
  /// How dprint shows the op to a reader (PyTensor's str(op)): the name and displayAttrs()
  /// unless a clearer name exists, as for a dimshuffle that only transposes, expands or
  /// squeezes. Text IR keeps str().
  virtual std::string displayStr() const { return name() + displayAttrs().str(); }
  bool operator==(const Op &o) const {
    return this == &o || (name() == o.name() && attrs() == o.attrs());
  }
  bool operator!=(const Op &o) const { return !(*this == o); }
  size_t hash() const;
};

} // namespace graphjit
