// Merges a linalg.generic with one of its readers when its results have several readers.
//
// Assumptions: ops work on tensors (before bufferization); a merged pair has the same loop dims,
// seen through identity maps on the value passed between them, so each loop dim means the same
// in both. The merged op lowers to the same sequential loop nest as either op alone.
#include "FuseMultiUse.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"

namespace graphjit::jit {

namespace {
using namespace mlir;
using linalg::GenericOp;

bool isIdentity(AffineMap m, unsigned loops) {
  return m.isIdentity() && m.getNumDims() == loops && m.getNumSymbols() == 0;
}

/// Whether `v`, a value of `body`, is computed from one of the body's arguments from `first` on
/// (a generic's output arguments: its accumulators).
bool readsArgsFrom(Value v, Block &body, unsigned first) {
  llvm::SmallVector<Value> work{v};
  llvm::SmallPtrSet<Operation *, 16> seen;
  while (!work.empty()) {
    Value x = work.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(x)) {
      if (arg.getOwner() == &body && arg.getArgNumber() >= first) return true;
      continue;
    }
    Operation *op = x.getDefiningOp();
    if (!op || op->getBlock() != &body || !seen.insert(op).second) continue;
    if (op->getNumRegions()) return true; // not expected in a payload: be conservative
    llvm::append_range(work, op->getOperands());
  }
  return false;
}

/// Whether reader `c` can take producer `p`'s body: same loop count, every operand of `c` that is
/// a result of `p` is an input read through the identity map, and `p` writes that result through
/// the identity map from values that do not depend on its accumulators.
bool canMerge(GenericOp p, GenericOp c) {
  if (p == c || p->getBlock() != c->getBlock()) return false;
  if (!p.hasPureTensorSemantics() || !c.hasPureTensorSemantics()) return false;
  unsigned loops = p.getNumLoops();
  if (loops == 0 || c.getNumLoops() != loops) return false;
  Block &pBody = p.getRegion().front();
  auto pYield = cast<linalg::YieldOp>(pBody.getTerminator());
  bool pReduces = p.getNumReductionLoops() > 0;
  bool reads = false;
  for (OpOperand &operand : c->getOpOperands()) {
    auto r = dyn_cast<OpResult>(operand.get());
    if (!r || r.getOwner() != p) continue;
    if (!c.isDpsInput(&operand)) return false;
    if (!isIdentity(c.getMatchingIndexingMap(&operand), loops)) return false;
    if (!isIdentity(p.getIndexingMapMatchingResult(r), loops)) return false;
    if (pReduces &&
        readsArgsFrom(pYield.getOperand(r.getResultNumber()), pBody, p.getNumDpsInputs()))
      return false;
    reads = true;
  }
  return reads;
}

/// The ops of `block` after `after` that `c`'s operands other than `p`'s results are computed
/// from, in block order, if all are free of memory effects and none reads `p`; else nothing.
std::optional<llvm::SmallVector<Operation *>> sliceToHoist(GenericOp p, GenericOp c) {
  Block *block = p->getBlock();
  llvm::SetVector<Operation *> slice;
  llvm::SmallVector<Value> work;
  for (Value v : c->getOperands())
    if (v.getDefiningOp() != p) work.push_back(v);
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def) continue; // a block argument: defined before p
    Operation *anc = block->findAncestorOpInBlock(*def);
    if (!anc || anc->isBeforeInBlock(p) || slice.contains(anc)) continue;
    if (anc == p || !isMemoryEffectFree(anc)) return std::nullopt;
    slice.insert(anc);
    // Operands of the op and of anything nested in it (a generic's payload may read constants).
    anc->walk([&](Operation *inner) {
      for (Value v : inner->getOperands())
        if (!anc->isAncestor(v.getParentBlock()->getParentOp())) work.push_back(v);
    });
  }
  llvm::SmallVector<Operation *> ops(slice.begin(), slice.end());
  llvm::sort(ops, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ops;
}

/// One generic computing `p` and `c` in one loop nest, created at the rewriter's insertion point;
/// its results are p's then c's.
GenericOp buildMerged(RewriterBase &rewriter, GenericOp p, GenericOp c) {
  SmallVector<Value> inputs, inits;
  SmallVector<AffineMap> maps;
  SmallVector<OpOperand *> cInputsKept;
  for (OpOperand *o : p.getDpsInputOperands())
    inputs.push_back(o->get()), maps.push_back(p.getMatchingIndexingMap(o));
  for (OpOperand *o : c.getDpsInputOperands())
    if (o->get().getDefiningOp() != p) {
      inputs.push_back(o->get()), maps.push_back(c.getMatchingIndexingMap(o));
      cInputsKept.push_back(o);
    }
  for (OpOperand &o : p.getDpsInitsMutable())
    inits.push_back(o.get()), maps.push_back(p.getMatchingIndexingMap(&o));
  for (OpOperand &o : c.getDpsInitsMutable())
    inits.push_back(o.get()), maps.push_back(c.getMatchingIndexingMap(&o));
  SmallVector<Type> types(p->getResultTypes());
  llvm::append_range(types, c->getResultTypes());
  // A dim either op reduces is reduced: both lower to the same sequential loop over it.
  SmallVector<utils::IteratorType> iters = p.getIteratorTypesArray();
  for (auto [i, t] : llvm::enumerate(c.getIteratorTypesArray()))
    if (t == utils::IteratorType::reduction) iters[i] = t;

  auto merged = rewriter.create<GenericOp>(c.getLoc(), types, inputs, inits, maps, iters);
  Block &pBody = p.getRegion().front(), &cBody = c.getRegion().front();
  Block *body = rewriter.createBlock(&merged.getRegion());
  IRMapping map;
  auto addArg = [&](BlockArgument a) { map.map(a, body->addArgument(a.getType(), a.getLoc())); };
  unsigned pIn = p.getNumDpsInputs(), cIn = c.getNumDpsInputs();
  for (unsigned i = 0; i < pIn; ++i)
    addArg(pBody.getArgument(i));
  for (OpOperand *o : cInputsKept)
    addArg(cBody.getArgument(o->getOperandNumber()));
  for (unsigned i = pIn; i < pBody.getNumArguments(); ++i)
    addArg(pBody.getArgument(i));
  for (unsigned i = cIn; i < cBody.getNumArguments(); ++i)
    addArg(cBody.getArgument(i));
  for (Operation &op : pBody.without_terminator())
    rewriter.clone(op, map);
  SmallVector<Value> yields;
  for (Value v : cast<linalg::YieldOp>(pBody.getTerminator()).getOperands())
    yields.push_back(map.lookupOrDefault(v));
  // c reads p's values straight from p's payload.
  for (OpOperand *o : c.getDpsInputOperands())
    if (auto r = dyn_cast<OpResult>(o->get()); r && r.getOwner() == p)
      map.map(cBody.getArgument(o->getOperandNumber()), yields[r.getResultNumber()]);
  for (Operation &op : cBody.without_terminator())
    rewriter.clone(op, map);
  for (Value v : cast<linalg::YieldOp>(cBody.getTerminator()).getOperands())
    yields.push_back(map.lookupOrDefault(v));
  rewriter.create<linalg::YieldOp>(c.getLoc(), yields);
  return merged;
}

