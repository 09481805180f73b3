// Blockwise: a core op looped over leading batch dims; its signature parser, type and shape
// rules, perform (the core's batched kernel or a loop of core performs) and gradient.
#include "graphjit/Ops/Blockwise.h"
#include "OpUtil.h"
#include "ShapeUtil.h"
#include "graphjit/Graph/OpRegistry.h"
#include "graphjit/Ops/Batching.h"
#include "graphjit/Ops/DimShuffle.h"
#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Ops/Inputs.h"
#include "graphjit/Ops/Registry.h"
#include "graphjit/Ops/Shape.h"

#include <cctype>
#include <cstring>

namespace graphjit {

GufuncSignature GufuncSignature::parse(const std::string &text, const std::string &op) {
  auto bad = [&](const std::string &why) {
    throw ValueError(op + ": bad gufunc signature '" + text + "': " + why +
                     " (expected e.g. \"(m,m),(m,n)->(m,n)\")");
  };
  size_t arrow = text.find("->");
  if (arrow == std::string::npos) bad("no '->'");
  auto side = [&](const std::string &s) {
    std::vector<std::vector<std::string>> args;
    size_t i = 0;
    auto skip = [&] {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
        ++i;
    };
    skip();
    while (i < s.size()) {
      if (s[i] != '(') bad("expected '(' at \"" + s.substr(i) + "\"");
      ++i;
      std::vector<std::string> dims;
      std::string cur;
      for (; i < s.size() && s[i] != ')'; ++i) {
        char c = s[i];
        if (c == ',') {
          if (cur.empty()) bad("an empty dim name");
          dims.push_back(cur);
          cur.clear();
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
          cur += c;
        } else if (!std::isspace(static_cast<unsigned char>(c))) {
          bad(std::string("unexpected '") + c + "'");
        }
      }
      if (i == s.size()) bad("a '(' is not closed");
      if (!cur.empty())
        dims.push_back(cur);
      else if (!dims.empty())
        bad("an empty dim name");
      args.push_back(dims);
      ++i;
      skip();
      if (i < s.size()) {
        if (s[i] != ',') bad("expected ',' between arguments");
        ++i;
        skip();
      }
    }
    return args;
  };
  GufuncSignature sig{side(text.substr(0, arrow)), side(text.substr(arrow + 2))};
  if (sig.outputs.empty()) bad("no outputs");
  return sig;
}

std::string GufuncSignature::str() const {
  auto side = [](const std::vector<std::vector<std::string>> &args) {
    std::string s;
    for (size_t a = 0; a < args.size(); ++a) {
      s += a ? ",(" : "(";
      for (size_t d = 0; d < args[a].size(); ++d)
        s += (d ? "," : "") + args[a][d];
      s += ")";
    }
    return s;
  };
  return side(inputs) + "->" + side(outputs);
}

Blockwise::Blockwise(OpPtr core, std::string signature)
    : core_(std::move(core)), sig_(GufuncSignature::parse(signature, "blockwise")) {
  if (!core_->isPure() || core_->acceptsNonTensorInputs())
    throw ValueError("blockwise: cannot loop " + core_->str() +
                     " over a batch: it is not a pure function of tensors (a random draw "
                     "batches through its own rule)");
  Attrs coreAttrs = core_->attrs();
  for (auto &[k, v] : coreAttrs.items())
    if (k == "core" || k == "signature")
      throw ValueError("blockwise: the core op " + core_->str() + " has an attr named '" + k +
                       "', which Blockwise keeps for itself");
}

Attrs Blockwise::attrs() const {
  Attrs a{{"core", core_->name()}, {"signature", sig_.str()}}, coreAttrs = core_->attrs();
  for (auto &[k, v] : coreAttrs.items())
    a.set(k, v);
  return a;
}

std::string Blockwise::displayStr() const {
  return "blockwise{" + core_->displayStr() + ", " + sig_.str() + "}";
}

std::vector<int> Blockwise::batchRanks(const std::vector<int> &ranks) const {
  if (ranks.size() !=
      sig_.inputs.size()) // the label is built only for the error: perform runs this per call
    detail::expectArity("blockwise{" + core_->str() + "}", ranks.size(), sig_.inputs.size());
  std::vector<int> b;
  for (size_t i = 0; i < ranks.size(); ++i) {
    int core = static_cast<int>(sig_.inputs[i].size());
    if (ranks[i] < core)
      throw ShapeError("blockwise{" + core_->str() + "}: input " + std::to_string(i) + " has " +
                       std::to_string(ranks[i]) + " dims, expected at least its " +
                       std::to_string(core) + " core dims (signature " + sig_.str() + ")");
    b.push_back(ranks[i] - core);
  }
  return b;
}

namespace {
std::string opLabel(const Op &core) { return "blockwise{" + core.str() + "}"; }

/// Batch shape of all inputs: ranks aligned on the right; a 1 stretches, and under static
/// broadcasting only a static 1 does (an unknown dim meets an unknown or equal one).
Shape broadcastBatch(const Op &core, const std::vector<Shape> &batch) {
  size_t n = 0;
  for (auto &s : batch)
    n = std::max(n, s.size());
  Shape out(n, 1);
  for (size_t d = 0; d < n; ++d) {
    bool first = true;
    for (auto &s : batch) {
      if (s.size() + d < n) continue;
      int64_t v = s[d + s.size() - n];
      if (v == 1) continue;
      if (first || out[d] == 1) {
        out[d] = v, first = false;
      } else if (out[d] != v) {
        if (out[d] == kUnknownDim || v == kUnknownDim) {
          out[d] = out[d] == kUnknownDim ? v : out[d];
          continue;
        }
        throw ShapeError(opLabel(core) +
                         ": batch dims do not broadcast: " + std::to_string(out[d]) + " and " +
                         std::to_string(v) + " at batch axis " + std::to_string(d));
      }
    }
  }
  return out;
}

} // namespace

std::vector<TensorType> Blockwise::makeOutputTypes(const std::vector<TensorType> &in) const {
  std::vector<int> ranks;
  for (auto &t : in)
    ranks.push_back(t.ndim());
  std::vector<int> b = batchRanks(ranks);
  std::vector<Shape> batch;
  std::vector<TensorType> coreIn;
  for (size_t i = 0; i < in.size(); ++i) {
    batch.emplace_back(in[i].shape.begin(), in[i].shape.begin() + b[i]);
    coreIn.emplace_back(in[i].dtype, Shape(in[i].shape.begin() + b[i], in[i].shape.end()));
  }
  Shape bs = broadcastBatch(*core_, batch);
  std::vector<TensorType> coreOut = core_->makeOutputTypes(coreIn);
  if (coreOut.size() != sig_.outputs.size())
    throw ValueError(opLabel(*core_) + ": the signature " + sig_.str() + " has " +
                     std::to_string(sig_.outputs.size()) + " outputs, the core op " +
                     std::to_string(coreOut.size()));
  std::vector<TensorType> out;
  for (auto &t : coreOut) {
    Shape s = bs;
    s.insert(s.end(), t.shape.begin(), t.shape.end());
    out.emplace_back(t.dtype, s);
  }
  return out;
}

std::vector<Shape> Blockwise::inferShape(const std::vector<Shape> &in) const {
  std::vector<int> ranks;
  for (auto &s : in)
    ranks.push_back(static_cast<int>(s.size()));
  std::vector<int> b = batchRanks(ranks);
  std::vector<Shape> batch, coreIn;
  for (size_t i = 0; i < in.size(); ++i) {
    batch.emplace_back(in[i].begin(), in[i].begin() + b[i]);
    coreIn.emplace_back(in[i].begin() + b[i], in[i].end());
  }
  Shape bs = broadcastBatch(*core_, batch);
  std::vector<Shape> out;
  for (auto &s : core_->inferShape(coreIn)) {
    Shape o = bs;
    o.insert(o.end(), s.begin(), s.end());
    out.push_back(o);
  }
  return out;
}

std::vector<Tensor> Blockwise::perform(const std::vector<Tensor> &in) const {
  std::vector<Shape> shapes;
  std::vector<int> ranks;
  for (auto &t : in)
    shapes.push_back(t.shape()), ranks.push_back(t.ndim());
  std::vector<int> b = batchRanks(ranks);
  std::vector<Shape> batch;
  for (size_t i = 0; i < in.size(); ++i)
    batch.emplace_back(shapes[i].begin(), shapes[i].begin() + b[i]);
  Shape bs = broadcastBatch(*core_, batch);
  int nb = static_cast<int>(bs.size());
  // Every input at the full batch shape, contiguous: the layout both paths below read.
  std::vector<Tensor> full;
  for (size_t i = 0; i < in.size(); ++i) {
    Shape s = bs;
    s.insert(s.end(), shapes[i].begin() + b[i], shapes[i].end());
    full.push_back(shapes[i] == s ? in[i].contiguous() : detail::broadcastMaterialize(in[i], s));
  }
  int64_t count = shapeSize(bs);
  if (count > 0) {
    std::vector<Tensor> fast = core_->performBatched(full, nb);
    if (!fast.empty()) return fast;
  }
  std::vector<Shape> outShapes = inferShape(shapes);
  std::vector<Tensor> outs;
  std::vector<DType> outDTypes;
  for (auto &t : makeOutputTypes([&] {
         std::vector<TensorType> ts;
         for (auto &x : in)
           ts.emplace_back(x.dtype(), x.shape());
         return ts;
       }()))
    outDTypes.push_back(t.dtype);
  for (size_t k = 0; k < outShapes.size(); ++k)
    outs.push_back(Tensor::empty(outDTypes[k], outShapes[k]));
  // One core perform per batch element, on views into the inputs; results copied into place.
  for (int64_t e = 0; e < count; ++e) {
    std::vector<Tensor> coreIn;
    for (size_t i = 0; i < in.size(); ++i) {
      Shape cs(full[i].shape().begin() + nb, full[i].shape().end());
      size_t bytes = static_cast<size_t>(shapeSize(cs)) * dtypeSize(full[i].dtype());
      auto *base = static_cast<char *>(full[i].rawData()) + e * bytes;
      coreIn.push_back(Tensor::wrap(std::shared_ptr<void>(), base, full[i].dtype(), cs));
    }
    std::vector<Tensor> r = core_->perform(coreIn);
    for (size_t k = 0; k < outs.size(); ++k) {
      Tensor c = r[k].astype(outDTypes[k]).contiguous();
      size_t bytes = static_cast<size_t>(c.size()) * dtypeSize(outDTypes[k]);
      std::memcpy(static_cast<char *>(outs[k].rawData()) + e * bytes, c.rawData(), bytes);
    }
  }
  return outs;
}

std::vector<Var> Blockwise::L_op(const std::vector<Var> &inputs, const std::vector<Var> &outputs,
                                 const std::vector<Var> &outputGrads) const {
  std::vector<int> ranks;
  for (auto &v : inputs)
    ranks.push_back(v.ndim());
  std::vector<int> b = batchRanks(ranks);
  int nb = outputs[0].ndim() - static_cast<int>(sig_.outputs[0].size());
  // Core-typed stand-ins for the inputs, outputs and output gradients of one batch element.
  auto standIn = [&](const Var &v, int batch) {
    return tensor(v.dtype(), Shape(v.type().shape.begin() + batch, v.type().shape.end()));
  };
  std::vector<Var> ci, co, cg;
  std::vector<std::pair<Var, BatchedVar>> batched;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ci.push_back(standIn(inputs[i], b[i]));
    // An input with fewer batch dims gains leading 1s, which broadcast like the batch.
    IntList order;
    for (int d = 0; d < nb - b[i]; ++d)
      order.push_back(-1);
    for (int d = 0; d < inputs[i].ndim(); ++d)
      order.push_back(d);
    Var padded = b[i] == nb ? inputs[i] : dimshuffle(inputs[i], order);
    batched.push_back({ci.back(), BatchedVar{b[i] > 0 ? padded : inputs[i], b[i] > 0}});
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    co.push_back(standIn(outputs[k], nb));
    batched.push_back({co.back(), BatchedVar{outputs[k], true}});
    if (outputGrads[k]) {
      cg.push_back(standIn(outputGrads[k], nb));
      batched.push_back({cg.back(), BatchedVar{outputGrads[k], true}});
    } else {
      cg.push_back(Var());
    }
  }
  std::vector<Var> coreGrads = core_->L_op(ci, co, cg);
  std::vector<Var> present;
  for (const Var &g : coreGrads)
    if (g) present.push_back(g);
  std::vector<BatchedVar> done = batchGraph(present, batched, nb);
  std::vector<Var> result;
  size_t next = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!coreGrads[i]) {
      result.push_back(Var());
      continue;
    }
    BatchedVar g = done[next++];
    Var gi = g.var;
    if (!g.batched && b[i] > 0)
      gi = full_like(inputs[i], 0.0) + gi; // same for every element
    else if (g.batched)
      gi = detail::sumToType(gi, inputs[i].type());
    result.push_back(gi);
  }
  return result;
}

