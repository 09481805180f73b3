// The batching rule of scan (vectorize_graph): one loop over batched states.
//
// A batched sequence [B..., n, ...] is iterated along its loop axis, so it is
// moved to [n, B..., ...]; every recurrent state becomes batched (an unbatched
// initial value is broadcast over the batch), the body is vectorized, and the
// outputs [n, B..., ...] get their batch dims back in front.
#include "graphjit/ControlFlow/Scan.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Reduce.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Transform/Vectorize.h"

namespace graphjit {

namespace {
/// [B..., n, ...] -> [n, B..., ...] (axis `b` to the front).
Var loopAxisFirst(const Var &v, int b) {
  IntList order{b};
  for (int i = 0; i < v.ndim(); ++i)
    if (i != b) order.push_back(i);
  return dimshuffle(v, order);
}
/// [n, B..., ...] -> [B..., n, ...].
Var loopAxisAfterBatch(const Var &v, int b) {
  IntList order;
  for (int i = 1; i <= b; ++i)
    order.push_back(i);
  order.push_back(0);
  for (int i = b + 1; i < v.ndim(); ++i)
    order.push_back(i);
  return dimshuffle(v, order);
}
/// zeros [B...] reshaped to broadcast against x of `coreNdim` core dims after `lead` leading axes.
Var batchZeros(const Var &zeros, int lead, int b, int coreNdim, DType dtype) {
  IntList order(lead, -1);
  for (int i = 0; i < b; ++i)
    order.push_back(i);
  for (int i = 0; i < coreNdim; ++i)
    order.push_back(-1);
  return dimshuffle(cast(zeros, dtype), order);
}
TensorType batchedType(const TensorType &core, const Shape &batchShape) {
  TensorType t = core;
  t.shape.insert(t.shape.begin(), batchShape.begin(), batchShape.end());
  return t;
}
} // namespace

std::vector<Var> ScanOp::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                   int b) const {
  const ScanLayout &l = layout_;
  const int S = l.numSeqs, R = l.numStates(), N = l.numNonSeqs;
  for (int r = 0; r < R; ++r)
    if (isValueState(r))
      throw NotImplementedError("scan: no batching rule for a scan whose step draws random "
                                "values (state " +
                                std::to_string(r) + " is a generator)");
  if (inputs[0].batched)
    throw NotImplementedError("scan: no batching rule for a batched n_steps (each element would "
                              "run its own number of steps)");
  if (l.until)
    throw NotImplementedError("scan: no batching rule with until (each element would stop at its "
                              "own step)");
  // A zero per batch element, [B...], from the first batched input: it broadcasts what is not.
  Var zeros;
  Shape batchShape;
  for (size_t i = 1; i < inputs.size() && !zeros; ++i)
    if (inputs[i].batched) {
      const Var &v = inputs[i].var;
      batchShape.assign(v.type().shape.begin(), v.type().shape.begin() + b);
      IntList core;
      for (int a = b; a < v.ndim(); ++a)
        core.push_back(a);
      Var z = zeros_like(v, DType::Float64);
      zeros = core.empty() ? z : sum(z, Axes(core));
    }
  if (!zeros) return applyOp(node.opPtr(), node.inputs()); // nothing batched
  const auto &fIn = body_->inputs(), &fOut = body_->outputs();
  std::vector<Var> opIn{inputs[0].var}, bodyIn;
  Replacements batched;
  auto placeholder = [&](const Var &inner, bool isBatched) {
    Var p = isBatched ? Var::input(batchedType(inner.type(), batchShape), inner.name()) : inner;
    if (isBatched) batched.emplace_back(inner, p);
    bodyIn.push_back(p);
  };
  for (int s = 0; s < S; ++s) {
    const BatchedVar &seq = inputs[1 + s];
    opIn.push_back(seq.batched ? loopAxisFirst(seq.var, b) : seq.var);
    placeholder(fIn[s], seq.batched);
  }
  int tap = S;
  for (int r = 0; r < R; ++r) {
    const BatchedVar &init = inputs[1 + S + r];
    int core = init.var.ndim() - (init.batched ? b : 0) - 1;
    opIn.push_back(init.batched ? loopAxisFirst(init.var, b)
                                : dimshuffle(init.var,
                                             [&] {
                                               IntList o{0};
                                               for (int i = 0; i < b; ++i)
                                                 o.push_back(-1);
                                               for (int i = 1; i <= core; ++i)
                                                 o.push_back(i);
                                               return o;
                                             }()) +
                                      batchZeros(zeros, 1, b, core, init.var.dtype()));
    for (size_t k = 0; k < l.taps[r].size(); ++k)
      placeholder(fIn[tap++], true); // every state is batched
  }
  for (int k = 0; k < N; ++k) {
    opIn.push_back(inputs[1 + S + R + k].var);
    placeholder(fIn[tap + k], inputs[1 + S + R + k].batched);
  }
  Var zerosIn = Var::input(TensorType(DType::Float64, batchShape), "batch_zeros");
  bodyIn.push_back(zerosIn);
  opIn.push_back(zeros);
  std::vector<Var> outs = vectorize_graph(std::vector<Var>(fOut.begin(), fOut.end()), batched);
  for (size_t o = 0; o < outs.size(); ++o) {
    int core = fOut[o].ndim();
    if (outs[o].ndim() == core) // did not depend on the batch: broadcast it over the batch
      outs[o] = outs[o] + batchZeros(zerosIn, 0, b, core, outs[o].dtype());
  }
  ScanLayout nl = l;
  nl.numNonSeqs += 1;
  auto op = std::make_shared<ScanOp>(InnerGraph::make(bodyIn, outs, "scan"), nl);
  std::vector<Var> result = applyOp(op, opIn);
  for (Var &v : result)
    v = loopAxisAfterBatch(v, b);
  return result;
}

} // namespace graphjit
