// Chapter 10: writing your own Op: type rule, inferShape, perform, L_op, vectorize.
#include <graphjit/JIT/JIT.h>
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

Var cube(const Var &x);

/// cube(x) = x^3, elementwise, float64 only.
class Cube : public Op {
public:
  std::string name() const override { return "cube"; }
  // Type rule: one f64 input, an output of the same type.
  std::vector<TensorType> makeOutputTypes(const std::vector<TensorType> &in) const override {
    if (in.size() != 1 || in[0].dtype != DType::Float64)
      throw TypeError("cube: expected one f64 input, got " + std::to_string(in.size()) + " inputs" +
                      (in.empty() ? "" : " of type " + in[0].str()));
    return {in[0]};
  }
  std::vector<Shape> inferShape(const std::vector<Shape> &in) const override { return {in[0]}; }
  // The reference implementation, on concrete tensors.
  std::vector<Tensor> perform(const std::vector<Tensor> &in) const override {
    Tensor x = in[0].contiguous(), out = Tensor::empty(DType::Float64, x.shape());
    const double *src = x.data<double>();
    double *dst = out.data<double>();
    for (int64_t i = 0; i < x.size(); ++i)
      dst[i] = src[i] * src[i] * src[i];
    return {out};
  }
  // Vector-Jacobian product: d cost/dx = d cost/d out * 3 x^2, built from existing ops.
  std::vector<Var> L_op(const std::vector<Var> &inputs, const std::vector<Var> &,
                        const std::vector<Var> &outputGrads) const override {
    return {outputGrads[0] * 3.0 * sqr(inputs[0])};
  }
  // Batching rule for vectorize_graph: cube works element by element, so the cube of the batched
  // input is the batched output (inputs[i].batched says which inputs carry the batch dims).
  std::vector<Var> vectorize(const Apply &, const std::vector<BatchedVar> &inputs,
                             int) const override {
    return {cube(inputs[0].var)};
  }
};

Var cube(const Var &x) { return applyOp1(std::make_shared<Cube>(), {x}); }

int main() {
  Var x = vector("x");
  Var y = cube(x) + 1.0;
  std::cout << dprint(y);
  std::cout << "value: " << y.eval({{x, Tensor::of({1, 2, 3})}}).str() << "\n";
  std::cout << "grad:  " << grad(sum(y), x).eval({{x, Tensor::of({1, 2, 3})}}).str() << "\n";
  // Check L_op against finite differences.
  verify_grad([](const std::vector<Var> &v) { return sum(cube(v[0])); }, {Tensor::of({0.5, -1.5})});
  std::cout << "verify_grad: ok\n";
  try {
    cube(vector("i", DType::Int64));
  } catch (const TypeError &e) {
    std::cout << "type rule: " << e.what() << "\n";
  }
  // The JIT compiles every graph: an op without a lowering runs as a host step (its perform)
  // between the compiled kernels around it (docs/compiling.md).
  Function jit = compile({x}, {y}, {}, Mode::JIT);
  std::cout << "jit: " << jit.call1({Tensor::of({-1})}).str()
            << ", host steps: " << jit.compileStats().hostSteps << "\n";
  Function f = compile({x}, {y}, {}, Mode::Interpret);
  std::cout << "interpreted: " << f.call1({Tensor::of({-1})}).str() << "\n";
  // vectorize_graph batches y over the rows of a matrix: cube's rule, then add's.
  Var xs = matrix("xs");
  Var ys = vectorize_graph(y, {{x, xs}});
  std::cout << "batched: " << ys.type().str() << " "
            << ys.eval({{xs, Tensor::of({{1, 2}, {3, -1}})}}).str() << "\n";
  std::cout << dprint(ys);
}

// Output (make test checks these lines with FileCheck):
// CHECK: add [id A]
// CHECK-NEXT:  ├─ cube [id B]
// CHECK-NEXT:  │   └─ x [id C]
// CHECK: value: f64[3] [2, 9, 28]
// CHECK-NEXT: grad:  f64[3] [3, 12, 27]
// CHECK-NEXT: verify_grad: ok
// CHECK-NEXT: type rule: cube: expected one f64 input, got 1 inputs of type i64[?]
// CHECK-NEXT: jit: f64[1] [0], host steps: 1
// CHECK-NEXT: interpreted: f64[1] [0]
// CHECK-NEXT: batched: f64[?,?] f64[2,2] {{\[\[2, 9\], \[28, 0\]\]}}
// CHECK-NEXT: add [id A]
// CHECK-NEXT:  ├─ cube [id B]
// CHECK-NEXT:  │   └─ xs [id C]
