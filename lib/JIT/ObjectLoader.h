// Links kernel objects into the process (internal to lib/JIT): one ORC
// JITDylib per object, so that kernels no Function uses give their memory back.
#pragma once

#include <memory>
#include <string>

namespace graphjit::jit {

class LoadedObject {
public:
  using Entry = void (*)(void **);
  explicit LoadedObject(void *dylib);
  ~LoadedObject(); // unlinks the object
  LoadedObject(const LoadedObject &) = delete;
  LoadedObject &operator=(const LoadedObject &) = delete;
  /// The packed entry of kernel function `name`; throws Error if it is missing.
  Entry entry(const std::string &name) const;

private:
  void *dylib_;
};

/// Links `object` (ELF bytes from compileToObject). Throws Error if the object
/// is malformed; unknown symbols are reported when an entry is looked up.
std::shared_ptr<LoadedObject> loadObject(const std::string &object);

} // namespace graphjit::jit
