// Op parameters as data: an ordered list of named values. An Op's attrs are
// part of its identity (equality, hashing, CSE) and of its printed form, and
// the text IR parser rebuilds ops from them through the op registry.
#pragma once

#include "graphjit/Support/DType.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace graphjit {

/// One entry of a basic index: an integer (drops the axis) or a slice.
struct IndexEntry {
  bool isSlice = false;
  int64_t index = 0;                        ///< when !isSlice
  std::optional<int64_t> start, stop, step; ///< when isSlice; nullopt = default

  static IndexEntry at(int64_t i) { return IndexEntry{false, i, {}, {}, {}}; }
  static IndexEntry slice(std::optional<int64_t> start = {}, std::optional<int64_t> stop = {},
                          std::optional<int64_t> step = {}) {
    return IndexEntry{true, 0, start, stop, step};
  }
  bool operator==(const IndexEntry &o) const {
    return isSlice == o.isSlice && index == o.index && start == o.start && stop == o.stop &&
           step == o.step;
  }
  /// "3", "1:4", "::2", ":".
  std::string str() const;
};

using IntList = std::vector<int64_t>;
using IndexList = std::vector<IndexEntry>;
using AttrValue = std::variant<int64_t, double, bool, std::string, IntList, DType, IndexList>;

class Attrs {
public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<std::string, AttrValue>> items) : items_(items) {}

  Attrs &set(const std::string &key, AttrValue v);
  bool has(const std::string &key) const;
  /// Typed access; throws ValueError naming `opName` if missing or of another kind.
  template <typename T> const T &get(const std::string &key, const char *opName) const;
  template <typename T> T getOr(const std::string &key, T fallback) const;

  const std::vector<std::pair<std::string, AttrValue>> &items() const { return items_; }
  bool empty() const { return items_.empty(); }
  bool operator==(const Attrs &o) const { return items_ == o.items_; }
  /// "{axes=[0,1], keepdims=false}", or "" when empty.
  std::string str() const;

private:
  std::vector<std::pair<std::string, AttrValue>> items_;
};

std::string attrValueStr(const AttrValue &v);
const char *attrKindName(const AttrValue &v);

[[noreturn]] void throwAttrError(const char *opName, const std::string &key, const char *what);

template <typename T> const T &Attrs::get(const std::string &key, const char *opName) const {
  for (auto &[k, v] : items_)
    if (k == key) {
      if (auto *p = std::get_if<T>(&v)) return *p;
      throwAttrError(opName, key, "has the wrong kind");
    }
  throwAttrError(opName, key, "is missing");
}

template <typename T> T Attrs::getOr(const std::string &key, T fallback) const {
  for (auto &[k, v] : items_)
    if (k == key)
      if (auto *p = std::get_if<T>(&v)) return *p;
  return fallback;
}

} // namespace graphjit
