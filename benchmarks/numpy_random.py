#!/usr/bin/env python3
"""NumPy's Generator (PCG64) on the draws BenchRandom.cpp times: 1e7 standard
normals and uniforms, float64 and float32. Paired mode (what the benchmark uses):
reads "<dist> <dtype>" lines on stdin and answers each with the seconds of one
call, so that the C++ side alternates its passes with NumPy's. With "--medians"
it prints "<dist> <dtype> <median seconds>" per line on its own instead."""
import sys
import time

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
rng = np.random.default_rng(1)
calls = {
    ("normal", "f64"): lambda: rng.standard_normal(n, dtype=np.float64),
    ("normal", "f32"): lambda: rng.standard_normal(n, dtype=np.float32),
    ("uniform", "f64"): lambda: rng.random(n, dtype=np.float64),
    ("uniform", "f32"): lambda: rng.random(n, dtype=np.float32),
}


def once(key):
    t0 = time.perf_counter()
    calls[key]()
    return time.perf_counter() - t0


if "--medians" in sys.argv:
    reps = 7
    for key in calls:
        once(key)
        t = sorted(once(key) for _ in range(reps))
        print(*key, t[len(t) // 2], flush=True)
else:
    print("ready", flush=True)
    for line in sys.stdin:
        key = tuple(line.split())
        if key in calls:
            print(once(key), flush=True)
