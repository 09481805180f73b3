// Item 2: dprint is iterative and its output linear in the graph size.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

namespace {
size_t count(const std::string &s, const std::string &what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
    ++n;
  return n;
}
} // namespace

TEST(DPrintDeep, ThirtyThousandNodeChainIsLinear) {
  Var x = vector("x");
  Var y = x;
  const int n = 30000;
  for (int i = 0; i < n; ++i)
    y = exp(y);
  std::string s = dprint(y);
  EXPECT_EQ(count(s, "\n"), size_t(n + 1 + n / kMaxIndent)); // every node once, cut points twice
  EXPECT_LT(s.size(), size_t(n) * 200); // the old tree form was quadratic: ~2 GB here
  EXPECT_EQ(count(s, "x [id "), 1u);
  // A cut subtree is announced with "..." and printed again, in full, as a root.
  size_t cut = s.find(" ...\n");
  ASSERT_NE(cut, std::string::npos);
  size_t lineStart = s.rfind('\n', cut) + 1;
  std::string cutLine = s.substr(lineStart, cut - lineStart);
  std::string idPart = cutLine.substr(cutLine.find("exp [id "));
  EXPECT_NE(s.find("\n" + idPart + "\n"), std::string::npos) << idPart;
}

TEST(DPrintDeep, SharedSubtreeIsPrintedOnceThenReferred) {
  auto print = [](int n) {
    Var x = vector("x");
    Var e = exp(x);
    Var y = e;
    for (int i = 0; i < n; ++i)
      y = y + e; // e is shared by n nodes
    return dprint(y);
  };
  std::string s = print(1000);
  EXPECT_EQ(count(s, "x [id"), 1u);      // e's subtree expanded once
  EXPECT_EQ(count(s, "exp [id"), 1001u); // and referred to by its id everywhere else
  // Linear: twice the nodes, about twice the text (the tree form grew 4x).
  double ratio = double(print(2000).size()) / double(s.size());
  EXPECT_LT(ratio, 2.2);
  EXPECT_GT(ratio, 1.8);
}

TEST(DPrintDeep, SmallTreesKeepTheirForm) {
  Var x = vector("x");
  Var e = exp(x);
  e->name = "e";
  std::string s = dprint(e * e + x);
  EXPECT_EQ(s, "add [id A]\n"
               " ├─ mul [id B]\n"
               " │   ├─ exp [id C] 'e'\n"
               " │   │   └─ x [id D]\n"
               " │   └─ exp [id C] 'e'\n"
               " └─ x [id D]\n");
}
