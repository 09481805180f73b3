// Extending graphjit with a type of one's own: the PyTensor workshop's
// `implementing_a_type` exercise in C++. A tuple type with `filter`, ops that
// make a tuple and select an entry, and a rewrite that simplifies
// tuple_select{i}(make_tuple(a0, ..., an)) -> ai. The tuple flows through
// eval(), the interpreter, compile() (host steps), Function inputs and outputs,
// a shared variable with updates, and the text IR.
// Its own test binary: registering a type and ops changes registries other tests walk.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit;

namespace {
// ---- the type and its values ----

/// A tuple value: its entries, each an array or another opaque value (a nested tuple).
class TupleValue : public OpaqueValue {
public:
  explicit TupleValue(std::vector<Tensor> items) : items_(std::move(items)) {}
  const std::vector<Tensor> &items() const { return items_; }
  TypePtr type() const override;
  /// "([1, 2], 3)": what TupleType::parseValue reads.
  std::string str() const override {
    std::string s = "(";
    for (size_t i = 0; i < items_.size(); ++i)
      s += (i ? ", " : "") + items_[i].valuesStr();
    return s + ")";
  }
  bool equals(const OpaqueValue &o) const override {
    const auto *t = dynamic_cast<const TupleValue *>(&o);
    if (!t || t->items_.size() != items_.size()) return false;
    for (size_t i = 0; i < items_.size(); ++i)
      if (typeOf(items_[i]) != typeOf(t->items_[i]) || !allclose(items_[i], t->items_[i], 0, 0))
        return false;
    return true;
  }
  size_t hash() const override { return std::hash<std::string>()(str()); }

private:
  std::vector<Tensor> items_;
};

Tensor tupleValue(std::vector<Tensor> items) {
  return Tensor::opaque(std::make_shared<TupleValue>(std::move(items)));
}

/// tuple<f64[?],f64[?,?]>: a fixed number of entries, each of its own type.
class TupleType : public Type {
public:
  explicit TupleType(std::vector<TensorType> entries) : entries_(std::move(entries)) {}
  const std::vector<TensorType> &entries() const { return entries_; }
  std::string name() const override { return "tuple"; }
  std::string str() const override {
    std::string s = "tuple<";
    for (size_t i = 0; i < entries_.size(); ++i)
      s += (i ? "," : "") + entries_[i].str();
    return s + ">";
  }
  bool accepts(const Tensor &v) const override {
    if (!v.isOpaque()) return false;
    const auto *t = dynamic_cast<const TupleValue *>(v.opaqueValue().get());
    if (!t || t->items().size() != entries_.size()) return false;
    for (size_t i = 0; i < entries_.size(); ++i)
      if (!entries_[i].accepts(t->items()[i])) return false;
    return true;
  }
  /// Like the workshop's non-strict filter: each entry goes through its own type's
  /// filter, and an array entry of another dtype but the right shape is cast
  /// (i64 -> f64). Anything else is a TypeError naming the entry.
  Tensor filter(const Tensor &v) const override {
    if (accepts(v)) return v;
    const auto *t =
        v.isOpaque() ? dynamic_cast<const TupleValue *>(v.opaqueValue().get()) : nullptr;
    if (!t) throw TypeError("expected " + str() + ", got " + typeOf(v).str());
    if (t->items().size() != entries_.size())
      throw TypeError("expected " + str() + " (" + std::to_string(entries_.size()) +
                      " entries), got " + std::to_string(t->items().size()) + " entries");
    std::vector<Tensor> items;
    for (size_t i = 0; i < entries_.size(); ++i) {
      Tensor item = t->items()[i];
      const TensorType &e = entries_[i];
      if (e.isTensor() && !item.isOpaque() && item.dtype() != e.dtype &&
          e.accepts(e.dtype, item.shape()))
        item = item.astype(e.dtype);
      items.push_back(e.filter(item, "entry " + std::to_string(i) + " of " + str()));
    }
    return tupleValue(std::move(items));
  }
  /// "(v0, v1, ...)", each entry a literal of its entry type.
  Tensor parseValue(std::string_view text) const override {
    if (text.size() < 2 || text.front() != '(' || text.back() != ')')
      throw ValueError("tuple literal '" + std::string(text) + "': expected (v0, v1, ...)");
    std::vector<std::string> parts;
    std::string cur;
    int depth = 0;
    for (char c : text.substr(1, text.size() - 2)) {
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') --depth;
      if (c == ',' && depth == 0) {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty() || !parts.empty()) parts.push_back(cur);
    if (parts.size() != entries_.size())
      throw ValueError("tuple literal '" + std::string(text) + "' has " +
                       std::to_string(parts.size()) + " entries, " + str() + " has " +
                       std::to_string(entries_.size()));
    std::vector<Tensor> items;
    for (size_t i = 0; i < parts.size(); ++i) {
      const TensorType &e = entries_[i];
      std::string p = parts[i].substr(parts[i].find_first_not_of(' '));
      items.push_back(e.isTensor() ? parseTensorLiteral(p, e.dtype) : e.kind->parseValue(p));
    }
    return filter(tupleValue(std::move(items)));
  }

private:
  std::vector<TensorType> entries_;
};

TypePtr TupleValue::type() const {
  std::vector<TensorType> entries;
  for (const Tensor &t : items_)
    entries.push_back(typeOf(t));
  return std::make_shared<TupleType>(std::move(entries));
}

TensorType tupleType(std::vector<TensorType> entries) {
  return TensorType::of(std::make_shared<TupleType>(std::move(entries)));
}

// ---- the ops ----

/// make_tuple(a, b, ...): packs its inputs (any types) into a tuple.
class MakeTuple : public Op {
public:
  std::string name() const override { return "make_tuple"; }
  bool acceptsNonTensorInputs() const override { return true; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    return {tupleType(in)};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &) const override { return {Shape{}}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    return {tupleValue(in)};
  }
};

/// tuple_select{index=i}(t): entry i of a tuple.
class TupleSelect : public Op {
public:
  explicit TupleSelect(int64_t index) : index_(index) {}
  std::string name() const override { return "tuple_select"; }
  Attrs attrs() const override { return Attrs{{"index", index_}}; }
  bool acceptsNonTensorInputs() const override { return true; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    const TupleType *t = in.size() == 1 ? in[0].kindAs<TupleType>() : nullptr;
    if (!t)
      throw TypeError("tuple_select: expected one tuple input, got " +
                      (in.empty() ? "none" : in[0].str()));
    if (index_ < 0 || index_ >= static_cast<int64_t>(t->entries().size()))
      throw IndexError("tuple_select: index " + std::to_string(index_) + " out of range for " +
                       t->str());
    return {t->entries()[index_]};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &) const override {
    throw NotImplementedError(
        "tuple_select: the entry's shape comes with the value, not the tuple's shape");
  }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    return {in[0].opaqueAs<TupleValue>().items().at(index_)};
  }

private:
  int64_t index_;
};

Var makeTuple(std::vector<Var> items) {
  return applyOp1(std::make_shared<MakeTuple>(), std::move(items));
}
Var select(const Var &t, int64_t i) { return applyOp1(std::make_shared<TupleSelect>(i), {t}); }

/// tuple_select{i}(make_tuple(a0, ..., an)) -> ai
NodeRewriter selectOfMakeTuple() {
  NodeRewriter r;
  r.name = "user_select_of_make_tuple";
  r.tags = {"canonicalize"};
  r.ops = {"tuple_select"};
  r.algebra = "tuple_select{i}(make_tuple(a0, ..., an)) -> ai";
  r.apply = [](Apply &node) -> std::vector<Var> {
    Apply *pack = node.input(0)->owner();
    if (!pack || pack->op() != MakeTuple()) return {};
    return {pack->input(static_cast<int>(node.op().attrs().get<int64_t>("index", "tuple_select")))};
  };
  return r;
}

void registerTuple() {
  static bool done = [] {
    registerType("tuple", [](const std::vector<TensorType> &params) -> TypePtr {
      return std::make_shared<TupleType>(params);
    });
    registerOp("make_tuple", [](const Attrs &) { return std::make_shared<MakeTuple>(); });
    registerOp(
        "tuple_select",
        [](const Attrs &a) {
          return std::make_shared<TupleSelect>(a.get<int64_t>("index", "tuple_select"));
        },
        Attrs{{"index", int64_t(0)}});
    return true;
  }();
  (void)done;
}

std::string typeErrorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const TypeError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a TypeError";
  return "";
}

