// The steps a schedule runs: compiled kernels (call-time shape checks, output
// allocation, the packed call) and host steps; and code printing (--emit).
#include "Kernels.h"
#include "Pipeline.h"

#include "graphjit/JIT/JIT.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Lower/Lower.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/DPrint.h"
#include "graphjit/Text/TextIR.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

namespace graphjit {

EmitLevel parseEmitLevel(const std::string &name) {
  if (name == "graph") return EmitLevel::Graph;
  if (name == "mlir") return EmitLevel::MLIR;
  if (name == "mlir-lowered") return EmitLevel::MLIRLowered;
  if (name == "llvm") return EmitLevel::LLVM;
  if (name == "asm") return EmitLevel::Asm;
  throw ValueError("--emit expects graph, mlir, mlir-lowered, llvm or asm, got '" + name + "'");
}

namespace jit {
namespace {

/// A memref descriptor as the packed calling convention expects it.
struct Descriptor {
  void *allocated, *aligned;
  int64_t offset;
  std::vector<int64_t> sizesAndStrides;
};

/// Integer indices the runtime can read before the call (inputs and constants of take/inc_take).
struct IndexCheck {
  std::string op;
  int inputIndex = -1;   // graph input holding the indices, or
  Tensor constantValue;  // their constant value
  int xSlot, axis;       // shape slot of the indexed tensor, and its axis
};

/// One node of the shape program run before each call.
struct ShapeStep {
  const Op *op;
  std::vector<int> inputs;  // slots in the shape table
  std::vector<int> outputs; // slots in the shape table
  std::vector<TensorType> inTypes;
};

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
    for (const Var &in : fg_->inputs()) inputSlots_.push_back(slotOf(in));
    for (Apply *node : fg_->toposort()) {
      ShapeStep step{&node->op(), {}, {}, {}};
      for (const Var &in : node->inputs()) {
        step.inputs.push_back(slotOf(in));
        step.inTypes.push_back(in.type());
      }
      for (int i = 0; i < node->numOutputs(); ++i) step.outputs.push_back(slotOf(node->output(i)));
      steps_.push_back(std::move(step));
    }
    for (const Var &out : fg_->outputs()) outputSlots_.push_back(slotOf(out));
    for (Apply *node : fg_->toposort()) {
      const std::string name = node->op().name();
      if (name != "take" && name != "inc_take") continue;
      IndexCheck c;
      c.op = name;
      const Var &ind = node->input(1);
      for (size_t i = 0; i < fg_->inputs().size(); ++i)
        if (fg_->inputs()[i] == ind) c.inputIndex = static_cast<int>(i);
      if (c.inputIndex < 0 && !ind->isConstant()) continue; // computed in the graph: the kernel clamps
      if (ind->isConstant()) c.constantValue = ind->constantValue();
      c.xSlot = slotOf(node->input(0));
      int64_t axis = node->op().attrs().getOr<int64_t>("axis", 0);
      c.axis = static_cast<int>(axis < 0 ? axis + node->input(0).ndim() : axis);
      indexChecks_.push_back(std::move(c));
    }
  }

