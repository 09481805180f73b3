// A host step that is a loop whose body lowers: all its steps run inside one compiled
// function (lowerLoop); the host only checks the inputs, allocates the stacked
// outputs and trims them to the steps run.
#include "KernelMemory.h"
#include "Kernels.h"
#include "ObjectCode.h"

#include "graphjit/ControlFlow/InnerGraph.h"
#include "graphjit/ControlFlow/Scan.h"
#include "graphjit/Interp/Interpreter.h"
#include "graphjit/Lower/LowerLoop.h"
#include "graphjit/Support/Error.h"

#include <atomic>
#include <cstring>
#include <map>
#include <mutex>

namespace graphjit::jit {

namespace {
std::string num(size_t i) { return std::to_string(i); }

std::atomic<size_t> loopCalls{0};

/// Rows [r0, r0 + count) of `x`, as a tensor of its own.
Tensor rows(const Tensor &x, int64_t r0, int64_t count) {
  Shape s = x.shape();
  s[0] = count;
  Tensor out = Tensor::empty(x.dtype(), s);
  size_t rowBytes =
      static_cast<size_t>(shapeSize(Shape(s.begin() + 1, s.end()))) * dtypeSize(x.dtype());
  if (count > 0)
    std::memcpy(out.rawData(), static_cast<const char *>(x.rawData()) + rowBytes * r0,
                rowBytes * count);
  return out;
}

class LoopKernel : public JitKernel {
public:
  LoopKernel(std::shared_ptr<const FunctionGraph> fg, std::shared_ptr<LoadedObject> object)
      : fg_(std::move(fg)), object_(std::move(object)), fn_(object_->entry("loop")),
        node_(*fg_->toposort().front()), op_(static_cast<const ScanOp &>(node_.op())) {}

  std::vector<Tensor> run(const std::vector<Tensor> &raw) override {
    const ScanLayout &l = op_.layout();
    std::vector<Tensor> in;
    for (size_t k = 0; k < raw.size(); ++k) {
      if (!fg_->inputs()[k].type().accepts(raw[k].dtype(), raw[k].shape()))
        throw TypeError("scan: input " + num(k) + " expects " + fg_->inputs()[k].type().str() +
                        ", got " + typeOf(raw[k]).str());
      in.push_back(raw[k].isContiguous() ? raw[k] : raw[k].contiguous());
    }
    int64_t n = in[0].getAsInt64(0);
    // The shapes of one step, as the interpreter would see them; anything unusual (a
    // state whose shape would change, a short sequence) goes to the host loop, which
    // raises the interpreter's errors.
    std::vector<Shape> bodyIn;
    bool ok = n >= 0;
    for (int s = 0; s < l.numSeqs && ok; ++s) {
      const Tensor &q = in[1 + s];
      ok = q.ndim() >= 1 && q.dim(0) >= n;
      if (ok) bodyIn.emplace_back(q.shape().begin() + 1, q.shape().end());
    }
    std::vector<Shape> stateRow;
    for (int r = 0; r < l.numStates() && ok; ++r) {
      const Tensor &init = in[1 + l.numSeqs + r];
      ok = init.ndim() >= 1 && init.dim(0) >= l.bufferRows(r);
      if (!ok) break;
      stateRow.emplace_back(init.shape().begin() + 1, init.shape().end());
      for (size_t k = 0; k < l.taps[r].size(); ++k)
        bodyIn.push_back(stateRow.back());
    }
    std::vector<Shape> outRows;
    if (ok) {
      for (int k = 0; k < l.numNonSeqs; ++k)
        bodyIn.push_back(in[1 + l.numSeqs + l.numStates() + k].shape());
      try {
        outRows = op_.body().inferShapes(bodyIn);
      } catch (const Error &) {
        ok = false;
      }
      for (int r = 0; r < l.numStates() && ok; ++r)
        ok = outRows[r] == stateRow[r];
    }
    if (!ok) return hostLoop(in);

    std::vector<Tensor> outs;
    for (int o = 0; o < l.numOutputs(); ++o) {
      Shape s{l.keepLast[o] ? 1 : n};
      s.insert(s.end(), outRows[o].begin(), outRows[o].end());
      outs.push_back(Tensor::empty(op_.body().outputs()[o].dtype(), s));
    }
    Tensor count = Tensor::zeros(DType::Int64, {});
    if (size_t failed = call(in, outs, count)) throwKernelOutOfMemory(failed);
    ++loopCalls;
    int64_t ran = count.getAsInt64(0);
    for (int o = 0; o < l.numOutputs(); ++o) {
      if (!l.keepLast[o] && ran < n)
        outs[o] = rows(outs[o], l.reverse ? n - ran : 0, ran);
      else if (l.keepLast[o] && o >= l.numStates() && ran == 0)
        outs[o] = rows(outs[o], 0, 0);
    }
    return outs;
  }

private:
  std::vector<Tensor> hostLoop(const std::vector<Tensor> &in) {
    CompiledInnerScope compiled;
    Bindings b;
    for (size_t i = 0; i < in.size(); ++i)
      b.emplace_back(fg_->inputs()[i], in[i]);
    return evaluate(fg_->outputs(), b);
  }

