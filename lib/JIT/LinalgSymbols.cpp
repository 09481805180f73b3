// Runtime functions behind the linalg lowering (lib/Lower/EmitLinalg.cpp): each
// wraps its memrefs as Tensors and runs the op's own perform (LAPACK), so the
// JIT and the interpreter compute the same thing. No exception leaves these
// functions: a failure sets the call's flag, which the kernel reports as a check.
#include "LinalgSymbols.h"

#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/Special.h"

#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace graphjit::jit {

namespace {
template <int R> struct MemRef {
  double *allocated, *aligned;
  int64_t offset, sizes[R], strides[R];
};
struct MemRef0 {
  double *allocated, *aligned;
  int64_t offset;
};
struct Flag {
  bool *allocated, *aligned;
  int64_t offset;
};

template <int R> Tensor view(MemRef<R> *m) {
  Shape shape(m->sizes, m->sizes + R), strides(m->strides, m->strides + R);
  return Tensor::borrow(m->aligned + m->offset, shape, strides);
}
template <int R> void store(const Tensor &t, MemRef<R> *m) {
  Tensor c = t.contiguous();
  const double *p = c.data<double>();
  if (R == 1) {
    for (int64_t i = 0; i < m->sizes[0]; ++i)
      m->aligned[m->offset + i * m->strides[0]] = p[i];
  } else {
    int64_t cols = m->sizes[R - 1];
    for (int64_t i = 0; i < m->sizes[0]; ++i)
      for (int64_t j = 0; j < cols; ++j)
        m->aligned[m->offset + i * m->strides[0] + j * m->strides[R - 1]] = p[i * cols + j];
  }
}
void store0(const Tensor &t, MemRef0 *m) { m->aligned[m->offset] = t.item(); }
void setFlag(Flag *f, bool v) { f->aligned[f->offset] = v; }

/// Runs `op` on `in`; on failure fills the outputs with NaN and returns false.
template <typename Store> bool run(const LinalgOp &op, const std::vector<Tensor> &in, Store store) {
  try {
    store(op.perform(in), true);
    return true;
  } catch (...) {
    store(std::vector<Tensor>{}, false);
    return false;
  }
}

template <int RB>
void solveLike(const LinalgOp &op, MemRef<2> *a, MemRef<RB> *b, MemRef<RB> *x, Flag *flag) {
  bool ok = run(op, {view(a), view(b)}, [&](const std::vector<Tensor> &r, bool good) {
    if (good)
      store(r[0], x);
    else
      store(Tensor::full(DType::Float64, Shape(x->sizes, x->sizes + RB), NAN), x);
  });
  setFlag(flag, !ok);
}
void squareLike(LinalgKind kind, MemRef<2> *a, MemRef<2> *out, Flag *flag, int64_t k = 0) {
  LinalgOp op(kind, true, false, k);
  bool ok = run(op, {view(a)}, [&](const std::vector<Tensor> &r, bool good) {
    if (good)
      store(r[0], out);
    else
      store(Tensor::full(DType::Float64, {out->sizes[0], out->sizes[1]}, NAN), out);
  });
  if (flag) setFlag(flag, !ok);
}

extern "C" void graphjitCholesky(MemRef<2> *a, MemRef<2> *l, Flag *f) {
  squareLike(LinalgKind::Cholesky, a, l, f);
}
extern "C" void graphjitInv(MemRef<2> *a, MemRef<2> *x, Flag *f) {
  squareLike(LinalgKind::Inv, a, x, f);
}
extern "C" void graphjitTril(MemRef<2> *a, MemRef<2> *x, int64_t k) {
  squareLike(LinalgKind::Tril, a, x, nullptr, k);
}
extern "C" void graphjitSolveM(MemRef<2> *a, MemRef<2> *b, MemRef<2> *x, Flag *f) {
  solveLike(LinalgOp(LinalgKind::Solve), a, b, x, f);
}
extern "C" void graphjitSolveV(MemRef<2> *a, MemRef<1> *b, MemRef<1> *x, Flag *f) {
  solveLike(LinalgOp(LinalgKind::Solve), a, b, x, f);
}
extern "C" void graphjitSolveTriM(MemRef<2> *a, MemRef<2> *b, MemRef<2> *x, int64_t lower,
                                  int64_t trans, Flag *f) {
  solveLike(LinalgOp(LinalgKind::SolveTriangular, lower != 0, trans != 0), a, b, x, f);
}
extern "C" void graphjitSolveTriV(MemRef<2> *a, MemRef<1> *b, MemRef<1> *x, int64_t lower,
                                  int64_t trans, Flag *f) {
  solveLike(LinalgOp(LinalgKind::SolveTriangular, lower != 0, trans != 0), a, b, x, f);
}
extern "C" void graphjitDet(MemRef<2> *a, MemRef0 *d) {
  run(LinalgOp(LinalgKind::Det), {view(a)}, [&](const std::vector<Tensor> &r, bool good) {
    d->aligned[d->offset] = good ? r[0].item() : NAN;
  });
}
extern "C" void graphjitSlogdet(MemRef<2> *a, MemRef0 *sign, MemRef0 *logabs) {
  run(LinalgOp(LinalgKind::SLogDet), {view(a)}, [&](const std::vector<Tensor> &r, bool good) {
    if (good)
      store0(r[0], sign), store0(r[1], logabs);
    else
      sign->aligned[sign->offset] = logabs->aligned[logabs->offset] = NAN;
  });
}
extern "C" double graphjitDigamma(double x) { return digammaScalar(x); }
extern "C" double graphjitGammaln(double x) { return gammalnScalar(x); }
} // namespace

void addLinalgSymbols(llvm::orc::MangleAndInterner &interner, llvm::orc::SymbolMap &s) {
  auto add = [&](const char *name, auto *fn) {
    s[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn), llvm::JITSymbolFlags::Exported};
  };
  add("_mlir_ciface_graphjit_cholesky", &graphjitCholesky);
  add("_mlir_ciface_graphjit_matrix_inverse", &graphjitInv);
  add("_mlir_ciface_graphjit_tril", &graphjitTril);
  add("_mlir_ciface_graphjit_solve_m", &graphjitSolveM);
  add("_mlir_ciface_graphjit_solve_v", &graphjitSolveV);
  add("_mlir_ciface_graphjit_solve_triangular_m", &graphjitSolveTriM);
  add("_mlir_ciface_graphjit_solve_triangular_v", &graphjitSolveTriV);
  add("_mlir_ciface_graphjit_det", &graphjitDet);
  add("_mlir_ciface_graphjit_slogdet", &graphjitSlogdet);
  add("graphjit_digamma", &graphjitDigamma);
  add("graphjit_gammaln", &graphjitGammaln);
}

} // namespace graphjit::jit
