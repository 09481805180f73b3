// The steps a schedule runs: compiled kernels (call-time shape checks, output
// allocation, the packed call, row splitting) and host steps.
#include "KernelMemory.h"
#include "Kernels.h"
#include "Pipeline.h"
#include "ThreadPool.h"

#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/JIT/JIT.h"
#include "graphjit/Lower/Lower.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/DPrint.h"
#include "graphjit/Text/TextIR.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>

namespace graphjit {

namespace jit {
namespace {

/// Integer indices the runtime can read before the call (inputs and constants of take/inc_take).
struct IndexCheck {
  std::string op;
  int inputIndex = -1;  // graph input holding the indices, or
  Tensor constantValue; // their constant value
  int xSlot, axis;      // shape slot of the indexed tensor, and its axis
};

/// One node of the shape program run before each call.
struct ShapeStep {
  const Op *op;
  std::vector<int> inputs;  // slots in the shape table
  std::vector<int> outputs; // slots in the shape table
  std::vector<TensorType> inTypes;
  /// For an op whose shapes follow from input values (alloc's sizes): per input, the kernel input
  /// holding its value, kConstantValue (its value is in valueConstants) or kNotAValue. Empty for
  /// every other op.
  std::vector<int> valueInputs;
  std::vector<Tensor> valueConstants;
};

constexpr int kConstantValue = -1, kNotAValue = -2;

std::atomic<size_t> splitCalls{0};

/// What a call needs that depends only on the input shapes: computed once per
/// distinct shape signature (the shape program is not re-run on every call).
struct Plan {
  std::vector<Shape> inputShapes;
  std::vector<int64_t> sizeValues; // the values of the kernel inputs that decide shapes
  std::vector<LayoutPtr> inputLayouts, outputLayouts; // equal pointers: equal shapes
  std::vector<Shape> shapes;                          // every value's shape, by slot
  int chunks = 1; // > 1: row-separable with several rows, split when `work` is large enough
  int64_t rows = 0, work = 0;
  /// The packed arguments of a call whose inputs have exactly these layouts (the steady state):
  /// every descriptor field (offset, sizes, strides) points into `fields`, only the data pointers
  /// (at `pointerAt`, two per argument) change from call to call.
  std::vector<int64_t> fields;
  std::vector<void *> args;
  std::vector<int> pointerAt;
};

/// Fills `p.fields`, `p.args` and `p.pointerAt` for `layouts` (inputs, then outputs).
void packArguments(Plan &p, const std::vector<const TensorLayout *> &layouts) {
  for (const TensorLayout *l : layouts) {
    p.fields.push_back(0);
    p.fields.insert(p.fields.end(), l->shape.begin(), l->shape.end());
    p.fields.insert(p.fields.end(), l->strides.begin(), l->strides.end());
  }
  size_t f = 0;
  for (const TensorLayout *l : layouts) {
    p.pointerAt.push_back(static_cast<int>(p.args.size()));
    p.args.push_back(nullptr);
    p.pointerAt.push_back(static_cast<int>(p.args.size()));
    p.args.push_back(nullptr);
    for (size_t k = 0; k < 1 + 2 * l->shape.size(); ++k)
      p.args.push_back(&p.fields[f++]);
  }
}

/// Plans a kernel keeps (distinct input shape signatures); beyond them a call plans for itself.
constexpr size_t kMaxPlans = 64;

/// Whether every row i of every output depends only on row i of the row-split
/// inputs (and on whole values that broadcast along axis 0): then the kernel can be
/// called on blocks of rows. Each op says whether it qualifies (Op::isRowwise).
bool rowSeparable(const FunctionGraph &fg, std::vector<bool> &inputRows,
                  std::vector<bool> &outputRows) {
  std::unordered_map<const Variable *, bool> rows;
  for (const Var &in : fg.inputs()) {
    bool r = in.ndim() >= 1 && in.type().shape[0] == kUnknownDim;
    rows[in.get()] = r;
    inputRows.push_back(r);
  }
  auto isRows = [&](const Var &v) {
    auto it = rows.find(v.get());
    return it != rows.end() && it->second;
  };
  for (Apply *node : fg.toposort()) {
    bool any = false;
    for (const Var &in : node->inputs())
      any |= isRows(in);
    Var out = node->output(0);
    if (!any) {
      for (int o = 0; o < node->numOutputs(); ++o)
        rows[node->output(o).get()] = false;
      continue;
    }
    std::vector<bool> inputIsRows;
    for (const Var &in : node->inputs())
      inputIsRows.push_back(isRows(in));
    bool ok = node->op().isRowwise(*node, inputIsRows);
    if (!ok || node->numOutputs() != 1) return false;
    rows[out.get()] = true;
  }
  for (const Var &out : fg.outputs()) {
    if (!isRows(out)) return false;
    outputRows.push_back(true);
  }
  return true;
}

class CompiledKernel : public JitKernel {
public:
  CompiledKernel(std::shared_ptr<const FunctionGraph> fg, std::shared_ptr<LoadedObject> object,
                 const std::string &entry, std::vector<std::string> checkMessages)
      : fg_(std::move(fg)), object_(std::move(object)), fn_(object_->entry(entry)),
        checkMessages_(std::move(checkMessages)) {
    std::unordered_map<const Variable *, int> slot;
    auto slotOf = [&](const Var &v) {
      auto it = slot.find(v.get());
      if (it != slot.end()) return it->second;
      int s = static_cast<int>(initialShapes_.size());
      initialShapes_.push_back(v->isConstant() ? v->constantValue().shape() : Shape{});
      slot[v.get()] = s;
      return s;
    };
    for (const Var &in : fg_->inputs())
      inputSlots_.push_back(slotOf(in));
    for (Apply *node : fg_->toposort()) {
      ShapeStep step{&node->op(), {}, {}, {}, {}, {}};
      for (const Var &in : node->inputs()) {
        step.inputs.push_back(slotOf(in));
        step.inTypes.push_back(in.type());
      }
      for (int i = 0; i < node->numOutputs(); ++i)
        step.outputs.push_back(slotOf(node->output(i)));
      std::vector<int> byValue = node->op().shapeValueInputs(node->inputs().size());
      if (!byValue.empty()) {
        step.valueInputs.assign(node->inputs().size(), kNotAValue);
        step.valueConstants.resize(node->inputs().size());
        for (int i : byValue) {
          const Var &v = node->input(i);
          if (v->isConstant()) {
            step.valueInputs[i] = kConstantValue;
            step.valueConstants[i] = v->constantValue();
            continue;
          }
          for (size_t k = 0; k < fg_->inputs().size(); ++k)
            if (fg_->inputs()[k] == v) step.valueInputs[i] = static_cast<int>(k);
          if (step.valueInputs[i] == kNotAValue)
            throw Error("JIT kernel: internal error: input " + std::to_string(i) + " of " +
                        node->op().name() + " decides its shape but is computed in the kernel");
          sizeInputs_.push_back(step.valueInputs[i]);
        }
      }
      steps_.push_back(std::move(step));
    }
    for (const Var &out : fg_->outputs())
      outputSlots_.push_back(slotOf(out));
    for (Apply *node : fg_->toposort()) {
      const std::string name = node->op().name();
      if (name != "take" && name != "inc_take") continue;
      IndexCheck c;
      c.op = name;
      const Var &ind = node->input(1);
      for (size_t i = 0; i < fg_->inputs().size(); ++i)
        if (fg_->inputs()[i] == ind) c.inputIndex = static_cast<int>(i);
      if (c.inputIndex < 0 && !ind->isConstant())
        continue; // computed in the graph: the kernel clamps
      if (ind->isConstant()) c.constantValue = ind->constantValue();
      c.xSlot = slotOf(node->input(0));
      int64_t axis = node->op().attrs().getOr<int64_t>("axis", 0);
      c.axis = static_cast<int>(axis < 0 ? axis + node->input(0).ndim() : axis);
      indexChecks_.push_back(std::move(c));
    }
    for (const Var &in : fg_->inputs())
      inDTypes_.push_back(in.dtype());
    for (const Var &out : fg_->outputs())
      outDTypes_.push_back(out.dtype());
    rowSeparable_ = checkMessages_.empty() && indexChecks_.empty() &&
                    rowSeparable(*fg_, inputRows_, outputRows_);
  }

