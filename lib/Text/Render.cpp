// write_svg / write_png: Graphviz's library lays out to_dot's text in process.
#include "graphjit/Text/Render.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/DPrint.h"

#include <graphviz/gvc.h>

#include <fstream>
#include <memory>

namespace graphjit {

namespace {
/// Owns a Graphviz context and graph, so every exit frees them.
struct GraphvizSession {
  GVC_t *gvc = gvContext();
  Agraph_t *graph = nullptr;
  bool laidOut = false;
  ~GraphvizSession() {
    if (laidOut) gvFreeLayout(gvc, graph);
    if (graph) agclose(graph);
    gvFreeContext(gvc);
  }
};

void writeFile(const std::string &bytes, const std::string &path, const char *who) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw ValueError(std::string(who) + ": cannot open '" + path + "' for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw ValueError(std::string(who) + ": writing '" + path + "' failed");
}
} // namespace

std::string renderDot(const std::string &dotText, const std::string &format) {
  GraphvizSession s;
  if (!s.gvc) throw Error("renderDot: Graphviz could not create a context");
  s.graph = agmemread(dotText.c_str());
  if (!s.graph) throw ValueError("renderDot: Graphviz could not parse the DOT text");
  if (gvLayout(s.gvc, s.graph, "dot") != 0)
    throw Error("renderDot: Graphviz has no 'dot' layout (is the graphviz package installed?)");
  s.laidOut = true;
  char *data = nullptr;
  unsigned int length = 0;
  if (gvRenderData(s.gvc, s.graph, format.c_str(), &data, &length) != 0)
    throw ValueError("renderDot: Graphviz has no renderer for format '" + format + "'");
  std::unique_ptr<char, void (*)(char *)> owned(data, gvFreeRenderData);
  return std::string(data, length);
}

void write_svg(const std::vector<Var> &outputs, const std::string &path) {
  writeFile(renderDot(to_dot(outputs), "svg"), path, "write_svg");
}
void write_svg(const Var &output, const std::string &path) { write_svg(std::vector<Var>{output}, path); }

void write_png(const std::vector<Var> &outputs, const std::string &path) {
  writeFile(renderDot(to_dot(outputs), "png"), path, "write_png");
}
void write_png(const Var &output, const std::string &path) { write_png(std::vector<Var>{output}, path); }

} // namespace graphjit
