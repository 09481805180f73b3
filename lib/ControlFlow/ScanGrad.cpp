// The gradient of scan: a reverse scan over the stored states.
//
// Forward, state r lives in a buffer F_r = concat(init_r, out_r) of L_r + n
// rows; step t reads rows L_r + t + k for its taps k and writes row L_r + t.
// Backward, steps run from n-1 down to 0. The gradient of row L_r + t is
// complete when step t is reached (only later steps read it), so a carry of
// L_r rows holds the pending gradients of the rows the remaining steps wrote
// or read: row L_r - 1 of the carry is the current state's. Each reverse step
// adds d(out_r)[t], applies the body's vector-Jacobian product, shifts the carry
// by one row and adds the taps' gradients. What is left at the end is the
// gradient of the initial rows. (A reverse scan is the same in the order its steps
// ran: its gradient is a forward scan.) Non-sequence gradients are summed over steps;
// sequence gradients are per-step outputs, scattered back into the sequence
// (it may have more rows than the steps read).
#include "graphjit/ControlFlow/Scan.h"
#include "graphjit/Graph/Clone.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Transform/Grad.h"

namespace graphjit {

namespace {
bool differentiable(const Var &v) { return v.type().isTensor() && isFloat(v.dtype()); }

TensorType rowType(const TensorType &t) {
  TensorType r = t;
  r.shape.erase(r.shape.begin());
  return r;
}

Var zerosOrGrad(const Var &g, const Var &like) { return g ? g : zeros_like(like); }

/// x[::-1]: the rows in the opposite order.
Var flip(const Var &x) { return subtensor(x, {IndexEntry::slice(std::nullopt, std::nullopt, -1)}); }
} // namespace

std::vector<Var> ScanOp::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                              const std::vector<Var> &outputGrads) const {
  const ScanLayout &l = layout_;
  const int S = l.numSeqs, R = l.numStates(), M = l.numNitSot, N = l.numNonSeqs;
  for (int r = 0; r < R; ++r)
    if (isValueState(r))
      throw NotImplementedError("scan: no gradient through a scan whose step draws random "
                                "values (state " +
                                std::to_string(r) + " is a generator)");
  for (bool k : l.keepLast)
    if (k)
      throw NotImplementedError("scan: no gradient through an output that keeps only its last "
                                "row (scan_save_mem runs after differentiation)");
  std::vector<Var> result(inputs.size());
  const Var *seqs = &inputs[1], *inits = &inputs[1 + S], *nonSeqs = &inputs[1 + S + R];
  Var nDone = subtensor(shape(outputs[0]), {IndexEntry::at(0)});

  // The reverse scan's body, input by input (its layout order).
  std::vector<Var> bIn, opIn{nDone};
  Replacements fwd; // forward body input -> reverse body placeholder
  const auto &fIn = body_->inputs(), &fOut = body_->outputs();
  auto seqInput = [&](const Var &outer, const TensorType &row, const std::string &name) {
    Var p = Var::input(row, name);
    bIn.push_back(p);
    opIn.push_back(outer);
    return p;
  };
  for (int s = 0; s < S; ++s)
    fwd.emplace_back(fIn[s], seqInput(seqs[s], fIn[s].type(), "x" + std::to_string(s)));
  std::vector<Var> dOut;
  for (int o = 0; o < R + M; ++o)
    dOut.push_back(
        seqInput(zerosOrGrad(outputGrads[o], outputs[o]), fOut[o].type(), "d" + std::to_string(o)));
  int tap = S;
  for (int r = 0; r < R; ++r) {
    // The buffer in the order the steps ran (a reverse scan ran from the last row).
    Var buffer = concatenate({inits[r], l.reverse ? flip(outputs[r]) : outputs[r]}, 0);
    int64_t L = l.bufferRows(r);
    for (int64_t k : l.taps[r]) {
      // Rows L + k .. L + k + n - 1 of the buffer: the value tap k reads at each step (given
      // back in time order, as the reverse scan reads its sequences).
      Var rows = subtensor(buffer, {IndexEntry::slice(L + k, k)});
      if (l.reverse) rows = flip(rows);
      fwd.emplace_back(fIn[tap], seqInput(rows, fIn[tap].type(), "s" + std::to_string(r)));
      ++tap;
    }
  }
  // Recurrent states of the reverse scan: carries, non-sequence sums, a step counter.
  std::vector<Var> carries, sums;
  for (int r = 0; r < R; ++r) {
    carries.push_back(Var::input(inits[r].type(), "carry" + std::to_string(r)));
    bIn.push_back(carries.back());
    opIn.push_back(expand_dims(zeros_like(inits[r]), 0));
  }
  std::vector<int> wrtNonSeq;
  for (int k = 0; k < N; ++k)
    if (differentiable(nonSeqs[k])) {
      wrtNonSeq.push_back(k);
      sums.push_back(Var::input(nonSeqs[k].type(), "sum" + std::to_string(k)));
      bIn.push_back(sums.back());
      opIn.push_back(expand_dims(zeros_like(nonSeqs[k]), 0));
    }
  Var counter = Var::input(TensorType(DType::Int64, {}), "t");
  bIn.push_back(counter);
  // Row t of the counter's output holds t: counting down from n when the steps run backwards.
  opIn.push_back(expand_dims(l.reverse ? constant(-1.0, DType::Int64) : nDone, 0));
  for (int k = 0; k < N; ++k) {
    Var p = Var::input(fIn[tap + k].type(), fIn[tap + k].name());
    fwd.emplace_back(fIn[tap + k], p);
    bIn.push_back(p);
    opIn.push_back(nonSeqs[k]);
  }

  // The body's vector-Jacobian product at this step.
  std::vector<Var> outsHere = graph_replace(std::vector<Var>(fOut.begin(), fOut.end()), fwd,
                                            /*strict=*/false);
  GradOptions opts;
  opts.disconnected = DisconnectedPolicy::Ignore;
  for (int r = 0; r < R; ++r) {
    int64_t L = l.bufferRows(r);
    Var g = subtensor(carries[r], {IndexEntry::at(L - 1)}) + dOut[r];
    if (differentiable(outsHere[r])) opts.known_grads.emplace_back(outsHere[r], g);
  }
  for (int m = 0; m < M; ++m)
    if (differentiable(outsHere[R + m]))
      opts.known_grads.emplace_back(outsHere[R + m], dOut[R + m]);
  std::vector<Var> wrt;
  std::vector<int> wrtIndex; // forward body input index of each wrt
  for (size_t i = 0; i < fwd.size(); ++i)
    if (differentiable(fwd[i].second)) {
      wrt.push_back(fwd[i].second);
      wrtIndex.push_back(static_cast<int>(i));
    }
  std::vector<Var> g = opts.known_grads.empty() ? std::vector<Var>() : grad(Var(), wrt, opts);
  std::vector<Var> gradOf(fwd.size());
  for (size_t w = 0; w < g.size(); ++w)
    gradOf[wrtIndex[w]] = g[w];
  auto gradOrZero = [&](int i) { return gradOf[i] ? gradOf[i] : zeros_like(fwd[i].second); };

  std::vector<Var> bOut;
  tap = S;
  for (int r = 0; r < R; ++r) {
    int64_t L = l.bufferRows(r);
    // Shift: the current row is done; the row before step t's oldest tap enters.
    Var shifted = concatenate({zeros_like(subtensor(carries[r], {IndexEntry::slice(0, 1)})),
                               subtensor(carries[r], {IndexEntry::slice(std::nullopt, L - 1)})},
                              0);
    std::vector<Var> rows;
    size_t k = 0;
    for (int64_t j = 0; j < L; ++j) {
      int64_t want = j - L;
      if (k < l.taps[r].size() && l.taps[r][k] == want)
        rows.push_back(gradOrZero(tap + static_cast<int>(k++)));
      else
        rows.push_back(zeros_like(subtensor(carries[r], {IndexEntry::at(0)})));
    }
    bOut.push_back(shifted + stack(rows, 0));
    tap += static_cast<int>(l.taps[r].size());
  }
  for (size_t w = 0; w < wrtNonSeq.size(); ++w)
    bOut.push_back(sums[w] + gradOrZero(tap + wrtNonSeq[w]));
  bOut.push_back(counter + constant(l.reverse ? 1.0 : -1.0, DType::Int64));
  std::vector<int> seqGrads;
  for (int s = 0; s < S; ++s)
    if (differentiable(seqs[s])) {
      seqGrads.push_back(s);
      bOut.push_back(gradOrZero(s));
    }

  ScanLayout rl;
  rl.numSeqs = S + (R + M) + (tap - S); // sequences: x rows, output grads, tap values
  for (int r = 0; r < R; ++r)
    rl.taps.push_back({-1});
  for (size_t w = 0; w < wrtNonSeq.size(); ++w)
    rl.taps.push_back({-1});
  rl.taps.push_back({-1}); // the counter
  rl.numNitSot = static_cast<int>(seqGrads.size());
  rl.numNonSeqs = N;
  rl.reverse = !l.reverse;
  int numStates = rl.numStates();
  rl.keepLast.assign(numStates + rl.numNitSot, false);
  auto op = std::make_shared<ScanOp>(InnerGraph::make(bIn, bOut, "scan gradient"), rl);
  std::vector<Var> back = applyOp(op, opIn);

  // Only the final carries and sums are used: scan_save_mem keeps just those rows when compiled.
  // (So the gradient of a scan that ran no step is an IndexError, as out[-1] would be.)
  // The last step's row: row 0 when the reverse scan ran backwards (its rows are in time order).
  auto final = [&](const Var &v) { return subtensor(v, {IndexEntry::at(rl.reverse ? 0 : -1)}); };
  for (int r = 0; r < R; ++r)
    if (differentiable(inits[r])) result[1 + S + r] = final(back[r]);
  for (size_t w = 0; w < wrtNonSeq.size(); ++w)
    result[1 + S + R + wrtNonSeq[w]] = final(back[R + w]);
  Var steps = back[numStates - 1]; // rows t = 0..n-1 hold t
  for (size_t i = 0; i < seqGrads.size(); ++i) {
    int s = seqGrads[i];
    // The steps read rows 0..n-1; later rows of a longer sequence get zeros.
    result[1 + s] = inc_take(zeros_like(seqs[s]), steps, back[numStates + i], 0);
  }
  return result;
}

} // namespace graphjit
