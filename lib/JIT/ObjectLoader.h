// Links kernel objects into the process (internal to lib/JIT): one ORC
// JITDylib per object, so that kernels no Function uses give their memory back.
#pragma once

#include <memory>
#include <string>

namespace graphjit::jit {

class LoadedObject {
public:
  using Entry = void (*)(void **);
  LoadedObject(void *dylib, Entry entry) : dylib_(dylib), entry_(entry) {}
  ~LoadedObject(); // unlinks the object
  LoadedObject(const LoadedObject &) = delete;
  LoadedObject &operator=(const LoadedObject &) = delete;
  Entry entry() const { return entry_; }

private:
  void *dylib_;
  Entry entry_;
};

/// Links `object` (ELF bytes from compileToObject) and finds its packed entry.
/// Throws Error if the object is malformed or references unknown symbols.
std::shared_ptr<LoadedObject> loadObject(const std::string &object);

} // namespace graphjit::jit