  std::vector<Tensor> run(const std::vector<Tensor> &inputsRaw) override {
    const auto &ins = fg_->inputs();
    if (inputsRaw.size() != ins.size())
      throw ValueError("JIT kernel: expected " + std::to_string(ins.size()) + " inputs, got " +
                       std::to_string(inputsRaw.size()));
    std::vector<Tensor> inputs;
    inputs.reserve(ins.size());
    for (size_t i = 0; i < ins.size(); ++i) {
      checkInput(i, inputsRaw[i]);
      inputs.push_back(inputsRaw[i].isContiguous() ? inputsRaw[i] : inputsRaw[i].contiguous());
    }
    llvm::SmallVector<const Tensor *, 16> in;
    for (const Tensor &t : inputs)
      in.push_back(&t);
    std::vector<Tensor> outputs(outputSlots_.size());
    llvm::SmallVector<Tensor *, 4> out;
    for (Tensor &t : outputs)
      out.push_back(&t);
    execute(in.data(), out.data());
    return outputs;
  }

  /// The schedule's path: no vectors; a value that is not plain (another dtype, not contiguous,
  /// opaque) takes run()'s checks and conversions.
  void runSlots(Tensor *slots, const std::vector<int> &in, const std::vector<int> &out) override {
    if (in.size() != inDTypes_.size() || out.size() != outputSlots_.size())
      return JitKernel::runSlots(slots, in, out); // throws run()'s error
    llvm::SmallVector<const Tensor *, 16> inputs;
    for (size_t i = 0; i < in.size(); ++i) {
      const Tensor &t = slots[in[i]];
      if (t.isOpaque() || t.dtype() != inDTypes_[i] || !t.isContiguous())
        return JitKernel::runSlots(slots, in, out);
      inputs.push_back(&t);
    }
    llvm::SmallVector<Tensor *, 4> outputs;
    for (int o : out)
      outputs.push_back(&slots[o]);
    execute(inputs.data(), outputs.data());
  }

private:
  void checkInput(size_t i, const Tensor &t) const {
    const Var &v = fg_->inputs()[i];
    if (!v.type().accepts(t.dtype(), t.shape()))
      throw TypeError("JIT kernel: input " + std::to_string(i) + " expects " + v.type().str() +
                      ", got " + typeOf(t).str());
  }

