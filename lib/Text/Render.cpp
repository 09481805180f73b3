// write_svg / write_png: Graphviz's library lays out to_dot's text in process.
#include "graphjit/Text/Render.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/DPrint.h"

#include <graphviz/gvc.h>

#include <fstream>
#include <memory>
#include <mutex>

namespace graphjit {

namespace {
/// One Graphviz context for the process, never freed: Graphviz 2.42 keeps a
/// font cache across contexts, and a second gvContext() after gvFreeContext()
/// reads freed memory in the pango plugin (seen under AddressSanitizer).
/// Graphviz is not thread-safe, so every use holds the mutex.
std::mutex graphvizMutex;
GVC_t *graphvizContext() {
  static GVC_t *gvc = gvContext();
  return gvc;
}

/// Graphviz's messages for the call in progress (under the mutex), so that
/// they go into the exception instead of onto stderr.
std::string *graphvizMessages = nullptr;
int collectMessage(char *message) {
  if (graphvizMessages) *graphvizMessages += message;
  return 0;
}
std::string withMessages(const std::string &what, std::string messages) {
  while (!messages.empty() && (messages.back() == '\n' || messages.back() == ' '))
    messages.pop_back();
  return messages.empty() ? what : what + " (Graphviz: " + messages + ")";
}

/// Frees a graph (and its layout) on every exit.
struct GraphGuard {
  GVC_t *gvc;
  Agraph_t *graph = nullptr;
  bool laidOut = false;
  ~GraphGuard() {
    if (laidOut) gvFreeLayout(gvc, graph);
    if (graph) agclose(graph);
  }
};

} // namespace

// Graphviz's text layout (pango) initializes fontconfig on a thread of its
// own and keeps its caches for the process; LeakSanitizer reports them as
// leaks. They are not ours: suppress exactly those libraries, and only in
// sanitized builds (the executable's own suppressions, if any, win).
#if defined(__SANITIZE_ADDRESS__)
#define GRAPHJIT_RENDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GRAPHJIT_RENDER_ASAN 1
#endif
#endif
#ifdef GRAPHJIT_RENDER_ASAN
extern "C" const char *__lsan_default_suppressions() {
  return "leak:libfontconfig.so\nleak:libpango\nleak:libcairo.so\nleak:libglib-2.0.so\n";
}
#endif

namespace {
void writeFile(const std::string &bytes, const std::string &path, const char *who) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw ValueError(std::string(who) + ": cannot open '" + path + "' for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw ValueError(std::string(who) + ": writing '" + path + "' failed");
}
} // namespace

std::string renderDot(const std::string &dotText, const std::string &format) {
  std::lock_guard<std::mutex> lock(graphvizMutex);
  GraphGuard s{graphvizContext()};
  if (!s.gvc) throw Error("renderDot: Graphviz could not create a context");
  std::string messages;
  graphvizMessages = &messages;
  agseterrf(collectMessage);
  struct Restore {
    ~Restore() {
      agseterrf(nullptr);
      graphvizMessages = nullptr;
    }
  } restore;
  s.graph = agmemread(dotText.c_str());
  if (!s.graph)
    throw ValueError(withMessages("renderDot: Graphviz could not parse the DOT text", messages));
  if (gvLayout(s.gvc, s.graph, "dot") != 0)
    throw Error(
        withMessages("renderDot: Graphviz could not lay out the graph with 'dot' (is the graphviz "
                     "package installed?)",
                     messages));
  s.laidOut = true;
  char *data = nullptr;
  unsigned int length = 0;
  int rc = gvRenderData(s.gvc, s.graph, format.c_str(), &data, &length);
  // The buffer is allocated even when the format is unknown.
  std::unique_ptr<char, void (*)(char *)> owned(data, gvFreeRenderData);
  if (rc != 0 || !data)
    throw ValueError(
        withMessages("renderDot: Graphviz has no renderer for format '" + format + "'", messages));
  return std::string(data, length);
}

void write_svg(const std::vector<Var> &outputs, const std::string &path) {
  writeFile(renderDot(to_dot(outputs), "svg"), path, "write_svg");
}
void write_svg(const Var &output, const std::string &path) {
  write_svg(std::vector<Var>{output}, path);
}

void write_png(const std::vector<Var> &outputs, const std::string &path) {
  writeFile(renderDot(to_dot(outputs), "png"), path, "write_png");
}
void write_png(const Var &output, const std::string &path) {
  write_png(std::vector<Var>{output}, path);
}

} // namespace graphjit
