// The checks and shape rules of size arguments that are graph values (alloc, eye_n, arange_n,
// linspace_n, reshape_n, broadcast_to_n, size_shape).
#include "ShapeArgsUtil.h"

#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace graphjit::detail {

namespace {
std::string listStr(const Shape &s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i)
    out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}
} // namespace

void checkSizeType(const std::string &op, const TensorType &t, size_t i) {
  if (t.ndim() != 0 || !isInteger(t.dtype))
    throw TypeError(op + ": size " + std::to_string(i) + " must be an integer scalar, got " +
                    t.str());
}

void checkTargetType(const std::string &op, const TensorType &t) {
  if (t.ndim() != 1 || !isInteger(t.dtype) || t.shape[0] == kUnknownDim)
    throw TypeError(op +
                    ": the target shape must be an integer vector of static length (the "
                    "rank must be known), got " +
                    t.str());
}

void checkRealScalarType(const std::string &op, const std::string &what, const TensorType &t) {
  if (t.ndim() != 0 || !(isInteger(t.dtype) || isFloat(t.dtype)))
    throw TypeError(op + ": " + what + " must be an integer or float scalar, got " + t.str());
}

int64_t sizeValue(const std::string &op, const Tensor &t, size_t i) {
  int64_t s = t.getAsInt64(0);
  if (s < 0)
    throw ValueError(op + ": size " + std::to_string(i) + " is negative (" + std::to_string(s) +
                     "); sizes must be >= 0");
  return s;
}

bool isScalarConstant(const Var &v) { return v->isConstant() && v.ndim() == 0; }

Var asSize(const std::string &op, const Var &v, size_t i) {
  if (!v) throw ValueError(op + ": size " + std::to_string(i) + " is null");
  checkSizeType(op, v.type(), i);
  return v.dtype() == DType::Int64 ? v : cast(v, DType::Int64);
}

int64_t arangeLength(const std::string &op, double start, double stop, double step) {
  if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    throw ValueError(op +
                     ": start, stop and step must be finite, got start=" + std::to_string(start) +
                     ", stop=" + std::to_string(stop) + ", step=" + std::to_string(step));
  if (step == 0)
    throw ValueError(op + ": step must not be 0 (start=" + std::to_string(start) +
                     ", stop=" + std::to_string(stop) + ")");
  double n = std::ceil((stop - start) / step);
  if (n > 1e15) throw ValueError(op + ": too many elements (" + std::to_string(n) + ")");
  return n > 0 ? static_cast<int64_t>(n) : 0;
}

Shape targetValues(const std::string &op, const Tensor &t, const IntList &known, bool minusOne) {
  Shape out(static_cast<size_t>(t.size()));
  if (t.ndim() != 1 || out.size() != known.size())
    throw ValueError(op + ": the target shape has " + std::to_string(t.size()) +
                     " entries, its type says " + std::to_string(known.size()));
  int inferred = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = t.getAsInt64(static_cast<int64_t>(i));
    bool ok = out[i] >= 0 || (minusOne && out[i] == -1);
    inferred += out[i] == -1;
    if (!ok)
      throw ValueError(op + ": entry " + std::to_string(i) + " of the target shape " +
                       listStr(out) + " is " + std::to_string(out[i]) + "; expected >= 0" +
                       (minusOne ? " or one -1" : ""));
    if (known[i] >= 0 && out[i] != known[i])
      throw ValueError(op + ": entry " + std::to_string(i) + " of the target shape is " +
                       std::to_string(out[i]) + ", its type says " + std::to_string(known[i]));
  }
  if (inferred > 1)
    throw ValueError(op + ": the target shape " + listStr(out) + " has more than one -1");
  // The element count must fit an int64 (a size from a value is the user's, not an attr).
  int64_t size = 1;
  for (int64_t d : out)
    if (d > 0 && size > std::numeric_limits<int64_t>::max() / d)
      throw ValueError(op + ": the target shape " + listStr(out) + " has too many elements");
    else if (d >= 0)
      size *= d;
  return out;
}

Shape reshapeTarget(const std::string &op, const Shape &x, const Tensor &t, const IntList &known) {
  Shape out = targetValues(op, t, known, true);
  int64_t size = shapeSize(x), rest = 1;
  auto at = std::find(out.begin(), out.end(), -1);
  for (int64_t d : out)
    if (d != -1) rest *= d;
  bool fits = at == out.end() ? rest == size : rest != 0 && size % rest == 0;
  if (!fits)
    throw ValueError(op + ": cannot reshape an input of shape " + listStr(x) + " (" +
                     std::to_string(size) + " elements) into shape " + listStr(out));
  if (at != out.end()) *at = size / rest;
  return out;
}

Shape broadcastTarget(const std::string &op, const Shape &x, const Tensor &t, const IntList &known,
                      const IntList &stretch) {
  Shape out = targetValues(op, t, known, false);
  if (x.size() > out.size())
    throw ValueError(op + ": cannot broadcast an input of shape " + listStr(x) + " to shape " +
                     listStr(out) + " of lower rank");
  size_t pad = out.size() - x.size();
  for (size_t d = 0; d < x.size(); ++d) {
    bool stretches =
        std::find(stretch.begin(), stretch.end(), static_cast<int64_t>(d)) != stretch.end();
    if (x[d] != out[pad + d] && !(stretches && x[d] == 1))
      throw ValueError(op + ": cannot broadcast an input of shape " + listStr(x) + " to shape " +
                       listStr(out) + ": axis " + std::to_string(d) + " has size " +
                       std::to_string(x[d]) + ", expected " + std::to_string(out[pad + d]) +
                       (x[d] == 1 ? " (a dim broadcasts only where its type has a static 1)" : ""));
  }
  return out;
}

IntList knownEntries(const Var &target) {
  IntList known(static_cast<size_t>(target.type().shape[0]), -1);
  if (target->isConstant())
    for (size_t i = 0; i < known.size(); ++i)
      known[i] = target->constantValue().getAsInt64(static_cast<int64_t>(i));
  return known;
}

} // namespace graphjit::detail
