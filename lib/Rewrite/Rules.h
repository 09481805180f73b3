// Matching helpers and the rule sets (internal to lib/Rewrite).
#pragma once

#include "graphjit/Graph/Op.h"
#include "graphjit/Rewrite/Rewrite.h"

#include <optional>
#include <string>

namespace graphjit::rewrite {

/// The node computing v if its op is `name`, else null.
Apply *producer(const Var &v, const char *name);
/// The value of v if it is a constant whose elements are all equal (looking through dimshuffles).
std::optional<double> splatValue(const Var &v);
bool isSplat(const Var &v, double value);
/// The single-output result, or an empty list when `v` is null.
std::vector<Var> one(const Var &v);

/// Throws ValueError when one of the rule's op filters is not a registered op, naming it and
/// suggesting the op a builder's name builds or the closest registered name (OpFilter.cpp).
void checkOpFilter(const NodeRewriter &r, const std::string &how);

/// True if v (or the dimshuffle of v) is subtracted from the x it was computed from: a log_softmax
/// to be, which the logsumexp rules leave to local_log_softmax_keepdims.
bool feedsLogSoftmax(const Var &v, const Var &x);

/// From inside a rule: when the engine applies the rule's replacement, it also replaces `old`
/// by `replacement` (a value of another node, such as the next_rng of a lifted random
/// variable). Discarded when the rule does not fire or its replacement is refused.
void replaceAlso(const Var &old, const Var &replacement);

/// A product read as sign * prod(num) / prod(den), through mul, sqr, true_div, reciprocal and
/// neg (at most 16 factors; CanonicalizeProducts.cpp).
struct Product {
  bool negative = false;
  std::vector<Var> num, den;
  static Product of(const Var &v);
  /// The product rebuilt (1 of like's dtype when it has no factors).
  Var build(const Var &like) const;
};
/// f0 * f1 * ... (at least one factor).
Var productOf(const std::vector<Var> &factors);

void registerCanonicalize(RewriteRegistry &r);
void registerRandomLifts(RewriteRegistry &r); // RandomLifts.cpp
void registerCanonicalizeGrad(RewriteRegistry &r);
void registerCanonicalizeProducts(RewriteRegistry &r);
void registerCanonicalizeFill(RewriteRegistry &r);
void registerDynIndexRewrites(RewriteRegistry &r);  // DynIndexFold.cpp
void registerCanonicalizeSizes(RewriteRegistry &r); // CanonicalizeSizes.cpp
void registerStabilize(RewriteRegistry &r);
void registerStabilizeForms(RewriteRegistry &r);
void registerStabilizeProducts(RewriteRegistry &r);
void registerLinalgRewrites(RewriteRegistry &r);
void registerSpecialize(RewriteRegistry &r);
void registerSpecializeProducts(RewriteRegistry &r);
void registerSpecializeFactor(RewriteRegistry &r); // SpecializeFactor.cpp

} // namespace graphjit::rewrite
