// tensordot, kron, einsum, norm and matrix_power as graphs of existing ops.
#include "graphjit/Ops/Products.h"
#include "OpUtil.h"
#include "graphjit/Ops/Diagonal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/MatMul.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace graphjit {

namespace {
/// Product of static dims, or kUnknownDim.
int64_t prodDims(const Var &x, const IntList &axes) {
  int64_t p = 1;
  for (int64_t a : axes) {
    int64_t s = x.type().shape[a];
    if (s == kUnknownDim) return kUnknownDim;
    p *= s;
  }
  return p;
}

IntList concatLists(IntList a, const IntList &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
} // namespace

Var tensordot(const Var &a, const Var &b, int64_t axes) {
  if (axes < 0 || axes > a.ndim() || axes > b.ndim())
    throw ValueError("tensordot: axes=" + std::to_string(axes) + " does not fit " + a.type().str() +
                     " and " + b.type().str());
  IntList aa, bb;
  for (int64_t i = 0; i < axes; ++i) {
    aa.push_back(a.ndim() - axes + i);
    bb.push_back(i);
  }
  return tensordot(a, b, aa, bb);
}

// Free axes of a, contracted axes last, reshaped to a matrix; times b likewise; reshaped back.
// With unknown dims: a broadcast product summed over the contracted axes.
Var tensordot(const Var &a, const Var &b, const IntList &axesA, const IntList &axesB) {
  if (axesA.size() != axesB.size()) throw ValueError("tensordot: axis lists differ in length");
  IntList ca, cb, fa, fb;
  for (int64_t x : axesA)
    ca.push_back(detail::normalizeAxis(x, a.ndim(), "tensordot"));
  for (int64_t x : axesB)
    cb.push_back(detail::normalizeAxis(x, b.ndim(), "tensordot"));
  for (int d = 0; d < a.ndim(); ++d)
    if (std::find(ca.begin(), ca.end(), d) == ca.end()) fa.push_back(d);
  for (int d = 0; d < b.ndim(); ++d)
    if (std::find(cb.begin(), cb.end(), d) == cb.end()) fb.push_back(d);
  int64_t m = prodDims(a, fa), k = prodDims(a, ca), n = prodDims(b, fb);
  if (m != kUnknownDim && k != kUnknownDim && n != kUnknownDim) {
    Var am = reshape(dimshuffle(a, concatLists(fa, ca)), {m, k});
    Var bm = reshape(dimshuffle(b, concatLists(cb, fb)), {k, n});
    IntList outShape;
    for (int64_t d : fa)
      outShape.push_back(a.type().shape[d]);
    for (int64_t d : fb)
      outShape.push_back(b.type().shape[d]);
    return reshape(matmul(am, bm), outShape);
  }
  // [fa..., ca..., 1 x |fb|] * [1 x |fa|, cb..., fb...], summed over the middle.
  IntList oa = concatLists(fa, ca), ob(fa.size(), -1);
  for (size_t i = 0; i < fb.size(); ++i)
    oa.push_back(-1);
  ob = concatLists(concatLists(ob, cb), fb);
  IntList red;
  for (size_t i = 0; i < ca.size(); ++i)
    red.push_back(static_cast<int64_t>(fa.size() + i));
  Var p = dimshuffle(a, oa) * dimshuffle(b, ob);
  return red.empty() ? p : sum(p, red);
}

// kron(a, b)[i*p + k, j*q + l] = a[i, j] b[k, l]: interleave the axes, multiply, merge pairs.
Var kron(const Var &a, const Var &b) {
  int nd = std::max(a.ndim(), b.ndim());
  auto lift = [nd](const Var &x) {
    IntList o(nd - x.ndim(), -1);
    for (int d = 0; d < x.ndim(); ++d)
      o.push_back(d);
    return o.size() == static_cast<size_t>(x.ndim()) ? x : dimshuffle(x, o);
  };
  Var x = lift(a), y = lift(b);
  IntList ox, oy, shape;
  int unknown = 0;
  for (int d = 0; d < nd; ++d) {
    ox.push_back(d);
    ox.push_back(-1);
    oy.push_back(-1);
    oy.push_back(d);
    int64_t s1 = x.type().shape[d], s2 = y.type().shape[d];
    bool u = s1 == kUnknownDim || s2 == kUnknownDim;
    unknown += u;
    shape.push_back(u ? -1 : s1 * s2);
  }
  if (unknown > 1)
    throw NotImplementedError("kron: needs static shapes but for one dim, got " + a.type().str() +
                              " and " + b.type().str());
  return reshape(dimshuffle(x, ox) * dimshuffle(y, oy), shape);
}

// Each operand is laid out over every letter (a missing letter is a broadcast axis), the
// operands multiplied, the letters not in the output summed, the rest ordered as the output.
Var einsum(const std::string &subscripts, const std::vector<Var> &operands) {
  auto arrow = subscripts.find("->");
  if (arrow == std::string::npos)
    throw NotImplementedError("einsum: needs an explicit output ('ij,jk->ik'), got '" + subscripts +
                              "'");
  if (subscripts.find("...") != std::string::npos)
    throw NotImplementedError("einsum: ellipsis is not supported, got '" + subscripts + "'");
  std::vector<std::string> ins;
  std::string cur;
  for (char c : subscripts.substr(0, arrow)) {
    if (c == ',') {
      ins.push_back(cur);
      cur.clear();
    } else if (c != ' ')
      cur += c;
  }
  ins.push_back(cur);
  std::string out;
  for (char c : subscripts.substr(arrow + 2))
    if (c != ' ') out += c;
  if (ins.size() != operands.size())
    throw ValueError("einsum: '" + subscripts + "' names " + std::to_string(ins.size()) +
                     " operands, got " + std::to_string(operands.size()));
  // Letter order: the output's letters first, then the summed ones in order of appearance.
  std::string letters = out;
  for (auto &s : ins)
    for (char c : s)
      if (letters.find(c) == std::string::npos) letters += c;
  Var prod;
  for (size_t i = 0; i < ins.size(); ++i) {
    std::string s = ins[i];
    Var x = operands[i];
    if (static_cast<int>(s.size()) != x.ndim())
      throw ValueError("einsum: operand " + std::to_string(i) + " is " + x.type().str() +
                       " but its subscripts are '" + s + "'");
    // A repeated letter: take the diagonal of those two axes (it moves to the end).
    for (size_t p = 0; p < s.size(); ++p)
      for (size_t q = p + 1; q < s.size(); ++q)
        if (s[p] == s[q]) {
          x = diagonal(x, 0, static_cast<int64_t>(p), static_cast<int64_t>(q));
          char c = s[p];
          s.erase(q, 1);
          s.erase(p, 1);
          s += c;
          p = static_cast<size_t>(-1);
          break;
        }
    IntList order;
    for (char c : letters) {
      auto pos = s.find(c);
      order.push_back(pos == std::string::npos ? -1 : static_cast<int64_t>(pos));
    }
    x = dimshuffle(x, order);
    prod = i == 0 ? x : prod * x;
  }
  IntList summed;
  for (size_t d = out.size(); d < letters.size(); ++d)
    summed.push_back(static_cast<int64_t>(d));
  return summed.empty() ? prod : sum(prod, summed);
}

namespace {
IntList normAxes(const Var &x, const std::optional<IntList> &axis) {
  IntList axes;
  if (!axis)
    for (int d = 0; d < x.ndim(); ++d)
      axes.push_back(d);
  else
    for (int64_t a : *axis)
      axes.push_back(detail::normalizeAxis(a, x.ndim(), "norm"));
  if (axes.size() != 1 && axes.size() != 2)
    throw ValueError("norm: needs one axis (a vector norm) or two (a matrix norm), got " +
                     std::to_string(axes.size()) + " for " + x.type().str());
  return axes;
}
} // namespace

Var norm(const Var &x, std::optional<double> ord, std::optional<IntList> axis, bool keepdims) {
  IntList axes = normAxes(x, axis);
  Var a = abs(isFloat(x.dtype()) ? x : cast(x, DType::Float64));
  if (axes.size() == 1) {
    double p = ord.value_or(2.0);
    if (p == INFINITY) return max(a, axes, keepdims);
    if (p == -INFINITY) return min(a, axes, keepdims);
    if (p == 0) return sum(cast(neq(a, 0.0), a.dtype()), axes, keepdims);
    if (p == 1) return sum(a, axes, keepdims);
    if (p == 2) return sqrt(sum(sqr(a), axes, keepdims));
    return pow(sum(pow(a, p), axes, keepdims), 1.0 / p);
  }
  if (!ord) return norm(x, "fro", axis, keepdims);
  double p = *ord;
  // max/min over columns of the column sums (ord 1), over rows of the row sums (ord inf).
  int64_t r = axes[0], c = axes[1];
  bool cols = p == 1 || p == -1;
  if (!cols && std::fabs(p) != INFINITY)
    throw NotImplementedError("norm: matrix ord " + std::to_string(p) +
                              " needs an SVD (not available)");
  int64_t inner = cols ? r : c, outer = cols ? c : r;
  Var s = sum(a, IntList{inner}, true);
  Var m = p > 0 ? max(s, IntList{outer}, true) : min(s, IntList{outer}, true);
  if (keepdims) return m;
  return squeeze(m, IntList{std::min(r, c), std::max(r, c)});
}

Var norm(const Var &x, const std::string &ord, std::optional<IntList> axis, bool keepdims) {
  if (ord == "fro") {
    IntList axes = normAxes(x, axis);
    Var a = isFloat(x.dtype()) ? x : cast(x, DType::Float64);
    return sqrt(sum(sqr(a), axes, keepdims));
  }
  if (ord == "nuc") throw NotImplementedError("norm: ord 'nuc' needs an SVD (not available)");
  throw ValueError("norm: unknown ord '" + ord + "' (expected 'fro' or a number)");
}

Var matrix_power(const Var &m, int64_t n) {
  if (m.ndim() < 2) throw ShapeError("matrix_power: expected a matrix, got " + m.type().str());
  if (n == 0) return applyOp1(std::make_shared<AllocDiag>(0), {ones_like(diagonal(m, 0, -2, -1))});
  Var base = n < 0 ? inv(m) : m;
  uint64_t e = n < 0 ? static_cast<uint64_t>(-n) : static_cast<uint64_t>(n);
  std::optional<Var> result;
  while (e) {
    if (e & 1) result = result ? matmul(*result, base) : base;
    e >>= 1;
    if (e) base = matmul(base, base);
  }
  return *result;
}

} // namespace graphjit
