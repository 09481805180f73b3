// Looking at graphs: dprint (PyTensor's debug print) and Graphviz DOT.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <string>
#include <vector>

namespace graphjit {

struct DPrintOptions {
  bool printTypes = false; ///< append <f64[?,3]> to each line
  int depth = -1;          ///< levels below the outputs to print; -1 = all
};

/// Tree form, one line per variable:
///   add [id A] 'y'
///    ├─ exp [id B]
///    │  └─ x [id C]
///    └─ x [id C]
/// A subgraph reached twice is printed in full once; later it is only its line
/// (its [id X] refers back). A subtree deeper than kMaxIndent levels below the
/// tree it is in ends with "..." and is printed after that tree as a tree of its
/// own, so the output stays linear in the graph size (a 30k-node chain is fine).
constexpr int kMaxIndent = 32;
std::string dprint(const std::vector<Var> &outputs, const DPrintOptions &options = {});
std::string dprint(const Var &output, const DPrintOptions &options = {});

/// Graphviz DOT: variables as ellipses (inputs, constants and outputs styled
/// apart), apply nodes as boxes, edges labelled with the input position.
std::string to_dot(const std::vector<Var> &outputs);

} // namespace graphjit
