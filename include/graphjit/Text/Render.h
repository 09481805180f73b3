// One-call pictures of a graph (PyTensor's pydotprint): to_dot's text laid
// out and rendered by Graphviz's C library (gvc/cgraph), no `dot` process.
#pragma once

#include "graphjit/Graph/Variable.h"

#include <string>
#include <vector>

namespace graphjit {

/// Writes the graph computing `outputs` as an SVG / PNG file. Throws
/// ValueError when `path` cannot be written, Error when Graphviz fails.
void write_svg(const std::vector<Var> &outputs, const std::string &path);
void write_svg(const Var &output, const std::string &path);
void write_png(const std::vector<Var> &outputs, const std::string &path);
void write_png(const Var &output, const std::string &path);

/// Lays out Graphviz DOT text with `dot` and renders it in `format` ("svg",
/// "png", ...): the bytes of the file. Throws ValueError for text Graphviz
/// cannot parse or a format it has no renderer for.
std::string renderDot(const std::string &dotText, const std::string &format);

} // namespace graphjit
