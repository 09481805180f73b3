// --rewrite=QUERY, --trace-rewrites, --list-rewrites.
#include "ToolPass.h"

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Rewrite/Rewrite.h"
#include "graphjit/Text/DPrint.h"

#include <ostream>

namespace graphjit::tool {

namespace {
std::string oneLine(const Var &v) {
  DPrintOptions o;
  o.depth = 1; // the node and its operands
  std::string s = dprint(v, o);
  std::string r;
  for (char c : s)
    r += c == '\n' ? ' ' : c;
  while (!r.empty() && r.back() == ' ')
    r.pop_back();
  return r;
}
} // namespace

void registerRewritePasses(std::vector<ToolPass> &passes) {
  passes.push_back({"trace-rewrites", "",
                    "print each rewrite that --rewrite applies (rule, the node before, its "
                    "replacement), wherever "
                    "this flag appears",
                    [](ToolContext &ctx, const std::string &) { ctx.traceRewrites = true; }});
  passes.push_back(
      {"compile-rewrites", "QUERY",
       "the rewrite query --emit and --run apply before compiling (default fast_run, as compile(); "
       "'none' for no rewrites)",
       [](ToolContext &ctx, const std::string &query) {
         if (query != "none") rewriteRegistry().select(query); // an unknown term is an error now
         ctx.compileQuery = query == "none" ? "" : query;
       }});
  passes.push_back({"rewrite", "QUERY",
                    "apply rewrites until nothing changes: tags (canonicalize, stabilize, "
                    "specialize, fast_run) or "
                    "rule names, '-name' to exclude, e.g. fast_run,-local_mul_zero",
                    [](ToolContext &ctx, const std::string &query) {
                      for (TextFunction &fn : ctx.functions) {
                        FunctionGraph fg(fn.inputs, fn.outputs, true);
                        RewriteOptions o;
                        o.query = query;
                        if (ctx.traceRewrites)
                          o.listener = [&](const RewriteEvent &e) {
                            ctx.out << "# rewrite " << e.rule << " in @" << fn.name << ": "
                                    << oneLine(e.before) << "  =>  " << oneLine(e.after) << "\n";
                          };
                        rewriteGraph(fg, o);
                        fn.inputs = fg.inputs();
                        fn.outputs = fg.outputs();
                      }
                    }});
  passes.push_back({"list-rewrites", "",
                    "list every rewrite rule with its tags and algebra (needs no input)",
                    [](ToolContext &ctx, const std::string &) {
                      for (const NodeRewriter &r : rewriteRegistry().all()) {
                        std::string tags;
                        for (const std::string &t : r.tags)
                          tags += (tags.empty() ? "" : ",") + t;
                        ctx.out << r.name << "  [" << tags << "]  " << r.algebra << "\n";
                      }
                      ctx.printedResults = true;
                    }});
}

} // namespace graphjit::tool
