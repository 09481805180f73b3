// docs/graph.md: positions as graph values. x[i] and x(slice(i, j)) with int64 scalars:
// one compiled function serves every position, with NumPy's clipping and errors.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var particles = matrix("particles");
  Var i = scalar("i", DType::Int64), k = scalar("k", DType::Int64);
  Var row = particles[i];                                   // particles[i]
  Var head = particles(slice(k), 0);                        // particles[:k, 0]
  Var reset = set_subtensor(particles, {i}, constant(0.0)); // particles[i] = 0
  Var size = shape(particles(slice(k)));                    // shape arithmetic: nothing is copied
  Function f = compile({particles, i, k}, {row, head, reset, size});
  Tensor p = Tensor::of({{1, 2}, {3, 4}, {5, 6}});
  for (auto [iv, kv] : {std::pair<int64_t, int64_t>{0, 2}, {-1, 100}}) {
    auto out = f({p, Tensor::scalar(iv, DType::Int64), Tensor::scalar(kv, DType::Int64)});
    std::cout << "i=" << iv << " k=" << kv << ": row " << out[0].str() << ", head " << out[1].str()
              << ", size " << out[3].str() << "\nreset " << out[2].str() << "\n";
  }
  try {
    f({p, Tensor::scalar(3, DType::Int64), Tensor::scalar(1, DType::Int64)});
  } catch (const IndexError &e) {
    std::cout << "IndexError: " << e.what() << "\n";
  }
  return 0;
}
// CHECK: i=0 k=2: row f64[2] [1, 2], head f64[2] [1, 3], size i64[2] [2, 2]
// CHECK: reset f64[3,2] {{\[}}[0, 0], [3, 4], [5, 6]]
// CHECK: i=-1 k=100: row f64[2] [5, 6], head f64[3] [1, 3, 5], size i64[2] [3, 2]
// CHECK: reset f64[3,2] {{\[}}[1, 2], [3, 4], [0, 0]]
// CHECK: IndexError: dyn_subtensor: index 3 is out of bounds for axis 0 with size 3