const TensorType kVector(DType::Float64, {kUnknownDim}),
    kMatrix(DType::Float64, {kUnknownDim, kUnknownDim});
} // namespace

TEST(UserType, TypeEqualityHashAndPrinting) {
  TensorType a = tupleType({kVector, kMatrix}), b = tupleType({kVector, kMatrix});
  EXPECT_EQ(a.str(), "tuple<f64[?],f64[?,?]>");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a, tupleType({kMatrix, kVector}));
  EXPECT_NE(a, rngType());
  EXPECT_FALSE(a.isTensor());
}

TEST(UserType, FilterAcceptsConvertsAndRejects) {
  // The workshop: xy.eval({xy: ([1, 1], [[1, 2], [3, 4]])}).
  Var xy = Var::input(tupleType({kVector, kMatrix}), "xy");
  Tensor good = tupleValue({Tensor::of({1, 1}), Tensor::of({{1, 2}, {3, 4}})});
  EXPECT_TRUE(xy.type().accepts(good));
  EXPECT_TRUE(allclose(select(xy, 1).eval({{xy, good}}), Tensor::of({{1, 2}, {3, 4}})));
  // An i64 entry is cast to the f64 the type asks for.
  Tensor ints = tupleValue({Tensor::of({1, 1}, DType::Int64), Tensor::of({{1, 2}, {3, 4}})});
  EXPECT_FALSE(xy.type().accepts(ints));
  Tensor v = select(xy, 0).eval({{xy, ints}});
  EXPECT_EQ(v.dtype(), DType::Float64);
  // Entries swapped: refused, naming the entry, the expected and the given type.
  Tensor swapped = tupleValue({Tensor::of({{1, 2}, {3, 4}}), Tensor::of({1, 1})});
  EXPECT_EQ(
      typeErrorOf([&] { select(xy, 0).eval({{xy, swapped}}); }),
      "Var::eval: input 'xy': entry 0 of tuple<f64[?],f64[?,?]> expects f64[?], got f64[2,2]");
  EXPECT_EQ(typeErrorOf([&] { select(xy, 0).eval({{xy, Tensor::of({1.0})}}); }),
            "Var::eval: input 'xy': expected tuple<f64[?],f64[?,?]>, got f64[1]");
  EXPECT_THROW(select(Var::input(kVector), 0), TypeError);
  EXPECT_THROW(select(xy, 2), IndexError);
}

