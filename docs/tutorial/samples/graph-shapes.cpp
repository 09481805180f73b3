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
  // Shape arguments as graph values: x.reshape((k, -1)), arange(k), linspace(0, 1, k) and
  // broadcast_to(v, (k, 2)); one compile serves every k.
  Var x = vector("x"), k = scalar("k", DType::Int64);
  Function g = compile({x, k}, {reshape(x, {k, -1}), arange(k) * 2, linspace(0.0, 1.0, k),
                                broadcast_to(sum(x), {k, 2})});
  for (int64_t kv : {2, 3})
    for (const Tensor &t : g({Tensor::of({1.0, 2, 3, 4, 5, 6}), Tensor::scalar(kv, DType::Int64)}))
      std::cout << t.str() << "\n";
  // A size that does not fit is a ValueError naming the op and the values.
  try {
    g({Tensor::of({1.0, 2, 3, 4, 5}), Tensor::scalar(2, DType::Int64)});
  } catch (const ValueError &e) {
    std::cout << "ValueError: " << e.what() << "\n";
  }
  return 0;
}
// CHECK: infer_shape{op="matmul", output=0}
// CHECK: size: 150000
// CHECK: ShapeError: matmul
// CHECK: trace for 2x2: 0.3
// CHECK: trace for 3x3: 0.45
// CHECK: f64[2,3] {{\[\[}}1, 2, 3], [4, 5, 6]]
// CHECK: i64[2] [0, 2]
// CHECK: f64[2] [0, 1]
// CHECK: f64[2,2] {{\[\[}}21, 21], [21, 21]]
// CHECK: f64[3,2] {{\[\[}}1, 2], [3, 4], [5, 6]]
// CHECK: i64[3] [0, 2, 4]
// CHECK: f64[3] [0, 0.5, 1]
// CHECK: ValueError: reshape: cannot reshape an input of shape (5,) (5 elements) into shape (2, -1)