  std::vector<Tensor> run(const std::vector<Tensor> &inputsRaw) override {
    const auto &ins = fg_->inputs();
    if (inputsRaw.size() != ins.size())
      throw ValueError("JIT kernel: expected " + std::to_string(ins.size()) + " inputs, got " +
                       std::to_string(inputsRaw.size()));
    std::vector<Shape> shapes = initialShapes_;
    std::vector<Tensor> inputs;
    for (size_t i = 0; i < ins.size(); ++i) {
      if (!ins[i].type().accepts(inputsRaw[i].dtype(), inputsRaw[i].shape()))
        throw TypeError("JIT kernel: input " + std::to_string(i) + " expects " + ins[i].type().str() + ", got " +
                        typeOf(inputsRaw[i]).str());
      inputs.push_back(inputsRaw[i].contiguous());
      shapes[inputSlots_[i]] = inputs.back().shape();
    }
    // Shapes of every value, checked node by node exactly as the interpreter does.
    std::vector<Shape> inShapes;
    for (const ShapeStep &s : steps_) {
      inShapes.clear();
      for (int k : s.inputs) inShapes.push_back(shapes[k]);
      s.op->checkShapes(s.inTypes, inShapes);
      std::vector<Shape> outs = s.op->inferShape(inShapes);
      for (size_t o = 0; o < outs.size(); ++o) shapes[s.outputs[o]] = std::move(outs[o]);
    }
    for (const IndexCheck &c : indexChecks_) {
      const Tensor &ind = c.inputIndex >= 0 ? inputs[c.inputIndex] : c.constantValue;
      int64_t n = shapes[c.xSlot][c.axis];
      for (int64_t k = 0; k < ind.size(); ++k) {
        double v = ind.getAsDouble(k);
        if (v < -static_cast<double>(n) || v >= static_cast<double>(n))
          throw IndexError(c.op + ": index " + std::to_string(static_cast<int64_t>(v)) + " is out of range for axis " +
                           std::to_string(c.axis) + " of size " + std::to_string(n));
      }
    }
    std::vector<Tensor> outputs;
    for (size_t o = 0; o < outputSlots_.size(); ++o)
      outputs.push_back(Tensor::empty(fg_->outputs()[o].dtype(), shapes[outputSlots_[o]]));

    std::vector<Descriptor> descs;
    descs.reserve(inputs.size() + outputs.size());
    auto describe = [&](const Tensor &t) {
      Descriptor d{t.rawData(), t.rawData(), 0, {}};
      for (int64_t s : t.shape()) d.sizesAndStrides.push_back(s);
      for (int64_t s : t.strides()) d.sizesAndStrides.push_back(s);
      descs.push_back(std::move(d));
    };
    std::vector<Tensor> flags;
    for (size_t c = 0; c < checkMessages_.size(); ++c) flags.push_back(Tensor::zeros(DType::Bool, {}));
    for (const Tensor &t : inputs) describe(t);
    for (const Tensor &t : outputs) describe(t);
    for (const Tensor &t : flags) describe(t);
    std::vector<void *> args;
    for (Descriptor &d : descs) {
      args.push_back(&d.allocated);
      args.push_back(&d.aligned);
      args.push_back(&d.offset);
      for (int64_t &v : d.sizesAndStrides) args.push_back(&v);
    }
    fn_(args.data());
    for (size_t c = 0; c < flags.size(); ++c)
      if (*flags[c].data<bool>()) throw IndexError(checkMessages_[c]);
    return outputs;
  }

private:
  std::shared_ptr<const FunctionGraph> fg_;
  std::shared_ptr<LoadedObject> object_;
  LoadedObject::Entry fn_;
  std::vector<Shape> initialShapes_;
  std::vector<int> inputSlots_, outputSlots_;
  std::vector<ShapeStep> steps_;
  std::vector<IndexCheck> indexChecks_;
  std::vector<std::string> checkMessages_;
};


/// One node without a lowering, run by its perform through the interpreter
/// (which checks shapes exactly as for any other node).
class HostKernel : public JitKernel {
public:
  explicit HostKernel(std::shared_ptr<const FunctionGraph> fg) : fg_(std::move(fg)) {}
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) override {
    Bindings b;
    b.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) b.emplace_back(fg_->inputs()[i], inputs[i]);
    return evaluate(fg_->outputs(), b);
  }

private:
  std::shared_ptr<const FunctionGraph> fg_;
};
} // namespace

std::shared_ptr<JitKernel> makeCompiledKernel(std::shared_ptr<const FunctionGraph> fg,
                                              std::shared_ptr<LoadedObject> object, const std::string &entry,
                                              std::vector<std::string> checkMessages) {
  return std::make_shared<CompiledKernel>(std::move(fg), std::move(object), entry, std::move(checkMessages));
}

std::shared_ptr<JitKernel> makeHostKernel(std::shared_ptr<const FunctionGraph> fg) {
  return std::make_shared<HostKernel>(std::move(fg));
}
} // namespace jit

namespace {
std::mutex emitMutex; // the shared printing context
} // namespace

std::string emitCode(const FunctionGraph &fg, EmitLevel level) {
  if (level == EmitLevel::Graph) return printFunction(TextFunction{"kernel", fg.inputs(), fg.outputs()});
  std::string mlirText = "module {\n" + lowerToMLIR(fg, "kernel") + "}\n";
  if (level == EmitLevel::MLIR) return mlirText;
  std::lock_guard<std::mutex> lock(emitMutex);
  jit::Context &ctx = jit::Context::get();
  auto module = ctx.parse(mlirText);
  ctx.lowerToLLVMDialect(*module);
  if (level == EmitLevel::MLIRLowered) return jit::printModule(*module);
  llvm::LLVMContext llvmCtx;
  auto llvmModule = ctx.translate(*module, llvmCtx);
  auto tm = jit::hostTargetMachine();
  jit::optimize(*llvmModule, *tm);
  if (level == EmitLevel::LLVM) return jit::printModule(*llvmModule);
  return jit::toAssembly(*llvmModule, *tm);
}

} // namespace graphjit
