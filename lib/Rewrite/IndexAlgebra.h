// Index lists as data, for the lazy indexing rules: padding, slices resolved
// against static dims, composition of two indexings, and which operand dims a
// broadcasting op stretches (internal to lib/Rewrite).
#pragma once

#include "graphjit/Graph/Op.h"
#include "graphjit/Rewrite/Rewrite.h"

#include <optional>

namespace graphjit::rewrite {

/// A slice resolved against a dim of size n (Python's slice.indices): first position, step, length.
struct SliceRange {
  int64_t start, step, len;
};
SliceRange resolveSlice(const IndexEntry &e, int64_t n);

/// ":" (no bounds, default step).
bool isFullSlice(const IndexEntry &e);
/// `idx` with ":" for the axes it does not name (length ndim).
IndexList padded(const IndexList &idx, int ndim);
/// `idx` without its trailing ":" entries.
IndexList trimmed(IndexList idx);
/// True if every entry is ":" (x[idx] is x).
bool allFull(const IndexList &idx);
/// x[idx], or x itself when idx selects everything.
Var indexed(const Var &x, const IndexList &idx);

/// The entry for an operand dim that broadcasts (static 1) against the output:
/// an int becomes 0, a slice keeps the whole (size-1) dim.
IndexEntry broadcastEntry(const IndexEntry &e);

/// True when `v` has exactly one client in the graph being rewritten (and is not
/// a graph output): rewriting its only user then never computes it twice.
bool onlyUse(const Var &v);

/// Where dim d of v comes from: an input of v's node and its dim, or nothing. With
/// `proven`, sets it false when the answer relies on a run-time check of that node.
std::optional<std::pair<Var, int>> dimSource(const Var &v, int d, bool *proven);

/// The dim a dim of v provably equals whenever v computes without error: a static
/// size, or (variable, dim) of the furthest value it can be traced to (PyTensor's
/// ShapeFeature in miniature, bounded to 64 steps).
struct DimOrigin {
  const Variable *root;
  int dim;
  int64_t size;
  bool operator==(const DimOrigin &o) const {
    return size == o.size && root == o.root && (root == nullptr || dim == o.dim);
  }
};
DimOrigin dimOrigin(Var v, int d);

/// True when a broadcasting op's operands provably agree on dim d at run time: the
/// ones that are not static 1 there share one origin. Indexing that dim away would
/// otherwise drop the op's own check that they agree (see the shape_unsafe tag).
bool dimProven(const std::vector<Var> &operands, const TensorType &out, int d);

/// x[a][b] as one index over x (needs the static dims involved), or nothing.
std::optional<IndexList> composeIndex(const TensorType &x, const IndexList &a, const IndexList &b);

/// Registers a rule with tags {phase, "pushdown"} (plus "shape_unsafe" when `unsafe`).
void addPushdown(RewriteRegistry &r, const std::string &name, std::vector<std::string> ops,
                 const std::string &algebra, std::function<std::vector<Var>(Apply &)> fn,
                 bool unsafe = false, const std::string &growsBecause = "");

void registerIndexPushdown(RewriteRegistry &r);
void registerIndexMerge(RewriteRegistry &r);
void registerShapePushdown(RewriteRegistry &r);

} // namespace graphjit::rewrite
