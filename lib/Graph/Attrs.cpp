// Op attributes: printing, comparison and typed access.
#include "graphjit/Graph/Attrs.h"
#include "graphjit/Support/Error.h"

#include <cmath>
#include <fmt/format.h>

namespace graphjit {

std::string IndexEntry::str() const {
  if (!isSlice) return std::to_string(index);
  auto part = [](const std::optional<int64_t> &v) { return v ? std::to_string(*v) : ""; };
  std::string s = part(start) + ":" + part(stop);
  if (step) s += ":" + std::to_string(*step);
  return s;
}

Attrs &Attrs::set(const std::string &key, AttrValue v) {
  for (auto &[k, old] : items_)
    if (k == key) {
      old = std::move(v);
      return *this;
    }
  items_.emplace_back(key, std::move(v));
  return *this;
}

bool Attrs::has(const std::string &key) const {
  for (auto &kv : items_)
    if (kv.first == key) return true;
  return false;
}

namespace {
std::string doubleStr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", d);
  // Keep a float recognisable as one when parsed back.
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string quote(const std::string &s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '\n') { // the text IR is line-based: a newline prints as \n
      r += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}
} // namespace

std::string attrValueStr(const AttrValue &v) {
  struct Printer {
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return doubleStr(d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string &s) const { return quote(s); }
    std::string operator()(DType t) const { return dtypeName(t); }
    std::string operator()(const IntList &l) const {
      std::string s = "[";
      for (size_t i = 0; i < l.size(); ++i)
        s += (i ? "," : "") + std::to_string(l[i]);
      return s + "]";
    }
    std::string operator()(const IndexList &l) const {
      std::string s = "(";
      for (size_t i = 0; i < l.size(); ++i)
        s += (i ? "," : "") + l[i].str();
      return s + ")";
    }
  };
  return std::visit(Printer{}, v);
}

const char *attrKindName(const AttrValue &v) {
  static const char *names[] = {"int", "float", "bool", "string", "int list", "dtype", "index"};
  return names[v.index()];
}

std::string Attrs::str() const {
  if (items_.empty()) return "";
  std::string s = "{";
  for (size_t i = 0; i < items_.size(); ++i)
    s += (i ? ", " : "") + items_[i].first + "=" + attrValueStr(items_[i].second);
  return s + "}";
}

void throwAttrError(const char *opName, const std::string &key, const char *what) {
  throw ValueError(std::string(opName) + ": attribute '" + key + "' " + what);
}

} // namespace graphjit
