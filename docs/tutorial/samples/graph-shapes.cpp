// docs/graph.md: symbolic shapes. A shape is a graph; shape(f(x)) is answered from
// the input shapes (f's checks kept), and sizes may be graph values.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var A = matrix("A"), B = matrix("B");
  // Only the shape is asked for: the default rewrites never compute A @ B.
  Var n = prod(shape(matmul(A, B)));
  std::cout << dprint(simplify({n}));
  Function f = compile({A, B}, {n});
  std::cout << "size: "
            << f.call1({Tensor::zeros(DType::Float64, {300, 20}),
                        Tensor::zeros(DType::Float64, {20, 500})})
                   .item()
            << "\n";
  // Inner dims that disagree are still matmul's error.
  try {
    f.call1({Tensor::zeros(DType::Float64, {3, 2}), Tensor::zeros(DType::Float64, {4, 5})});
  } catch (const ShapeError &e) {
    std::cout << "ShapeError: " << e.what() << "\n";
  }
  // Sizes as graph values: eye(M.shape[0]), compiled once for every size.
  Var M = matrix("M");
  Function damp = compile({M}, {0.85 * M + 0.15 * eye(shape_i(M, 0))});
  for (int64_t k : {2, 3})
    std::cout
        << "trace for " << k << "x" << k << ": "
        << evaluate(trace(constant(damp.call1({Tensor::zeros(DType::Float64, {k, k})})))).item()
        << "\n";
  return 0;
}
// CHECK: infer_shape{op="matmul", output=0}
// CHECK: size: 150000
// CHECK: ShapeError: matmul
// CHECK: trace for 2x2: 0.3
// CHECK: trace for 3x3: 0.45
