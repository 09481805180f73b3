"""The baseline of graphjit-bench-scan's RNN figure: a 1,000-step RNN (hidden 64) forward +
backward in torch eager on one thread, the same computation as rnnForwardBackward in
BenchScan.cpp (h_t = tanh(Wx x_t + Wh h_{t-1} + b), loss = sum of h_t^2, grads of Wx, Wh, b).
Prints the median of 5 runs in seconds; give it to the C++ benchmark as its second argument:
  build/benchmarks/graphjit-bench-scan 1000000 $(/usr/bin/python3 benchmarks/rnn_torch.py)
"""
import sys
import time

import torch


def main(steps=1000, hidden=64):
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    w = 1.0 / hidden**0.5
    Wx = ((torch.rand(hidden, hidden, generator=g, dtype=torch.float64) * 2 - 1) * w).requires_grad_()
    Wh = ((torch.rand(hidden, hidden, generator=g, dtype=torch.float64) * 2 - 1) * w).requires_grad_()
    b = ((torch.rand(hidden, generator=g, dtype=torch.float64) * 2 - 1) * 0.1).requires_grad_()
    xs = torch.rand(steps, hidden, generator=g, dtype=torch.float64) * 2 - 1

    def run():
        h = torch.zeros(hidden, dtype=torch.float64)
        loss = torch.zeros((), dtype=torch.float64)
        for t in range(steps):
            h = torch.tanh(Wx @ xs[t] + Wh @ h + b)
            loss = loss + (h * h).sum()
        for p in (Wx, Wh, b):
            p.grad = None
        loss.backward()
        return loss.item()

    run()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


if __name__ == "__main__":
    median = main()
    print(f"{median:.6f}")
    print(f"torch eager, 1 thread: 1000-step RNN (hidden 64) forward + backward {median * 1e3:.2f} ms",
          file=sys.stderr)
