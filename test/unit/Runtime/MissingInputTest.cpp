// A graph that needs an input the caller did not list: the error says so in the
// user's terms (not an internal printer's), in both modes.
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

using namespace graphjit;

TEST(Compile, MissingInputNamesTheInput) {
  Var x = vector("x"), y = vector("y");
  for (Mode mode : {Mode::JIT, Mode::Interpret}) {
    try {
      compile({x}, {x + y}, {}, mode);
      FAIL() << "expected ValueError";
    } catch (const ValueError &e) {
      std::string m = e.what();
      EXPECT_NE(m.find("depend on input 'y'"), std::string::npos) << m;
      EXPECT_NE(m.find("not among the inputs given to compile()"), std::string::npos) << m;
      EXPECT_EQ(m.find("printFunction"), std::string::npos) << m;
    }
  }
}
