// Text IR printer: one line per Apply node in topological order.
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Text/TextIR.h"

#include <cmath>
#include <fmt/format.h>
#include <set>
#include <unordered_map>

namespace graphjit {

namespace {
bool isIdentifier(const std::string &s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::string literalElement(const Tensor &c, int64_t i, DType t) {
  if (t == DType::Bool) return c.getAsInt64(i) != 0 ? "true" : "false";
  if (!isFloat(t)) return fmt::format("{}", c.getAsInt64(i)); // exact: never through a double
  double v = c.getAsDouble(i);
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s =
      t == DType::Float32 ? fmt::format("{}", static_cast<float>(v)) : fmt::format("{}", v);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

void literalNested(const Tensor &vals, const Shape &shape, size_t dim, int64_t offset, DType t,
                   std::string &out) {
  if (dim == shape.size()) {
    out += literalElement(vals, offset, t);
    return;
  }
  int64_t inner = 1;
  for (size_t d = dim + 1; d < shape.size(); ++d)
    inner *= shape[d];
  out += "[";
  for (int64_t i = 0; i < shape[dim]; ++i) {
    if (i) out += ", ";
    literalNested(vals, shape, dim + 1, offset + i * inner, t, out);
  }
  out += "]";
}

/// Assigns each variable its printed name (%x or %N).
class Namer {
public:
  std::string nameFor(const Var &v) {
    auto it = names_.find(v.get());
    if (it != names_.end()) return it->second;
    std::string n = v.name();
    if (!isIdentifier(n) || used_.count(n)) {
      do
        n = std::to_string(next_++);
      while (used_.count(n));
    }
    used_.insert(n);
    return names_[v.get()] = n;
  }
  void reserve(const std::string &n) { used_.insert(n); }

private:
  std::unordered_map<Variable *, std::string> names_;
  std::set<std::string> used_;
  int next_ = 0;
};
} // namespace

std::string tensorLiteral(const Tensor &t) {
  std::string out;
  literalNested(t.contiguous(), t.shape(), 0, 0, t.dtype(), out);
  return out;
}

std::string printFunction(const TextFunction &fn) {
  Namer namer;
  std::string body,
      header = "func @" + (isIdentifier(fn.name) ? fn.name : std::string("main")) + "(";
  for (size_t i = 0; i < fn.inputs.size(); ++i) {
    const Var &in = fn.inputs[i];
    if (!in) throw ValueError("printFunction: input " + std::to_string(i) + " is null");
    header += (i ? ", %" : "%") + namer.nameFor(in) + ": " + in.type().str();
  }
  header += ") -> (";
  for (size_t i = 0; i < fn.outputs.size(); ++i) {
    if (!fn.outputs[i]) throw ValueError("printFunction: output " + std::to_string(i) + " is null");
    header += (i ? ", " : "") + fn.outputs[i].type().str();
  }
  header += ") {\n";

  std::unordered_map<Variable *, bool> defined;
  for (const Var &in : fn.inputs)
    defined[in.get()] = true;
  auto define = [&](const Var &v) {
    if (defined[v.get()]) return;
    defined[v.get()] = true;
    if (v->isShared())
      throw ValueError("printFunction: shared variable '" + v.name() +
                       "' cannot be printed; make it a function input");
    if (v->isConstant()) {
      // A value that is not a tensor prints as it says (its type's parseValue reads it back).
      const Tensor &c = v->constantValue();
      body += "  %" + namer.nameFor(v) + " = constant " +
              (c.isOpaque() ? c.str() : tensorLiteral(c)) + " : " + v.type().str() + "\n";
      return;
    }
    if (!v->owner())
      throw ValueError("printFunction: the outputs depend on '" + v.name() + "' (" +
                       v.type().str() + "), which is not an input");
  };
  for (Apply *node : toposort(fn.outputs)) {
    for (const Var &in : node->inputs())
      define(in);
    std::string lhs, types;
    for (int i = 0; i < node->numOutputs(); ++i) {
      Var o = node->output(i);
      defined[o.get()] = true;
      lhs += (i ? ", %" : "%") + namer.nameFor(o);
      types += (i ? ", " : "") + o.type().str();
    }
    std::string args;
    for (size_t i = 0; i < node->inputs().size(); ++i)
      args += (i ? ", %" : "%") + namer.nameFor(node->inputs()[i]);
    body += "  " + lhs + " = " + node->op().str() + "(" + args + ") : " + types + "\n";
  }
  std::string ret = "  return";
  for (size_t i = 0; i < fn.outputs.size(); ++i) {
    define(fn.outputs[i]);
    ret += (i ? ", %" : " %") + namer.nameFor(fn.outputs[i]);
  }
  return header + body + ret + "\n}\n";
}

std::string printModule(const std::vector<TextFunction> &fns) {
  std::string out;
  for (size_t i = 0; i < fns.size(); ++i)
    out += (i ? "\n" : "") + printFunction(fns[i]);
  return out;
}

} // namespace graphjit
