// Tensor: construction, strides, conversion and printing.
#include "graphjit/Tensor/Tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

using namespace graphjit;

TEST(Tensor, ConstructorsShapeAndValues) {
  Tensor a = Tensor::of({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(a.dtype(), DType::Float64);
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_EQ(a.strides(), (Shape{3, 1}));
  EXPECT_EQ(a.size(), 6);
  EXPECT_EQ(a.toDoubles(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.rawData()) % 64, 0u);

  Tensor s = Tensor::scalar(2.5, DType::Float32);
  EXPECT_EQ(s.ndim(), 0);
  EXPECT_FLOAT_EQ(s.item(), 2.5f);

  Tensor z = Tensor::zeros(DType::Int32, {0, 4});
  EXPECT_EQ(z.size(), 0);
  EXPECT_EQ(z.str(), "i32[0,4] []");

  Tensor v = Tensor::fromVector<int64_t>({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(v.str(), "i64[2,2] [[1, 2], [3, 4]]");
  EXPECT_THROW(Tensor::fromVector<double>({1, 2, 3}, {2, 2}), ShapeError);
  EXPECT_THROW(Tensor::of({{1, 2}, {3}}), ShapeError);
  EXPECT_THROW(Tensor::empty(DType::Float64, {-2}), ShapeError);
}

TEST(Tensor, BorrowedStridedViewIsCopiedContiguously) {
  double buf[6] = {1, 2, 3, 4, 5, 6};
  // A transposed view of a 2x3 row-major buffer.
  Tensor t = Tensor::borrow(buf, {3, 2}, {1, 3});
  EXPECT_FALSE(t.isContiguous());
  EXPECT_EQ(t.toDoubles(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.isContiguous());
  EXPECT_FALSE(c.sharesBuffer(t));
  EXPECT_DOUBLE_EQ(t.getAsDouble(3), 5);
  EXPECT_THROW(Tensor::borrow(buf, {3, 2}, {1}), ShapeError);
}

TEST(Tensor, AstypeFollowsNumPy) {
  Tensor a = Tensor::of({-1.7, 0.0, 2.9});
  EXPECT_EQ(a.astype(DType::Int32).toVector<int32_t>(), (std::vector<int32_t>{-1, 0, 2}));
  EXPECT_EQ(a.astype(DType::Bool).toVector<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(a.astype(DType::Float32).dtype(), DType::Float32);
  EXPECT_THROW(a.data<float>(), TypeError);
}

TEST(Tensor, ReshapedAndItem) {
  Tensor a = Tensor::of({1, 2, 3, 4, 5, 6});
  Tensor r = a.reshaped({3, 2});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_TRUE(r.sharesBuffer(a));
  EXPECT_THROW(a.reshaped({4, 2}), ShapeError);
  EXPECT_THROW(a.item(), ShapeError);
  EXPECT_THROW(a.dim(1), IndexError);
  EXPECT_EQ(a.dim(-1), 6);
}

TEST(Tensor, Allclose) {
  Tensor a = Tensor::of({1.0, NAN, INFINITY});
  Tensor b = Tensor::of({1.0 + 1e-12, NAN, INFINITY});
  EXPECT_TRUE(allclose(a, b));
  EXPECT_FALSE(allclose(a, Tensor::of({1.1, NAN, INFINITY})));
  EXPECT_FALSE(allclose(a, Tensor::of({1.0, 2.0})));
  EXPECT_DOUBLE_EQ(maxAbsDiff(Tensor::of({1, 2}), Tensor::of({1, 2.5})), 0.5);
}

namespace {
std::string tempPath(const char *name) { return std::string(::testing::TempDir()) + name; }
} // namespace

TEST(Npy, RoundTripEveryDType) {
  for (DType t : {DType::Bool, DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
    Tensor a = Tensor::of({{1, 0, 3}, {4, 5, 0}}).astype(t);
    std::string p = tempPath("rt.npy");
    saveNpy(a, p);
    Tensor b = loadNpy(p);
    EXPECT_EQ(b.dtype(), t);
    EXPECT_EQ(b.shape(), a.shape());
    EXPECT_TRUE(allclose(a, b, 0, 0)) << dtypeName(t);
    std::remove(p.c_str());
  }
  Tensor s = Tensor::scalar(7.25);
  saveNpy(s, tempPath("s.npy"));
  EXPECT_EQ(loadNpy(tempPath("s.npy")).shape(), Shape{});
  EXPECT_DOUBLE_EQ(loadNpy(tempPath("s.npy")).item(), 7.25);
}

TEST(Npy, ReadsAFileWrittenByNumPy) {
  // Bytes of numpy.save(f, numpy.array([1.5, -2.0])) (format 1.0).
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  header += std::string(128 - 10 - header.size() - 1, ' ') + "\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  double vals[2] = {1.5, -2.0};
  bytes.append(reinterpret_cast<const char *>(vals), sizeof vals);
  std::string p = tempPath("np.npy");
  std::ofstream(p, std::ios::binary) << bytes;
  Tensor t = loadNpy(p);
  EXPECT_EQ(t.str(), "f64[2] [1.5, -2]");
}

TEST(Npy, MalformedFilesThrow) {
  std::string p = tempPath("bad.npy");
  std::ofstream(p, std::ios::binary) << "not numpy at all";
  EXPECT_THROW(loadNpy(p), ValueError);
  std::ofstream(p, std::ios::binary) << std::string("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'", 24);
  EXPECT_THROW(loadNpy(p), ValueError);
  EXPECT_THROW(loadNpy(tempPath("does-not-exist.npy")), ValueError);
  // Declared shape larger than the data present.
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100,), }\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header + "12345678";
  std::ofstream(p, std::ios::binary) << bytes;
  EXPECT_THROW(loadNpy(p), ValueError);
}

// Large buffers are mappings on a 2 MiB boundary so that madvise(MADV_HUGEPAGE) applies (issue
// 24): the kernel then backs them with huge pages where transparent huge pages are enabled for
// madvise. Their data starts at a cache-line boundary, staggered from buffer to buffer.
TEST(Tensor, LargeBuffersAreHugePageAligned) {
  Tensor big = Tensor::zeros(DType::Float64, {10'000'000});
  Tensor other = Tensor::zeros(DType::Float64, {10'000'000});
  auto addr = reinterpret_cast<uintptr_t>(big.rawData());
  EXPECT_EQ(addr % 64, 0u);
  EXPECT_NE(addr % 4096, reinterpret_cast<uintptr_t>(other.rawData()) % 4096);
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode((std::istreambuf_iterator<char>(thp)), std::istreambuf_iterator<char>());
  if (mode.find("[never]") != std::string::npos || mode.empty())
    GTEST_SKIP() << "transparent huge pages are off on this machine";
  // The mapping holding the buffer reports its huge pages in /proc/self/smaps.
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  long hugeKb = -1;
  while (std::getline(smaps, line)) {
    unsigned long lo, hi;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' '))
      inside = lo <= addr && addr < hi;
    else if (inside && line.rfind("AnonHugePages:", 0) == 0)
      hugeKb = std::atol(line.c_str() + 14);
  }
  EXPECT_GT(hugeKb, 40'000) << "80 MB zeroed tensor: expected most of it in huge pages";
}