/// Gives each accumulator of `op` (an output its loops reduce into) a buffer of its own instead of
/// the kernel's output it would be bufferized into, then copied there. Written when LLVM could not
/// tell the kernel's arguments apart: an accumulator in one of them was loaded and stored at every
/// step next to the merged loop's other stores, and the loop did not vectorize (its exp then ran
/// scalar); a fresh buffer is noalias (Pipeline.cpp), so LLVM keeps it in a register. The arguments
/// are noalias too now (ObjectCode.cpp); whether this is still needed has not been measured.
void privatizeAccumulators(RewriterBase &rewriter, GenericOp op) {
  if (op.getNumReductionLoops() == 0) return;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    if (op.getMatchingIndexingMap(&init).isPermutation()) continue; // written once per point
    auto fill = init.get().getDefiningOp<linalg::FillOp>();
    auto empty = fill ? fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>() : nullptr;
    if (!empty) continue;
    rewriter.setInsertionPoint(op);
    Value buffer = rewriter.create<bufferization::AllocTensorOp>(empty.getLoc(), empty.getType(),
                                                                 empty.getDynamicSizes());
    Value filled =
        rewriter.create<linalg::FillOp>(fill.getLoc(), fill.getInputs(), buffer).getResult(0);
    rewriter.modifyOpInPlace(op, [&] { init.set(filled); });
  }
}

/// Merges `p` into one of its readers; false if none can take it.
bool mergeOne(RewriterBase &rewriter, GenericOp p) {
  Block *block = p->getBlock();
  llvm::SetVector<Operation *> readers;
  for (Operation *u : p->getUsers())
    readers.insert(u);
  llvm::SmallVector<Operation *> ordered(readers.begin(), readers.end());
  for (Operation *u : ordered)
    if (u->getBlock() != block) return false; // a reader nested elsewhere: keep it simple
  llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  for (Operation *u : ordered) {
    auto c = dyn_cast<GenericOp>(u);
    if (!c || !canMerge(p, c)) continue;
    // The merged op stands where c stood if p's other readers all come after c; else where p
    // stood, once what c reads besides p is moved above p.
    bool atC = llvm::all_of(ordered, [&](Operation *o) { return o == u || u->isBeforeInBlock(o); });
    if (atC) {
      rewriter.setInsertionPoint(c);
    } else {
      std::optional<llvm::SmallVector<Operation *>> hoist = sliceToHoist(p, c);
      if (!hoist) continue;
      for (Operation *op : *hoist)
        rewriter.moveOpBefore(op, p);
      rewriter.setInsertionPoint(p);
    }
    GenericOp merged = buildMerged(rewriter, p, c);
    unsigned np = p->getNumResults();
    for (unsigned i = 0; i < c->getNumResults(); ++i)
      rewriter.replaceAllUsesWith(c->getResult(i), merged->getResult(np + i));
    rewriter.eraseOp(c);
    for (unsigned i = 0; i < np; ++i)
      rewriter.replaceAllUsesWith(p->getResult(i), merged->getResult(i));
    rewriter.eraseOp(p);
    privatizeAccumulators(rewriter, merged);
    return true;
  }
  return false;
}

/// Whether MLIR's elementwise fusion leaves `p` in memory: it fuses only a producer with a single
/// use and no reduction. Single uses of loops without reductions are left to it.
bool fusionLeavesInMemory(GenericOp p) { return !p->hasOneUse() || p.getNumReductionLoops() > 0; }

struct FuseMultiUsePass : PassWrapper<FuseMultiUsePass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FuseMultiUsePass)
  StringRef getArgument() const final { return "graphjit-fuse-multi-use"; }
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    llvm::SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *b) { blocks.push_back(b); });
    for (Block *b : blocks) {
      // Each merge removes one generic, so this ends.
      for (bool changed = true; changed;) {
        changed = false;
        for (Operation &op : *b)
          if (auto p = dyn_cast<GenericOp>(op);
              p && fusionLeavesInMemory(p) && mergeOne(rewriter, p)) {
            changed = true;
            break;
          }
      }
    }
  }
};
} // namespace

std::unique_ptr<Pass> createFuseMultiUsePass() { return std::make_unique<FuseMultiUsePass>(); }

} // namespace graphjit::jit