  /// Runs on contiguous inputs of the right dtypes; sets the outputs.
  void execute(const Tensor *const *inputs, Tensor *const *outputs) {
    std::unique_ptr<Plan> own;
    const Plan &plan = planFor(inputs, own);
    for (const IndexCheck &c : indexChecks_) {
      const Tensor &ind = c.inputIndex >= 0 ? *inputs[c.inputIndex] : c.constantValue;
      int64_t n = plan.shapes[c.xSlot][c.axis];
      for (int64_t k = 0; k < ind.size(); ++k) {
        int64_t v = ind.getAsInt64(k); // exact: indices above 2^53 must not round into range
        if (v < -n || v >= n)
          throw IndexError(c.op + ": index " + std::to_string(v) + " is out of range for axis " +
                           std::to_string(c.axis) + " of size " + std::to_string(n));
      }
    }
    // A value of the previous call that nothing else holds (a schedule's kept intermediate) is
    // written again when its layout repeats.
    for (size_t o = 0; o < outputSlots_.size(); ++o) {
      Tensor &out = *outputs[o];
      if (!out.ownsBufferAlone() || out.dtype() != outDTypes_[o] ||
          out.layout() != plan.outputLayouts[o])
        out = Tensor::emptyOf(outDTypes_[o], plan.outputLayouts[o]);
    }
    // The check flags (rank-0 bools) live on the stack: a check must not cost an allocation.
    llvm::SmallVector<bool, 8> flags(checkMessages_.size(), false);

    // Below GRAPHJIT_PARALLEL_MIN elements a kernel stays on the calling thread: waking a worker
    // costs more than it saves (measured: 1e3-element kernels got slower when split).
    int chunks = plan.chunks > 1 && plan.work >= callParallelMin()
                     ? std::min(plan.chunks, callThreads())
                     : 1;
    bool exact = chunks <= 1 && flags.empty();
    for (size_t i = 0; i < inDTypes_.size() && exact; ++i) // same shape: same strides?
      exact = inputs[i]->layout() == plan.inputLayouts[i] ||
              inputs[i]->strides() == plan.inputLayouts[i]->strides;
    std::atomic<size_t> failedAlloc{0};
    if (exact) {
      failedAlloc = callPacked(plan, inputs, outputs);
    } else if (chunks <= 1) {
      failedAlloc = call(inputs, outputs, flags, 0, 0);
    } else {
      // Rows [r0, r1) of every row-split value per chunk: each row is computed by one thread, in a
      // fixed partition for a given thread count, so results are deterministic.
      ++splitCalls;
      int64_t rows = plan.rows, per = (rows + chunks - 1) / chunks;
      parallelFor(chunks, [&](int c) {
        int64_t r0 = std::min(rows, c * per), r1 = std::min(rows, r0 + per);
        if (r1 > r0)
          if (size_t failed = call(inputs, outputs, flags, r0, r1 - r0)) failedAlloc = failed;
      });
    }
    if (size_t failed = failedAlloc.load()) throwKernelOutOfMemory(failed);
    for (size_t c = 0; c < flags.size(); ++c)
      if (flags[c]) failCheck(checkMessages_[c], inputs);
  }

