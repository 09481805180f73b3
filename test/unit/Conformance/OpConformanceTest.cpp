// The op conformance test: walks opRegistry() and checks every facet of every
// registered op on its case (OpCases.h, GradCases.h): text round trip,
// inferShape against perform, gradient by finite differences, JIT against the
// interpreter, and the batching rule against a loop over the batch. An op with
// no case, or a facet that does not hold, fails by the op's name; the explicit
// lists below say why an op skips a facet.
#include "GradCases.h"
#include "OpCases.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace graphjit;
using namespace graphjit::testing;

namespace {
// Ops whose gradient is zero or disconnected by design, so L_op answers instead of throwing.
// Any other op without a case in GradCases.h must throw NotImplementedError from L_op.
const std::set<std::string> kNotDifferentiable = {
    // integer or bool results
    "all", "and", "any", "argmax", "argmin", "eq", "floor_div", "ge", "gt", "le", "lt", "neq",
    "not", "or", "sign", "isnan", "isinf", "argsort", "floor", "ceil", "round",
    // values made from attrs or shapes alone
    "arange", "eye", "full_like", "shape", "split_like", "infer_shape", "eye_n", "dyn_index_shape",
    "size_shape",
    // zero gradient on purpose: checked in VerifyGradTest's StopGradientBlocksTheFlow
    "stop_gradient"};

// Ops the JIT does not lower yet: compile must refuse with NotImplementedError naming the op.
const std::set<std::string> kNotLowered = {};

// Ops whose case vectorize_graph may refuse, with NotImplementedError naming the op, and why. When
// it batches the case, the result is still checked against the loop; a listed op must refuse at
// least once (both inputs batched, or only x), or the entry is stale.
const std::map<std::string, std::string> kNotBatchable = [] {
  std::map<std::string, std::string> m;
  // Random variables all batch (one joint draw over the batch; multivariate and categorical
  // parameters take leading batch dims before their core dims); linear algebra batches through
  // Blockwise.
  m["gammaln"] = m["digamma"] = "no batching rule yet (an elemwise rule would do)";
  m["reshape_like"] =
      "no batching rule: the target shape comes from a second, maybe batched, input";
  m["inc_take"] = "no batching rule: the indices address one axis of one batch element";
  m["argmax"] =
      "the case's argmax over all axes would cross the batch dims (along an axis it batches)";
  m["alloc"] = m["eye_n"] =
      "no batching rule: a batched size would give each element its own shape";
  m["dyn_subtensor"] = m["dyn_inc_subtensor"] =
      "a batched position gives each element its own region (unbatched positions batch)";
  m["dyn_index_shape"] = "no batching rule: it reads one shape vector";
  m["arange_n"] = "a batched bound would give each batch element its own length";
  m["linspace_n"] = m["reshape_n"] = m["broadcast_to_n"] =
      "a batched size argument would give each batch element its own shape (a batched x "
      "alone batches)";
  m["size_shape"] = "no batching rule: its inputs are sizes, and batched sizes differ per element";
  m["concatenate"] = "with only x batched, the unbatched part would have to be broadcast first";
  return m;
}();

// Batching rules known to be wrong: the case must still fail, so the entry goes once it is fixed.
const std::map<std::string, std::string> kBatchingBugs = {
    // broadcast_to{shape=[4,3]} of a batched [B,3]: the rule asks broadcast_to for [B,4,3] without
    // first giving the input the core rank ([B,1,3]), so it throws ShapeError.
    {"broadcast_to", "the rule does not pad the input to the core rank"}};

// Ops whose output shapes depend on input values, not only on input shapes: their inferShape
// must refuse with ShapeError (the checks compare static types against perform instead).
const std::map<std::string, std::string> kValueDependentShapes = {
    {"scan", "the rows of an output are the steps run: n_steps and until are values"},
    {"alloc", "the output shape is the values of its size inputs"},
    {"eye_n", "the output shape is the values of its size inputs"},
    {"dyn_subtensor", "the output shape depends on the index values"},
    {"arange_n", "the output length is the values of its bounds"},
    {"linspace_n", "the output length is the value of num"},
    {"reshape_n", "the output shape is the value of the target input"},
    {"broadcast_to_n", "the output shape is the value of the target input"}};

using Builder = std::function<std::vector<Var>(const std::vector<Var> &)>;
using Problems = std::vector<std::string>;

bool impure(const std::string &name) {
  return opRegistry().contains(name) &&
         !opRegistry().make(name, opRegistry().exampleAttrs(name))->isPure();
}

/// Random ops must agree exactly (same seed, same draws); the others to rounding.
bool same(const Tensor &a, const Tensor &b, bool exact) {
  double tol = exact ? 0 : a.dtype() == DType::Float32 ? 1e-5 : 1e-12;
  return a.dtype() == b.dtype() && a.shape() == b.shape() && allclose(a, b, tol, tol);
}

std::vector<Apply *> nodesOf(const std::vector<Var> &outputs, const std::string &name) {
  std::vector<Apply *> r;
  for (Apply *n : toposort(outputs))
    if (n->op().name() == name) r.push_back(n);
  return r;
}

/// n rows cycling through a [2,3] value (row r shifted by r).
Tensor rows(const Tensor &t, int64_t n) {
  std::vector<double> v = t.toDoubles(), out;
  for (int64_t r = 0; r < n; ++r)
    for (int c = 0; c < 3; ++c)
      out.push_back(v[(r % 2) * 3 + c] + r);
  return Tensor::fromVector(out, {n, 3});
}

// ---- The facets: each returns what is wrong, in words naming the op. ----

void textRoundTrip(const std::string &name, const Builder &build, Problems &p) {
  Var x = tensor(DType::Float64, {2, 3}, "x"), y = tensor(DType::Float64, {2, 3}, "y");
  TextFunction fn{"f", {x, y}, build({x, y})};
  try {
    std::string once = printFunction(fn);
    TextFunction parsed = parseFunction(once);
    std::string twice = printFunction(parsed);
    if (once != twice)
      return p.push_back("text: prints differently after parsing:\n" + once + "\n" + twice);
    auto v = opCaseValues();
    auto a = evaluate(fn.outputs, {{x, v[0]}, {y, v[1]}});
    auto b = evaluate(parsed.outputs, {{parsed.inputs[0], v[0]}, {parsed.inputs[1], v[1]}});
    for (size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i], true))
        p.push_back("text: the parsed graph computes " + b[i].str() + ", not " + a[i].str());
  } catch (const std::exception &e) {
    p.push_back(std::string("text: ") + e.what());
  }
}