  size_t call(const std::vector<Tensor> &in, const std::vector<Tensor> &outs,
              const Tensor &count) const {
    std::vector<const Tensor *> all;
    for (const Tensor &t : in)
      all.push_back(&t);
    for (const Tensor &t : outs)
      all.push_back(&t);
    all.push_back(&count);
    std::vector<void *> pointers;
    std::vector<int64_t> fields;
    for (const Tensor *t : all) {
      pointers.push_back(t->rawData());
      pointers.push_back(t->rawData());
      fields.push_back(0);
      for (int64_t d : t->shape())
        fields.push_back(d);
      for (int64_t st : t->strides())
        fields.push_back(st);
    }
    std::vector<void *> args;
    size_t p = 0, f = 0;
    for (const Tensor *t : all) {
      args.push_back(&pointers[p++]);
      args.push_back(&pointers[p++]);
      args.push_back(&fields[f++]);
      for (int d = 0; d < 2 * t->ndim(); ++d)
        args.push_back(&fields[f++]);
    }
    return callKernelGuarded(fn_, args.data());
  }

  std::shared_ptr<const FunctionGraph> fg_;
  std::shared_ptr<LoadedObject> object_;
  LoadedObject::Entry fn_;
  const Apply &node_;
  const ScanOp &op_;
};
} // namespace

std::shared_ptr<JitKernel> makeHostStepKernel(std::shared_ptr<const FunctionGraph> fg) {
  std::vector<Apply *> nodes = fg->toposort();
  if (nodes.size() != 1 || !hasLoopLowering(nodes.front()->op().name()) ||
      fg->outputs().size() != static_cast<size_t>(nodes.front()->numOutputs()))
    return makeHostKernel(fg);
  LoweredFunction lowered;
  try {
    lowered = lowerLoop(*nodes.front(), "loop");
  } catch (const NotImplementedError &) {
    return makeHostKernel(fg); // a body with host steps: the host loop over its compiled schedule
  }
  // Equal loops (same body, same input types) share one compile while any user holds it.
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<LoadedObject>> objects;
  std::shared_ptr<LoadedObject> object;
  {
    std::lock_guard<std::mutex> lock(mutex);
    object = objects[lowered.mlir].lock();
  }
  if (!object) {
    std::string module = "module {\n" + lowered.function;
    for (const std::string &d : lowered.declarations)
      module += d + "\n";
    module += "}\n";
    object = loadObject(compileToObject(module, {"loop"}));
    std::lock_guard<std::mutex> lock(mutex);
    objects[lowered.mlir] = object;
  }
  return std::make_shared<LoopKernel>(fg, object);
}

} // namespace graphjit::jit

namespace graphjit {
size_t jitLoopCallCount() { return jit::loopCalls.load(); }
} // namespace graphjit
