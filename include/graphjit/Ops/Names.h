// PyTensor's names against graphjit's: for each name a user meets (pt.*, pt.linalg.*, pt.math.*,
// pt.random.*), the builder that makes it and the registered op(s) it builds. docs/ops.md is
// rendered from this table, and a test fails when the two, or the table and opRegistry(), disagree.
#pragma once

#include <string>
#include <vector>

namespace graphjit {

struct PyTensorName {
  std::string pytensor;         ///< "pt.diag", "pt.linalg.inv"
  std::string builder;          ///< "diag(x, k)"; empty when graphjit has none yet
  std::vector<std::string> ops; ///< registered op names it builds (empty: no op of its own)
  std::string note;             ///< how it is built, or what is missing
};

/// The table, grouped as docs/ops.md shows it.
const std::vector<PyTensorName> &pytensorNames();
/// The PyTensor spellings a row names ("pt.zeros / pt.ones" -> both; operators like "+" are not
/// counted).
std::vector<std::string> pytensorSpellings(const PyTensorName &n);
struct NameCoverage {
  size_t present = 0, listed = 0;
};
/// Distinct PyTensor spellings in the table, and how many of them have a builder.
NameCoverage pytensorNameCoverage();
/// docs/ops.md: the table as Markdown, with the coverage figure.
std::string opsTableMarkdown();

} // namespace graphjit
