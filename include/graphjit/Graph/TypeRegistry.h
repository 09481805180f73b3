// Name -> factory table for the types that are not tensors, so that text IR
// mentioning them (`%g: rng`, `tuple<f64[],f64[3]>`) parses back. Built on
// first use by explicit registration calls (no static constructors).
#pragma once

#include "graphjit/Graph/Type.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace graphjit {

class TypeRegistry {
public:
  /// Builds the type from the parameters written in `name<p, ...>` (none for a
  /// bare `name`). Throws TypeError or ValueError for parameters it does not take.
  using Factory = std::function<TypePtr(const std::vector<TensorType> &params)>;

  void add(const std::string &name, Factory factory);
  bool contains(const std::string &name) const { return entries_.count(name) > 0; }
  TypePtr make(const std::string &name, const std::vector<TensorType> &params) const;
  /// Registered names in sorted order.
  std::vector<std::string> names() const;

private:
  std::map<std::string, Factory> entries_;
};

/// The built-in types (rng) and every type registered with registerType.
const TypeRegistry &typeRegistry();

/// Adds a user-defined type, so that text IR naming it parses. Register at
/// start-up, before any parsing; a name already taken (or a dtype name) is a ValueError.
void registerType(const std::string &name, TypeRegistry::Factory factory);

} // namespace graphjit