/// inferShape and the static output types agree with what perform returns, at every node.
void shapesMatchPerform(const Builder &build, const Shape &inShape,
                        const std::vector<Tensor> &values, Problems &p) {
  Var x = tensor(DType::Float64, inShape, "x"), y = tensor(DType::Float64, inShape, "y");
  std::vector<Var> outs = build({x, y});
  Bindings bind{{x, values[0]}, {y, values[1]}};
  for (Apply *n : toposort(outs)) {
    std::vector<Tensor> in = evaluate(n->inputs(), bind);
    std::vector<Shape> shapes;
    for (auto &t : in)
      shapes.push_back(t.shape());
    std::vector<Tensor> got = n->op().perform(in);
    std::string op = n->op().str();
    std::vector<Shape> inferred;
    if (kValueDependentShapes.count(n->op().name())) {
      try {
        n->op().inferShape(shapes);
        p.push_back("shape: " + op + " infers shapes but is listed in kValueDependentShapes");
      } catch (const ShapeError &) {
      }
      for (auto &t : got)
        inferred.push_back(t.shape()); // only the static types are checked
    } else {
      inferred = n->op().inferShape(shapes);
    }
    if (got.size() != inferred.size() || static_cast<int>(got.size()) != n->numOutputs()) {
      p.push_back("shape: " + op + " performs " + std::to_string(got.size()) + " outputs, infers " +
                  std::to_string(inferred.size()));
      continue;
    }
    for (size_t i = 0; i < got.size(); ++i) {
      const TensorType &t = n->output(static_cast<int>(i)).type();
      if (got[i].shape() != inferred[i])
        p.push_back("shape: " + op + " output " + std::to_string(i) + ": inferShape says " +
                    shapeStr(inferred[i]) + ", perform returns " + shapeStr(got[i].shape()));
      if (got[i].dtype() != t.dtype || static_cast<int>(got[i].shape().size()) != t.ndim())
        p.push_back("shape: " + op + " output " + std::to_string(i) + " is typed " + t.str() +
                    ", perform returns " + got[i].str());
      else
        for (int d = 0; d < t.ndim(); ++d)
          if (t.shape[d] != kUnknownDim && t.shape[d] != got[i].shape()[d])
            p.push_back("shape: " + op + " output " + std::to_string(i) + " is typed " + t.str() +
                        ", perform returns " + shapeStr(got[i].shape()));
    }
  }
}

