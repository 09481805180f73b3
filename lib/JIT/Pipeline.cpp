// From MLIR text to optimized LLVM IR and machine code. Registers only the
// dialects, interfaces and passes the pipeline uses (never InitAll*.h).
#include "Pipeline.h"

#include "FuseMultiUse.h"
#include "SinkLoads.h"

#include "graphjit/Support/Error.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToFuncs/MathToFuncs.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <mutex>
#include <vector>

namespace graphjit::jit {

namespace {
void initializeLLVMOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    // glibc's vector math (exp, log, sin, cos on 2/4 doubles, 4/8 floats), used
    // by the loop vectorizer and by codegen's ReplaceWithVeclib.
    // Loop Strength Reduction: 11% of the compile time of the flow step (CPU, alternating runs),
    // and the same hot loops without it (assembly compared on 1-d and 2-d broadcast kernels):
    // x86 addressing modes already fold the scaled indices these loops use.
    const char *args[] = {"graphjit", "-vector-library=LIBMVEC-X86", "-disable-lsr"};
    llvm::cl::ParseCommandLineOptions(3, args, "graphjit JIT\n");
    llvm::sys::DynamicLibrary::LoadLibraryPermanently("libmvec.so.1");
    llvm::sys::DynamicLibrary::LoadLibraryPermanently("libm.so.6");
  });
}

mlir::DialectRegistry makeRegistry() {
  mlir::DialectRegistry r;
  r.insert<mlir::func::FuncDialect, mlir::arith::ArithDialect, mlir::math::MathDialect,
           mlir::linalg::LinalgDialect, mlir::tensor::TensorDialect, mlir::memref::MemRefDialect,
           mlir::scf::SCFDialect, mlir::cf::ControlFlowDialect,
           mlir::bufferization::BufferizationDialect, mlir::affine::AffineDialect,
           mlir::LLVM::LLVMDialect>();
  mlir::arith::registerBufferizableOpInterfaceExternalModels(r);
  mlir::linalg::registerBufferizableOpInterfaceExternalModels(r);
  mlir::tensor::registerBufferizableOpInterfaceExternalModels(r);
  mlir::scf::registerBufferizableOpInterfaceExternalModels(r); // compiled scan loops
  mlir::scf::registerBufferDeallocationOpInterfaceExternalModels(r);
  mlir::bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(r);
  mlir::registerBuiltinDialectTranslation(r);
  mlir::registerLLVMDialectTranslation(r);
  return r;
}

std::string diagnosticsOf(const std::function<bool()> &step, mlir::MLIRContext &ctx) {
  std::string errors;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(errors);
    d.print(os);
    os << "\n";
    return mlir::success();
  });
  if (step()) return "";
  return errors.empty() ? "unknown error" : errors;
}
} // namespace

Context::Context() : ctx(std::make_unique<mlir::MLIRContext>(makeRegistry())) {
  initializeLLVMOnce();
  ctx->loadAllAvailableDialects();
  ctx->disableMultithreading(); // compile on the calling thread: lower latency for small modules
}

Context::~Context() = default;

Context &Context::get() {
  static Context *instance = new Context(); // never destroyed (see jitCompile's cache)
  return *instance;
}

namespace {
std::mutex poolMutex;
std::vector<Context *> &freeContexts() {
  static auto *v = new std::vector<Context *>(); // contexts live as long as the process
  return *v;
}
} // namespace

Context &Context::acquire() {
  {
    std::lock_guard<std::mutex> lock(poolMutex);
    if (!freeContexts().empty()) {
      Context *c = freeContexts().back();
      freeContexts().pop_back();
      return *c;
    }
  }
  return *new Context();
}

void Context::release(Context &c) {
  std::lock_guard<std::mutex> lock(poolMutex);
  freeContexts().push_back(&c);
}

mlir::OwningOpRef<mlir::ModuleOp> Context::parse(const std::string &text) {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string err = diagnosticsOf(
      [&] {
        module = mlir::parseSourceString<mlir::ModuleOp>(text, ctx.get());
        return static_cast<bool>(module);
      },
      *ctx);
  if (!module) {
    // The diagnostic names the line; keep the message readable for large graphs.
    std::string shown = text.size() > 4000 ? text.substr(0, 4000) + "\n... (truncated)" : text;
    throw Error("JIT: MLIR rejected the lowered code (a graphjit bug; please report it):\n" + err +
                "\n" + shown);
  }
  return module;
}

