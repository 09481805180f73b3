// specialize, sums of products: terms that multiply different values by one shared factor are
// summed first and multiplied once, A1 @ W + A2 @ W -> (A1 + A2) @ W (also W @ A_i) and
// a1 * c + a2 * c -> (a1 + a2) * c, sum(a1) + sum(a2) -> sum(a1 + a2). grad() writes such sums when
// a value is read along several paths that rewriting merges only afterwards: the flow's coupling
// networks ran their backward pass once per path (3 products per layer instead of 1). Registered by
// Registry.cpp.
#include "IndexAlgebra.h"
#include "Rules.h"

#include "graphjit/Graph/FunctionGraph.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/MatMul.h"

namespace graphjit::rewrite {

namespace {
constexpr size_t kMaxTerms = 16; // grad's sums are short; this keeps the search small

/// v has one reader (and is not a graph output read besides).
bool readOnce(const Var &v) {
  const FunctionGraph *g = rewritingGraph();
  return g && g->clients(v).size() == 1;
}

/// The terms of the sum at `n`: its operands, through the adds of n's type that only it reads.
/// At most kMaxTerms adds are opened (a chain of thousands would make each visit linear).
void collectTerms(Apply &n, std::vector<Var> &terms, size_t &opened) {
  ++opened;
  for (const Var &in : n.inputs()) {
    Apply *a = producer(in, "add");
    if (a && opened < kMaxTerms && in.type() == n.output(0).type() && readOnce(in))
      collectTerms(*a, terms, opened);
    else
      terms.push_back(in);
  }
}

/// One way a term is a product with a shared factor: `kind` (matmul or mul), the factor, the
/// operand position it takes and the other operand.
struct Factoring {
  const char *kind;
  Var shared, other;
  int sharedAt;
  Apply *node;           // the product (for a sum: its op and attrs)
  Apply *wrap = nullptr; // a dimshuffle of the sum, as grad() writes keepdims
};

/// Dim d of a and b is equal whenever both exist: one static size, or one origin.
bool sameDim(const Var &a, int da, const Var &b, int db) {
  int64_t sa = a.type().shape[da], sb = b.type().shape[db];
  if (sa != kUnknownDim && sa == sb) return true;
  DimOrigin oa = dimOrigin(a, da);
  return oa.root && oa == dimOrigin(b, db);
}

/// The factorings of term t of a sum of type `sumType`: none unless t is a product read only by
/// the sum, of the sum's type, whose shared factor can move out without changing a check.
std::vector<Factoring> factorings(const Var &t, const TensorType &sumType) {
  std::vector<Factoring> out;
  if (t.type() != sumType) return out;
  if (Apply *m = producer(t, "matmul")) {
    // 2-d, inner dims equal by type or by origin: summing the operands first cannot broadcast a
    // size-1 inner dim that the products would have rejected.
    const Var &a = m->input(0), &b = m->input(1);
    if (a.ndim() != 2 || b.ndim() != 2) return out;
    if (!sameDim(a, 1, b, 0)) return out;
    out.push_back({"matmul", b, a, 1, m});
    out.push_back({"matmul", a, b, 0, m});
  } else if (Apply *m = producer(t, "mul"); m && m->inputs().size() == 2) {
    out.push_back({"mul", m->input(1), m->input(0), 1, m});
    out.push_back({"mul", m->input(0), m->input(1), 0, m});
  } else {
    // sum(a1) + sum(a2) -> sum(a1 + a2), also through one dimshuffle of each sum
    Apply *wrap = producer(t, "dimshuffle");
    Var inner = wrap ? wrap->input(0) : t;
    Apply *r = producer(inner, "sum");
    // Floats summed in their own dtype only: bools add as `or` and small ints wrap before a sum
    // that widens them, so there sum(a1 + a2) is not sum(a1) + sum(a2).
    if (r && (!wrap || readOnce(inner)) && isFloat(r->input(0).dtype()) &&
        r->input(0).dtype() == inner.dtype())
      out.push_back({"sum", Var(), r->input(0), 0, r, wrap});
  }
  if (!out.empty() && !readOnce(t)) out.clear(); // else the product is computed anyway
  return out;
}

bool sameFactoring(const Factoring &x, const Factoring &y) {
  if (std::string(x.kind) != y.kind || x.sharedAt != y.sharedAt || x.shared != y.shared ||
      x.other.type() != y.other.type())
    return false;
  if (std::string(x.kind) != "sum") return true;
  // The same reduction of operands that provably agree in every dim: summing them first cannot
  // raise a shape error the separate sums would not (sum(a[3]) + sum(b[5]) is a value).
  if (!(x.node->op().attrs() == y.node->op().attrs()) || !x.wrap != !y.wrap ||
      (x.wrap && !(x.wrap->op().attrs() == y.wrap->op().attrs())))
    return false;
  for (int d = 0; d < x.other.ndim(); ++d)
    if (!sameDim(x.other, d, y.other, d)) return false;
  return true;
}

Var sumOf(const std::vector<Var> &vs) {
  Var s = vs.at(0);
  for (size_t i = 1; i < vs.size(); ++i)
    s = s + vs[i];
  return s;
}
} // namespace

void registerSpecializeFactor(RewriteRegistry &r) {
  r.add(NodeRewriter{
      "local_add_factor_products",
      {"specialize"},
      {"add"},
      "A1 @ W + A2 @ W -> (A1 + A2) @ W (also W @ A_i); a1 * c + a2 * c -> (a1 + a2) * c; "
      "sum(a1) + sum(a2) -> sum(a1 + a2) (each term read only by the sum)",
      "",
      [](Apply &n) -> std::vector<Var> {
        const TensorType &type = n.output(0).type();
        std::vector<Var> terms;
        size_t opened = 0;
        collectTerms(n, terms, opened);
        for (size_t i = 0; i < terms.size(); ++i) {
          for (const Factoring &f : factorings(terms[i], type)) {
            std::vector<Var> others{f.other}, rest;
            for (size_t j = 0; j < terms.size(); ++j) {
              if (j == i) continue;
              bool joined = false;
              if (j > i) // an earlier term matching f was tried as the first one already
                for (const Factoring &g : factorings(terms[j], type))
                  if (sameFactoring(f, g)) {
                    others.push_back(g.other);
                    joined = true;
                    break;
                  }
              if (!joined) rest.push_back(terms[j]);
            }
            if (others.size() < 2) continue;
            Var s = sumOf(others);
            Var p;
            if (std::string(f.kind) == "matmul")
              p = f.sharedAt == 1 ? matmul(s, f.shared) : matmul(f.shared, s);
            else if (std::string(f.kind) == "mul")
              p = f.sharedAt == 1 ? s * f.shared : f.shared * s;
            else
              p = applyOp1(f.node->opPtr(), {s});
            if (f.wrap) p = applyOp1(f.wrap->opPtr(), {p});
            rest.insert(rest.begin(), p);
            Var result = sumOf(rest);
            if (result.type() == type) return one(result);
          }
        }
        return {};
      }});
}

} // namespace graphjit::rewrite
