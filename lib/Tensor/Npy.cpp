// NumPy .npy reading and writing (format versions 1.0-3.0, C order).
#include "graphjit/Tensor/Tensor.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace graphjit {

namespace {
const char kMagic[] = "\x93NUMPY";

std::string descrOf(DType t) {
  switch (t) {
  case DType::Bool:
    return "|b1";
  case DType::Int32:
    return "<i4";
  case DType::Int64:
    return "<i8";
  case DType::Float32:
    return "<f4";
  case DType::Float64:
    return "<f8";
  }
  return "";
}

[[noreturn]] void fail(const std::string &path, const std::string &what) {
  throw ValueError("loadNpy: " + path + ": " + what);
}

// Value of `key` in the header dict, as raw text up to the next top-level comma or brace.
std::string headerField(const std::string &header, const std::string &key,
                        const std::string &path) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(path, "header has no '" + key + "'");
  size_t colon = header.find(':', k);
  if (colon == std::string::npos) fail(path, "malformed header near '" + key + "'");
  size_t start = colon + 1, depth = 0, i = start;
  for (; i < header.size(); ++i) {
    char c = header[i];
    if (c == '(' || c == '[')
      ++depth;
    else if (c == ')' || c == ']') {
      if (depth == 0) break;
      --depth;
    } else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  std::string v = header.substr(start, i - start);
  size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
  return b == std::string::npos ? "" : v.substr(b, e - b + 1);
}

DType dtypeOfDescr(const std::string &d, const std::string &path) {
  std::string s = d;
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"')) s = s.substr(1, s.size() - 2);
  if (s == "|b1" || s == "b1" || s == "?") return DType::Bool;
  if (s == "<i4" || s == "|i4") return DType::Int32;
  if (s == "<i8" || s == "|i8") return DType::Int64;
  if (s == "<f4") return DType::Float32;
  if (s == "<f8") return DType::Float64;
  fail(path, "unsupported dtype " + d + " (expected little-endian b1, i4, i8, f4 or f8)");
}

Shape parseShape(const std::string &text, const std::string &path) {
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    fail(path, "malformed shape " + text);
  Shape s;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(" "), e = item.find_last_not_of(" ");
    if (b == std::string::npos) continue;
    item = item.substr(b, e - b + 1);
    if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos ||
        item.size() > 15)
      fail(path, "malformed dimension '" + item + "' in shape " + text);
    s.push_back(std::stoll(item));
  }
  return s;
}
} // namespace

Tensor loadNpy(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ValueError("loadNpy: cannot open '" + path + "'");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, kMagic, 6) != 0)
    fail(path, "not a .npy file (bad magic)");
  int major = static_cast<unsigned char>(magic[6]);
  uint32_t headerLen = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char *>(b), 2)) fail(path, "truncated header");
    headerLen = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char *>(b), 4)) fail(path, "truncated header");
    headerLen = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  } else {
    fail(path, "unsupported format version " + std::to_string(major));
  }
  if (headerLen > (1u << 20)) fail(path, "header too large");
  std::string header(headerLen, '\0');
  if (!in.read(header.data(), headerLen)) fail(path, "truncated header");
  DType dtype = dtypeOfDescr(headerField(header, "descr", path), path);
  if (headerField(header, "fortran_order", path) != "False")
    fail(path, "Fortran-ordered arrays are not supported");
  Shape shape = parseShape(headerField(header, "shape", path), path);
  // Zeros do not excuse the other dims (NumPy's rule): (0, 2^32, 2^32) is refused too.
  int64_t nonzero = 1;
  for (int64_t d : shape)
    if (d > 0 && nonzero > (int64_t(1) << 40) / d)
      fail(path, "shape too large (more than 2^40 elements)");
    else if (d > 0)
      nonzero *= d;
  int64_t n = 0;
  try {
    n = checkedShapeSize(shape, dtype, "loadNpy");
  } catch (const ShapeError &e) {
    fail(path, e.what());
  }
  size_t bytes = static_cast<size_t>(n) * dtypeSize(dtype);
  // Check the file holds the data before allocating (a 2^40-element header on a tiny file).
  std::streampos here = in.tellg();
  in.seekg(0, std::ios::end);
  std::streamoff available = in.tellg() - here;
  in.seekg(here);
  if (available < static_cast<std::streamoff>(bytes))
    fail(path, "truncated data: expected " + std::to_string(bytes) + " bytes, the file has " +
                   std::to_string(available));
  Tensor t = Tensor::empty(dtype, shape);
  if (!in.read(static_cast<char *>(t.rawData()), bytes))
    fail(path, "truncated data: expected " + std::to_string(bytes) + " bytes");
  if (dtype == DType::Bool) {
    // A bool byte other than 0 or 1 is not a C++ bool (loading it is undefined behaviour).
    const auto *b = static_cast<const unsigned char *>(t.rawData());
    for (int64_t i = 0; i < n; ++i)
      if (b[i] > 1)
        fail(path, "bool element " + std::to_string(i) + " has byte value " + std::to_string(b[i]) +
                       ", expected 0 or 1");
  }
  return t;
}

void saveNpy(const Tensor &t, const std::string &path) {
  if (t.isOpaque())
    throw TypeError("saveNpy: " + path + ": the value " + t.str() +
                    " is not an array, .npy holds arrays");
  Tensor c = t.contiguous();
  std::string shape = "(";
  for (int64_t d : c.shape())
    shape += std::to_string(d) + ",";
  if (c.ndim() > 1) shape.pop_back();
  shape += ")";
  std::string header =
      "{'descr': '" + descrOf(c.dtype()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts at a multiple of 64 bytes; the header ends with '\n'.
  size_t total = 10 + header.size() + 1;
  header += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::ofstream out(path, std::ios::binary);
  if (!out) throw ValueError("saveNpy: cannot open '" + path + "' for writing");
  out.write(kMagic, 6);
  out.put(1);
  out.put(0);
  uint16_t len = static_cast<uint16_t>(header.size());
  out.put(static_cast<char>(len & 0xff));
  out.put(static_cast<char>(len >> 8));
  out << header;
  out.write(static_cast<const char *>(c.rawData()), c.size() * dtypeSize(c.dtype()));
  if (!out) throw ValueError("saveNpy: write to '" + path + "' failed");
}

} // namespace graphjit
