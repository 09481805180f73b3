// Compiling one module of kernels from MLIR text to an ELF object for the host CPU.
#include "ObjectCode.h"
#include "Pipeline.h"

#include "graphjit/Support/Error.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>

namespace graphjit::jit {

namespace {
double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

void addPackedEntry(llvm::Module &m, const std::string &name) {
  llvm::Function *f = m.getFunction(name);
  if (!f) throw Error("JIT: the lowered module has no function " + name);
  // Only the packed entry is ever called: internal, the kernel is inlined into it and its own
  // copy deleted (external, O3 and codegen compiled every kernel twice: measured 2x the work).
  f->setLinkage(llvm::GlobalValue::InternalLinkage);
  f->addFnAttr(llvm::Attribute::AlwaysInline);
  // No two buffers of a call overlap: outputs are fresh or held by their slot alone, inputs are
  // only read, check flags are the caller's. Said so, the inliner turns it into alias scopes and
  // the vectorizer needs no runtime overlap checks, whose count grows with the pointers (the flow
  // step's Adam update: 13 inputs, 3 outputs, left scalar with its divides and square root).
  for (llvm::Argument &arg : f->args())
    if (arg.getType()->isPointerTy()) arg.addAttr(llvm::Attribute::NoAlias);
  llvm::LLVMContext &ctx = m.getContext();
  auto *ptrTy = llvm::PointerType::get(ctx, 0);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrTy}, false);
  auto *entry =
      llvm::Function::Create(type, llvm::Function::ExternalLinkage, packedEntryName(name), m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::Value *argList = entry->arg_begin();
  std::vector<llvm::Value *> args;
  for (llvm::Argument &arg : f->args()) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptrTy, argList, arg.getArgNo());
    llvm::Value *ptr = b.CreateLoad(ptrTy, slot);
    args.push_back(b.CreateLoad(arg.getType(), ptr));
  }
  b.CreateCall(f, args);
  b.CreateRetVoid();
}

std::string compileToObject(const std::string &mlirModule, const std::vector<std::string> &names,
                            StageTimes *times) {
  StageTimes local;
  Context &ctx = Context::acquire();
  struct Release {
    Context &c;
    ~Release() { Context::release(c); }
  } release{ctx};
  auto t0 = std::chrono::steady_clock::now();
  auto module = ctx.parse(mlirModule);
  ctx.lowerToLLVMDialect(*module);
  local.mlirPasses = secondsSince(t0);
  t0 = std::chrono::steady_clock::now();
  llvm::LLVMContext llvmCtx;
  auto llvmModule = ctx.translate(*module, llvmCtx);
  for (const std::string &n : names)
    addPackedEntry(*llvmModule, n);
  local.translate = secondsSince(t0);
  t0 = std::chrono::steady_clock::now();
  auto tm = hostTargetMachine();
  optimize(*llvmModule, *tm);
  local.llvmOpt = secondsSince(t0);
  t0 = std::chrono::steady_clock::now();
  std::string object = toObject(*llvmModule, *tm);
  local.codegen = secondsSince(t0);
  if (times) *times += local;
  return object;
}

} // namespace graphjit::jit
