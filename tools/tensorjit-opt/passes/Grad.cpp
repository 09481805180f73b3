// --grad=OUT:WRT[,WRT...]: appends d(OUT)/d(WRT) for each named argument as extra results.
#include "ToolPass.h"

#include "graphjit/Transform/Grad.h"

namespace graphjit::tool {

namespace {
Var findOutput(const TextFunction &fn, const std::string &name) {
  for (size_t i = 0; i < fn.outputs.size(); ++i)
    if (fn.outputs[i].name() == name || std::to_string(i) == name) return fn.outputs[i];
  throw ValueError("--grad: @" + fn.name + " returns no value named '" + name + "'");
}

Var findArgument(const TextFunction &fn, const std::string &name) {
  for (const Var &in : fn.inputs)
    if (in.name() == name) return in;
  throw ValueError("--grad: @" + fn.name + " has no argument named '" + name + "'");
}
} // namespace

void registerGradPass(std::vector<ToolPass> &passes) {
  passes.push_back(
      {"grad", "OUT:WRT[,WRT...]",
       "append the gradients of result OUT (a scalar; a name or an index) with respect to "
       "the named arguments as extra results",
       [](ToolContext &ctx, const std::string &value) {
         size_t colon = value.find(':');
         if (colon == std::string::npos || colon == 0 || colon + 1 == value.size())
           throw ValueError("--grad expects OUT:WRT[,WRT...], got '" + value + "'");
         std::string out = value.substr(0, colon);
         for (TextFunction &fn : ctx.functions) {
           Var cost = findOutput(fn, out);
           std::vector<Var> wrt;
           size_t start = colon + 1;
           while (start <= value.size()) {
             size_t comma = value.find(',', start);
             std::string w = value.substr(start, comma == std::string::npos ? std::string::npos
                                                                            : comma - start);
             wrt.push_back(findArgument(fn, w));
             if (comma == std::string::npos) break;
             start = comma + 1;
           }
           std::vector<Var> grads = grad(cost, wrt);
           for (size_t i = 0; i < grads.size(); ++i) {
             grads[i]->name = "d" + cost.name() + "_d" + wrt[i].name();
             fn.outputs.push_back(grads[i]);
           }
         }
       }});
}

} // namespace graphjit::tool
