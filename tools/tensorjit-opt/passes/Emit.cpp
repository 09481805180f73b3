// --emit=graph|schedule|mlir|mlir-lowered|llvm|asm (each level of the compiler,
// as in MLIR's Toy tutorial, kernel by kernel as compile() runs them) and --run
// (native code, like --eval).
#include "ToolPass.h"

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/JIT/JIT.h"
#include "graphjit/Rewrite/Rewrite.h"
#include "graphjit/Runtime/Function.h"

#include <iostream>
#include <ostream>

namespace graphjit::tool {

void registerEmitPasses(std::vector<ToolPass> &passes) {
  passes.push_back(
      {"emit", "graph|schedule|mlir|mlir-lowered|llvm|asm",
       "print the code at one level of the compiler: the graph, the schedule (kernels and host "
       "steps as partitioned), then each kernel as MLIR on tensors, MLIR in the LLVM dialect, "
       "optimized LLVM IR, or host assembly",
       [](ToolContext &ctx, const std::string &value) {
         EmitLevel level = parseEmitLevel(value);
         for (const TextFunction &fn : ctx.functions) {
           // The graph as compile() compiles it: after the --compile-rewrites query.
           FunctionGraph fg(fn.inputs, fn.outputs, true);
           if (!ctx.compileQuery.empty()) {
             RewriteOptions o;
             o.query = ctx.compileQuery;
             rewriteGraph(fg, o);
           }
           ctx.out << emitCode(fg, level);
         }
         ctx.printedResults = true;
       }});
  passes.push_back({"run", "",
                    "compile to native code (the JIT), run on the --arg values, print the results",
                    [](ToolContext &ctx, const std::string &) {
                      for (const TextFunction &fn : ctx.functions) {
                        CompileOptions o;
                        o.rewrites = ctx.compileQuery;
                        if (ctx.timeCompiles) o.logCompile = false; // printed below, once
                        Function f = compile(fn.inputs, fn.outputs, {}, o);
                        if (ctx.timeCompiles) std::cerr << f.compileStats().str();
                        printResults(ctx.out, fn, f(bindArguments(ctx, fn)));
                      }
                      ctx.printedResults = true;
                    }});
}

} // namespace graphjit::tool
