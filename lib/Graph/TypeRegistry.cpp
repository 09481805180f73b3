// The table of non-tensor types the text IR can name, and registration of user types.
#include "graphjit/Graph/TypeRegistry.h"
#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/Support/Error.h"

#include <mutex>

namespace graphjit {

void TypeRegistry::add(const std::string &name, Factory factory) {
  entries_[name] = std::move(factory);
}

TypePtr TypeRegistry::make(const std::string &name, const std::vector<TensorType> &params) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw ValueError("unknown type '" + name + "'");
  TypePtr t = it->second(params);
  if (!t) throw ValueError("type '" + name + "': its factory returned null");
  return t;
}

std::vector<std::string> TypeRegistry::names() const {
  std::vector<std::string> r;
  for (auto &kv : entries_)
    r.push_back(kv.first);
  return r;
}

namespace {
TypeRegistry &registry() {
  static TypeRegistry registry = [] {
    TypeRegistry r;
    registerRandomGeneratorType(r);
    return r;
  }();
  return registry;
}
} // namespace

const TypeRegistry &typeRegistry() { return registry(); }

void registerType(const std::string &name, TypeRegistry::Factory factory) {
  static std::mutex m;
  std::lock_guard<std::mutex> lock(m);
  bool isDType = true;
  try {
    parseDType(name);
  } catch (const Error &) {
    isDType = false;
  }
  if (name.empty() || isDType || registry().contains(name))
    throw ValueError("registerType: a type named '" + name + "' is " +
                     (name.empty() ? "not allowed"
                      : isDType    ? "a dtype"
                                   : "already registered"));
  registry().add(name, std::move(factory));
}

} // namespace graphjit
