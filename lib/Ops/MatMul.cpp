// MatMul and dot: type rule, perform, gradient and batching rule of every product form.
#include "graphjit/Ops/MatMul.h"
#include "OpUtil.h"
#include "ShapeUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"

namespace graphjit {

namespace {
DType matmulDType(DType a, DType b) {
  DType t = promoteTypes(a, b);
  return t == DType::Bool ? DType::Int64 : t;
}

bool ranksSupported(int ra, int rb) {
  return (ra >= 1 && ra <= 2 && rb >= 1 && rb <= 2) || (ra >= 3 && ra == rb);
}

[[noreturn]] void innerMismatch(int64_t k1, int64_t k2, const std::string &a,
                                const std::string &b) {
  throw ShapeError("matmul: inner dimensions differ (" + std::to_string(k1) + " vs " +
                   std::to_string(k2) + ") for operands " + a + " and " + b);
}

// Output dims of the product, from the operand dims (static or run-time). Returns
// the batch dims + [m] + [n] with the 1-d cases dropping m or n.
Shape productShape(const Shape &a, const Shape &b, bool isStaticCheck, const std::string &as,
                   const std::string &bs) {
  int ra = static_cast<int>(a.size()), rb = static_cast<int>(b.size());
  int64_t ka = a[ra - 1], kb = rb == 1 ? b[0] : b[rb - 2];
  if (ka != kUnknownDim && kb != kUnknownDim && ka != kb) innerMismatch(ka, kb, as, bs);
  Shape out;
  for (int d = 0; d < ra - 2; ++d) {
    int64_t x = a[d], y = b[d];
    if (x == 1)
      out.push_back(y);
    else if (y == 1)
      out.push_back(x);
    else if (x == kUnknownDim || y == kUnknownDim)
      out.push_back(x == kUnknownDim ? y : x);
    else if (x != y)
      throw ShapeError("matmul: batch dim " + std::to_string(d) + " differs (" + std::to_string(x) +
                       " vs " + std::to_string(y) + ") for operands " + as + " and " + bs);
    else
      out.push_back(x);
  }
  (void)isStaticCheck;
  if (ra >= 2) out.push_back(a[ra - 2]);
  if (rb >= 2) out.push_back(b[rb - 1]);
  return out;
}
} // namespace

std::vector<TensorType> MatMul::makeOutputTypes(const std::vector<TensorType> &in) const {
  detail::expectArity("matmul", in.size(), 2);
  int ra = in[0].ndim(), rb = in[1].ndim();
  if (!ranksSupported(ra, rb))
    throw ShapeError("matmul: unsupported ranks " + std::to_string(ra) + " and " +
                     std::to_string(rb) + " (" + in[0].str() + ", " + in[1].str() +
                     "); expected 1 or 2 each, or equal ranks >= 3 (use the matmul() builder)");
  return {TensorType(matmulDType(in[0].dtype, in[1].dtype),
                     productShape(in[0].shape, in[1].shape, true, in[0].str(), in[1].str()))};
}

std::vector<Shape> MatMul::inferShape(const std::vector<Shape> &in) const {
  return {productShape(in[0], in[1], false, shapeStr(in[0]), shapeStr(in[1]))};
}

void MatMul::checkShapes(const std::vector<TensorType> &inTypes,
                         const std::vector<Shape> &in) const {
  Shape out = inferShape(in)[0];
  // Batch dims stretch only where the type says 1.
  int ra = static_cast<int>(in[0].size());
  for (int d = 0; d < ra - 2; ++d)
    for (int k = 0; k < 2; ++k)
      if (in[k][d] != out[d] && inTypes[k].shape[d] != 1)
        throw ShapeError("matmul: operand " + std::to_string(k) + " has batch size " +
                         std::to_string(in[k][d]) + " at axis " + std::to_string(d) +
                         ", expected " + std::to_string(out[d]) +
                         " (a dim broadcasts only where its type has a static 1)");
}

std::vector<Tensor> MatMul::perform(const std::vector<Tensor> &in) const {
  detail::expectArity("matmul", in.size(), 2);
  int ra = in[0].ndim(), rb = in[1].ndim();
  if (!ranksSupported(ra, rb))
    throw ShapeError("matmul: unsupported ranks " + std::to_string(ra) + " and " +
                     std::to_string(rb));
  Shape outShape = inferShape({in[0].shape(), in[1].shape()})[0];
  DType t = matmulDType(in[0].dtype(), in[1].dtype());
  // View both operands as stacks of matrices: a is [batch..., m, k], b is [batch..., k, n].
  Shape as = in[0].shape(), bs = in[1].shape();
  if (ra == 1) as.insert(as.begin(), 1);
  if (rb == 1) bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  Shape batch(outShape.begin(), outShape.begin() + std::max(ra - 2, 0));
  Tensor a = in[0].astype(t), b = in[1].astype(t);
  Tensor out = Tensor::zeros(t, outShape);
  Shape fullOut = batch;
  fullOut.push_back(m);
  fullOut.push_back(n);
  Shape aFull = as, bFull = bs;
  Tensor aView = a.reshaped(aFull), bView = b.reshaped(bFull);
  Shape batchA(aFull.begin(), aFull.end() - 2), batchB(bFull.begin(), bFull.end() - 2);
  int64_t nb = shapeSize(batch);
  dispatchDType(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *pa = aView.template data<T>();
      const T *pb = bView.template data<T>();
      T *po = out.template data<T>();
      std::vector<int64_t> idx(batch.size(), 0);
      for (int64_t bi = 0; bi < nb; ++bi) {
        int64_t offA = 0, offB = 0, strideA = m * k, strideB = k * n;
        for (size_t d = 0; d < batch.size(); ++d) {
          int64_t accA = 1, accB = 1;
          for (size_t e = d + 1; e < batch.size(); ++e) {
            accA *= batchA[e];
            accB *= batchB[e];
          }
          offA += (batchA[d] == 1 ? 0 : idx[d]) * accA;
          offB += (batchB[d] == 1 ? 0 : idx[d]) * accB;
        }
        const T *A = pa + offA * strideA;
        const T *B = pb + offB * strideB;
        T *C = po + bi * m * n;
        for (int64_t i = 0; i < m; ++i)
          for (int64_t p = 0; p < k; ++p) {
            T av = A[i * k + p];
            for (int64_t j = 0; j < n; ++j)
              C[i * n + j] = detail::wrapAdd(C[i * n + j], detail::wrapMul(av, B[p * n + j]));
          }
        for (size_t d = batch.size(); d-- > 0;) {
          if (++idx[d] < batch[d]) break;
          idx[d] = 0;
        }
      }
    }
  });
  return {out};
}

