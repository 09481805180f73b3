// write_svg / write_png through Graphviz's library.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace graphjit;

namespace {
std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
std::string scratch(const std::string &name) {
  return (std::filesystem::temp_directory_path() /
          ("graphjit-render-" + std::to_string(::getpid()) + name))
      .string();
}
} // namespace

TEST(Render, SvgNamesEveryNode) {
  Var x = vector("x"), w = vector("w");
  Var y = sigmoid(dot(x, w));
  y->name = "prob";
  std::string path = scratch(".svg");
  write_svg(y, path);
  std::string svg = readFile(path);
  std::filesystem::remove(path);
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << svg.substr(0, 80);
  for (const char *label : {">sigmoid<", ">x<", ">w<", ">prob<", "</svg>"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
}

TEST(Render, PngHasTheSignatureAndSize) {
  Var x = matrix("x");
  std::string path = scratch(".png");
  write_png({exp(x), sum(x)}, path);
  std::string png = readFile(path);
  std::filesystem::remove(path);
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR: big-endian width and height of a real picture, not an empty canvas.
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(png[at])) << 24) | (uint32_t(uint8_t(png[at + 1])) << 16) |
           (uint32_t(uint8_t(png[at + 2])) << 8) | uint32_t(uint8_t(png[at + 3]));
  };
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_GT(be32(16), 50u);
  EXPECT_GT(be32(20), 50u);
}

TEST(Render, ErrorsAreTyped) {
  Var x = vector("x");
  EXPECT_THROW(write_svg(exp(x), "/nonexistent-dir/graph.svg"), ValueError);
  try {
    renderDot("digraph {", "svg");
    ADD_FAILURE() << "no exception for malformed DOT";
  } catch (const ValueError &e) {
    EXPECT_NE(
        std::string(e.what()).find("could not parse the DOT text (Graphviz: Error: syntax error"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(renderDot("digraph { a -> b }", "no-such-format"), ValueError);
  // The process-wide context keeps working after errors and across formats.
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(renderDot("digraph { a -> b }", "svg").find("<svg"), std::string::npos);
}
