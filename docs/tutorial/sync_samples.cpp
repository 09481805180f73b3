// Keeps the tutorial's code blocks equal to the sample files that make test
// runs. A chapter shows a sample with a marker line followed by a cpp block:
//   <!-- sample: 01-symbolic.cpp -->
//   ```cpp
//   ...the file, verbatim...
//   ```
// `sync_samples SAMPLES_DIR DOC.md...` checks every marker in the docs and
// that every sample is shown; with --update it rewrites the blocks instead.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {
std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::cerr << "usage: sync_samples SAMPLES_DIR DOC.md... [--update]\n";
    return 2;
  }
  fs::path samples = argv[1];
  bool update = false;
  std::vector<fs::path> chapters;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--update")
      update = true;
    else
      chapters.push_back(argv[i]);
  }
  std::set<std::string> shown;
  int errors = 0;
  const std::string marker = "<!-- sample: ";
  for (const fs::path &chapter : chapters) {
    std::istringstream in(readFile(chapter));
    std::string line, out;
    int lineNo = 0;
    bool changed = false;
    while (std::getline(in, line)) {
      ++lineNo;
      out += line + "\n";
      if (line.rfind(marker, 0) != 0) continue;
      size_t end = line.find(" -->");
      std::string name = line.substr(marker.size(), end - marker.size());
      fs::path sample = samples / name;
      if (end == std::string::npos || !fs::exists(sample)) {
        std::cerr << chapter.string() << ":" << lineNo << ": no sample file 'samples/" << name
                  << "'\n";
        ++errors;
        continue;
      }
      shown.insert(name);
      std::string fence, block, l;
      std::getline(in, fence);
      ++lineNo;
      if (fence != "```cpp") {
        std::cerr << chapter.string() << ":" << lineNo << ": expected ```cpp after the marker for "
                  << name << ", got '" << fence << "'\n";
        ++errors;
        out += fence + "\n";
        continue;
      }
      while (std::getline(in, l) && l != "```") {
        ++lineNo;
        block += l + "\n";
      }
      ++lineNo;
      std::string want = readFile(sample);
      if (block != want) {
        if (update) {
          changed = true;
        } else {
          std::cerr << chapter.string() << ":" << lineNo << ": the block for " << name
                    << " differs from samples/" << name << " (run sync_samples --update)\n";
          ++errors;
        }
      }
      out += "```cpp\n" + (update ? want : block) + "```\n";
    }
    if (changed) std::ofstream(chapter, std::ios::binary) << out;
  }
  for (auto &e : fs::directory_iterator(samples))
    if (e.path().extension() == ".cpp" && !shown.count(e.path().filename().string())) {
      std::cerr << "samples/" << e.path().filename().string() << " is shown in no chapter\n";
      ++errors;
    }
  if (errors == 0) std::cout << "docs: " << shown.size() << " samples, all shown as they are\n";
  return errors ? 1 : 0;
}
