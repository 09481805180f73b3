// tensorjit-opt's passes: each command-line option that transforms, checks or
// runs the functions is one ToolPass, defined in its own file under passes/
// and listed once in registerAllPasses() (ToolPass.cpp).
#pragma once

#include "graphjit/Tensor/Tensor.h"
#include "graphjit/Text/TextIR.h"

#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace graphjit::tool {

/// What passes work on: the parsed functions, the --arg values, the output.
struct ToolContext {
  std::vector<TextFunction> functions;
  std::vector<std::pair<std::string, std::string>> args; ///< --arg NAME=VALUE, in order
  std::ostream &out;
  /// Set by passes that print results (--eval, --run): the IR is then not printed.
  bool printedResults = false;
  /// Set by --trace-rewrites (wherever it appears): --rewrite passes print each rewrite.
  bool traceRewrites = false;
  /// The rewrite query --emit and --run apply first, as compile() does ("" for none);
  /// --compile-rewrites.
  std::string compileQuery = "fast_run";
  /// Set by --time (wherever it appears): --run prints each compile's CompileStats to stderr.
  bool timeCompiles = false;
};

struct ToolPass {
  std::string flag;      ///< "grad" for --grad
  std::string valueName; ///< "OUT:WRT[,WRT...]"; empty if the flag takes no value
  std::string help;
  std::function<void(ToolContext &, const std::string &value)> run;
};

/// Every pass, in the order --help lists them.
const std::vector<ToolPass> &allPasses();

// Registration functions, one per file under passes/.
void registerEvalPass(std::vector<ToolPass> &passes);
void registerGradPass(std::vector<ToolPass> &passes);
void registerTimePass(std::vector<ToolPass> &passes);
void registerEmitPasses(std::vector<ToolPass> &passes);
void registerRewritePasses(std::vector<ToolPass> &passes);

/// The values for `fn`'s inputs from ctx.args (literals or @file.npy); throws ValueError.
std::vector<Tensor> bindArguments(const ToolContext &ctx, const TextFunction &fn);
/// Prints results as "%name = f64[2] [1, 2]".
void printResults(std::ostream &out, const TextFunction &fn, const std::vector<Tensor> &results);

} // namespace graphjit::tool
