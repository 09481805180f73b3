// scan: the loop op (layout, type rule, perform) and its registration.
#include "graphjit/ControlFlow/Scan.h"
#include "graphjit/ControlFlow/IfElse.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <cstring>
#include <deque>

namespace graphjit {

namespace {
std::string num(size_t i) { return std::to_string(i); }

/// Row `t` of `x` (along axis 0), copied.
Tensor row(const Tensor &x, int64_t t) {
  Tensor c = x.contiguous();
  Shape s(c.shape().begin() + 1, c.shape().end());
  Tensor r = Tensor::empty(c.dtype(), s);
  size_t bytes = static_cast<size_t>(shapeSize(s)) * dtypeSize(c.dtype());
  std::memcpy(r.rawData(), static_cast<const char *>(c.rawData()) + bytes * t, bytes);
  return r;
}

/// `rows` stacked along a new first axis; `rowShape` gives the shape when there are none.
Tensor stackRows(const std::vector<Tensor> &rows, DType dtype, const Shape &rowShape) {
  Shape s = rows.empty() ? rowShape : rows[0].shape();
  Shape full{static_cast<int64_t>(rows.size())};
  full.insert(full.end(), s.begin(), s.end());
  Tensor out = Tensor::empty(dtype, full);
  size_t bytes = static_cast<size_t>(shapeSize(s)) * dtypeSize(dtype);
  for (size_t t = 0; t < rows.size(); ++t) {
    if (rows[t].shape() != s)
      throw ShapeError("scan: step " + num(t) + " returned shape " + shapeStr(rows[t].shape()) +
                       " but step 0 returned " + shapeStr(s) +
                       "; every step must return the same shape");
    Tensor c = rows[t].astype(dtype).contiguous();
    std::memcpy(static_cast<char *>(out.rawData()) + bytes * t, c.rawData(), bytes);
  }
  return out;
}

IntList flatTaps(const ScanLayout &l) {
  IntList flat;
  for (const IntList &t : l.taps)
    flat.insert(flat.end(), t.begin(), t.end());
  return flat;
}
IntList tapCounts(const ScanLayout &l) {
  IntList n;
  for (const IntList &t : l.taps)
    n.push_back(static_cast<int64_t>(t.size()));
  return n;
}
} // namespace

ScanOp::ScanOp(std::shared_ptr<const InnerGraph> body, ScanLayout layout)
    : body_(std::move(body)), layout_(std::move(layout)) {
  const ScanLayout &l = layout_;
  if (l.keepLast.empty()) layout_.keepLast.assign(l.numOutputs(), false);
  if (static_cast<int>(layout_.keepLast.size()) != l.numOutputs())
    throw ValueError("scan: keep_last has " + num(layout_.keepLast.size()) + " entries for " +
                     num(l.numOutputs()) + " outputs");
  size_t numTaps = 0;
  for (const IntList &t : l.taps) {
    if (t.empty()) throw ValueError("scan: a recurrent output has no taps");
    for (size_t i = 0; i < t.size(); ++i)
      if (t[i] >= 0 || (i && t[i] <= t[i - 1]))
        throw ValueError("scan: taps must be negative and ascending (e.g. [-2, -1]), got " +
                         attrValueStr(t));
    numTaps += t.size();
  }
  size_t wantIn = l.numSeqs + numTaps + l.numNonSeqs;
  size_t wantOut = l.numOutputs() + (l.until ? 1 : 0);
  if (body_->inputs().size() != wantIn || body_->outputs().size() != wantOut)
    throw ValueError("scan: the body takes " + num(body_->inputs().size()) +
                     " inputs and returns " + num(body_->outputs().size()) +
                     " values; the layout expects " + num(wantIn) + " and " + num(wantOut));
  // A state's new value must fit where its taps read it back.
  size_t tap = l.numSeqs;
  for (int r = 0; r < l.numStates(); ++r) {
    const TensorType &in = body_->inputs()[tap].type(), &out = body_->outputs()[r].type();
    if (!in.isTensor() && l.taps[r] != IntList{-1})
      throw ValueError("scan: recurrent output " + num(r) + " is a " + in.str() +
                       ", which has no rows: its only tap is -1, got " + attrValueStr(l.taps[r]));
    if (in.dtype != out.dtype || in.ndim() != out.ndim() || in.isTensor() != out.isTensor() ||
        (!in.isTensor() && in.str() != out.str()))
      throw TypeError("scan: recurrent output " + num(r) + " is " + out.str() +
                      " but its taps read " + in.str() + "; expected the same dtype and rank");
    tap += l.taps[r].size();
  }
  if (l.until) {
    const TensorType &u = body_->outputs().back().type();
    if (u.ndim() != 0 || isFloat(u.dtype))
      throw TypeError("scan: the until condition must be a bool scalar, got " + u.str());
  }
}

Attrs ScanOp::attrs() const {
  IntList keep;
  for (bool k : layout_.keepLast)
    keep.push_back(k ? 1 : 0);
  return Attrs{{"n_seqs", int64_t(layout_.numSeqs)},
               {"taps", flatTaps(layout_)},
               {"tap_counts", tapCounts(layout_)},
               {"n_nit_sot", int64_t(layout_.numNitSot)},
               {"n_non_seqs", int64_t(layout_.numNonSeqs)},
               {"until", layout_.until},
               {"reverse", layout_.reverse},
               {"keep_last", keep},
               {"body", body_->text()}};
}

Attrs ScanOp::displayAttrs() const {
  Attrs a = attrs();
  Attrs shown;
  for (auto &[k, v] : a.items())
    if (k != "body") shown.set(k, v);
  return shown;
}

bool ScanOp::isPure() const { return !anyImpure(body_->outputs()); }

bool ScanOp::isValueState(int r) const {
  size_t tap = layout_.numSeqs;
  for (int k = 0; k < r; ++k)
    tap += layout_.taps[k].size();
  return !body_->inputs()[tap].type().isTensor();
}

std::vector<TensorType> ScanOp::makeOutputTypes(const std::vector<TensorType> &in) const {
  const ScanLayout &l = layout_;
  size_t want = 1 + l.numSeqs + l.numStates() + l.numNonSeqs;
  if (in.size() != want)
    throw ValueError("scan: expected " + num(want) +
                     " inputs (n_steps, sequences, initial states, non-sequences), got " +
                     num(in.size()));
  if (in[0].ndim() != 0 || isFloat(in[0].dtype) || in[0].dtype == DType::Bool)
    throw TypeError("scan: n_steps must be an integer scalar, got " + in[0].str());
  const auto &bin = body_->inputs();
  for (int s = 0; s < l.numSeqs; ++s) {
    const TensorType &t = in[1 + s], &r = bin[s].type();
    if (t.ndim() != r.ndim() + 1 || t.dtype != r.dtype)
      throw TypeError("scan: sequence " + num(s) + " is " + t.str() + "; its rows should be " +
                      r.str());
  }
  size_t tap = l.numSeqs;
  for (int r = 0; r < l.numStates(); ++r) {
    const TensorType &t = in[1 + l.numSeqs + r], &b = bin[tap].type();
    if (!b.isTensor()) {
      if (t.str() != b.str())
        throw TypeError("scan: initial state " + num(r) + " is " + t.str() + "; expected " +
                        b.str());
    } else if (t.ndim() != b.ndim() + 1 || t.dtype != b.dtype)
      throw TypeError("scan: initial state " + num(r) + " is " + t.str() + "; expected " +
                      num(l.bufferRows(r)) + " rows of " + b.str());
    tap += l.taps[r].size();
  }
  for (int k = 0; k < l.numNonSeqs; ++k) {
    const TensorType &t = in[1 + l.numSeqs + l.numStates() + k];
    if (!t.isCompatible(bin[tap + k].type()))
      throw TypeError("scan: non-sequence " + num(k) + " is " + t.str() + "; the body expects " +
                      bin[tap + k].type().str());
  }
  std::vector<TensorType> out;
  for (int o = 0; o < l.numOutputs(); ++o) {
    TensorType t = body_->outputs()[o].type();
    if (!t.isTensor()) { // a value state (a generator): its last value, never stacked
      out.push_back(t);
      continue;
    }
    // Unknown rows even when only the last is kept: scan_save_mem must not change the type.
    t.shape.insert(t.shape.begin(), kUnknownDim);
    out.push_back(t);
  }
  return out;
}

std::vector<Shape> ScanOp::inferShape(const std::vector<Shape> &in) const {
  const ScanLayout &l = layout_;
  std::vector<Shape> bodyIn;
  for (int s = 0; s < l.numSeqs; ++s)
    bodyIn.emplace_back(in[1 + s].begin() + 1, in[1 + s].end());
  for (int r = 0; r < l.numStates(); ++r)
    for (size_t k = 0; k < l.taps[r].size(); ++k)
      bodyIn.push_back(isValueState(r)
                           ? in[1 + l.numSeqs + r]
                           : Shape(in[1 + l.numSeqs + r].begin() + 1, in[1 + l.numSeqs + r].end()));
  for (int k = 0; k < l.numNonSeqs; ++k)
    bodyIn.push_back(in[1 + l.numSeqs + l.numStates() + k]);
  std::vector<Shape> rows = body_->inferShapes(bodyIn), out;
  for (int o = 0; o < l.numOutputs(); ++o) {
    if (o < l.numStates() && isValueState(o)) {
      out.push_back(rows[o]);
      continue;
    }
    if (!l.keepLast[o])
      throw ShapeError("scan: output " + num(o) +
                       " has one row per step run, a number its input shapes do not give");
    Shape s = rows[o];
    s.insert(s.begin(), 1);
    out.push_back(s);
  }
  return out;
}

std::vector<Tensor> ScanOp::perform(const std::vector<Tensor> &in) const {
  const ScanLayout &l = layout_;
  int64_t n = in[0].getAsInt64(0);
  if (n < 0) throw ValueError("scan: n_steps is " + std::to_string(n) + "; expected >= 0");
  for (int s = 0; s < l.numSeqs; ++s)
    if (in[1 + s].ndim() == 0 || in[1 + s].dim(0) < n)
      throw ShapeError("scan: sequence " + num(s) + " has shape " + shapeStr(in[1 + s].shape()) +
                       ", fewer than the " + std::to_string(n) + " rows the steps read");
  // The last bufferRows(r) values of each state: back() is the newest (tap -1).
  std::vector<std::deque<Tensor>> buffers(l.numStates());
  for (int r = 0; r < l.numStates(); ++r) {
    const Tensor &init = in[1 + l.numSeqs + r];
    if (isValueState(r)) {
      buffers[r].push_back(init);
      continue;
    }
    if (init.ndim() == 0 || init.dim(0) < l.bufferRows(r))
      throw ShapeError("scan: initial state " + num(r) + " has shape " + shapeStr(init.shape()) +
                       "; its taps " + attrValueStr(l.taps[r]) + " need " + num(l.bufferRows(r)) +
                       " rows");
    for (int64_t i = init.dim(0) - l.bufferRows(r); i < init.dim(0); ++i)
      buffers[r].push_back(row(init, i));
  }
  std::vector<std::vector<Tensor>> stored(l.numOutputs());
  std::vector<Tensor> bodyIn(body_->inputs().size());
  size_t nonSeqAt = bodyIn.size() - l.numNonSeqs;
  for (int k = 0; k < l.numNonSeqs; ++k)
    bodyIn[nonSeqAt + k] = in[1 + l.numSeqs + l.numStates() + k];
  for (int64_t i = 0; i < n; ++i) {
    int64_t t = l.reverse ? n - 1 - i : i;
    for (int s = 0; s < l.numSeqs; ++s)
      bodyIn[s] = row(in[1 + s], t);
    size_t at = l.numSeqs;
    for (int r = 0; r < l.numStates(); ++r) {
      int rows = l.bufferRows(r);
      for (int64_t tap : l.taps[r])
        bodyIn[at++] = buffers[r][rows + tap];
    }
    std::vector<Tensor> out = body_->run(bodyIn);
    for (int r = 0; r < l.numStates(); ++r) {
      Tensor v = out[r].dtype() == body_->outputs()[r].dtype()
                     ? out[r]
                     : out[r].astype(body_->outputs()[r].dtype());
      buffers[r].pop_front();
      buffers[r].push_back(v);
    }
    for (int o = 0; o < l.numOutputs(); ++o) {
      if (o < l.numStates() && isValueState(o)) continue; // in its buffer
      if (l.keepLast[o]) stored[o].clear(); // scan_save_mem: only the newest row is kept
      stored[o].push_back(out[o]);
    }
    if (l.until && out.back().getAsInt64(0) != 0) break;
  }
  std::vector<Tensor> result;
  for (int o = 0; o < l.numOutputs(); ++o) {
    if (o < l.numStates() && isValueState(o)) {
      result.push_back(buffers[o].back());
      continue;
    }
    if (l.reverse) std::reverse(stored[o].begin(), stored[o].end()); // back to time order
    DType dt = body_->outputs()[o].dtype();
    if (l.keepLast[o] && stored[o].empty() && o < l.numStates())
      stored[o].push_back(buffers[o].back()); // no step ran: the last value is the initial one
    Shape rowShape;
    for (int64_t d : body_->outputs()[o].type().shape)
      rowShape.push_back(d == kUnknownDim ? 0 : d);
    result.push_back(stackRows(stored[o], dt, rowShape));
  }
  return result;
}

void registerScanOps(OpRegistry &registry) {
  registry.add(
      "scan",
      [](const Attrs &a) -> OpPtr {
        ScanLayout l;
        l.numSeqs = static_cast<int>(a.get<int64_t>("n_seqs", "scan"));
        const IntList &flat = a.get<IntList>("taps", "scan");
        size_t at = 0;
        for (int64_t c : a.get<IntList>("tap_counts", "scan")) {
          if (c < 1 || at + c > flat.size())
            throw ValueError("scan: tap_counts do not fit taps " + attrValueStr(flat));
          l.taps.emplace_back(flat.begin() + at, flat.begin() + at + c);
          at += c;
        }
        if (at != flat.size()) throw ValueError("scan: tap_counts do not cover taps");
        l.numNitSot = static_cast<int>(a.get<int64_t>("n_nit_sot", "scan"));
        l.numNonSeqs = static_cast<int>(a.get<int64_t>("n_non_seqs", "scan"));
        l.until = a.get<bool>("until", "scan");
        l.reverse = a.getOr<bool>("reverse", false);
        for (int64_t k : a.get<IntList>("keep_last", "scan"))
          l.keepLast.push_back(k != 0);
        if (l.numSeqs < 0 || l.numNitSot < 0 || l.numNonSeqs < 0)
          throw ValueError("scan: negative counts in " + a.str());
        return std::make_shared<ScanOp>(
            InnerGraph::parse(a.get<std::string>("body", "scan"), "scan"), std::move(l));
      },
      Attrs{{"n_seqs", int64_t(0)},
            {"taps", IntList{-1}},
            {"tap_counts", IntList{1}},
            {"n_nit_sot", int64_t(0)},
            {"n_non_seqs", int64_t(1)},
            {"until", false},
            {"reverse", false},
            {"keep_last", IntList{0}},
            {"body",
             std::string("func @body(%x: f64[], %a: f64[]) -> (f64[]) {\n  %0 = mul(%x, %a) : "
                         "f64[]\n  return %0\n}\n")}});
}

} // namespace graphjit
