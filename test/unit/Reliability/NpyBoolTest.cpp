// Item 5: a bool .npy byte other than 0 or 1 is refused at load (it is no C++ bool).
#include "graphjit/graphjit.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>

using namespace graphjit;

namespace {
std::string writeBoolNpy(const std::string &name, const std::string &bytes) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::string header = "{'descr': '|b1', 'fortran_order': False, 'shape': (" +
                       std::to_string(bytes.size()) + ",), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(header.size() & 0xff));
  out.put(static_cast<char>(header.size() >> 8));
  out << header << bytes;
  return path;
}
} // namespace

TEST(NpyBool, ZeroAndOneLoad) {
  std::string path = writeBoolNpy("ok.npy", std::string("\x01\x00\x01", 3));
  Tensor t = loadNpy(path);
  EXPECT_EQ(t.toVector<bool>(), (std::vector<bool>{true, false, true}));
  std::remove(path.c_str());
}

TEST(NpyBool, OtherBytesAreRefused) {
  std::string path = writeBoolNpy("bad.npy", std::string("\x01\x02\x00", 3));
  try {
    loadNpy(path);
    FAIL();
  } catch (const ValueError &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bool element 1 has byte value 2"), std::string::npos) << m;
  }
  std::remove(path.c_str());
}

TEST(NpyBool, TruncatedDataIsRefusedBeforeAllocating) {
  std::string path = ::testing::TempDir() + "/huge.npy";
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  {
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(static_cast<char>(header.size() & 0xff));
    out.put(static_cast<char>(header.size() >> 8));
    out << header << "12345678";
  }
  EXPECT_THROW(loadNpy(path), ValueError);
  std::remove(path.c_str());
}
