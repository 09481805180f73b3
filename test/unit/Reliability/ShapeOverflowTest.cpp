// Item 1: shape, stride and byte-size products are checked; a 0 does not hide an
// impossible shape (NumPy's rule: the nonzero dims times the itemsize must fit).
#include "graphjit/graphjit.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>

using namespace graphjit;

namespace {
const int64_t k32 = int64_t(1) << 32;

template <typename F> std::string shapeErrorOf(F f) {
  try {
    f();
  } catch (const ShapeError &e) {
    return e.what();
  }
  return "";
}
} // namespace

TEST(ShapeOverflow, ProductsAreChecked) {
  EXPECT_EQ(shapeSize({0, 5}), 0);
  EXPECT_EQ(shapeSize({3, 4}), 12);
  EXPECT_EQ(shapeSize({}), 1);
  EXPECT_THROW(shapeSize({0, k32, k32}), ShapeError);
  EXPECT_THROW(shapeSize({k32, k32}), ShapeError);
  EXPECT_THROW(contiguousStrides({0, k32, k32}), ShapeError);
  EXPECT_EQ(contiguousStrides({0, 3, 4}), (Shape{12, 4, 1}));
  // Elements fit in int64 but the bytes do not.
  EXPECT_THROW(checkedShapeSize({int64_t(1) << 61}, DType::Float64, "t"), ShapeError);
  EXPECT_EQ(checkedShapeSize({int64_t(1) << 61}, DType::Bool, "t"), int64_t(1) << 61);
  std::string m = shapeErrorOf([] { Tensor::empty(DType::Float64, {0, k32, k32}); });
  EXPECT_NE(m.find("impossible size"), std::string::npos) << m;
  EXPECT_NE(m.find("[0,4294967296,4294967296]"), std::string::npos) << m;
}

TEST(ShapeOverflow, TypesRefuseImpossibleShapes) {
  EXPECT_THROW(TensorType(DType::Float64, {0, k32, k32}), ShapeError);
  EXPECT_THROW(TensorType(DType::Float64, {kUnknownDim, k32, k32}), ShapeError);
  EXPECT_THROW(TensorType(DType::Float64, {-2}), ShapeError);
  EXPECT_NO_THROW(TensorType(DType::Float64, {kUnknownDim, k32}));
}

TEST(ShapeOverflow, ReshapeOfAnEmptyConstantThenSumIsAnErrorNotACrash) {
  // The reproducer: reshape{shape=[0,2^32,2^32]} of an empty constant, then sum over axis 0.
  Var c = constant(Tensor::zeros(DType::Float64, {0}));
  EXPECT_THROW(sum(reshape(c, {0, k32, k32}), IntList{0}), ShapeError);
  Var x = vector("x");
  EXPECT_THROW(reshape(x, {0, k32, k32}), ShapeError);
}

TEST(ShapeOverflow, ParserNamesTheType) {
  try {
    parseFunction("func @f(%x: f64[0,4294967296,4294967296]) -> () {\n  return\n}\n");
    FAIL();
  } catch (const ParseError &e) {
    std::string m = e.what();
    EXPECT_EQ(e.line(), 1) << m;
    EXPECT_NE(m.find("impossible size"), std::string::npos) << m;
  }
}

TEST(ShapeOverflow, NpyHeaderWithHiddenOverflowIsRefused) {
  std::string path = ::testing::TempDir() + "/overflow.npy";
  std::string header =
      "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  {
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(static_cast<char>(header.size() & 0xff));
    out.put(static_cast<char>(header.size() >> 8));
    out << header;
  }
  try {
    loadNpy(path);
    FAIL();
  } catch (const ValueError &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("shape too large"), std::string::npos) << m;
  }
  std::remove(path.c_str());
}
