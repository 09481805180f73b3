// Variables and Apply nodes: the symbolic graph.
//
// Ownership (no cycles): an Apply owns its output Variables by value and
// holds its inputs through Var handles. A Var handle to an output keeps the
// whole Apply alive through shared_ptr aliasing, so a Variable's `owner`
// back-pointer can stay a raw pointer.
#pragma once

#include "graphjit/Graph/Type.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace graphjit {

class Apply;
class Op;
using OpPtr = std::shared_ptr<const Op>;

/// Storage of a shared variable: a value that persists across calls of a
/// compiled Function and that `updates` replace after each call.
struct SharedStorage {
  Tensor value;
};

class Variable {
public:
  Variable(TensorType type, std::string name = "");

  TensorType type;
  std::string name;

  Apply *owner() const { return owner_; }
  /// Which output of `owner()` this is.
  int index() const { return index_; }
  bool isConstant() const { return constant_.has_value(); }
  const Tensor &constantValue() const { return *constant_; }
  bool isShared() const { return shared_ != nullptr; }
  const std::shared_ptr<SharedStorage> &sharedStorage() const { return shared_; }
  /// Creation number: a deterministic order for printing and sorting.
  uint64_t serial() const { return serial_; }

private:
  friend class Apply;
  friend class Var;
  Apply *owner_ = nullptr;
  int index_ = 0;
  std::optional<Tensor> constant_;
  std::shared_ptr<SharedStorage> shared_;
  uint64_t serial_;
};

/// Handle to a Variable: what users hold and pass around. Compares by identity.
class Var {
public:
  Var() = default;
  explicit Var(std::shared_ptr<Variable> p) : p_(std::move(p)) {}

  /// A fresh graph input.
  static Var input(TensorType type, std::string name = "");
  /// A constant holding `value`.
  static Var constant(Tensor value, std::string name = "");
  /// A shared variable holding `value` (see SharedStorage).
  static Var shared(Tensor value, std::string name = "");

  Variable *get() const { return p_.get(); }
  Variable *operator->() const { return p_.get(); }
  explicit operator bool() const { return p_ != nullptr; }
  const std::shared_ptr<Variable> &ptr() const { return p_; }

  const TensorType &type() const { return p_->type; }
  DType dtype() const { return p_->type.dtype; }
  int ndim() const { return p_->type.ndim(); }
  const std::string &name() const { return p_->name; }
  /// The Apply that computes this variable, or null for inputs and constants.
  std::shared_ptr<Apply> owner() const;

  /// Basic indexing, NumPy style: x(0), x(slice(1, 3), 2). Defined in Ops.
  template <typename... I> Var operator()(I... idx) const;
  /// x[i]: the i-th entry along the first axis (drops it). Defined in Ops/Indexing.
  Var operator[](int64_t i) const;
  /// x[i] with an integer scalar Var i (a symbolic position). Defined in Ops/IndexingDyn.
  Var operator[](const Var &i) const;

  /// The value of this variable given values for the inputs it depends on,
  /// like PyTensor's x.eval({x: value}): x.eval({{x, Tensor::of({1, 2})}}).
  /// Runs the rewritten graph with the interpreter. Defined in the Runtime
  /// library (lib/Runtime/Eval.cpp), which the graph core does not see.
  Tensor eval(const std::vector<std::pair<Var, Tensor>> &bindings = {}) const;

  bool operator==(const Var &o) const { return p_ == o.p_; }
  bool operator!=(const Var &o) const { return p_ != o.p_; }

private:
  std::shared_ptr<Variable> p_;
};

struct VarHash {
  size_t operator()(const Var &v) const { return std::hash<Variable *>()(v.get()); }
};

class Apply : public std::enable_shared_from_this<Apply> {
public:
  /// Builds the node: runs the op's type rule on the inputs (which may throw).
  static std::shared_ptr<Apply> make(OpPtr op, std::vector<Var> inputs);

  const Op &op() const { return *op_; }
  const OpPtr &opPtr() const { return op_; }
  const std::vector<Var> &inputs() const { return inputs_; }
  const Var &input(int i) const { return inputs_[i]; }
  int numOutputs() const { return static_cast<int>(outputs_.size()); }
  Var output(int i);
  /// Output i's type, for callers that hold the node const (an op's property queries).
  const TensorType &outputType(int i) const { return outputs_[i]->type; }
  std::vector<Var> outputs();
  /// Rewires input `i` (FunctionGraph::replace); the type must be compatible.
  void setInput(int i, Var v);
  uint64_t serial() const { return serial_; }

  Apply(OpPtr op, std::vector<Var> inputs, const std::vector<TensorType> &outTypes);
  ~Apply();
  Apply(const Apply &) = delete;
  Apply &operator=(const Apply &) = delete;

private:
  OpPtr op_;
  std::vector<Var> inputs_;
  std::vector<std::unique_ptr<Variable>> outputs_;
  uint64_t serial_;
};

/// Applies `op` and returns all its outputs.
std::vector<Var> applyOp(OpPtr op, std::vector<Var> inputs);
/// Applies a single-output `op`.
Var applyOp1(OpPtr op, std::vector<Var> inputs);

} // namespace graphjit
