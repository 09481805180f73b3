// --time: each compile prints where its time went (its Function's compileStats(),
// as GRAPHJIT_LOG=compile does), as MLIR's -mlir-timing does. It applies
// wherever it appears on the command line.
#include "ToolPass.h"

namespace graphjit::tool {

void registerTimePass(std::vector<ToolPass> &passes) {
  passes.push_back({"time", "",
                    "print each compile's stage times (rewrite, lower, MLIR passes, LLVM "
                    "optimization, codegen), "
                    "kernel counts and cache hits to stderr",
                    [](ToolContext &ctx, const std::string &) { ctx.timeCompiles = true; }});
}

} // namespace graphjit::tool
