// One kernel from MLIR text to machine code (internal to lib/JIT). Safe to
// call from several threads at once: each call leases its own MLIR context.
#pragma once

#include <string>

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

/// The entry point every kernel object defines: `void kernel_packed(void **args)`,
/// args pointing at each flattened memref field of the kernel's arguments in order.
inline constexpr const char *kPackedEntry = "kernel_packed";

/// Compiles a module holding `func.func @kernel` to an ELF object for the host CPU.
std::string compileToObject(const std::string &mlirModule, StageTimes *times = nullptr);

} // namespace graphjit::jit
