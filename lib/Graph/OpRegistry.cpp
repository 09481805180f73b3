// The name -> factory table that rebuilds ops from their printed form.
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Support/Error.h"

namespace graphjit {

void OpRegistry::add(const std::string &name, Factory factory, Attrs exampleAttrs) {
  entries_[name] = Entry{std::move(factory), std::move(exampleAttrs)};
}

OpPtr OpRegistry::make(const std::string &name, const Attrs &attrs) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw ValueError("unknown op '" + name + "'");
  return it->second.factory(attrs);
}

std::vector<std::string> OpRegistry::names() const {
  std::vector<std::string> r;
  for (auto &kv : entries_)
    r.push_back(kv.first);
  return r;
}

const Attrs &OpRegistry::exampleAttrs(const std::string &name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw ValueError("unknown op '" + name + "'");
  return it->second.example;
}

} // namespace graphjit
