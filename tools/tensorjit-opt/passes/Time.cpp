// --time: each compile prints where its time went (GRAPHJIT_LOG=compile), as
// MLIR's -mlir-timing does. It applies wherever it appears on the command line.
#include "ToolPass.h"

#include <cstdlib>

namespace graphjit::tool {

void registerTimePass(std::vector<ToolPass> &passes) {
  passes.push_back({"time", "",
                    "print each compile's stage times (rewrite, lower, MLIR passes, LLVM optimization, codegen), "
                    "kernel counts and cache hits to stderr",
                    [](ToolContext &, const std::string &) { setenv("GRAPHJIT_LOG", "compile", 1); }});
}

} // namespace graphjit::tool