std::vector<Var> Blockwise::vectorize(const Apply &node, const std::vector<BatchedVar> &inputs,
                                      int batchDims) const {
  (void)batchDims;
  std::vector<Var> ins;
  for (const BatchedVar &v : inputs)
    ins.push_back(v.var); // unbatched inputs broadcast over the new leading dims
  return applyOp(node.opPtr(), ins);
}

std::vector<Var> applyBlockwise(OpPtr core, const std::vector<Var> &inputs,
                                const std::string &signature) {
  GufuncSignature sig = GufuncSignature::parse(signature, core->name());
  // Blockwise only when some input has batch dims and none lacks core dims: otherwise the core
  // op's own type rule reports the misfit in its words.
  bool batched = sig.inputs.size() == inputs.size(), extra = false;
  for (size_t i = 0; batched && i < inputs.size(); ++i) {
    batched = static_cast<size_t>(inputs[i].ndim()) >= sig.inputs[i].size();
    extra |= static_cast<size_t>(inputs[i].ndim()) > sig.inputs[i].size();
  }
  if (!batched || !extra) return applyOp(std::move(core), inputs);
  return applyOp(std::make_shared<Blockwise>(std::move(core), signature), inputs);
}

std::string signatureFor(const Apply &node) {
  std::string declared = node.op().gufuncSignature();
  if (!declared.empty()) {
    GufuncSignature sig = GufuncSignature::parse(declared, node.op().name());
    bool fits = sig.inputs.size() == node.inputs().size() &&
                sig.outputs.size() == static_cast<size_t>(node.numOutputs());
    for (size_t i = 0; fits && i < sig.inputs.size(); ++i)
      fits = static_cast<int>(sig.inputs[i].size()) == node.input(i).ndim();
    for (size_t k = 0; fits && k < sig.outputs.size(); ++k)
      fits = static_cast<int>(sig.outputs[k].size()) == node.outputType(static_cast<int>(k)).ndim();
    if (fits) return declared;
  }
  // One fresh name per core dim: the ranks are what Blockwise needs.
  GufuncSignature sig;
  int next = 0;
  auto names = [&](int rank) {
    std::vector<std::string> dims;
    for (int d = 0; d < rank; ++d)
      dims.push_back("d" + std::to_string(next++));
    return dims;
  };
  for (const Var &v : node.inputs())
    sig.inputs.push_back(names(v.ndim()));
  for (int k = 0; k < node.numOutputs(); ++k)
    sig.outputs.push_back(names(node.outputType(k).ndim()));
  return sig.str();
}

void registerBlockwiseOps(OpRegistry &registry) {
  registry.add(
      "blockwise",
      [](const Attrs &a) -> OpPtr {
        const std::string &core = a.get<std::string>("core", "blockwise");
        const std::string &sig = a.get<std::string>("signature", "blockwise");
        Attrs coreAttrs;
        for (auto &[k, v] : a.items())
          if (k != "core" && k != "signature") coreAttrs.set(k, v);
        return std::make_shared<Blockwise>(opRegistry().make(core, coreAttrs), sig);
      },
      Attrs{{"core", std::string("matrix_inverse")}, {"signature", std::string("(m,m)->(m,m)")}});
}

} // namespace graphjit