TEST(UserType, NestedTuplesEvaluate) {
  // The workshop: select(select(pack(x, pack(x, y)), 1), 1) is y again.
  Var x = Var::constant(Tensor::of({0, 1, 2}, DType::Int64)), y = vector("y");
  Var xxy = makeTuple({x, makeTuple({x, y})});
  Var yAgain = select(select(xxy, 1), 1);
  EXPECT_EQ(yAgain.type(), y.type());
  EXPECT_EQ(xxy.type().str(), "tuple<i64[3],tuple<i64[3],f64[?]>>");
  Tensor yv = Tensor::of({3.0, 4.0, 5.0, 6.0});
  EXPECT_TRUE(allclose(evaluate(yAgain, {{y, yv}}), yv));
  Tensor packed = evaluate(xxy, {{y, yv}});
  EXPECT_EQ(packed.str(), "([0, 1, 2], ([0, 1, 2], [3, 4, 5, 6]))");
}

TEST(UserType, RewriteSimplifiesThroughTheTuple) {
  // The workshop's exercise 3: x - select(make_tuple(x, 1), 0) is 0. A rule's op filter names
  // registered ops: tuple_select is registered before the rule is used.
  registerTuple();
  Var x = scalar("x");
  Var out = x - select(makeTuple({x, Var::constant(Tensor::scalar(1.0))}), 0);
  FunctionGraph fg({x}, {out});
  RewriteOptions ro;
  ro.extraRules = {selectOfMakeTuple()};
  rewriteGraph(fg, ro);
  // x - x of a static scalar is the constant 0 (local_full_like_static): no tuple is left.
  EXPECT_EQ(dprint(fg.outputs()), "0 [id A]\n");
  EXPECT_EQ(evaluate(fg.outputs()[0], {{fg.inputs()[0], Tensor::scalar(5.0)}}).item(), 0.0);
  // Where it does not apply (a tuple input, not a make_tuple), the graph stays.
  Var xx =
      Var::input(tupleType({TensorType(DType::Float64, {}), TensorType(DType::Float64, {})}), "xx");
  FunctionGraph fg2({xx}, {select(xx, 0) * 2.0});
  rewriteGraph(fg2, ro);
  EXPECT_NE(dprint(fg2.outputs()).find("tuple_select{index=0}"), std::string::npos)
      << dprint(fg2.outputs());
}

