// Blockwise: a core op applied over leading batch dims (PyTensor's Blockwise,
// NumPy's generalized ufuncs).
//
// The core op declares what one application consumes with a gufunc signature,
// "(m,m),(m,n)->(m,n)": each input's trailing core dims; every dim before them
// is a batch dim. Batch dims broadcast as Elemwise dims do (ranks aligned on
// the right, a static 1 stretches). Blockwise is how linear algebra and any
// user op that declares Op::gufuncSignature batch: vectorize_graph falls back
// to it for an op with a signature and no batching rule of its own.
#pragma once

#include "graphjit/Graph/Op.h"

#include <string>
#include <vector>

namespace graphjit {

/// A parsed gufunc signature: the core dim names of each input and output.
struct GufuncSignature {
  std::vector<std::vector<std::string>> inputs, outputs;
  /// Parses "(m,m),(m,n)->(m,n)" ("()" is a scalar); throws ValueError naming `op`.
  static GufuncSignature parse(const std::string &text, const std::string &op);
  std::string str() const;
};

class Blockwise : public Op {
public:
  /// Throws ValueError when `signature` does not fit `core` (input count) or `core`
  /// cannot run once per batch element (an impure op: a random draw).
  Blockwise(OpPtr core, std::string signature);
  const Op &core() const { return *core_; }
  const OpPtr &corePtr() const { return core_; }
  const GufuncSignature &signature() const { return sig_; }

  std::string name() const override { return "blockwise"; }
  /// {core="name", signature="...", then the core op's own attrs}.
  Attrs attrs() const override;
  std::string displayStr() const override;
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override;
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override;
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override;
  /// The core gradient, built on core-typed stand-ins and batched like the forward pass;
  /// an input that broadcasts over batch dims gets the sum over them.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                        const std::vector<Var> &outputGrads) const override;
  /// More batch dims: the same Blockwise (batch dims broadcast on the right).
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                             int batchDims) const override;
  std::string gufuncSignature() const override { return sig_.str(); }

private:
  /// Leading batch dims of each input (rank minus its core rank); throws ShapeError.
  std::vector<int> batchRanks(const std::vector<int> &ranks) const;

  OpPtr core_;
  GufuncSignature sig_;
};

/// Applies `core` to `inputs`: directly when every input has exactly its core rank, else
/// through Blockwise with `signature` (the builders of linalg ops and user ops call this).
std::vector<Var> applyBlockwise(OpPtr core, const std::vector<Var> &inputs,
                                const std::string &signature);
/// The signature a node of `core` batches with: the op's declared one when its core ranks fit
/// the node's input and output ranks, else one made from those ranks.
std::string signatureFor(const Apply &node);

void registerBlockwiseOps(class OpRegistry &registry);

} // namespace graphjit
