// Linking kernel objects into the process with ORC, one JITDylib per object so it can be unlinked.
#include "ObjectLoader.h"
#include "ObjectCode.h"
#include "RuntimeSymbols.h"

#include "graphjit/JIT/JIT.h"

#include "graphjit/Support/Error.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"

#include <atomic>
#include <mutex>

namespace graphjit::jit {

namespace {
std::mutex linkMutex;

struct Linker {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  llvm::orc::JITDylib *runtime = nullptr; // graphjit's runtime functions and the process's symbols
};

Linker &linker() {
  // Never destroyed: tearing ORC down from static destructors can run after LLVM's own statics are
  // gone.
  static Linker *l = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    // Kernels call glibc's vector math; a process that only loads cached objects must load it too.
    llvm::sys::DynamicLibrary::LoadLibraryPermanently("libmvec.so.1");
    llvm::sys::DynamicLibrary::LoadLibraryPermanently("libm.so.6");
    auto *lk = new Linker();
    auto jit = llvm::orc::LLJITBuilder().create();
    if (!jit) throw Error("JIT: cannot start the ORC linker: " + llvm::toString(jit.takeError()));
    lk->jit = std::move(*jit);
    auto &rt = lk->jit->getExecutionSession().createBareJITDylib("graphjit_runtime");
    llvm::orc::MangleAndInterner mangle(lk->jit->getExecutionSession(), lk->jit->getDataLayout());
    llvm::cantFail(rt.define(llvm::orc::absoluteSymbols(runtimeSymbolMap(mangle))));
    auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
        lk->jit->getDataLayout().getGlobalPrefix());
    if (!process)
      throw Error("JIT: cannot search the process's symbols: " +
                  llvm::toString(process.takeError()));
    rt.addGenerator(std::move(*process));
    lk->runtime = &rt;
    return lk;
  }();
  return *l;
}
std::atomic<uint64_t> dylibCounter{0};

std::atomic<size_t> liveObjects{0};
} // namespace

LoadedObject::LoadedObject(void *dylib) : dylib_(dylib) { ++liveObjects; }

LoadedObject::~LoadedObject() {
  --liveObjects;
  std::lock_guard<std::mutex> lock(linkMutex);
  auto *jd = static_cast<llvm::orc::JITDylib *>(dylib_);
  llvm::consumeError(linker().jit->getExecutionSession().removeJITDylib(*jd));
}

std::shared_ptr<LoadedObject> loadObject(const std::string &object) {
  std::lock_guard<std::mutex> lock(linkMutex);
  Linker &lk = linker();
  auto &es = lk.jit->getExecutionSession();
  auto &jd = es.createBareJITDylib("kernel" + std::to_string(dylibCounter++));
  jd.addToLinkOrder(*lk.runtime);
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(object, "graphjit-kernel");
  if (auto err = lk.jit->addObjectFile(jd, std::move(buffer))) {
    llvm::consumeError(es.removeJITDylib(jd));
    throw Error("JIT: cannot link a kernel object: " + llvm::toString(std::move(err)));
  }
  return std::make_shared<LoadedObject>(&jd);
}

LoadedObject::Entry LoadedObject::entry(const std::string &name) const {
  std::lock_guard<std::mutex> lock(linkMutex);
  auto *jd = static_cast<llvm::orc::JITDylib *>(dylib_);
  auto sym = linker().jit->lookup(*jd, packedEntryName(name));
  if (!sym)
    throw Error("JIT: kernel entry " + name + " not found: " + llvm::toString(sym.takeError()));
  return sym->toPtr<Entry>();
}

} // namespace graphjit::jit

size_t graphjit::jitLinkedModuleCount() { return graphjit::jit::liveObjects.load(); }
