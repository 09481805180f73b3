// Variables, Apply nodes and the Op defaults (L_op, vectorize) they rely on.
#include "graphjit/Graph/Variable.h"
#include "graphjit/Graph/EditCount.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Support/Error.h"

#include <atomic>

namespace graphjit {

namespace {
uint64_t nextSerial() {
  static std::atomic<uint64_t> counter{0};
  return ++counter;
}
} // namespace

Variable::Variable(TensorType t, std::string n)
    : type(std::move(t)), name(std::move(n)), serial_(nextSerial()) {}

Var Var::input(TensorType type, std::string name) {
  for (int64_t d : type.shape)
    if (d < kUnknownDim)
      throw ShapeError("input '" + name + "': invalid dimension " + std::to_string(d) +
                       " in type " + type.str());
  return Var(std::make_shared<Variable>(std::move(type), std::move(name)));
}

Var Var::constant(Tensor value, std::string name) {
  auto v = std::make_shared<Variable>(typeOf(value), std::move(name));
  v->constant_ = value.contiguous();
  return Var(v);
}

Var Var::shared(Tensor value, std::string name) {
  // Shared variables keep their rank and dtype but not their sizes, so that
  // an update may change the value's shape (as in PyTensor). A value that is not
  // a tensor keeps its own type.
  TensorType t = value.isOpaque() ? typeOf(value)
                                  : TensorType(value.dtype(), Shape(value.ndim(), kUnknownDim));
  auto v = std::make_shared<Variable>(t, std::move(name));
  v->shared_ = std::make_shared<SharedStorage>(SharedStorage{value.clone()});
  return Var(v);
}

std::shared_ptr<Apply> Var::owner() const {
  return p_ && p_->owner_ ? p_->owner_->shared_from_this() : nullptr;
}

Apply::Apply(OpPtr op, std::vector<Var> inputs, const std::vector<TensorType> &outTypes)
    : op_(std::move(op)), inputs_(std::move(inputs)), serial_(nextSerial()) {
  for (size_t i = 0; i < outTypes.size(); ++i) {
    auto v = std::make_unique<Variable>(outTypes[i]);
    v->owner_ = this;
    v->index_ = static_cast<int>(i);
    outputs_.push_back(std::move(v));
  }
}

// Releasing the last handle to a long chain would otherwise destroy it
// recursively, one stack frame per node: take upstream inputs over instead.
Apply::~Apply() {
  std::vector<Var> pending = std::move(inputs_);
  while (!pending.empty()) {
    Var v = std::move(pending.back());
    pending.pop_back();
    if (Apply *a = v->owner(); a && v.ptr().use_count() == 1) {
      for (Var &in : a->inputs_)
        pending.push_back(std::move(in));
      a->inputs_.clear();
    }
  }
}

std::shared_ptr<Apply> Apply::make(OpPtr op, std::vector<Var> inputs) {
  std::vector<TensorType> inTypes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) throw ValueError(op->str() + ": input " + std::to_string(i) + " is a null Var");
    // An op's type rule reads dtypes and shapes: only ops that say so see other kinds of value.
    if (!inputs[i].type().isTensor() && !op->acceptsNonTensorInputs())
      throw TypeError(op->str() + ": input " + std::to_string(i) + " has type " +
                      inputs[i].type().str() + ", expected a tensor (the op takes tensors only)");
    inTypes.push_back(inputs[i].type());
  }
  std::vector<TensorType> outTypes = op->makeOutputTypes(inTypes);
  return std::make_shared<Apply>(std::move(op), std::move(inputs), outTypes);
}

Var Apply::output(int i) {
  if (i < 0 || i >= numOutputs())
    throw IndexError(op_->str() + ": output " + std::to_string(i) + " out of range (" +
                     std::to_string(numOutputs()) + " outputs)");
  // Aliasing: the handle shares ownership of this Apply.
  return Var(std::shared_ptr<Variable>(shared_from_this(), outputs_[i].get()));
}

std::vector<Var> Apply::outputs() {
  std::vector<Var> r;
  for (int i = 0; i < numOutputs(); ++i)
    r.push_back(output(i));
  return r;
}

namespace {
std::atomic<uint64_t> graphEdits{0};
} // namespace

void Apply::setInput(int i, Var v) {
  if (!v.type().isCompatible(inputs_[i].type()))
    throw TypeError(op_->str() + ": cannot replace input " + std::to_string(i) + " of type " +
                    inputs_[i].type().str() + " by a value of type " + v.type().str());
  inputs_[i] = std::move(v);
  graphEdits.fetch_add(1, std::memory_order_relaxed);
}

uint64_t graphEditCount() { return graphEdits.load(std::memory_order_relaxed); }

std::vector<Var> applyOp(OpPtr op, std::vector<Var> inputs) {
  return Apply::make(std::move(op), std::move(inputs))->outputs();
}

Var applyOp1(OpPtr op, std::vector<Var> inputs) {
  auto node = Apply::make(std::move(op), std::move(inputs));
  if (node->numOutputs() != 1)
    throw ValueError(node->op().str() + ": expected one output, op has " +
                     std::to_string(node->numOutputs()));
  return node->output(0);
}

std::vector<Var> Op::L_op(const std::vector<Var> &, const std::vector<Var> &,
                          const std::vector<Var> &) const {
  throw NotImplementedError(str() + ": gradient (L_op) is not implemented");
}

std::vector<Var> Op::vectorize(const Apply &, const std::vector<BatchedVar> &, int) const {
  throw NotImplementedError("vectorize_graph: cannot batch " + str() +
                            ": the op has no batching rule");
}

size_t Op::hash() const { return std::hash<std::string>()(str()); }

} // namespace graphjit
