// Chapter 14: a type of your own: a tuple type with filter, make_tuple and
// tuple_select ops, and a rewrite that simplifies through them.
#include <graphjit/JIT/JIT.h>
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

/// A tuple value: its entries. Immutable, so graphjit passes it by reference.
class TupleValue : public OpaqueValue {
public:
  explicit TupleValue(std::vector<Tensor> items) : items(std::move(items)) {}
  const std::vector<Tensor> items;
  TypePtr type() const override;
  std::string str() const override {
    std::string s = "(";
    for (size_t i = 0; i < items.size(); ++i)
      s += (i ? ", " : "") + items[i].valuesStr();
    return s + ")";
  }
};
Tensor tupleValue(std::vector<Tensor> items) {
  return Tensor::opaque(std::make_shared<TupleValue>(items));
}

/// tuple<f64[?],f64[?,?]>: entries of fixed types. Equality and hashing come
/// from str(); accepts says which values belong; filter converts or rejects.
class TupleType : public Type {
public:
  explicit TupleType(std::vector<TensorType> entries) : entries(std::move(entries)) {}
  const std::vector<TensorType> entries;
  std::string name() const override { return "tuple"; }
  std::string str() const override {
    std::string s = "tuple<";
    for (size_t i = 0; i < entries.size(); ++i)
      s += (i ? "," : "") + entries[i].str();
    return s + ">";
  }
  bool accepts(const Tensor &v) const override {
    const auto *t =
        v.isOpaque() ? dynamic_cast<const TupleValue *>(v.opaqueValue().get()) : nullptr;
    if (!t || t->items.size() != entries.size()) return false;
    for (size_t i = 0; i < entries.size(); ++i)
      if (!entries[i].accepts(t->items[i])) return false;
    return true;
  }
  Tensor filter(const Tensor &v) const override {
    const auto *t =
        v.isOpaque() ? dynamic_cast<const TupleValue *>(v.opaqueValue().get()) : nullptr;
    if (!t || t->items.size() != entries.size())
      throw TypeError("expected " + str() + ", got " + typeOf(v).str());
    std::vector<Tensor> items; // each entry through its own type's filter
    for (size_t i = 0; i < entries.size(); ++i)
      items.push_back(entries[i].filter(t->items[i], "entry " + std::to_string(i)));
    return tupleValue(items);
  }
};
TypePtr TupleValue::type() const {
  std::vector<TensorType> entries;
  for (const Tensor &t : items)
    entries.push_back(typeOf(t));
  return std::make_shared<TupleType>(entries);
}

/// make_tuple(a, b, ...) packs its inputs; its output's type is a tuple of theirs.
class MakeTuple : public Op {
public:
  std::string name() const override { return "make_tuple"; }
  bool acceptsNonTensorInputs() const override { return true; } // tuples of tuples
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    return {TensorType::of(std::make_shared<TupleType>(in))};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &) const override { return {Shape{}}; }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    return {tupleValue(in)};
  }
};

/// tuple_select{index=i}(t): entry i.
class TupleSelect : public Op {
public:
  explicit TupleSelect(int64_t index) : index(index) {}
  const int64_t index;
  std::string name() const override { return "tuple_select"; }
  Attrs attrs() const override { return Attrs{{"index", index}}; }
  bool acceptsNonTensorInputs() const override { return true; }
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    const TupleType *t = in.at(0).kindAs<TupleType>();
    if (!t || index >= static_cast<int64_t>(t->entries.size()))
      throw TypeError("tuple_select: no entry " + std::to_string(index) + " in " + in[0].str());
    return {t->entries[index]};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &) const override {
    throw NotImplementedError("tuple_select: the shape comes with the value");
  }
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    return {in[0].opaqueAs<TupleValue>().items.at(index)};
  }
};

Var makeTuple(std::vector<Var> items) { return applyOp1(std::make_shared<MakeTuple>(), items); }
Var select(const Var &t, int64_t i) { return applyOp1(std::make_shared<TupleSelect>(i), {t}); }

