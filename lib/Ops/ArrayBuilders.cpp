// Builders for NumPy array functions composed from existing ops, as PyTensor composes them.
#include "graphjit/Ops/ArrayBuilders.h"
#include "OpUtil.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"

#include <cmath>

namespace graphjit {

namespace {
std::vector<double> spaced(const char *op, double start, double stop, int64_t num, bool endpoint) {
  if (num < 0) throw ValueError(std::string(op) + ": num must be >= 0, got " + std::to_string(num));
  std::vector<double> v(static_cast<size_t>(num));
  double div = endpoint ? static_cast<double>(num - 1) : static_cast<double>(num);
  double step = div > 0 ? (stop - start) / div : 0;
  for (int64_t i = 0; i < num; ++i)
    v[i] = start + step * static_cast<double>(i);
  if (endpoint && num > 1) v[num - 1] = stop; // exact end, as NumPy
  return v;
}

/// x with `n` copies concatenated along `axis`.
Var copies(const Var &x, int64_t n, int64_t axis) {
  if (n == 1) return x;
  return concatenate(std::vector<Var>(static_cast<size_t>(n), x), axis);
}
} // namespace

Var linspace(double start, double stop, int64_t num, bool endpoint, DType dtype) {
  return constant(Tensor::fromVector(spaced("linspace", start, stop, num, endpoint)).astype(dtype));
}

Var logspace(double start, double stop, int64_t num, bool endpoint, double base, DType dtype) {
  std::vector<double> v = spaced("logspace", start, stop, num, endpoint);
  for (double &e : v)
    e = std::pow(base, e);
  return constant(Tensor::fromVector(v).astype(dtype));
}

// Static target: broadcast_to. Otherwise x_i + zeros of the others, which broadcasts symbolically.
std::vector<Var> broadcast_arrays(const std::vector<Var> &xs) {
  int nd = 0;
  for (const Var &x : xs)
    nd = std::max(nd, x.ndim());
  Shape target(nd, 1);
  bool known = true;
  for (const Var &x : xs)
    for (int d = 0; d < x.ndim(); ++d) {
      int64_t s = x.type().shape[d];
      int64_t &t = target[nd - x.ndim() + d];
      if (s == kUnknownDim)
        known = false;
      else if (s != 1) {
        if (t != 1 && t != s)
          throw ShapeError("broadcast_arrays: shapes do not broadcast: " + x.type().str());
        t = s;
      }
    }
  std::vector<Var> out;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (known) {
      out.push_back(xs[i].type().shape == target ? xs[i] : broadcast_to(xs[i], target));
      continue;
    }
    Var r = xs[i];
    for (size_t j = 0; j < xs.size(); ++j)
      if (j != i) r = r + zeros_like(xs[j], r.dtype());
    out.push_back(r);
  }
  return out;
}

Var var(const Var &x, Axes axis, bool keepdims, int64_t ddof) {
  Var xf = isFloat(x.dtype()) ? x : cast(x, DType::Float64);
  Var dev = sqr(xf - mean(xf, axis, true));
  if (ddof == 0) return mean(dev, axis, keepdims);
  IntList axes = axis.value_or(IntList{});
  if (!axis)
    for (int d = 0; d < x.ndim(); ++d)
      axes.push_back(d);
  int64_t n = 1;
  for (int64_t a : axes) {
    int64_t s = x.type().shape[detail::normalizeAxis(a, x.ndim(), "var")];
    if (s == kUnknownDim) {
      n = kUnknownDim;
      break;
    }
    n *= s;
  }
  Var total = sum(dev, axis, keepdims);
  if (n != kUnknownDim) return total / static_cast<double>(n - ddof);
  return total / (sum(ones_like(xf), axis, keepdims) - static_cast<double>(ddof));
}

Var std(const Var &x, Axes axis, bool keepdims, int64_t ddof) {
  return sqrt(var(x, axis, keepdims, ddof));
}

Var tile(const Var &x, const IntList &reps) {
  Var r = x;
  int extra = static_cast<int>(reps.size()) - x.ndim();
  if (extra > 0) {
    IntList order(extra, -1);
    for (int d = 0; d < x.ndim(); ++d)
      order.push_back(d);
    r = dimshuffle(x, order);
  }
  int off = r.ndim() - static_cast<int>(reps.size());
  for (size_t i = 0; i < reps.size(); ++i) {
    if (reps[i] < 0) throw ValueError("tile: negative repetition " + std::to_string(reps[i]));
    r = reps[i] == 0 ? r(slice(0, 0)) : copies(r, reps[i], off + static_cast<int64_t>(i));
  }
  return r;
}

// take with the indices [0, 0, ..., 1, 1, ...]: its gradient sums the copies back.
Var repeat(const Var &x, int64_t repeats, std::optional<int64_t> axis) {
  if (!axis) return repeat(reshape(x, {-1}), repeats, 0);
  int a = detail::normalizeAxis(*axis, x.ndim(), "repeat");
  int64_t n = x.type().shape[a];
  if (n == kUnknownDim)
    throw NotImplementedError("repeat: axis " + std::to_string(a) + " of " + x.type().str() +
                              " must have a static length");
  if (repeats < 0) throw ValueError("repeat: negative repeats " + std::to_string(repeats));
  IntList idx;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < repeats; ++k)
      idx.push_back(i);
  return take(x, constant(Tensor::fromVector(idx)), a);
}

// roll(x, s) = concatenate(x[n - s:], x[:n - s]).
Var roll(const Var &x, int64_t shift, std::optional<int64_t> axis) {
  if (!axis) return reshape_like(roll(reshape(x, {-1}), shift, 0), x);
  int a = detail::normalizeAxis(*axis, x.ndim(), "roll");
  int64_t n = x.type().shape[a];
  if (n != kUnknownDim) shift = n == 0 ? 0 : ((shift % n) + n) % n;
  if (shift == 0) return x;
  IndexList head(a + 1, slice()), tail(a + 1, slice());
  head[a] = slice(-shift, std::nullopt);
  tail[a] = slice(std::nullopt, -shift);
  return concatenate({subtensor(x, head), subtensor(x, tail)}, a);
}

} // namespace graphjit
