// InnerGraph: the function a control-flow op holds (a branch of ifelse, the
// body of scan). Its canonical text IR is the op's identity: two ops whose
// bodies print the same are equal (CSE merges them), and the op registry,
// the text IR parser and the JIT's schedule cache rebuild the op from it.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace graphjit {

class InnerGraph {
public:
  /// The function from `inputs` (roots of `outputs`) to `outputs`, copied: the
  /// caller's graph is not kept. `opName` names the op in error messages.
  static std::shared_ptr<const InnerGraph>
  make(const std::vector<Var> &inputs, const std::vector<Var> &outputs, const std::string &opName);
  /// Rebuilds the function from its text IR (an attr of the op).
  static std::shared_ptr<const InnerGraph> parse(const std::string &text,
                                                 const std::string &opName);

  const std::vector<Var> &inputs() const { return inputs_; }
  const std::vector<Var> &outputs() const { return outputs_; }
  const std::string &text() const { return text_; }

  /// Values of the outputs for values of the inputs (by the interpreter, or by
  /// the compiled runner a runtime installed: see setInnerGraphCompiler).
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) const;
  /// Output shapes for input shapes, node by node through each op's inferShape.
  std::vector<Shape> inferShapes(const std::vector<Shape> &inputShapes) const;

private:
  std::vector<Var> inputs_, outputs_;
  std::string text_;
  mutable std::function<std::vector<Tensor>(const std::vector<Tensor> &)> compiled_;
  mutable std::once_flag compileOnce_;
};

/// How a runtime runs inner graphs in compiled code: given the inner function,
/// returns a runner (compiled once, kept by the InnerGraph). Installed by the
/// Runtime library (which sees the JIT); the interpreter never uses it.
using InnerGraphCompiler =
    std::function<std::function<std::vector<Tensor>(const std::vector<Tensor> &)>(
        const std::vector<Var> &, const std::vector<Var> &)>;
void setInnerGraphCompiler(InnerGraphCompiler compiler);

/// While alive on this thread, InnerGraph::run uses compiled runners (the JIT
/// sets it around a host step); otherwise inner graphs are interpreted.
class CompiledInnerScope {
public:
  CompiledInnerScope();
  ~CompiledInnerScope();

private:
  bool previous_;
};

/// The roots a branch or a body reads that are neither constants nor listed in
/// `bound`: what the op must receive as captured inputs (shared variables included).
std::vector<Var> freeInputs(const std::vector<Var> &outputs, const std::vector<Var> &bound);

} // namespace graphjit