int main() {
  TensorType vec(DType::Float64, {kUnknownDim}), mat(DType::Float64, {kUnknownDim, kUnknownDim});
  Var xy = Var::input(TensorType::of(std::make_shared<TupleType>(std::vector{vec, mat})), "xy");
  std::cout << "type: " << xy.type().str() << "\n";

  // 1. eval: the value goes through the type's filter.
  Tensor value = tupleValue({Tensor::of({1, 1}), Tensor::of({{1, 2}, {3, 4}})});
  std::cout << "entry 1: " << select(xy, 1).eval({{xy, value}}).str() << "\n";
  try {
    select(xy, 0).eval({{xy, tupleValue({Tensor::of({{1, 2}, {3, 4}}), Tensor::of({1, 1})})}});
  } catch (const TypeError &e) {
    std::cout << "error: " << e.what() << "\n";
  }

  // 2. A rewrite: tuple_select{i}(make_tuple(a0, ..., an)) -> ai. A rule's op filter names
  //    registered ops (a typo would be a rule that never fires), so the op is registered first.
  registerOp("tuple_select", [](const Attrs &a) {
    return std::make_shared<TupleSelect>(a.get<int64_t>("index", "tuple_select"));
  });
  NodeRewriter rule;
  rule.name = "select_of_make_tuple";
  rule.tags = {"canonicalize"};
  rule.ops = {"tuple_select"};
  rule.algebra = "tuple_select{i}(make_tuple(a0, ..., an)) -> ai";
  rule.apply = [](Apply &node) -> std::vector<Var> {
    Apply *pack = node.input(0)->owner();
    if (!pack || pack->op() != MakeTuple()) return {};
    return {pack->input(static_cast<int>(node.op().attrs().get<int64_t>("index", "tuple_select")))};
  };
  Var x = vector("x");
  Var y = exp(select(makeTuple({x, x * 2.0}), 1));
  CompileOptions options;
  options.extraRules = {rule};
  std::cout << "rewritten:\n" << dprint(compile({x}, {y}, {}, options));

  // 3. A Function with a tuple input and output: the tuple ops run as host
  //    steps, the arithmetic in compiled kernels.
  Var swapped = makeTuple({pow(select(xy, 1), 3.0), sqr(select(xy, 0))});
  Function f = compile({xy}, {swapped});
  std::cout << "host steps: " << f.compileStats().hostSteps << "\n";
  std::cout << "f(xy) = " << f.call1({value}).str() << "\n";

  // 4. A shared tuple, updated after each call.
  Var state = shared(tupleValue({Tensor::scalar(0.0), Tensor::of({1.0, 1.0})}), "state");
  Function step =
      compile({x}, {}, {{state, makeTuple({select(state, 0) + 1.0, select(state, 1) * x})}});
  step({Tensor::of({2.0, 3.0})});
  step({Tensor::of({2.0, 3.0})});
  std::cout << "state: " << getValue(state).str() << "\n";

  // 5. The text IR prints the type; registerType (with the registerOp of step 2) lets it
  //    parse back.
  registerType("tuple", [](const std::vector<TensorType> &p) -> TypePtr {
    return std::make_shared<TupleType>(p);
  });
  std::string text = printFunction({"first", {xy}, {select(xy, 0)}});
  std::cout << text << "parses back: " << (printFunction(parseFunction(text)) == text) << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: type: tuple<f64[?],f64[?,?]>
// CHECK-NEXT: entry 1: f64[2,2] {{\[\[1, 2\], \[3, 4\]\]}}
// CHECK-NEXT: error: Var::eval: input 'xy': entry 0 expects f64[?], got f64[2,2]
// CHECK-NEXT: rewritten:
// CHECK-NEXT: exp [id A]
// CHECK-NEXT:  └─ mul [id B]
// CHECK-NEXT:     ├─ x [id C]
// CHECK-NEXT:     └─ [2] [id D]
// CHECK-NEXT: host steps: 3
// CHECK-NEXT: f(xy) = ({{\[\[1, 8\], \[27, 64\]\]}}, [1, 1])
// CHECK-NEXT: state: (2, [4, 9])
// CHECK-NEXT: func @first(%xy: tuple<f64[?],f64[?,?]>) -> (f64[?]) {
// CHECK-NEXT:   %0 = tuple_select{index=0}(%xy) : f64[?]
// CHECK-NEXT:   return %0
// CHECK-NEXT: }
// CHECK-NEXT: parses back: 1
