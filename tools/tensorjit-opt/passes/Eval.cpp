// --eval: runs each function with the reference interpreter on the --arg values.
#include "ToolPass.h"

#include "graphjit/Interp/Interpreter.h"

namespace graphjit::tool {

void registerEvalPass(std::vector<ToolPass> &passes) {
  passes.push_back(
      {"eval", "", "evaluate with the reference interpreter (inputs from --arg), print the results",
       [](ToolContext &ctx, const std::string &) {
         for (const TextFunction &fn : ctx.functions) {
           std::vector<Tensor> values = bindArguments(ctx, fn);
           Bindings b;
           for (size_t i = 0; i < values.size(); ++i)
             b.emplace_back(fn.inputs[i], values[i]);
           printResults(ctx.out, fn, evaluate(fn.outputs, b));
         }
         ctx.printedResults = true;
       }});
}

} // namespace graphjit::tool
