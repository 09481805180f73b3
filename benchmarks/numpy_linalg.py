#!/usr/bin/env python3
"""NumPy's batched linear algebra on the stacks BenchLinalg.cpp times: inv, solve (a batch of
vector right-hand sides) and cholesky of 1000 8x8 and 10 256x256 matrices (the same values:
uniform(-1, 1) entries plus n on the diagonal, symmetrised for cholesky). Prints
"<op> <count> <n> <median seconds>" per line (median of `reps` calls after one warm-up)."""
import sys
import time

import numpy as np

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 15
rng = np.random.default_rng(1)
for count, n in ((1000, 8), (10, 256)):
    a = rng.uniform(-1, 1, (count, n, n)) + n * np.eye(n)
    spd = a @ np.swapaxes(a, -1, -2)
    b = rng.uniform(-1, 1, (count, n))
    for name, f in (("inv", lambda: np.linalg.inv(a)),
                    ("solve", lambda: np.linalg.solve(a, b)),
                    ("cholesky", lambda: np.linalg.cholesky(spd))):
        f()
        t = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            t.append(time.perf_counter() - t0)
        t.sort()
        print(name, count, n, t[len(t) // 2], flush=True)