void gradient(const std::string &name, const Builder &build, Problems &p) {
  static const auto cases = differentiableCases();
  if (auto it = cases.find(name); it != cases.end()) {
    for (size_t i = 0; i < it->second.size(); ++i)
      try {
        verify_grad(it->second[i].fn, it->second[i].point);
      } catch (const std::exception &e) {
        p.push_back("gradient case " + std::to_string(i) + ": " + e.what());
      }
    return;
  }
  if (kNotDifferentiable.count(name)) return;
  // No case: the op must say it has no gradient.
  Var x = tensor(DType::Float64, {2, 3}, "x"), y = tensor(DType::Float64, {2, 3}, "y");
  std::vector<Var> outs = build({x, y}); // keeps the nodes alive
  for (Apply *n : nodesOf(outs, name)) {
    try {
      n->op().L_op(n->inputs(), n->outputs(), n->outputs());
      p.push_back("gradient: no case in GradCases.h, and L_op does not throw NotImplementedError "
                  "(or list the op "
                  "in kNotDifferentiable, saying why)");
    } catch (const NotImplementedError &) {
    } catch (const std::exception &e) {
      p.push_back(std::string("gradient: L_op throws something other than NotImplementedError: ") +
                  e.what());
    }
  }
}

void jitAgainstInterpreter(const std::string &name, const Builder &build, Problems &p) {
  bool exact = impure(name);
  auto values = opCaseValues();
  auto check = [&](const Shape &xs, const Shape &ys, const std::vector<Tensor> &in,
                   const std::string &what) {
    Var x = tensor(DType::Float64, xs, "x"), y = tensor(DType::Float64, ys, "y");
    std::vector<Var> outs = build({x, y});
    try {
      auto a = compile({x, y}, outs, {}, Mode::JIT)(in);
      auto b = compile({x, y}, outs, {}, Mode::Interpret)(in);
      for (size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i], exact))
          p.push_back("jit (" + what + ") output " + std::to_string(i) + ": JIT " + a[i].str() +
                      ", interpreter " + b[i].str());
    } catch (const std::exception &e) {
      p.push_back("jit (" + what + "): " + e.what());
    }
  };
  if (kNotLowered.count(name)) {
    Var x = tensor(DType::Float64, {2, 3}, "x"), y = tensor(DType::Float64, {2, 3}, "y");
    try {
      compile({x, y}, build({x, y}), {}, Mode::JIT);
      p.push_back("jit: compiles but is listed in kNotLowered");
    } catch (const NotImplementedError &e) {
      if (std::string(e.what()).find(name) == std::string::npos)
        p.push_back(std::string("jit: ") + e.what());
    }
    return;
  }
  check({2, 3}, {2, 3}, values, "static dims");
  check({kUnknownDim, kUnknownDim}, {kUnknownDim, 3}, values, "unknown dims");
  if (shapeAgnostic(name))
    for (int64_t n : {0, 1, 5})
      check({kUnknownDim, kUnknownDim}, {kUnknownDim, 3}, {rows(values[0], n), rows(values[1], n)},
            std::to_string(n) + " rows");
}