void Context::lowerToLLVMDialect(mlir::ModuleOp module) {
  mlir::PassManager pm(ctx.get());
  // Verifying after each of the ~20 passes cost 40% of this pipeline (callgrind, logreg step);
  // the parser verified the input and the result is verified once at the end.
  pm.enableVerifier(false);
  pm.addNestedPass<mlir::func::FuncOp>(createFuseMultiUsePass()); // values read by several loops
  pm.addPass(mlir::createLinalgElementwiseOpFusionPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::bufferization::createEmptyTensorEliminationPass());
  pm.addPass(mlir::bufferization::createEmptyTensorToAllocTensorPass());
  mlir::bufferization::OneShotBufferizationOptions opts;
  opts.bufferizeFunctionBoundaries = true;
  opts.allowReturnAllocsFromLoops = true; // a scan's states are new values each step
  opts.setFunctionBoundaryTypeConversion(mlir::bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(mlir::bufferization::createOneShotBufferizePass(opts));
  pm.addPass(mlir::createCanonicalizerPass());
  mlir::bufferization::BufferDeallocationPipelineOptions dealloc;
  mlir::bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addNestedPass<mlir::func::FuncOp>(mlir::createConvertLinalgToLoopsPass());
  pm.addPass(mlir::createConvertMathToFuncs());
  // Strided-metadata expansion creates affine.apply: lower affine after it.
  pm.addPass(mlir::memref::createExpandStridedMetadataPass());
  pm.addPass(mlir::createLowerAffinePass());
  pm.addPass(mlir::createConvertSCFToCFPass());
  // Generic allocation functions: kernels allocate through graphjit (KernelMemory.cpp), where a
  // failed allocation raises the interpreter's error instead of handing out null.
  mlir::FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  // aligned_alloc: the data pointer is the call's result, not a pointer rounded up through an
  // integer, so LLVM sees it is fresh (the noalias set in optimize()).
  memrefOptions.useAlignedAlloc = true;
  pm.addPass(mlir::createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(mlir::createConvertMathToLLVMPass());
  pm.addPass(mlir::createConvertMathToLibmPass()); // what LLVM has no intrinsic for (erf)
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::createConvertFuncToLLVMPass());
  pm.addPass(mlir::createConvertControlFlowToLLVMPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
  std::string err = diagnosticsOf(
      [&] { return mlir::succeeded(pm.run(module)) && mlir::succeeded(mlir::verify(module)); },
      *ctx);
  if (!err.empty()) throw Error("JIT: the MLIR pipeline failed:\n" + err);
}

std::unique_ptr<llvm::TargetMachine> hostTargetMachine() {
  initializeLLVMOnce();
  std::string triple = llvm::sys::getProcessTriple(), error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) throw Error("JIT: no LLVM target for " + triple + ": " + error);
  llvm::SubtargetFeatures features;
  for (auto &f : llvm::sys::getHostCPUFeatures())
    features.AddFeature(f.first(), f.second);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), options, llvm::Reloc::Static,
      // JIT memory can land more than 2 GiB away from libm/libmvec: 64-bit addresses everywhere.
      llvm::CodeModel::Large,
      // The middle end already optimized; codegen at Default costs a fraction of Aggressive's time
      // on these loop nests (instruction selection and scheduling dominate a kernel's compile).
      llvm::CodeGenOptLevel::Default));
  if (!tm) throw Error("JIT: cannot create a target machine for " + triple);
  return tm;
}

std::unique_ptr<llvm::Module> Context::translate(mlir::ModuleOp module,
                                                 llvm::LLVMContext &llvmCtx) {
  auto llvmModule = mlir::translateModuleToLLVMIR(module, llvmCtx);
  if (!llvmModule) throw Error("JIT: translation to LLVM IR failed");
  return llvmModule;
}

