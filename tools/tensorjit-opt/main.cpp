// tensorjit-opt: reads text IR, runs the passes named on the command line in
// order, and prints the result (text IR, dprint or DOT) or computed values.
#include "ToolPass.h"

#include "graphjit/Text/DPrint.h"
#include "graphjit/Text/Render.h"
#include "graphjit/Text/TextIR.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace graphjit;
using namespace graphjit::tool;

namespace {
void printHelp() {
  std::cout
      << "usage: tensorjit-opt [FILE|-] [options]\n\n"
         "Reads graphjit text IR (from FILE, or standard input for '-' or no FILE), runs the\n"
         "passes given on the command line in order, and prints the result.\n\n"
         "Options:\n"
         "  --help                  show this help\n"
         "  --print=ir|dprint|dot|svg|png\n"
         "                          output format (default ir: the text IR); svg and png are\n"
         "                          pictures laid out by Graphviz\n"
         "  -o FILE                 write the output to FILE instead of standard output\n"
         "  --arg NAME=VALUE        value of argument NAME for --eval/--run: a literal such as\n"
         "                          [[1,2],[3,4]] or 2.5, or @file.npy\n\n"
         "Passes (applied in command-line order):\n";
  for (const ToolPass &p : allPasses()) {
    std::string flag = "--" + p.flag + (p.valueName.empty() ? "" : "=" + p.valueName);
    std::cout << "  " << flag << std::string(flag.size() < 24 ? 24 - flag.size() : 1, ' ') << p.help
              << "\n";
  }
}

const ToolPass *findPass(const std::string &flag) {
  for (const ToolPass &p : allPasses())
    if (p.flag == flag) return &p;
  return nullptr;
}

int run(int argc, char **argv) {
  std::string file, print = "ir", outPath;
  bool haveFile = false;
  std::vector<std::pair<const ToolPass *, std::string>> pipeline;
  std::vector<std::pair<std::string, std::string>> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      printHelp();
      return 0;
    }
    if (a == "--arg") {
      if (i + 1 >= argc) throw ValueError("--arg needs NAME=VALUE");
      a = "--arg=" + std::string(argv[++i]);
    }
    if (a.rfind("--arg=", 0) == 0) {
      std::string nv = a.substr(6);
      size_t eq = nv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw ValueError("--arg expects NAME=VALUE, got '" + nv + "'");
      args.emplace_back(nv.substr(0, eq), nv.substr(eq + 1));
      continue;
    }
    if (a == "-o") {
      if (i + 1 >= argc) throw ValueError("-o needs a FILE");
      outPath = argv[++i];
      continue;
    }
    if (a.rfind("--print=", 0) == 0) {
      print = a.substr(8);
      if (print != "ir" && print != "dprint" && print != "dot" && print != "svg" && print != "png")
        throw ValueError("--print expects ir, dprint, dot, svg or png, got '" + print + "'");
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      size_t eq = a.find('=');
      std::string flag = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const ToolPass *p = findPass(flag);
      if (!p) throw ValueError("unknown option '" + a + "' (see --help)");
      if (p->valueName.empty() && eq != std::string::npos)
        throw ValueError("option --" + flag + " takes no value");
      if (!p->valueName.empty() && eq == std::string::npos)
        throw ValueError("option --" + flag + " needs a value: --" + flag + "=" + p->valueName);
      pipeline.emplace_back(p, eq == std::string::npos ? "" : a.substr(eq + 1));
      continue;
    }
    if (haveFile)
      throw ValueError("more than one input file given ('" + file + "' and '" + a + "')");
    file = a;
    haveFile = true;
  }

  // Settings act wherever they appear on the command line: run them first.
  std::stable_partition(pipeline.begin(), pipeline.end(), [](const auto &p) {
    return p.first->flag == "time" || p.first->flag == "trace-rewrites" ||
           p.first->flag == "compile-rewrites";
  });
  // Passes that only print information (--list-rewrites) need no input.
  bool needsInput = haveFile || pipeline.empty();
  for (auto &[pass, value] : pipeline)
    needsInput |= pass->flag != "list-rewrites";
  if (!needsInput) {
    ToolContext ctx{{}, args, std::cout};
    for (auto &[pass, value] : pipeline)
      pass->run(ctx, value);
    return 0;
  }
  std::string text, name = haveFile && file != "-" ? file : "<stdin>";
  if (!haveFile || file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ValueError("cannot open '" + file + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }

  std::ofstream outFile;
  if (!outPath.empty()) {
    outFile.open(outPath, std::ios::binary);
    if (!outFile) throw ValueError("cannot open '" + outPath + "' for writing (-o)");
  }
  std::ostream &out = outPath.empty() ? std::cout : outFile;
  ToolContext ctx{parseModule(text, name), args, out};
  for (auto &[pass, value] : pipeline)
    pass->run(ctx, value);
  if (ctx.printedResults) return 0;
  if (print == "ir") {
    out << printModule(ctx.functions);
  } else if (print == "svg" || print == "png") {
    // One picture of every function's outputs.
    std::vector<Var> all;
    for (const TextFunction &fn : ctx.functions)
      all.insert(all.end(), fn.outputs.begin(), fn.outputs.end());
    out << renderDot(to_dot(all), print);
  } else {
    for (const TextFunction &fn : ctx.functions) {
      if (print == "dprint")
        out << dprint(fn.outputs);
      else
        out << to_dot(fn.outputs);
    }
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const ParseError &e) {
    std::cerr << e.what() << "\n";
  } catch (const std::exception &e) {
    std::cerr << "tensorjit-opt: error: " << e.what() << "\n";
  }
  return 1;
}
