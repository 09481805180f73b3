// Running a schedule's steps over a table of tensors, and printing the schedule.
#include "ScheduleKernel.h"

#include "graphjit/Graph/Op.h"
#include "graphjit/Lower/Lower.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/TextIR.h"

#include <atomic>
#include <fmt/format.h>

namespace graphjit::jit {

namespace {
class ScheduleKernel : public JitKernel {
public:
  ScheduleKernel(const Partition &p, std::vector<Step> steps)
      : layout_{p.numSlots, p.inputSlots, p.outputSlots, p.constants, {}},
        steps_(std::move(steps)) {
    int numSlots = layout_.numSlots;
    std::vector<int> lastUse(numSlots, -1);
    for (size_t s = 0; s < steps_.size(); ++s)
      for (Slot in : steps_[s].inputs)
        lastUse[in] = static_cast<int>(s);
    std::vector<bool> isOutput(numSlots, false);
    for (Slot o : layout_.outputSlots)
      isOutput[o] = true;
    for (Slot i = 0; i < numSlots; ++i)
      if (lastUse[i] >= 0 && !isOutput[i]) steps_[lastUse[i]].release.push_back(i);
    fromCaller_.assign(numSlots, false);
    for (Slot i : layout_.inputSlots)
      fromCaller_[i] = true;
    for (auto &[slot, value] : layout_.constants)
      fromCaller_[slot] = true;
    // Which outputs repeat a slot, and whether a host step makes any output (a perform may return
    // its input: only then are buffers compared; a kernel's outputs are always new).
    const std::vector<Slot> &outs = layout_.outputSlots;
    for (size_t o = 0; o < outs.size(); ++o) {
      bool before = false, after = false;
      for (size_t p = 0; p < outs.size(); ++p)
        (p < o ? before : after) |= p != o && outs[p] == outs[o];
      outputRepeats_.push_back(before);
      outputAgain_.push_back(after);
    }
    for (const Step &step : steps_)
      for (Slot o : step.outputs)
        for (Slot out : outs)
          hostOutputs_ |= step.host && o == out;
    // A kernel's small intermediate keeps its buffer in the table for the next call, which writes
    // it again when its shape repeats (no allocation, no release per step).
    retain_.assign(numSlots, false);
    kernelOutput_.assign(numSlots, false);
    for (const Step &step : steps_)
      for (Slot o : step.outputs) {
        retain_[o] = !step.host && !isOutput[o] && !fromCaller_[o];
        kernelOutput_[o] = !step.host && isOutput[o] && !fromCaller_[o];
      }
  }

  ~ScheduleKernel() override { delete spare_.load(); }

  std::vector<Tensor> run(const std::vector<Tensor> &inputs) override {
    const std::vector<Slot> &inputSlots = layout_.inputSlots;
    if (inputs.size() != inputSlots.size())
      throw ValueError("JIT: expected " + std::to_string(inputSlots.size()) + " inputs, got " +
                       std::to_string(inputs.size()));
    // The table of values is reused by the next call (one spare per schedule; a call that finds
    // it taken, by another thread, makes its own). It is left empty between calls: no buffer is
    // kept alive by it.
    std::unique_ptr<std::vector<Tensor>> table(spare_.exchange(nullptr));
    if (!table) table = std::make_unique<std::vector<Tensor>>(layout_.numSlots);
    std::vector<Tensor> &slots = *table;
    struct Clear { // before the table is handed on, or when a step throws
      std::vector<Tensor> &slots;
      const std::vector<bool> &retain;
      bool done = false;
      void now() {
        for (size_t s = 0; s < slots.size(); ++s)
          if (!retain[s] || !retainable(slots[s])) release(slots[s]);
        done = true;
      }
      ~Clear() {
        if (!done) now();
      }
    } clear{slots, retain_};
    for (size_t i = 0; i < inputs.size(); ++i)
      slots[inputSlots[i]] = inputs[i];
    for (auto &[slot, value] : layout_.constants)
      slots[slot] = value;
    for (const Step &step : steps_) {
      step.kernel->runSlots(slots.data(), step.inputs, step.outputs);
      for (Slot s : step.release)
        if (!retain_[s] || !small(slots[s])) release(slots[s]);
    }
    // The interpreter's rule: every output is a buffer of its own. A slot may hold the caller's
    // buffer without being an input slot (a host step whose perform returns its input), so the
    // test is on buffers, not slots.
    auto aliasesCaller = [&](const Tensor &t, const std::vector<Tensor> &handed) {
      for (const Tensor &in : inputs)
        if (t.sharesBuffer(in)) return true;
      for (auto &[slot, value] : layout_.constants)
        if (t.sharesBuffer(value)) return true;
      for (const Tensor &h : handed)
        if (t.sharesBuffer(h)) return true;
      return false;
    };
    std::vector<Tensor> result;
    result.reserve(layout_.outputSlots.size());
    for (size_t o = 0; o < layout_.outputSlots.size(); ++o) {
      Slot s = layout_.outputSlots[o];
      // The same slot listed twice: the second gets a copy, the first leaves it in the table.
      bool copy =
          fromCaller_[s] || outputRepeats_[o] || (hostOutputs_ && aliasesCaller(slots[s], result));
      result.push_back(copy ? slots[s].clone() : outputAgain_[o] ? slots[s] : std::move(slots[s]));
    }
    clear.now(); // before another call may take the table
    std::vector<Tensor> *unused = table.release();
    delete spare_.exchange(unused); // another thread's table, returned meanwhile, goes
    return result;
  }

  std::string scheduleText() const override { return printSchedule(layout_, steps_); }