namespace {
/// LLVM's passes for our kernels, in place of O3 (which cost 45% of a compile). The MLIR lowering
/// hands over scalar loop nests over memref descriptors; what makes them fast is the loop
/// vectorizer with glibc's vector math, and what it needs first: the descriptors' fields folded to
/// the kernel's arguments (instsimplify: only then does the inliner see which noalias argument,
/// ObjectCode.cpp, each load and store is based on, attach alias scopes, and the vectorizer drop
/// its run-time overlap checks), the kernel inlined into its packed entry, descriptors taken apart
/// (sroa, early-cse, instcombine; a second early-cse merges what instcombine made equal, e.g.
/// exp(-|z|) of the loss and of the gradient), loops rotated with their invariant loads hoisted
/// (licm), and single-trip inner loops (the [n, 1] slices) turned into straight code
/// (loop-deletion), or the outer loop is not vectorized. GVN without PRE turns a sum kept in the
/// kernel's output (loaded and stored each step while LLVM could not tell the output from the
/// inputs) into a register: without it `sum(log(sigmoid(x * w)))` ran scalar, exp and all.
/// Afterwards one instcombine and simplifycfg tidy the vector code. Left out, measured on the flow
/// step, the fused chain, the logistic step and row-wise reductions with the same run time: the
/// inliner's CGSCC walk, SLP, unrolling, loop distribution and load elimination, the second and
/// third rounds of instcombine and the attribute inference passes. (`no-verify-fixpoint`: else
/// instcombine aborts the process when one round does not reach its fixpoint, a check meant for
/// LLVM's own tests.)
constexpr const char *kKernelPipeline =
    "function(instsimplify),always-inline,function("
    "sroa,early-cse,instcombine<max-iterations=1;no-verify-fixpoint>,early-cse,simplifycfg,"
    "loop-mssa(licm<no-allowspeculation>,loop-rotate,licm),gvn<no-pre>,loop(indvars,loop-deletion),"
    "inject-tli-mappings,loop-vectorize,"
    "instcombine<max-iterations=1;no-verify-fixpoint>,simplifycfg)";
} // namespace