  /// A failed in-kernel check: a shape check reruns the graph on the interpreter, which raises
  /// the same typed error (and message) as an interpreted call; others are index errors.
  [[noreturn]] void failCheck(const std::string &message, const Tensor *const *inputs) const {
    const std::string rerun = kRerunCheck;
    if (message.compare(0, rerun.size(), rerun) != 0) throw IndexError(message);
    Bindings b;
    for (size_t i = 0; i < fg_->inputs().size(); ++i)
      b.emplace_back(fg_->inputs()[i], *inputs[i]);
    evaluate(fg_->outputs(), b);
    throw ShapeError(message.substr(rerun.size()));
  }

  /// Same input shapes and the same values of the inputs that decide shapes (sizes, positions).
  bool sameShapes(const Plan &p, const Tensor *const *inputs) const {
    for (size_t i = 0; i < p.inputLayouts.size(); ++i)
      if (inputs[i]->layout() != p.inputLayouts[i] && inputs[i]->shape() != p.inputShapes[i])
        return false;
    size_t v = 0;
    for (int k : sizeInputs_)
      for (int64_t e = 0; e < inputs[k]->size(); ++e, ++v)
        if (v >= p.sizeValues.size() || p.sizeValues[v] != inputs[k]->getAsInt64(e)) return false;
    return v == p.sizeValues.size();
  }

