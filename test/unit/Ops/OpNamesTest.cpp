// The PyTensor name table against the op registry, and docs/ops.md against the table.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

using namespace graphjit;

namespace {
/// docs/ops.md of this source tree (test/CMakeLists.txt passes the tree's path).
std::string docsPath() { return std::string(GRAPHJIT_SOURCE_DIR) + "/docs/ops.md"; }
} // namespace

TEST(OpNames, EveryOpInTheTableIsRegistered) {
  for (const PyTensorName &n : pytensorNames())
    for (const std::string &op : n.ops)
      EXPECT_TRUE(opRegistry().contains(op)) << n.pytensor << " names unknown op '" << op << "'";
}

TEST(OpNames, EveryRegisteredOpIsInTheTable) {
  // Ops a user never builds by a PyTensor name: the identity that rewrites leave behind.
  const std::set<std::string> internal = {"identity"};
  std::set<std::string> named;
  for (const PyTensorName &n : pytensorNames())
    named.insert(n.ops.begin(), n.ops.end());
  for (const std::string &op : opRegistry().names())
    if (!internal.count(op))
      EXPECT_TRUE(named.count(op)) << "op '" << op << "' has no row in lib/Ops/Names.cpp";
}

TEST(OpNames, CoverageOfPyTensorNamesIsAtLeast90Percent) {
  NameCoverage c = pytensorNameCoverage();
  EXPECT_GT(c.listed, 150u);
  EXPECT_GE(10 * c.present, 9 * c.listed) << c.present << " of " << c.listed;
  PyTensorName row{"pt.zeros / pt.ones / +", "", {}, ""};
  EXPECT_EQ(pytensorSpellings(row), (std::vector<std::string>{"pt.zeros", "pt.ones"}));
}

TEST(OpNames, WorkshopNotebookNamesAreCovered) {
  // Every pt.* name the PyTensor workshop notebooks use (git grep over notebooks/).
  const char *used[] = {"pt.matrix",
                        "pt.tensor",
                        "pt.exp",
                        "pt.diag",
                        "pt.dot",
                        "pt.vector",
                        "pt.grad",
                        "pt.log",
                        "pt.linalg.inv",
                        "pt.cos",
                        "pt.stack",
                        "pt.arange",
                        "pt.scalar",
                        "pt.abs",
                        "pt.zeros",
                        "pt.sum",
                        "pt.linspace",
                        "pt.flip",
                        "pt.dscalar",
                        "pt.sin",
                        "pt.as_tensor",
                        "pt.random.normal",
                        "pt.ones",
                        "pt.join",
                        "pt.eye",
                        "pt.dvector",
                        "pt.dmatrix",
                        "pt.as_tensor_variable",
                        "pt.trace",
                        "pt.square",
                        "pt.sigmoid",
                        "pt.shape",
                        "pt.random.uniform",
                        "pt.random.multivariate_normal",
                        "pt.ones_like",
                        "pt.constant",
                        "pt.concatenate",
                        "pt.add"};
  for (const char *u : used) {
    bool found = false;
    for (const PyTensorName &n : pytensorNames())
      for (const std::string &s : pytensorSpellings(n))
        found = found || (s == u && !n.builder.empty());
    EXPECT_TRUE(found) << u << " is not in the table with a builder";
  }
}

TEST(OpNames, DocsTableIsCurrent) {
  std::string want = opsTableMarkdown();
  if (const char *u = std::getenv("GRAPHJIT_UPDATE_DOCS"); u && std::string(u) == "1") {
    std::ofstream(docsPath()) << want;
    GTEST_SKIP() << "wrote " << docsPath();
  }
  std::ifstream in(docsPath());
  ASSERT_TRUE(in) << "cannot read " << docsPath();
  std::stringstream got;
  got << in.rdbuf();
  EXPECT_EQ(got.str(), want) << "docs/ops.md is stale: run GRAPHJIT_UPDATE_DOCS=1 "
                                "build/test/test-Ops --gtest_filter=OpNames.DocsTableIsCurrent";
}
