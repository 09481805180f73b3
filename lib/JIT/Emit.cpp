// The dump ladder (tensorjit-opt --emit): the graph, the schedule, and each kernel at every level
// of the compiler.
#include "ObjectCode.h"
#include "Partition.h"
#include "Pipeline.h"
#include "ScheduleKernel.h"

#include "graphjit/JIT/JIT.h"
#include "graphjit/Lower/Lower.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/TextIR.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <mutex>

namespace graphjit {

namespace {
std::mutex emitMutex; // the shared printing context

/// One kernel's module at `level` (MLIR, MLIRLowered, LLVM or Asm).
std::string emitKernel(const FunctionGraph &fg, const std::string &name, EmitLevel level) {
  std::string mlirText = "module {\n" + lowerToMLIR(fg, name) + "}\n";
  if (level == EmitLevel::MLIR) return mlirText;
  std::lock_guard<std::mutex> lock(emitMutex);
  jit::Context &ctx = jit::Context::get();
  auto module = ctx.parse(mlirText);
  ctx.lowerToLLVMDialect(*module);
  if (level == EmitLevel::MLIRLowered) return jit::printModule(*module);
  llvm::LLVMContext llvmCtx;
  auto llvmModule = ctx.translate(*module, llvmCtx);
  jit::addPackedEntry(*llvmModule, name); // what jitCompile optimizes: the kernel inlined
  auto tm = jit::hostTargetMachine();
  jit::optimize(*llvmModule, *tm);
  if (level == EmitLevel::LLVM) return jit::printModule(*llvmModule);
  return jit::toAssembly(*llvmModule, *tm);
}
} // namespace

EmitLevel parseEmitLevel(const std::string &name) {
  if (name == "graph") return EmitLevel::Graph;
  if (name == "schedule") return EmitLevel::Schedule;
  if (name == "mlir") return EmitLevel::MLIR;
  if (name == "mlir-lowered") return EmitLevel::MLIRLowered;
  if (name == "llvm") return EmitLevel::LLVM;
  if (name == "asm") return EmitLevel::Asm;
  throw ValueError("--emit expects graph, schedule, mlir, mlir-lowered, llvm or asm, got '" + name +
                   "'");
}

std::string emitCode(const FunctionGraph &fg, EmitLevel level) {
  return emitCode(fg, level, JitOptions{});
}

std::string emitCode(const FunctionGraph &fg, EmitLevel level, const JitOptions &options) {
  if (level == EmitLevel::Graph)
    return printFunction(TextFunction{"kernel", fg.inputs(), fg.outputs()});
  // The same partition jitCompile makes, so that every level shows what runs.
  jit::Partition part = jit::partitionGraph(fg, options.resolvedMaxKernelNodes());
  if (level == EmitLevel::Schedule) return jit::printSchedule(part, jit::stepsOf(part));
  const char *comment = level == EmitLevel::LLVM ? "; " : level == EmitLevel::Asm ? "# " : "// ";
  std::string out;
  for (size_t s = 0; s < part.steps.size(); ++s) {
    if (part.steps[s].host) continue; // runs its op's perform: no code of its own
    std::string name = "kernel" + std::to_string(s);
    out += std::string(comment) + "step " + std::to_string(s) + ": @" + name + "\n";
    out += emitKernel(*part.steps[s].graph, name, level);
  }
  return out;
}

} // namespace graphjit
