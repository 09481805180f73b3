// A rule's op filter must name registered ops: a builder's or PyTensor's spelling ("inv"), a typo
// or an op not registered yet would make a rule that silently never fires.
#include "Rules.h"

#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Names.h"
#include "graphjit/Ops/Registry.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <vector>

namespace graphjit::rewrite {

namespace {
/// The ops a builder or PyTensor name `n` builds ("inv" -> 'matrix_inverse'), or "".
std::string opsBuiltBy(const std::string &n) {
  for (const PyTensorName &row : pytensorNames()) {
    std::string builder = row.builder.substr(0, row.builder.find('('));
    bool match = builder == n;
    for (const std::string &py : pytensorSpellings(row))
      match |= py.substr(py.rfind('.') + 1) == n;
    if (!match || row.ops.empty()) continue;
    std::string out;
    for (const std::string &o : row.ops)
      out += (out.empty() ? "'" : ", '") + o + "'";
    return out;
  }
  return "";
}

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// The registered op name closest to `n` (a typo: at most a third of its letters off), or "".
std::string closestOp(const std::string &n) {
  std::string best;
  size_t bestD = n.size() / 3 + 1;
  for (const std::string &name : opRegistry().names()) {
    size_t d = editDistance(n, name);
    if (d < bestD) best = name, bestD = d;
  }
  return best;
}
} // namespace

void checkOpFilter(const NodeRewriter &r, const std::string &how) {
  for (const std::string &op : r.ops) {
    if (opRegistry().contains(op)) continue;
    std::string builds = opsBuiltBy(op), hint;
    if (!builds.empty())
      hint = ": it is a builder's name, which builds " + builds;
    else if (std::string near = closestOp(op); !near.empty())
      hint = ": did you mean '" + near + "'?";
    else
      hint = ": an op of your own must be registered (registerOp) before a rule names it";
    throw ValueError("rewrite: " + how + " rule '" + r.name + "' has op filter '" + op +
                     "', which is not a registered op" + hint + " (docs/ops.md lists every name)");
  }
}

} // namespace graphjit::rewrite
