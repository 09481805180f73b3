// Var::eval: PyTensor's x.eval({x: value}) for quick looks at a value.
//
// Declared on Var (Graph) but defined here because it compiles the graph:
// the graph core sits below the rewrites and the interpreter and must not
// depend on them, while the library is one shared object, so the symbol
// resolves at link time. It compiles with Mode::Interpret and the default
// rewrites, so eval gives what a compiled Function would (stable forms
// included) without paying for a JIT compile.
#include "graphjit/Graph/Clone.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Runtime/Function.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

namespace {
std::string describe(const Var &v) {
  return (v.name().empty() ? std::string("<unnamed>") : "'" + v.name() + "'") + " of type " +
         v.type().str();
}
} // namespace

Tensor Var::eval(const std::vector<std::pair<Var, Tensor>> &bindings) const {
  if (!p_) throw ValueError("Var::eval: the variable is null");
  std::vector<Var> inputs;
  std::vector<Tensor> values;
  for (auto &[var, value] : bindings) {
    if (!var) throw ValueError("Var::eval: a binding has a null variable");
    if (var->isConstant() || var->isShared())
      throw ValueError("Var::eval: " + describe(var) +
                       " is not a graph input (it is constant or shared)");
    for (const Var &seen : inputs)
      if (seen == var) throw ValueError("Var::eval: " + describe(var) + " is bound twice");
    inputs.push_back(var);
    if (var.type().isTensor() && !var.type().accepts(value))
      throw TypeError("Var::eval: the value for " + describe(var) + " has type " +
                      typeOf(value).str() + ", expected " + var.type().str());
    // A value that is not a tensor goes through its type's filter (which may convert it).
    values.push_back(var.type().filter(
        value, "Var::eval: input " +
                   (var.name().empty() ? std::string("<unnamed>") : "'" + var.name() + "'")));
  }
  // A bound computed variable (a random variable fixed to a value) cuts the graph there.
  Var graph = *this;
  Replacements cut;
  for (Var &in : inputs)
    if (in->owner()) {
      Var root = Var::input(in.type(), in.name());
      cut.emplace_back(in, root);
      in = root;
    }
  if (!cut.empty()) graph = graph_replace(*this, cut);
  for (const Var &root : graphInputs({graph})) {
    bool bound = false;
    for (const Var &in : inputs)
      bound |= in == root;
    if (!bound)
      throw ValueError("Var::eval: no value given for input " + describe(root) +
                       "; pass one as v.eval({{input, value}})");
  }
  return compile(inputs, {graph}, {}, Mode::Interpret)(values)[0];
}

} // namespace graphjit