/// vectorize_graph over a batch of 3 against a loop over the batch, with both inputs batched and
/// with y shared by the batch.
void batching(const std::string &name, const Builder &build, Problems &p) {
  const int64_t batch = 3;
  auto values = opCaseValues();
  auto refusable = kNotBatchable.find(name);
  auto bug = kBatchingBugs.find(name);
  bool refused = false, failed = false;
  for (bool batchY : {true, false}) {
    Var x = tensor(DType::Float64, {2, 3}, "x"), y = tensor(DType::Float64, {2, 3}, "y");
    Var xb = tensor(DType::Float64, {batch, 2, 3}, "xb"),
        yb = tensor(DType::Float64, {batch, 2, 3}, "yb");
    std::vector<Var> outs = build({x, y});
    Replacements repl{{x, xb}};
    if (batchY) repl.push_back({y, yb});
    std::string what = batchY ? "x and y batched" : "x batched";
    std::vector<Var> outsB;
    try {
      outsB = vectorize_graph(outs, repl);
    } catch (const NotImplementedError &e) {
      refused = failed = true;
      if (refusable == kNotBatchable.end() && bug == kBatchingBugs.end())
        p.push_back("batching (" + what + "): " + e.what() +
                    " (batch the op, or list it in kNotBatchable with the reason)");
      else if (std::string(e.what()).find(name) == std::string::npos)
        p.push_back("batching (" + what + "): the refusal does not name the op: " + e.what());
      continue;
    } catch (const std::exception &e) {
      failed = true;
      if (bug == kBatchingBugs.end()) p.push_back("batching (" + what + "): " + e.what());
      continue;
    }
    try {
      // Element i of the batch: the case values shifted by i / 4 (x) and -i / 8 (y).
      std::vector<Tensor> xs, ys;
      for (int64_t i = 0; i < batch; ++i) {
        xs.push_back(evaluate(constant(values[0]) + 0.25 * static_cast<double>(i)));
        ys.push_back(batchY ? evaluate(constant(values[1]) - 0.125 * static_cast<double>(i))
                            : values[1]);
      }
      Tensor xBatch =
          evaluate(stack(std::vector<Var>{constant(xs[0]), constant(xs[1]), constant(xs[2])}));
      Tensor yBatch =
          evaluate(stack(std::vector<Var>{constant(ys[0]), constant(ys[1]), constant(ys[2])}));
      Bindings bind{{xb, xBatch}};
      bind.push_back(batchY ? std::pair<Var, Tensor>{yb, yBatch}
                            : std::pair<Var, Tensor>{y, values[1]});
      std::vector<Tensor> got = evaluate(outsB, bind);
      for (int64_t i = 0; i < batch; ++i) {
        std::vector<Tensor> want = evaluate(outs, {{x, xs[i]}, {y, ys[i]}});
        for (size_t k = 0; k < want.size(); ++k) {
          // An output that does not depend on the batch keeps its core shape.
          Tensor g = got[k].ndim() == want[k].ndim() ? got[k] : evaluate(constant(got[k])(i));
          // A batched draw is one draw from the generator's state: element i of the batch takes
          // positions after element 0's, so only element 0 repeats the single draw exactly.
          if (impure(name) && i > 0 && g.shape() == want[k].shape()) continue;
          if (!same(g, want[k], false)) {
            failed = true;
            if (bug == kBatchingBugs.end())
              p.push_back("batching (" + what + ") element " + std::to_string(i) + " output " +
                          std::to_string(k) + ": batched " + g.str() + ", loop " + want[k].str());
          }
        }
      }
    } catch (const std::exception &e) {
      failed = true;
      if (bug == kBatchingBugs.end()) p.push_back("batching (" + what + "): " + e.what());
    }
  }
  if (refusable != kNotBatchable.end() && !refused)
    p.push_back("batching: batches in every variant but is listed in kNotBatchable (" +
                refusable->second + ")");
  if (bug != kBatchingBugs.end() && !failed)
    p.push_back("batching: now agrees with the loop: remove it from kBatchingBugs (" + bug->second +
                ")");
}
} // namespace

