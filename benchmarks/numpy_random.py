#!/usr/bin/env python3
"""NumPy's Generator (PCG64) on the draws BenchRandom.cpp times: 1e7 standard
normals and uniforms, float64 and float32. Prints "<dist> <dtype> <median seconds>"
per line (median of `reps` calls after one warm-up)."""
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
rng = np.random.default_rng(1)
for dist in ("normal", "uniform"):
    for dtype in (np.float64, np.float32):
        f = (lambda: rng.standard_normal(n, dtype=dtype)) if dist == "normal" else (
            lambda: rng.random(n, dtype=dtype))
        f()
        t = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            t.append(time.perf_counter() - t0)
        t.sort()
        print(dist, "f64" if dtype == np.float64 else "f32", t[len(t) // 2], flush=True)
