// The registry of tensorjit-opt passes (--emit, --eval, --grad, rewrites).
#include "ToolPass.h"

#include <ostream>

namespace graphjit::tool {

const std::vector<ToolPass> &allPasses() {
  static const std::vector<ToolPass> passes = [] {
    std::vector<ToolPass> p;
    registerRewritePasses(p);
    registerGradPass(p);
    registerEvalPass(p);
    registerEmitPasses(p);
    registerTimePass(p);
    return p;
  }();
  return passes;
}

std::vector<Tensor> bindArguments(const ToolContext &ctx, const TextFunction &fn) {
  std::map<std::string, std::string> given;
  for (auto &[name, value] : ctx.args) {
    bool known = false;
    for (const Var &in : fn.inputs)
      known |= in.name() == name;
    if (!known)
      throw ValueError("--arg " + name + ": @" + fn.name + " has no argument named '" + name + "'");
    if (!given.emplace(name, value).second)
      throw ValueError("--arg " + name + " given more than once");
  }
  std::vector<Tensor> values;
  for (size_t i = 0; i < fn.inputs.size(); ++i) {
    const Var &in = fn.inputs[i];
    auto it = given.find(in.name());
    if (it == given.end())
      throw ValueError("missing --arg for argument " + std::to_string(i) + " '%" + in.name() +
                       "' of type " + in.type().str());
    Tensor t;
    try {
      if (!in.type()
               .isTensor()) // a value that is not a tensor, written as it prints: rng{key=1, ...}
        t = in.type().kind->parseValue(it->second);
      else
        t = !it->second.empty() && it->second[0] == '@'
                ? loadNpy(it->second.substr(1))
                : parseTensorLiteral(it->second, in.dtype());
    } catch (const ValueError &e) {
      throw ValueError("--arg " + in.name() + ": " + e.what());
    }
    if (!in.type().accepts(t))
      throw TypeError("--arg " + in.name() + ": expected " + in.type().str() + ", got " +
                      TensorType(t.dtype(), t.shape()).str());
    values.push_back(t);
  }
  return values;
}

void printResults(std::ostream &out, const TextFunction &fn, const std::vector<Tensor> &results) {
  for (size_t i = 0; i < results.size(); ++i) {
    std::string name = fn.outputs[i].name().empty() ? std::to_string(i) : fn.outputs[i].name();
    out << "%" << name << " = " << results[i].str() << "\n";
  }
}

} // namespace graphjit::tool