  /// The plan of these input shapes: the last one used (no lock), one kept, or a new one (kept
  /// while fewer than kMaxPlans are, else owned by `own` for this call).
  const Plan &planFor(const Tensor *const *inputs, std::unique_ptr<Plan> &own) {
    if (const Plan *last = last_.load(std::memory_order_acquire); last && sameShapes(*last, inputs))
      return *last;
    {
      std::lock_guard<std::mutex> lock(planMutex_);
      for (const auto &p : plans_)
        if (sameShapes(*p, inputs)) {
          last_.store(p.get(), std::memory_order_release);
          return *p;
        }
    }
    auto plan = std::make_unique<Plan>();
    size_t numInputs = inDTypes_.size();
    for (size_t i = 0; i < numInputs; ++i) {
      checkInput(i, *inputs[i]);
      plan->inputShapes.push_back(inputs[i]->shape());
      plan->inputLayouts.push_back(inputs[i]->layout());
    }
    for (int k : sizeInputs_)
      for (int64_t e = 0; e < inputs[k]->size(); ++e)
        plan->sizeValues.push_back(inputs[k]->getAsInt64(e));
    plan->shapes = initialShapes_;
    for (size_t i = 0; i < numInputs; ++i)
      plan->shapes[inputSlots_[i]] = inputs[i]->shape();
    // Shapes of every value, checked node by node exactly as the interpreter does.
    std::vector<Shape> inShapes;
    for (const ShapeStep &s : steps_) {
      inShapes.clear();
      for (int k : s.inputs)
        inShapes.push_back(plan->shapes[k]);
      s.op->checkShapes(s.inTypes, inShapes);
      std::vector<Shape> outs;
      if (s.valueInputs.empty()) {
        outs = s.op->inferShape(inShapes);
      } else {
        std::vector<const Tensor *> values(s.valueInputs.size(), nullptr);
        for (size_t i = 0; i < values.size(); ++i)
          if (s.valueInputs[i] >= 0)
            values[i] = inputs[s.valueInputs[i]];
          else if (s.valueInputs[i] == kConstantValue)
            values[i] = &s.valueConstants[i];
        outs = s.op->inferShapeFromValues(inShapes, values);
      }
      for (size_t o = 0; o < outs.size(); ++o)
        plan->shapes[s.outputs[o]] = std::move(outs[o]);
    }
    for (int s : outputSlots_)
      plan->outputLayouts.push_back(contiguousLayout(plan->shapes[s]));
    std::vector<const TensorLayout *> layouts;
    for (const LayoutPtr &l : plan->inputLayouts)
      layouts.push_back(l.get());
    for (const LayoutPtr &l : plan->outputLayouts)
      layouts.push_back(l.get());
    packArguments(*plan, layouts);
    if (rowSeparable_) {
      int64_t rows = -1, work = 0;
      bool agree = true;
      for (size_t i = 0; i < numInputs; ++i)
        if (inputRows_[i]) {
          int64_t r = inputs[i]->shape()[0];
          agree &= rows < 0 || rows == r;
          rows = r;
        }
      for (int s : outputSlots_) {
        agree &= !plan->shapes[s].empty() && plan->shapes[s][0] == rows;
        work += shapeSize(plan->shapes[s]);
      }
      for (size_t i = 0; i < numInputs; ++i)
        work += inputs[i]->size(); // a row-wise reduction reads more than it writes
      if (agree && rows > 1) {
        plan->rows = rows;
        plan->work = work;
        plan->chunks = static_cast<int>(std::min<int64_t>(rows, 64));
      }
    }
    std::lock_guard<std::mutex> lock(planMutex_);
    if (plans_.size() >= kMaxPlans) {
      own = std::move(plan);
      return *own;
    }
    plans_.push_back(std::move(plan));
    last_.store(plans_.back().get(), std::memory_order_release);
    return *plans_.back();
  }

  /// The steady-state call: the plan's packed arguments with this call's data pointers.
  size_t callPacked(const Plan &plan, const Tensor *const *inputs,
                    const Tensor *const *outputs) const {
    // Inline room for a fused step's many arguments (13 inputs, 4 outputs: 150 entries): a heap
    // allocation here was 4% of the flow step.
    llvm::SmallVector<void *, 256> args(plan.args.begin(), plan.args.end());
    llvm::SmallVector<void *, 64> pointers;
    size_t numIn = inDTypes_.size(), numOut = outputSlots_.size();
    pointers.reserve(2 * (numIn + numOut));
    for (size_t i = 0; i < numIn; ++i)
      pointers.append(2, inputs[i]->rawData());
    for (size_t o = 0; o < numOut; ++o)
      pointers.append(2, outputs[o]->rawData());
    for (size_t k = 0; k < pointers.size(); ++k)
      args[plan.pointerAt[k]] = &pointers[k];
    return callKernelGuarded(fn_, args.data());
  }

