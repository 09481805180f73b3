// CompileStats printed one line per stage, as MLIR's -mlir-timing.
#include "graphjit/JIT/CompileStats.h"

#include <fmt/format.h>

namespace graphjit {

std::string CompileStats::str() const {
  std::string s = fmt::format("graphjit compile: {:.1f} ms total", total * 1e3);
  if (functionFromMemory) return s + " (function cached in memory)\n";
  s += fmt::format(
      ", {} nodes, {} steps ({} host), {} kernels ({} distinct): {} from memory, {} from disk, "
      "{} compiled in {} modules{}\n",
      nodes, steps, hostSteps, kernels, uniqueKernels, memoryHits, diskHits, compiled, modules,
      scheduleFromDisk ? "; schedule from disk" : "");
  auto line = [&](const char *name, double t) {
    s += fmt::format("  {:>9.2f} ms  {}\n", t * 1e3, name);
  };
  line("rewrite", rewrite);
  line("partition", partition);
  line("lower", lower);
  line("MLIR passes (summed over threads)", mlirPasses);
  line("translate to LLVM IR", translate);
  line("LLVM optimization", llvmOpt);
  line("codegen", codegen);
  line("link", link);
  return s;
}

} // namespace graphjit
