// scan(fn, sequences, outputs_info, non_sequences, n_steps): traces the step
// function once on symbolic arguments and wraps the result in a ScanOp.
#include "graphjit/ControlFlow/Scan.h"
#include "graphjit/Graph/DefaultUpdate.h"
#include "graphjit/Graph/Traversal.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Indexing.h"
#include "graphjit/Ops/Shape.h"
#include "graphjit/Support/Error.h"

#include <algorithm>
#include <unordered_set>

namespace graphjit {

namespace {
TensorType dropFirst(const TensorType &t) {
  TensorType r = t;
  r.shape.erase(r.shape.begin());
  return r;
}
std::string nameOr(const Var &v, const std::string &fallback) {
  return v.name().empty() ? fallback : v.name();
}
} // namespace

Var ScanResult::last(int i) const { return subtensor(outputs.at(i), {IndexEntry::at(-1)}); }

ScanResult scan(const StepFn &fn, const std::vector<Var> &sequences,
                const std::vector<OutputInfo> &outputs_info, const std::vector<Var> &non_sequences,
                const Var &n_steps) {
  ScanLayout layout;
  std::vector<Var> args;            // what fn receives, in PyTensor's order
  std::vector<Var> opSeqs, opInits; // the op's inputs
  std::vector<int> stateOf, nitOf;  // outputs_info index of each state / per-step output
  for (size_t s = 0; s < sequences.size(); ++s) {
    const Var &seq = sequences[s];
    if (!seq || seq.ndim() == 0)
      throw ValueError("scan: sequence " + std::to_string(s) +
                       " must be an array with a first axis to iterate over");
    args.push_back(
        Var::input(dropFirst(seq.type()), nameOr(seq, "seq" + std::to_string(s)) + "_t"));
    opSeqs.push_back(seq);
  }
  for (size_t o = 0; o < outputs_info.size(); ++o) {
    const OutputInfo &info = outputs_info[o];
    if (!info.initial) {
      nitOf.push_back(static_cast<int>(o));
      continue;
    }
    IntList taps = info.taps;
    std::sort(taps.begin(), taps.end());
    taps.erase(std::unique(taps.begin(), taps.end()), taps.end());
    if (taps.empty() || taps.back() >= 0)
      throw ValueError("scan: output " + std::to_string(o) + " has taps " + attrValueStr(taps) +
                       "; expected negative taps such as [-1] or [-2, -1]");
    // Tap -1 alone: the initial value is the state itself. Otherwise it holds the rows before step
    // 0.
    bool single = taps == IntList{-1};
    Var init = single ? expand_dims(info.initial, 0) : info.initial;
    if (!single && init.ndim() == 0)
      throw ValueError("scan: output " + std::to_string(o) + " has taps " + attrValueStr(taps) +
                       " so its initial value needs one row per step before 0, got a scalar");
    TensorType stateType = dropFirst(init.type());
    for (int64_t tap : taps)
      args.push_back(Var::input(stateType, nameOr(info.initial, "s" + std::to_string(o)) + "_tm" +
                                               std::to_string(-tap)));
    layout.taps.push_back(taps);
    opInits.push_back(init);
    stateOf.push_back(static_cast<int>(o));
  }
  std::vector<Var> opNonSeqs;
  for (const Var &ns : non_sequences) {
    args.push_back(Var::input(ns.type(), nameOr(ns, "ns" + std::to_string(opNonSeqs.size()))));
    opNonSeqs.push_back(ns);
  }
  // Variables made from here on are the step's own: a draw the step makes advances its
  // generator per step, one it only reads (made before the scan) is a fixed value.
  const uint64_t traceStart = Var::input(TensorType(DType::Float64, {}))->serial();
  StepResult step = fn(args);
  if (step.outputs.size() != outputs_info.size())
    throw ValueError("scan: the step returned " + std::to_string(step.outputs.size()) +
                     " values for " + std::to_string(outputs_info.size()) + " outputs_info");
  std::vector<Var> bodyOuts;
  size_t tapAt = sequences.size();
  for (size_t r = 0; r < stateOf.size(); ++r) {
    Var v = step.outputs[stateOf[r]];
    const TensorType &want = args[tapAt].type();
    if (v.ndim() != want.ndim())
      throw TypeError("scan: output " + std::to_string(stateOf[r]) + " is " + v.type().str() +
                      " but its initial value makes the state " + want.str());
    bodyOuts.push_back(v.dtype() == want.dtype ? v : cast(v, want.dtype));
    tapAt += layout.taps[r].size();
  }
  for (int o : nitOf)
    bodyOuts.push_back(step.outputs[o]);
  if (step.until) {
    Var u = step.until;
    if (u.ndim() != 0) throw TypeError("scan: until must be a scalar, got " + u.type().str());
    bodyOuts.push_back(u.dtype() == DType::Bool ? u : neq(u, scalarLike(0, u)));
  }
  // What the step reads from outside becomes extra non-sequences (PyTensor does the same),
  // except a generator whose default update the step computes (a random stream's draw inside
  // the step): it becomes a recurrent state, so each step draws from the state the previous
  // step left, and the shared generator is updated with the state after the last step.
  std::vector<Var> implicit = freeInputs(bodyOuts, args);
  std::unordered_set<const Apply *> stepNodes;
  for (const Var &v : ancestors(bodyOuts))
    if (v->owner()) stepNodes.insert(v->owner());
  std::vector<Var> carried, carriedNext, bodyIns = args;
  for (const Var &v : implicit) {
    Var next = v->isShared() && !v.type().isTensor() ? defaultUpdate(v) : Var();
    if (next && next.type().str() == v.type().str() && next->owner() &&
        next->serial() > traceStart && stepNodes.count(next->owner())) {
      carried.push_back(v);
      carriedNext.push_back(next);
      continue;
    }
    bodyIns.push_back(v);
    opNonSeqs.push_back(v);
  }
  size_t userTaps = 0;
  for (const IntList &t : layout.taps)
    userTaps += t.size();
  bodyIns.insert(bodyIns.begin() + sequences.size() + userTaps, carried.begin(), carried.end());
  bodyOuts.insert(bodyOuts.begin() + stateOf.size(), carriedNext.begin(), carriedNext.end());
  for (const Var &g : carried) {
    layout.taps.push_back({-1});
    opInits.push_back(g);
  }

  Var n = n_steps;
  if (!n) {
    if (sequences.empty())
      throw ValueError("scan: give n_steps or at least one sequence to iterate over");
    for (const Var &seq : sequences) {
      Var len = subtensor(shape(seq), {IndexEntry::at(0)});
      n = n ? minimum(n, len) : len;
    }
  }
  if (n.ndim() != 0 || isFloat(n.dtype()) || n.dtype() == DType::Bool)
    throw TypeError("scan: n_steps must be an integer scalar, got " + n.type().str());
  if (n.dtype() != DType::Int64) n = cast(n, DType::Int64);

  layout.numSeqs = static_cast<int>(sequences.size());
  layout.numNitSot = static_cast<int>(nitOf.size());
  layout.numNonSeqs = static_cast<int>(opNonSeqs.size());
  layout.until = static_cast<bool>(step.until);
  auto op = std::make_shared<ScanOp>(InnerGraph::make(bodyIns, bodyOuts, "scan"), layout);
  std::vector<Var> ins{n};
  ins.insert(ins.end(), opSeqs.begin(), opSeqs.end());
  ins.insert(ins.end(), opInits.begin(), opInits.end());
  ins.insert(ins.end(), opNonSeqs.begin(), opNonSeqs.end());
  std::vector<Var> outs = applyOp(op, ins);
  ScanResult result;
  result.outputs.resize(outputs_info.size());
  for (size_t r = 0; r < stateOf.size(); ++r)
    result.outputs[stateOf[r]] = outs[r];
  for (size_t m = 0; m < nitOf.size(); ++m)
    result.outputs[nitOf[m]] = outs[stateOf.size() + carried.size() + m];
  for (size_t g = 0; g < carried.size(); ++g) {
    Var after = outs[stateOf.size() + g];
    result.updates.emplace_back(carried[g], after);
    setDefaultUpdate(carried[g], after); // compile() advances the generator past every step
  }
  return result;
}

ScanResult scan(const StepFn &fn, const std::vector<Var> &sequences,
                const std::vector<OutputInfo> &outputs_info, const std::vector<Var> &non_sequences,
                int64_t n_steps) {
  return scan(fn, sequences, outputs_info, non_sequences, constant(double(n_steps), DType::Int64));
}

} // namespace graphjit
