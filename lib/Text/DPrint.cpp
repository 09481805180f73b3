// dprint and to_dot.
#include "graphjit/Text/DPrint.h"
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/Traversal.h"

#include <unordered_map>
#include <unordered_set>

namespace graphjit {

namespace {
/// PyTensor-style ids: A..Z, then AA, AB, ...
std::string idName(size_t n) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('A' + n % 26));
    n = n / 26;
  } while (n-- > 0);
  return s;
}

/// Small constants print their values; larger ones their type and first values.
std::string constantLabel(const Tensor &t) {
  if (t.size() <= 4) return t.valuesStr();
  std::string label = "constant" + TensorType(t.dtype(), t.shape()).str();
  if (t.isOpaque()) return label;
  std::vector<double> first;
  for (int64_t i = 0; i < 4; ++i)
    first.push_back(t.contiguous().getAsDouble(i));
  std::string v = Tensor::fromVector(first).astype(t.dtype()).valuesStr();
  return label + (v.size() > 1 && v.back() == ']' ? v.substr(0, v.size() - 1) + ", ...]" : v);
}

std::string opLabel(const Op &op) { return op.displayStr(); }

std::string label(const Var &v) {
  if (Apply *a = v->owner()) {
    std::string s = opLabel(a->op());
    if (a->numOutputs() > 1) s += "." + std::to_string(v->index());
    return s;
  }
  if (v->isConstant()) return constantLabel(v->constantValue());
  return v.name().empty() ? "<" + v.type().str() + ">" : v.name();
}
} // namespace

std::string dprint(const std::vector<Var> &outputs, const DPrintOptions &options) {
  // Iterative (a 100k-node chain must not overflow the stack) and linear in the
  // graph: each Apply is expanded once and referred to by [id X] afterwards, and a
  // subtree that would be indented deeper than kMaxIndent levels is cut ("...")
  // and printed below as a tree of its own, so no line grows with the depth.
  std::unordered_map<const void *, std::string> ids; // per Apply (or root variable)
  std::unordered_set<const void *> expanded;
  std::string out;
  struct Frame {
    Var v;
    std::string prefix, childPrefix;
    int depth;  ///< levels below the outputs (for options.depth)
    int indent; ///< levels below the root of the tree being printed
  };
  std::vector<Frame> stack;
  std::vector<std::pair<Var, int>> continued; // cut subtrees, printed after the current tree
  std::vector<Apply *> withInner;             // nodes holding functions, shown at the end
  auto printTree = [&](const Var &root, int depth) {
    stack.push_back({root, "", "", depth, 0});
    while (!stack.empty()) {
      Frame f = std::move(stack.back());
      stack.pop_back();
      const Var &v = f.v;
      const void *key = v->owner() ? static_cast<const void *>(v->owner()) : v.get();
      auto it = ids.find(key);
      if (it == ids.end()) it = ids.emplace(key, idName(ids.size())).first;
      std::string line = f.prefix + label(v) + " [id " + it->second + "]";
      if (options.printTypes) line += " <" + v.type().str() + ">";
      if (v->owner() && !v.name().empty()) line += " '" + v.name() + "'";
      Apply *a = v->owner();
      bool expand = a && !expanded.count(key) && (options.depth < 0 || f.depth < options.depth);
      if (expand && f.indent >= kMaxIndent) {
        out += line + " ...\n"; // expanded below
        continued.emplace_back(v, f.depth);
        continue;
      }
      out += line + "\n";
      if (!expand) continue; // a leaf, printed in full already, or below the depth limit
      expanded.insert(key);
      if (!a->op().innerFunctions().empty()) withInner.push_back(a);
      const auto &ins = a->inputs();
      for (size_t i = ins.size(); i-- > 0;) {
        bool last = i + 1 == ins.size();
        stack.push_back({ins[i], f.childPrefix + (last ? " └─ " : " ├─ "),
                         f.childPrefix + (last ? "    " : " │  "), f.depth + 1, f.indent + 1});
      }
    }
  };
  for (const Var &o : outputs) {
    printTree(o, 0);
    // Cut subtrees in the order they were cut; each may cut more.
    for (size_t i = 0; i < continued.size(); ++i) {
      auto [v, depth] = continued[i];
      const void *key = static_cast<const void *>(v->owner());
      if (expanded.count(key)) continue;
      printTree(v, depth);
    }
    continued.clear();
  }
  // As PyTensor does: each node holding functions, then their outputs' trees under "←".
  if (!withInner.empty()) out += "\nInner graphs:\n";
  for (Apply *a : withInner) {
    out += "\n" + opLabel(a->op()) + " [id " + ids[a] + "]\n";
    for (const InnerFunctionView &fn : a->op().innerFunctions()) {
      out += " " + fn.label + ":\n";
      std::string inner = dprint(fn.outputs, options);
      // Each output's tree starts at column 0: mark it with "←" and indent the rest.
      size_t pos = 0;
      while (pos < inner.size()) {
        size_t end = inner.find('\n', pos);
        std::string line = inner.substr(pos, end - pos);
        pos = end == std::string::npos ? inner.size() : end + 1;
        bool top = !line.empty() && line[0] != ' ' && line.rfind("Inner graphs:", 0) != 0;
        out += (top ? "  ← " : "    ") + line + "\n";
      }
    }
  }
  return out;
}

std::string dprint(const Var &output, const DPrintOptions &options) {
  return dprint(std::vector<Var>{output}, options);
}

std::string to_dot(const std::vector<Var> &outputs) {
  std::string out = "digraph graphjit {\n  rankdir=TB;\n";
  std::unordered_map<const void *, std::string> names;
  auto nameOf = [&](const void *p, char prefix) {
    auto it = names.find(p);
    if (it != names.end()) return it->second;
    return names[p] = prefix + std::to_string(names.size());
  };
  auto escape = [](std::string s) {
    std::string r;
    for (char c : s)
      r += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return r;
  };
  std::unordered_set<Variable *> isOutput;
  for (const Var &o : outputs)
    isOutput.insert(o.get());
  for (const Var &v : ancestors(outputs)) {
    std::string style = v->isConstant() ? "shape=ellipse, style=dashed"
                        : !v->owner()   ? "shape=ellipse, style=filled, fillcolor=lightgreen"
                        : isOutput.count(v.get())
                            ? "shape=ellipse, style=filled, fillcolor=lightblue"
                            : "shape=ellipse";
    std::string head = v->owner() ? v.name() : label(v);
    std::string text = (head.empty() ? "" : escape(head) + "\\n") + escape(v.type().str());
    out += "  " + nameOf(v.get(), 'v') + " [label=\"" + text + "\", " + style + "];\n";
  }
  for (Apply *a : toposort(outputs)) {
    std::string n = nameOf(a, 'n');
    out += "  " + n + " [label=\"" + escape(a->op().str()) + "\", shape=box];\n";
    for (size_t i = 0; i < a->inputs().size(); ++i)
      out += "  " + nameOf(a->inputs()[i].get(), 'v') + " -> " + n + " [label=\"" +
             std::to_string(i) + "\"];\n";
    for (int i = 0; i < a->numOutputs(); ++i)
      out += "  " + n + " -> " + nameOf(a->output(i).get(), 'v') + ";\n";
  }
  return out + "}\n";
}

} // namespace graphjit
