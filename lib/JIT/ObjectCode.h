// One kernel from MLIR text to machine code (internal to lib/JIT). Safe to
// call from several threads at once: each call leases its own MLIR context.
#pragma once

#include <string>
#include <vector>

namespace llvm {
class Module;
}

namespace graphjit::jit {

/// Seconds spent in each stage of one compile (summed over kernels in the log).
struct StageTimes {
  double mlirPasses = 0, translate = 0, llvmOpt = 0, codegen = 0;
  StageTimes &operator+=(const StageTimes &o) {
    mlirPasses += o.mlirPasses;
    translate += o.translate;
    llvmOpt += o.llvmOpt;
    codegen += o.codegen;
    return *this;
  }
};

/// The packed entry of kernel function `name`: `void <name>_packed(void **args)`,
/// args pointing at each flattened memref field of the kernel's arguments in order.
inline std::string packedEntryName(const std::string &name) { return name + "_packed"; }

/// Adds `void <name>_packed(void **args)` calling kernel `name` with *args[i] (as MLIR's
/// ExecutionEngine packs arguments), so the runtime needs one signature only. The kernel becomes
/// internal and always-inline: its body is compiled once, inside the entry.
void addPackedEntry(llvm::Module &m, const std::string &name);

/// Compiles a module holding the kernel functions `names` (several small
/// functions share one module's fixed costs; each stays its own function, so
/// LLVM's per-function passes see small bodies) to an ELF object for the host CPU.
std::string compileToObject(const std::string &mlirModule, const std::vector<std::string> &names,
                            StageTimes *times = nullptr);

} // namespace graphjit::jit