  /// Old values go into the spare table's output slots (small ones, made by a kernel step); when
  /// another call holds the table they are dropped.
  void recycle(std::vector<Tensor> &values, size_t first,
               const std::vector<std::pair<size_t, size_t>> &updates) override {
    std::unique_ptr<std::vector<Tensor>> table(spare_.exchange(nullptr));
    if (!table) return;
    for (auto &[v, output] : updates) {
      if (output >= layout_.outputSlots.size() || first + v >= values.size()) continue;
      Slot s = layout_.outputSlots[output];
      Tensor &old = values[first + v];
      if (kernelOutput_[s] && !old.isOpaque() && retainable(old) && !(*table)[s].ownsBufferAlone())
        (*table)[s] = std::move(old);
    }
    delete spare_.exchange(table.release()); // another thread's table, returned meanwhile, goes
  }

private:
  /// Empties a slot without allocating (a moved-from Tensor holds nothing).
  static void release(Tensor &t) { Tensor gone = std::move(t); }
  /// Buffers a table keeps between calls: small ones (large ones go back to the pool at their last
  /// use, so that later steps reuse the memory), held by nothing else.
  static constexpr int64_t kRetainBytes = 64 << 10;
  static bool small(const Tensor &t) {
    return t.size() * static_cast<int64_t>(dtypeSize(t.dtype())) <= kRetainBytes;
  }
  static bool retainable(const Tensor &t) { return small(t) && t.ownsBufferAlone(); }

  Partition layout_; // slots and constants; its steps stay empty
  std::vector<Step> steps_;
  std::vector<bool> fromCaller_;                  // input and constant slots: handed out as copies
  std::vector<bool> outputRepeats_, outputAgain_; // by output: its slot is listed before, after
  bool hostOutputs_ = false;                      // a host step writes an output slot
  std::vector<bool> retain_;       // by slot: a kernel's intermediate, kept across calls when small
  std::vector<bool> kernelOutput_; // by slot: an output a kernel step makes (recycle() fills it)
  std::atomic<std::vector<Tensor> *> spare_{nullptr};
};

std::string slotList(const std::vector<Slot> &slots) {
  std::string s;
  for (Slot x : slots)
    s += (s.empty() ? "s" : ", s") + std::to_string(x);
  return s;
}

/// Calls of the BLAS runtime in a kernel's lowering (float products).
size_t blasCalls(const FunctionGraph &fg) {
  std::string fn = lowerFunction(fg, "kernel").function;
  size_t n = 0;
  for (size_t at = fn.find("call @graphjit_matmul"); at != std::string::npos;
       at = fn.find("call @graphjit_matmul", at + 1))
    ++n;
  return n;
}
} // namespace

} // namespace graphjit::jit

namespace graphjit {
void JitKernel::runSlots(Tensor *slots, const std::vector<int> &in, const std::vector<int> &out) {
  std::vector<Tensor> args;
  args.reserve(in.size());
  for (int s : in)
    args.push_back(slots[s]);
  std::vector<Tensor> outs = run(args);
  for (size_t o = 0; o < outs.size(); ++o)
    slots[out[o]] = std::move(outs[o]);
}
} // namespace graphjit

namespace graphjit::jit {

std::shared_ptr<JitKernel> makeScheduleKernel(const Partition &layout, std::vector<Step> steps) {
  return std::make_shared<ScheduleKernel>(layout, std::move(steps));
}

std::vector<Step> stepsOf(const Partition &p) {
  std::vector<Step> steps;
  for (const PartStep &ps : p.steps) {
    Step s;
    s.host = ps.host;
    s.inputs = ps.inputs;
    s.outputs = ps.outputs;
    s.graph = ps.graph;
    steps.push_back(std::move(s));
  }
  return steps;
}

std::string printSchedule(const Partition &layout, const std::vector<Step> &steps) {
  size_t kernels = 0;
  for (const Step &s : steps)
    kernels += !s.host;
  std::string out =
      fmt::format("schedule: {} steps ({} kernels, {} host), {} slots; inputs ({})", steps.size(),
                  kernels, steps.size() - kernels, layout.numSlots, slotList(layout.inputSlots));
  if (!layout.constants.empty()) {
    std::vector<Slot> c;
    for (auto &[slot, value] : layout.constants)
      c.push_back(slot);
    out += ", constants (" + slotList(c) + ")";
  }
  out += "\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step &s = steps[i];
    std::shared_ptr<const FunctionGraph> graph = s.graph;
    if (!graph && !s.text.empty()) {
      TextFunction fn = parseFunction(s.text, "<schedule step>");
      graph = std::make_shared<FunctionGraph>(fn.inputs, fn.outputs, false);
    }
    std::string name = (s.host ? "host" : "kernel") + std::to_string(i);
    if (s.host) {
      std::string op = graph && graph->numNodes() ? graph->toposort().front()->op().name() : "?";
      out += fmt::format("step {}: host step ({}): ({}) -> ({})\n", i, op, slotList(s.inputs),
                         slotList(s.outputs));
    } else {
      out += fmt::format("step {}: kernel, {} nodes, {} BLAS calls: ({}) -> ({})\n", i,
                         graph ? graph->numNodes() : 0, graph ? blasCalls(*graph) : 0,
                         slotList(s.inputs), slotList(s.outputs));
    }
    if (!graph) continue;
    std::string text = printFunction(TextFunction{name, graph->inputs(), graph->outputs()});
    for (size_t at = 0; at < text.size();) { // indented under its step
      size_t end = text.find('\n', at);
      end = end == std::string::npos ? text.size() : end + 1;
      out += "  " + text.substr(at, end - at);
      at = end;
    }
  }
  out += "outputs (" + slotList(layout.outputSlots) + ")\n";
  return out;
}

} // namespace graphjit::jit