TEST(UserType, TupleThroughACompiledFunction) {
  // The workshop's exercise 2: square the vector, cube the matrix, pack them in reversed order.
  Var t = Var::input(tupleType({kVector, kMatrix}), "t");
  Var out = makeTuple({pow(select(t, 1), 3.0), sqr(select(t, 0))});
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    Function f = compile({t}, {out}, {}, mode);
    if (mode == Mode::JIT) EXPECT_GE(f.compileStats().hostSteps, 1u);
    Tensor result = f.call1({tupleValue({Tensor::of({1, 2, 3}), Tensor::of({{1, 2}, {3, 4}})})});
    const TupleValue &r = result.opaqueAs<TupleValue>();
    EXPECT_TRUE(allclose(r.items()[0], Tensor::of({{1, 8}, {27, 64}})));
    EXPECT_TRUE(allclose(r.items()[1], Tensor::of({1, 4, 9})));
    EXPECT_EQ(result.opaqueValue()->type()->str(), "tuple<f64[2,2],f64[3]>");
    EXPECT_EQ(typeErrorOf([&] { f({Tensor::of({1.0})}); }),
              "Function call: argument 0 ('t'): expected tuple<f64[?],f64[?,?]>, got f64[1]");
  }
}

TEST(UserType, CompiledRewriteThroughExtraRules) {
  registerTuple(); // the rule is known to the kernel cache by name only
  Var x = vector("x");
  Var y = exp(select(makeTuple({x, x * 2.0}), 1));
  CompileOptions o;
  o.extraRules = {selectOfMakeTuple()};
  Function f = compile({x}, {y}, {}, o);
  std::string shown = dprint(f);
  EXPECT_EQ(shown.find("tuple"), std::string::npos) << shown; // no tuple left: all in one kernel
  EXPECT_EQ(f.compileStats().hostSteps, 0u);
  EXPECT_NEAR(f.call1({Tensor::of({0.5})}).item(), std::exp(1.0), 1e-12);
}

TEST(UserType, SharedTupleUpdatedEachCall) {
  // A running state (count, history) kept as one shared tuple.
  Var s = shared(tupleValue({Tensor::scalar(0.0), Tensor::of({1.0, 1.0})}), "state");
  EXPECT_EQ(s.type().str(), "tuple<f64[],f64[2]>");
  Var x = vector("x");
  Var next = makeTuple({select(s, 0) + 1.0, select(s, 1) * x});
  for (Mode mode : {Mode::Interpret, Mode::JIT}) {
    setValue(s, tupleValue({Tensor::scalar(0.0), Tensor::of({1.0, 1.0})}));
    Function f = compile({x}, {select(s, 0)}, {{s, next}}, mode);
    f({Tensor::of({2.0, 3.0})});
    Tensor count = f({Tensor::of({2.0, 3.0})})[0];
    EXPECT_EQ(count.item(), 1.0); // read before the second update
    const TupleValue &v = getValue(s).opaqueAs<TupleValue>();
    EXPECT_EQ(v.items()[0].item(), 2.0);
    EXPECT_EQ(v.items()[1].toDoubles(), (std::vector<double>{4.0, 9.0}));
  }
}

TEST(UserType, TextIRRoundTrip) {
  registerTuple();
  const std::string text =
      "func @f(%t: tuple<f64[?],f64[?,?]>) -> (tuple<f64[?,?],f64[?]>, tuple<f64[2],i64[]>) {\n"
      "  %0 = tuple_select{index=1}(%t) : f64[?,?]\n"
      "  %1 = tuple_select{index=0}(%t) : f64[?]\n"
      "  %2 = make_tuple(%0, %1) : tuple<f64[?,?],f64[?]>\n"
      "  %c = constant ([1.5, 2], 3) : tuple<f64[2],i64[]>\n"
      "  return %2, %c\n"
      "}\n";
  TextFunction fn = parseFunction(text, "t.gj");
  EXPECT_EQ(printFunction(fn), text);
  EXPECT_TRUE(allclose(fn.outputs[1]->constantValue(),
                       tupleValue({Tensor::of({1.5, 2.0}), Tensor::scalar(3, DType::Int64)})));
  EXPECT_THROW(
      registerType("tuple", [](const std::vector<TensorType> &) -> TypePtr { return nullptr; }),
      ValueError);
  EXPECT_THROW(
      registerType("f64", [](const std::vector<TensorType> &) -> TypePtr { return nullptr; }),
      ValueError);
  try {
    parseFunction("func @f() -> (tuple<f64[2]>) {\n  %c = constant ([1, 2], 3) : tuple<f64[2]>\n  "
                  "return %c\n}",
                  "t.gj");
    ADD_FAILURE() << "expected a ParseError";
  } catch (const ParseError &e) {
    EXPECT_EQ(std::string(e.what()),
              "t.gj:2:17: error: tuple literal '([1, 2], 3)' has 2 entries, tuple<f64[2]> has 1");
  }
}
