// The op registry: every op graphjit defines, registered explicitly.
#include "graphjit/Ops/Registry.h"
#include "graphjit/ControlFlow/ControlFlow.h"
#include "graphjit/Ops/AdvancedIndexing.h"
#include "graphjit/Ops/Blockwise.h"
#include "graphjit/Ops/Cumulative.h"
#include "graphjit/Ops/Diagonal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/IndexingDyn.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/LinalgDecomp.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Random.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Ops/ShapeArgs.h"
#include "graphjit/Ops/Sort.h"
#include "graphjit/Ops/Special.h"
#include "graphjit/Ops/StopGradient.h"

#include "graphjit/Support/Error.h"

#include <cctype>
#include <mutex>

namespace graphjit {

namespace {
OpRegistry &registry() {
  static OpRegistry registry = [] {
    OpRegistry r;
    registerElemwiseOps(r);
    registerDimShuffleOps(r);
    registerShapeOps(r);
    registerIndexingOps(r);
    registerReduceOps(r);
    registerMatMulOps(r);
    registerStopGradientOps(r);
    registerLinalgOps(r);
    registerLinalgDecompOps(r);
    registerSpecialOps(r);
    registerRandomOps(r);
    registerDiagonalOps(r);
    registerCumulativeOps(r);
    registerSortOps(r);
    registerAdvancedIndexingOps(r);
    registerShapeArgOps(r);    // ShapeArgs.cpp: sizes as graph values
    registerDynIndexingOps(r); // IndexingDyn.cpp: positions as graph values
    registerBlockwiseOps(r);
    // Ops holding inner graphs (a module above Ops: it reuses Interp, Text and Transform).
    registerControlFlowOps(r);
    return r;
  }();
  return registry;
}
} // namespace

const OpRegistry &opRegistry() { return registry(); }

namespace {
/// Why the text IR could not read `name` back as an op name ("" when it can): an identifier
/// (letters, digits, '_', not starting with a digit, at most 256 characters, the parser's limit)
/// that is not a word of the syntax.
std::string unreadableOpName(const std::string &name) {
  if (name.empty()) return "an empty name";
  if (name.size() > 256) return "longer than 256 characters";
  if (std::isdigit(static_cast<unsigned char>(name[0]))) return "it starts with a digit";
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return std::string("it contains '") + c + "' (only letters, digits and '_')";
  for (const char *word : {"constant", "return", "func"})
    if (name == word) return "'" + name + "' is a word of the text IR";
  return "";
}
} // namespace

void registerOp(const std::string &name, OpRegistry::Factory factory, Attrs exampleAttrs) {
  // A registered op must print and parse back (the disk cache stores graphs as text IR).
  std::string why = unreadableOpName(name);
  if (!why.empty())
    throw ValueError("registerOp: cannot register an op named '" + name +
                     "': the text IR could not read it back (" + why + ")");
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  if (registry().contains(name))
    throw ValueError("registerOp: an op named '" + name + "' is already registered");
  registry().add(name, std::move(factory), std::move(exampleAttrs));
}

} // namespace graphjit