void optimize(llvm::Module &m, llvm::TargetMachine &tm) {
  // Without triple, data layout and CPU the vectorizer sees no vector registers.
  m.setTargetTriple(tm.getTargetTriple().str());
  m.setDataLayout(tm.createDataLayout());
  for (llvm::Function &f : m) {
    if (f.isDeclaration()) {
      // libm's log1p (the lowering calls it: MLIR's own expansion is log(1 + x)) reads no memory
      // here: kernels never read errno. Marked so, the vectorizer calls libmvec's vector log1p.
      if (f.getName() == "log1p" || f.getName() == "log1pf") {
        f.setDoesNotAccessMemory();
        f.setDoesNotThrow();
        f.setWillReturn();
      }
      // Kernel memory (KernelMemory.cpp) is fresh to the kernel: marked so, LLVM keeps a merged
      // loop's accumulators in registers next to its stores (else it does not vectorize).
      if (f.getName() == "_mlir_memref_to_llvm_alloc" ||
          f.getName() == "_mlir_memref_to_llvm_aligned_alloc")
        f.addRetAttr(llvm::Attribute::NoAlias);
      // Freeing keeps no copy of the pointer. Unmarked, every kernel buffer counted as escaped, so
      // a pointer the packed entry loads from its argument list might alias it: LICM kept a merged
      // loop's accumulators in memory and the loop (exp and all) ran scalar.
      if (f.getName() == "_mlir_memref_to_llvm_free") f.addParamAttr(0, llvm::Attribute::NoCapture);
      continue;
    }
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    f.addFnAttr("target-features", tm.getTargetFeatureString());
    // LLVM tunes some AVX-512 CPUs to 256-bit vectors; these loops are throughput-bound, use the
    // full width.
    if (tm.getTargetFeatureString().contains("+avx512f")) f.addFnAttr("prefer-vector-width", "512");
    // A vector math call clobbers every vector register, so a loop calling exp spills vectors
    // across it. Without a frame pointer reserved up front LLVM cannot realign the stack and
    // spills zmm/ymm with unaligned moves at whatever offset the caller's stack has: a 64-byte
    // spill that splits cache lines made the fused exp/log1p chain 1.7x slower in half of the
    // processes (issue 24). Realigned, the spill slots are aligned to their size.
    if (tm.getTargetFeatureString().contains("+avx")) f.addFnAttr("stackrealign");
  }
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  llvm::TargetLibraryInfoImpl tlii(tm.getTargetTriple());
  tlii.addVectorizableFunctionsFromVecLib(llvm::TargetLibraryInfoImpl::LIBMVEC_X86,
                                          tm.getTargetTriple());
  using EC = llvm::ElementCount;
  // LLVM 19's libmvec table has no log1p; glibc has it since 2.35 at every width.
  static const llvm::VecDesc log1ps[] = {
      {"log1p", "_ZGVbN2v_log1p", EC::getFixed(2), false, "_ZGV_LLVM_N2v"},
      {"log1p", "_ZGVdN4v_log1p", EC::getFixed(4), false, "_ZGV_LLVM_N4v"},
      {"log1pf", "_ZGVbN4v_log1pf", EC::getFixed(4), false, "_ZGV_LLVM_N4v"},
      {"log1pf", "_ZGVdN8v_log1pf", EC::getFixed(8), false, "_ZGV_LLVM_N8v"},
  };
  tlii.addVectorizableFunctions(log1ps);
  // LLVM 19 knows libmvec's 2- and 4-wide doubles only; glibc also has the AVX-512 variants.
  if (tm.getTargetFeatureString().contains("+avx512f")) {
    static const llvm::VecDesc wide[] = {
        {"llvm.exp.f64", "_ZGVeN8v_exp", EC::getFixed(8), false, "_ZGV_LLVM_N8v"},
        {"llvm.log.f64", "_ZGVeN8v_log", EC::getFixed(8), false, "_ZGV_LLVM_N8v"},
        {"llvm.sin.f64", "_ZGVeN8v_sin", EC::getFixed(8), false, "_ZGV_LLVM_N8v"},
        {"llvm.cos.f64", "_ZGVeN8v_cos", EC::getFixed(8), false, "_ZGV_LLVM_N8v"},
        {"llvm.exp.f32", "_ZGVeN16v_expf", EC::getFixed(16), false, "_ZGV_LLVM_N16v"},
        {"llvm.log.f32", "_ZGVeN16v_logf", EC::getFixed(16), false, "_ZGV_LLVM_N16v"},
        {"llvm.sin.f32", "_ZGVeN16v_sinf", EC::getFixed(16), false, "_ZGV_LLVM_N16v"},
        {"llvm.cos.f32", "_ZGVeN16v_cosf", EC::getFixed(16), false, "_ZGV_LLVM_N16v"},
        {"log1p", "_ZGVeN8v_log1p", EC::getFixed(8), false, "_ZGV_LLVM_N8v"},
        {"log1pf", "_ZGVeN16v_log1pf", EC::getFixed(16), false, "_ZGV_LLVM_N16v"},
    };
    tlii.addVectorizableFunctions(wide);
  }
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(tlii); });
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  if (auto e = pb.parsePassPipeline(mpm, kKernelPipeline))
    throw Error("JIT: LLVM rejected the kernel pipeline (a graphjit bug): " +
                llvm::toString(std::move(e)));
  mpm.run(m, mam);
  for (llvm::Function &f : m) // after the vectorizer, which puts a loop body's loads at its top
    if (!f.isDeclaration()) sinkLoadsToUses(f);
}

namespace {
std::string emitMachineCode(llvm::Module &m, llvm::TargetMachine &tm, llvm::CodeGenFileType type) {
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  // No verifier in codegen (as clang's release builds): the IR comes from MLIR's translation and
  // LLVM's own passes, and verifying it again cost 1.5% of codegen.
  if (tm.addPassesToEmitFile(pm, os, nullptr, type, /*DisableVerify=*/true))
    throw Error(std::string("JIT: the target cannot emit ") +
                (type == llvm::CodeGenFileType::ObjectFile ? "object code" : "assembly"));
  pm.run(m);
  return std::string(buffer.str());
}
} // namespace

std::string toAssembly(llvm::Module &m, llvm::TargetMachine &tm) {
  return emitMachineCode(m, tm, llvm::CodeGenFileType::AssemblyFile);
}

std::string toObject(llvm::Module &m, llvm::TargetMachine &tm) {
  return emitMachineCode(m, tm, llvm::CodeGenFileType::ObjectFile);
}

std::string printModule(mlir::ModuleOp module) {
  std::string s;
  llvm::raw_string_ostream os(s);
  module.print(os);
  return s;
}

std::string printModule(const llvm::Module &m) {
  std::string s;
  llvm::raw_string_ostream os(s);
  m.print(os, nullptr);
  return s;
}

} // namespace graphjit::jit
