// Chapter 15: PageRank to convergence in one call (scan with until), and a lazy ifelse.
#include <graphjit/graphjit.h>

#include <iostream>

using namespace graphjit;

int main() {
  // Four pages; column j holds page j's outgoing link counts. Page 3 links nowhere.
  Tensor links = Tensor::of({{0, 1, 1, 0}, {1, 0, 1, 0}, {1, 0, 0, 0}, {0, 1, 1, 0}});
  Var M = matrix("M"), d = scalar("d");
  Var n = cast(shape(M)[0], DType::Float64);
  Var out = sum(M, 0);
  Var Mp = where(out > 0.0, M / out, 1.0 / n); // a page without links sends you anywhere
  Var v0 = ones_like(out) / n;

  // One power-iteration step; stop when the ranks move by less than 1e-12.
  ScanResult ranks = scan(
      [&](const std::vector<Var> &a) {
        Var v = a[0], next = d * dot(a[1], v) + (1.0 - d) / n;
        return StepResult({next}, sum(abs(next - v)) < 1e-12);
      },
      {}, {OutputInfo(v0)}, {Mp}, /*n_steps=*/500);
  Var steps = shape(ranks.outputs[0])[0];
  Function f = compile({M, d}, {ranks.last(0), steps});
  auto r = f({links, Tensor::scalar(0.85)});
  std::cout << "ranks " << r[0].valuesStr() << " after " << r[1].item() << " steps\n";

  // The graph: the scan node, then its body under "Inner graphs".
  std::cout << dprint(ranks.last(0));

  // ifelse runs only the branch it takes: x[5] of a 2-vector would raise.
  Var c = scalar("c", DType::Bool), x = vector("x");
  Var y = ifelse(c, x * 2.0, x * x[5]);
  std::cout
      << y.eval({{c, Tensor::scalar(1, DType::Bool)}, {x, Tensor::of({1.0, 2.0})}}).valuesStr()
      << "\n";
}

// Output (make test checks these lines with FileCheck):
// CHECK: ranks [0.264604{{[0-9]*}}, 0.264604{{[0-9]*}}, 0.206185{{[0-9]*}}, 0.264604{{[0-9]*}}]
// CHECK-SAME: after 18 steps
// CHECK: subtensor{idx=(-1)} [id A]
// CHECK-NEXT:  └─ scan{n_seqs=0, taps=[-1], {{.*}}, until=true, {{.*}}} [id B]
// CHECK: Inner graphs:
// CHECK: scan{{.*}} [id B]
// CHECK-NEXT:  body:
// CHECK-NEXT:   ← add [id A]
// CHECK:   ← lt [id {{[A-Z]+}}]
// CHECK: [2, 4]
