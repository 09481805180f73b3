// MLIR and LLVM steps of the JIT (internal to lib/JIT).
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class MLIRContext;
}

namespace graphjit::jit {

/// The process-wide MLIR context with the dialects the lowering emits.
class Context {
public:
  Context();
  ~Context();
  /// The context shared by code printing (--emit); callers serialize its use.
  static Context &get();
  /// A context of the pool, for one compile at a time on any thread (reused, never destroyed).
  static Context &acquire();
  static void release(Context &c);

  /// Parses MLIR text; throws Error with MLIR's diagnostics.
  mlir::OwningOpRef<mlir::ModuleOp> parse(const std::string &text);
  /// Fusion, bufferization, loops, then the LLVM dialect (in place).
  void lowerToLLVMDialect(mlir::ModuleOp module);
  /// LLVM IR of a module in the LLVM dialect.
  std::unique_ptr<llvm::Module> translate(mlir::ModuleOp module, llvm::LLVMContext &llvmCtx);

  std::unique_ptr<mlir::MLIRContext> ctx;
};

/// A target machine for the host CPU (name and features read at run time).
std::unique_ptr<llvm::TargetMachine> hostTargetMachine();
/// Sets triple, data layout and CPU attributes, then runs LLVM's passes for kernels (a lean
/// function pipeline around the loop vectorizer, with glibc's vector math library).
void optimize(llvm::Module &m, llvm::TargetMachine &tm);
std::string toAssembly(llvm::Module &m, llvm::TargetMachine &tm);
/// Machine code of `m` as an ELF relocatable object.
std::string toObject(llvm::Module &m, llvm::TargetMachine &tm);
std::string printModule(mlir::ModuleOp module);
std::string printModule(const llvm::Module &m);

} // namespace graphjit::jit
