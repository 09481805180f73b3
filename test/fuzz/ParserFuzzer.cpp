// Feeds arbitrary bytes to the text IR parser; anything but a graphjit::Error
// (a crash, a sanitizer report, another exception) is a finding. What parses
// must also print and parse back to the same text.
#include "graphjit/Text/TextIR.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  try {
    auto fns = graphjit::parseModule(text, "fuzz.gj");
    std::string once = graphjit::printModule(fns);
    std::string twice = graphjit::printModule(graphjit::parseModule(once, "printed.gj"));
    if (once != twice) std::abort(); // round trip must be stable
  } catch (const graphjit::Error &) {
  }
  return 0;
}
