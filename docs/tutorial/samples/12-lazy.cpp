// Chapter 12: (A @ B)[i] computes a whole product for one row; A[i] @ B does not.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  Var A = matrix("A"), B = matrix("B");
  Var row = matmul(A, B)[1];  // as written: the full product, then one row
  Var cheap = matmul(A[1], B); // the same row, one vector-matrix product
  std::cout << dprint(row) << dprint(cheap);
  Tensor a = Tensor::of({{1, 2}, {3, 4}, {5, 6}}), b = Tensor::of({{1, 0, 2}, {0, 1, 3}});
  std::cout << row.eval({{A, a}, {B, b}}).str() << " == " << cheap.eval({{A, a}, {B, b}}).str() << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: subtensor{idx=(1)} [id A]
// CHECK-NEXT:  └─ matmul [id B]
// CHECK: matmul [id A]
// CHECK-NEXT:  ├─ subtensor{idx=(1)} [id B]
// CHECK: f64[3] [3, 4, 18] == f64[3] [3, 4, 18]
