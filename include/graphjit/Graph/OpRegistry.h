// Name -> factory table for ops, so that ops can be rebuilt from their
// printed form (text IR) and listed (docs, round-trip tests).
#pragma once

#include "graphjit/Graph/Op.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace graphjit {

class OpRegistry {
public:
  using Factory = std::function<OpPtr(const Attrs &)>;

  /// Registers `name`; `exampleAttrs` is one valid attribute set (tests walk them).
  void add(const std::string &name, Factory factory, Attrs exampleAttrs = {});
  bool contains(const std::string &name) const { return entries_.count(name) > 0; }
  /// Builds the op; throws ValueError for an unknown name or bad attrs.
  OpPtr make(const std::string &name, const Attrs &attrs) const;
  /// Registered names in sorted order.
  std::vector<std::string> names() const;
  const Attrs &exampleAttrs(const std::string &name) const;

private:
  struct Entry {
    Factory factory;
    Attrs example;
  };
  std::map<std::string, Entry> entries_;
};

} // namespace graphjit
