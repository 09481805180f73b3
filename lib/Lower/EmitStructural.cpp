// dimshuffle -> linalg.generic (matmul: EmitProducts.cpp).
#include "EmitProducts.h"
#include "Emitter.h"

#include "graphjit/Ops/DimShuffle.h"

#include <algorithm>

namespace graphjit::lower {

namespace {
std::string parallelIterators(int n) {
  std::string s;
  for (int d = 0; d < n; ++d)
    s += std::string(d ? ", " : "") + "\"parallel\"";
  return s;
}

void emitDimShuffle(EmitContext &ctx, Apply &node) {
  const auto &op = static_cast<const DimShuffle &>(node.op());
  const Var &x = node.input(0);
  Var out = node.output(0);
  int n = out.ndim();
  std::vector<std::string> inRes, outRes;
  for (int d = 0; d < n; ++d)
    outRes.push_back("d" + std::to_string(d));
  for (int a = 0; a < op.inputNdim(); ++a) {
    auto it = std::find(op.order().begin(), op.order().end(), a);
    inRes.push_back(it == op.order().end() ? "0" : "d" + std::to_string(it - op.order().begin()));
  }
  std::vector<std::string> dyn;
  for (int d = 0; d < n; ++d)
    if (out.type().shape[d] == kUnknownDim)
      dyn.push_back(ctx.dim(x, static_cast<int>(op.order()[d])));
  std::string init = ctx.empty(out.type(), dyn);
  std::string a = ctx.fresh("a"), o = ctx.fresh("o"), r = ctx.fresh("ds");
  std::string et = mlirElementType(out.dtype());
  ctx.body << "  " << r << " = linalg.generic {indexing_maps = [" << affineMap(n, inRes) << ", "
           << affineMap(n, outRes) << "], iterator_types = [" << parallelIterators(n) << "]} ins("
           << ctx.ssa(x) << " : " << tensorType(x.type()) << ") outs(" << init << " : "
           << tensorType(out.type()) << ") {\n  ^bb0(" << a << ": " << et << ", " << o << ": " << et
           << "):\n    linalg.yield " << a << " : " << et << "\n  } -> " << tensorType(out.type())
           << "\n";
  ctx.bind(out, r, dyn);
}

} // namespace

void registerStructuralEmitters(std::map<std::string, Emitter> &table) {
  table["dimshuffle"] = emitDimShuffle;
  registerProductEmitters(table); // matmul: EmitProducts.cpp
}

} // namespace graphjit::lower