TEST(OpConformance, EveryRegisteredOpHasEveryFacet) {
  auto builders = opBuilders();
  auto values = opCaseValues();
  for (const std::string &name : opRegistry().names()) {
    auto it = builders.find(name);
    if (it == builders.end()) {
      ADD_FAILURE() << "op '" << name
                    << "' has no conformance case: add one to test/unit/OpCases.h";
      continue;
    }
    const Builder &build = it->second;
    Problems p;
    {
      Var x = tensor(DType::Float64, {2, 3}, "x"), y = tensor(DType::Float64, {2, 3}, "y");
      if (nodesOf(build({x, y}), name).empty())
        p.push_back("the case in OpCases.h does not apply the op");
    }
    textRoundTrip(name, build, p);
    try {
      shapesMatchPerform(build, {2, 3}, values, p);
      shapesMatchPerform(build, {kUnknownDim, kUnknownDim}, values, p);
    } catch (const std::exception &e) {
      p.push_back(std::string("shape: ") + e.what());
    }
    gradient(name, build, p);
    jitAgainstInterpreter(name, build, p);
    batching(name, build, p);
    for (const std::string &problem : p)
      ADD_FAILURE() << "op '" << name << "': " << problem;
  }
}

TEST(OpConformance, ListsNameOnlyRegisteredOps) {
  // A stale entry would hide nothing today but would silently exempt a future op of that name.
  for (auto &n : kNotDifferentiable)
    EXPECT_TRUE(opRegistry().contains(n)) << n;
  for (auto &n : kNotLowered)
    EXPECT_TRUE(opRegistry().contains(n)) << n;
  for (auto &[n, why] : kNotBatchable)
    EXPECT_TRUE(opRegistry().contains(n)) << n << ": " << why;
  for (auto &[n, why] : kBatchingBugs)
    EXPECT_TRUE(opRegistry().contains(n)) << n << ": " << why;
  for (auto &[n, c] : differentiableCases())
    EXPECT_TRUE(opRegistry().contains(n)) << n;
}

namespace {
/// twice(x) = 2 x with one facet broken on request: the checks above must notice each.
enum class Broken { Nothing, InferShape, Gradient, Batching };
class Twice : public Op {
public:
  explicit Twice(Broken b) : broken_(b) {}
  std::string name() const override { return "conformance_twice"; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    return {in.at(0)};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override {
    return {broken_ == Broken::InferShape ? Shape{1} : in.at(0)};
  }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    return {evaluate(constant(in[0]) * 2.0)};
  }
  std::vector<Var> L_op(const std::vector<Var> &, const std::vector<Var> &,
                        const std::vector<Var> &g) const override {
    if (broken_ == Broken::Gradient)
      return {g[0] * 3.0}; // wrong, and there is no gradient case for it
    throw NotImplementedError("conformance_twice: no gradient (the probe declares it)");
  }
  std::vector<Var> vectorize(const Apply &node, const std::vector<BatchedVar> &in,
                             int b) const override {
    if (broken_ == Broken::Batching) return Op::vectorize(node, in, b);
    return {applyOp1(std::make_shared<Twice>(broken_), {in[0].var})};
  }

private:
  Broken broken_;
};

Problems checkProbe(Broken b) {
  Builder build = [b](const std::vector<Var> &v) {
    return std::vector<Var>{applyOp1(std::make_shared<Twice>(b), {v[0]})};
  };
  Problems p;
  shapesMatchPerform(build, {2, 3}, opCaseValues(), p);
  gradient("conformance_twice", build, p);
  batching("conformance_twice", build, p);
  return p;
}
} // namespace

TEST(OpConformance, EachFacetCatchesABrokenOp) {
  EXPECT_TRUE(checkProbe(Broken::Nothing).empty()) << checkProbe(Broken::Nothing)[0];
  for (Broken b : {Broken::InferShape, Broken::Gradient, Broken::Batching}) {
    Problems p = checkProbe(b);
    ASSERT_FALSE(p.empty()) << static_cast<int>(b);
    const char *facet = b == Broken::InferShape ? "shape:"
                        : b == Broken::Gradient ? "gradient:"
                                                : "batching";
    EXPECT_EQ(p[0].rfind(facet, 0), 0u) << p[0];
  }
  // Not registered: its text does not parse back.
  Problems text;
  textRoundTrip(
      "conformance_twice",
      [](const std::vector<Var> &v) {
        return std::vector<Var>{applyOp1(std::make_shared<Twice>(Broken::Nothing), {v[0]})};
      },
      text);
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text[0].find("unknown op 'conformance_twice'"), std::string::npos) << text[0];
}