  /// One call of the kernel on rows [r0, r0 + n) of the row-split values (n = 0: everything).
  /// Returns 0, or the bytes of an allocation that failed inside the kernel.
  size_t call(const Tensor *const *inputs, const Tensor *const *outputs,
              llvm::SmallVectorImpl<bool> &flags, int64_t r0, int64_t n) const {
    // On the stack for the usual few small arguments; sized first, so pointers into them hold.
    size_t numFields = 0, numPointers = 0, numArgs = 0;
    auto count = [&](const Tensor &t) {
      numFields += 1 + 2 * t.ndim();
      numPointers += 2;
      numArgs += 3 + 2 * t.ndim();
    };
    size_t numIn = inDTypes_.size(), numOut = outputSlots_.size();
    for (size_t i = 0; i < numIn; ++i)
      count(*inputs[i]);
    for (size_t o = 0; o < numOut; ++o)
      count(*outputs[o]);
    numFields += flags.size(); // rank 0: two pointers and an offset each
    numPointers += 2 * flags.size();
    numArgs += 3 * flags.size();
    llvm::SmallVector<int64_t, 64> fields;
    llvm::SmallVector<void *, 16> pointers;
    llvm::SmallVector<void *, 64> args;
    fields.reserve(numFields);
    pointers.reserve(numPointers);
    args.reserve(numArgs);
    auto describe = [&](const Tensor &t, bool split) {
      char *base = static_cast<char *>(t.rawData());
      if (split && n > 0) base += r0 * t.strides()[0] * static_cast<int64_t>(dtypeSize(t.dtype()));
      pointers.push_back(base);
      pointers.push_back(base);
      fields.push_back(0);
      const Shape &shape = t.shape();
      for (int d = 0; d < t.ndim(); ++d)
        fields.push_back(split && n > 0 && d == 0 ? n : shape[d]);
      for (int64_t st : t.strides())
        fields.push_back(st);
    };
    for (size_t i = 0; i < numIn; ++i)
      describe(*inputs[i], rowSeparable_ && inputRows_[i]);
    for (size_t o = 0; o < numOut; ++o)
      describe(*outputs[o], rowSeparable_);
    for (bool &flag : flags) {
      pointers.push_back(&flag);
      pointers.push_back(&flag);
      fields.push_back(0);
    }
    size_t p = 0, f = 0;
    auto point = [&](const Tensor &t) {
      args.push_back(&pointers[p++]);
      args.push_back(&pointers[p++]);
      args.push_back(&fields[f++]);
      for (int d = 0; d < 2 * t.ndim(); ++d)
        args.push_back(&fields[f++]);
    };
    for (size_t i = 0; i < numIn; ++i)
      point(*inputs[i]);
    for (size_t o = 0; o < numOut; ++o)
      point(*outputs[o]);
    for (size_t c = 0; c < flags.size(); ++c) {
      args.push_back(&pointers[p++]);
      args.push_back(&pointers[p++]);
      args.push_back(&fields[f++]);
    }
    return callKernelGuarded(fn_, args.data());
  }

