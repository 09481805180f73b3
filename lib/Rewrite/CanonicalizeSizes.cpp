// canonicalize (sizes): an op whose size arguments are graph values (alloc, eye_n, arange_n,
// linspace_n, reshape_n, broadcast_to_n) becomes today's static op once those arguments are
// constants, which they often become only after rewriting (shape_i of an input whose type
// is static folds to a number). The builders already choose the static op for constants:
// the rule applies the builder again to the node's inputs.
#include "Rules.h"

#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/ShapeArgs.h"
#include "graphjit/Ops/ShapeArgsRange.h"
#include "graphjit/Ops/ShapeArgsReshape.h"
#include "graphjit/Support/Error.h"

namespace graphjit::rewrite {

namespace {
bool constantsFrom(const Apply &n, int first) {
  for (int i = first; i < static_cast<int>(n.inputs().size()); ++i)
    if (!n.input(i)->isConstant()) return false;
  return true;
}

/// The node rebuilt by its builder (the static op when its size arguments are constants).
Var rebuilt(const Apply &n) {
  const std::string op = n.op().name();
  const Attrs a = n.op().attrs();
  const std::vector<Var> &in = n.inputs();
  if (op == "alloc") return alloc(in[0], Sizes(std::vector<Var>(in.begin() + 1, in.end())));
  if (op == "eye_n")
    return eye(in[0], in[1], a.get<int64_t>("k", "eye_n"), a.get<DType>("dtype", "eye_n"));
  if (op == "arange_n") return arange(in[0], in[1], in[2], a.get<DType>("dtype", "arange_n"));
  if (op == "linspace_n")
    return linspace(in[0], in[1], in[2], a.get<bool>("endpoint", "linspace_n"),
                    a.get<DType>("dtype", "linspace_n"));
  if (op == "reshape_n") return reshape(in[0], in[1]);
  return broadcast_to(in[0], in[1]); // broadcast_to_n
}
} // namespace

void registerCanonicalizeSizes(RewriteRegistry &r) {
  // x.shape[i] is a size argument's usual source; a static dim is a number.
  r.add(NodeRewriter{"local_shape_i_static",
                     {"canonicalize"},
                     {"subtensor"},
                     "shape(x)[i] -> the constant dim i of x's type (static there)",
                     "",
                     [](Apply &n) -> std::vector<Var> {
                       Apply *s = producer(n.input(0), "shape");
                       if (!s) return {};
                       const IndexList &idx = static_cast<const Subtensor &>(n.op()).idx();
                       if (idx.size() != 1 || idx[0].isSlice) return {};
                       const TensorType &t = s->input(0).type();
                       int64_t i = idx[0].index < 0 ? idx[0].index + t.ndim() : idx[0].index;
                       if (i < 0 || i >= t.ndim() || t.shape[i] == kUnknownDim) return {};
                       return one(Var::constant(Tensor::scalar(t.shape[i], DType::Int64)));
                     }});
  r.add(NodeRewriter{
      "local_size_args_static",
      {"canonicalize", "refines_types"},
      {"alloc", "eye_n", "arange_n", "linspace_n", "reshape_n", "broadcast_to_n"},
      "alloc(v, 3, 4) -> broadcast_to{shape=[3,4]}(v); reshape_n(x, [2, -1]) -> "
      "reshape{shape=[2,-1]}(x); ... (every size argument a constant)",
      "",
      [](Apply &n) -> std::vector<Var> {
        // The data inputs (alloc's value, reshape's x) may stay symbolic; the sizes may not.
        std::string op = n.op().name();
        int first = op == "alloc" || op == "reshape_n" || op == "broadcast_to_n" ? 1 : 0;
        if (!constantsFrom(n, first)) return {};
        try {
          Var v = rebuilt(n);
          if (v->owner() && v->owner()->op().name() == op) return {};
          return one(v);
        } catch (const Error &) {
          return {}; // a negative size, a misfit: the node raises it at run time, as it would
        }
      }});
}

} // namespace graphjit::rewrite