std::vector<Var> MatMul::L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                              const std::vector<Var> &g) const {
  const Var &a = inputs[0], &b = inputs[1];
  if (!g[0]) return {Var(), Var()};
  int ra = a.ndim(), rb = b.ndim();
  Var ga, gb;
  if (ra == 1 && rb == 1) {
    ga = g[0] * b;
    gb = g[0] * a;
  } else if (ra == 1) { // a (k) . B (k, n) -> (n)
    ga = matmul(b, g[0]);
    gb = outer(a, g[0]);
  } else if (rb == 1) { // A (m, k) . b (k) -> (m)
    ga = outer(g[0], b);
    gb = matmul(transpose(a), g[0]);
  } else {
    IntList swap;
    for (int d = 0; d < ra - 2; ++d)
      swap.push_back(d);
    swap.push_back(ra - 1);
    swap.push_back(ra - 2);
    ga = detail::sumToType(matmul(g[0], dimshuffle(b, swap)), a.type());
    gb = detail::sumToType(matmul(dimshuffle(a, swap), g[0]), b.type());
  }
  auto fit = [](const Var &grad, const Var &input) -> Var {
    if (!isFloat(input.dtype())) return Var();
    return grad.dtype() == input.dtype() ? grad : cast(grad, input.dtype());
  };
  return {fit(ga, a), fit(gb, b)};
}

Var matmul(const Var &a, const Var &b) {
  int ra = a.ndim(), rb = b.ndim();
  if (ra == 0 || rb == 0)
    throw ShapeError("matmul: operands must have rank >= 1, got " + a.type().str() + " and " +
                     b.type().str());
  if (ranksSupported(ra, rb)) return applyOp1(std::make_shared<MatMul>(), {a, b});
  // Bring both to the same rank >= 3: 1-d operands become matrices, missing batch dims are 1.
  Var x = ra == 1 ? expand_dims(a, 0) : a;
  Var y = rb == 1 ? expand_dims(b, 1) : b;
  int r = std::max({x.ndim(), y.ndim(), 3});
  while (x.ndim() < r)
    x = expand_dims(x, 0);
  while (y.ndim() < r)
    y = expand_dims(y, 0);
  Var out = applyOp1(std::make_shared<MatMul>(), {x, y});
  IntList drop;
  if (rb == 1) drop.push_back(r - 1);
  if (ra == 1) drop.push_back(r - 2);
  for (int d = 0; d < r - std::max(ra, rb) && d < r - 2; ++d)
    drop.push_back(d);
  return drop.empty() ? out : squeeze(out, drop);
}

Var dot(const Var &a, const Var &b) {
  if (a.ndim() == 0 || b.ndim() == 0) return a * b;
  if (a.ndim() > 2 || b.ndim() > 2)
    throw ShapeError("dot: operands of rank > 2 (" + a.type().str() + ", " + b.type().str() +
                     ") are not supported; use matmul");
  return matmul(a, b);
}

Var outer(const Var &a, const Var &b) {
  if (a.ndim() != 1 || b.ndim() != 1)
    throw ShapeError("outer: expected two vectors, got " + a.type().str() + " and " +
                     b.type().str());
  return dimshuffle(a, {0, -1}) * dimshuffle(b, {-1, 0});
}

// A batch of products: vectors become a row (left) or a column (right) so that
// the batched operands are stacks of matrices, and the added axes are dropped again.
std::vector<Var> MatMul::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                   int batchDims) const {
  int b = batchDims;
  int ca = node.input(0).ndim(), cb = node.input(1).ndim();
  Var a = withBatchDims(inputs[0], b), m = withBatchDims(inputs[1], b);
  if (ca == 1) a = expand_dims(a, b);     // a row vector
  if (cb == 1) m = expand_dims(m, b + 1); // a column vector
  Var out = applyOp1(std::make_shared<MatMul>(), {a, m});
  IntList drop;
  if (ca == 1) drop.push_back(b);
  if (cb == 1) drop.push_back(b + 1);
  return {drop.empty() ? out : squeeze(out, drop)};
}

void registerMatMulOps(OpRegistry &registry) {
  registry.add("matmul", [](const Attrs &a) -> OpPtr {
    if (!a.empty()) throw ValueError("matmul: takes no attributes, got " + a.str());
    return std::make_shared<MatMul>();
  });
}

} // namespace graphjit