  std::shared_ptr<const FunctionGraph> fg_;
  std::shared_ptr<LoadedObject> object_;
  LoadedObject::Entry fn_;
  std::vector<Shape> initialShapes_;
  std::vector<int> inputSlots_, outputSlots_;
  std::vector<ShapeStep> steps_;
  std::vector<IndexCheck> indexChecks_;
  std::vector<int> sizeInputs_; // kernel inputs whose values decide shapes (part of the plan key)
  std::vector<std::string> checkMessages_;
  std::vector<bool> inputRows_, outputRows_; // split by rows when the kernel is row-separable
  bool rowSeparable_ = false;
  std::vector<DType> inDTypes_, outDTypes_;
  std::mutex planMutex_;                     // guards plans_ (the kept plans are never freed)
  std::vector<std::unique_ptr<Plan>> plans_; // while the kernel lives
  std::atomic<const Plan *> last_{nullptr};
};

/// One node without a lowering, run by its perform through the interpreter
/// (which checks shapes exactly as for any other node). A step that is one node reading the
/// step's inputs and constants makes the interpreter's checks itself: evaluate's sort and value
/// map were most of a batched linalg call's fixed cost on small stacks.
class HostKernel : public JitKernel {
public:
  explicit HostKernel(std::shared_ptr<const FunctionGraph> fg) : fg_(std::move(fg)) {
    std::vector<Apply *> nodes = fg_->toposort();
    if (nodes.size() != 1) return;
    Apply *node = nodes.front();
    if (fg_->outputs().size() != static_cast<size_t>(node->numOutputs())) return;
    for (int o = 0; o < node->numOutputs(); ++o)
      if (fg_->outputs()[o].get() != node->output(o).get()) return;
    std::vector<int> reads;
    for (const Var &in : node->inputs()) {
      auto it = std::find_if(fg_->inputs().begin(), fg_->inputs().end(),
                             [&](const Var &v) { return v.get() == in.get(); });
      if (it != fg_->inputs().end())
        reads.push_back(static_cast<int>(it - fg_->inputs().begin()));
      else if (in->isConstant())
        reads.push_back(-1);
      else
        return; // a shared variable or an unbound input: the interpreter's path
    }
    node_ = node, reads_ = std::move(reads);
  }
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) override {
    CompiledInnerScope compiled; // a scan or ifelse here runs its inner graphs compiled too
    if (node_) return runNode(inputs);
    Bindings b;
    b.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i)
      b.emplace_back(fg_->inputs()[i], inputs[i]);
    return evaluate(fg_->outputs(), b);
  }

private:
  /// evaluate() on the one node: inputs filtered to their types, checkShapes, perform, outputs
  /// checked against their static types.
  std::vector<Tensor> runNode(const std::vector<Tensor> &inputs) const {
    const Op &op = node_->op();
    std::vector<Tensor> ins;
    std::vector<TensorType> inTypes;
    std::vector<Shape> inShapes;
    for (size_t i = 0; i < reads_.size(); ++i) {
      const Var &in = node_->inputs()[i];
      if (reads_[i] < 0) {
        ins.push_back(in->constantValue());
      } else {
        const Tensor &t = inputs[reads_[i]];
        ins.push_back(in.type().accepts(t)
                          ? t
                          : in.type().filter(t, "evaluate: input " +
                                                    (in.name().empty() ? in.type().str()
                                                                       : "'" + in.name() + "'")));
      }
      inTypes.push_back(in.type());
      inShapes.push_back(ins.back().shape());
    }
    op.checkShapes(inTypes, inShapes);
    std::vector<Tensor> outs = op.perform(ins);
    if (static_cast<int>(outs.size()) != node_->numOutputs())
      throw Error(op.str() + ": perform returned " + std::to_string(outs.size()) + " values for " +
                  std::to_string(node_->numOutputs()) + " outputs");
    for (int o = 0; o < node_->numOutputs(); ++o)
      if (!node_->output(o).type().accepts(outs[o]))
        throw ShapeError(op.str() + ": output " + std::to_string(o) + " has type " +
                         typeOf(outs[o]).str() + ", which does not fit its static type " +
                         node_->output(o).type().str());
    return outs;
  }

  std::shared_ptr<const FunctionGraph> fg_;
  Apply *node_ = nullptr;  // the step's one node, when it reads only inputs and constants
  std::vector<int> reads_; // per node input: the step input it reads, or -1 for a constant
};
} // namespace

std::shared_ptr<JitKernel> makeCompiledKernel(std::shared_ptr<const FunctionGraph> fg,
                                              std::shared_ptr<LoadedObject> object,
                                              const std::string &entry,
                                              std::vector<std::string> checkMessages) {
  return std::make_shared<CompiledKernel>(std::move(fg), std::move(object), entry,
                                          std::move(checkMessages));
}

size_t splitCallCount() { return splitCalls.load(); }

std::shared_ptr<JitKernel> makeHostKernel(std::shared_ptr<const FunctionGraph> fg) {
  return std::make_shared<HostKernel>(std::move(fg));
}
} // namespace jit

size_t jitSplitCallCount() { return jit::splitCallCount(); }

} // namespace graphjit
