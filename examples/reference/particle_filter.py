"""NumPy reference of examples/particle_filter.cpp with the draws passed in.

The workshop's particle filter (notebooks/exercises/particle_filter.ipynb): a robot moves with
noisy heading and speed, measures its distances to landmarks; particles follow the motion, are
weighted by the measurements and resampled (systematic resampling) when the effective sample
size drops below half. The draws come from the same small generator as the C++ example (a
64-bit LCG, Box-Muller), so both runs see the same numbers. Prints the C++ arrays the example
checks against:  /usr/bin/python3 examples/reference/particle_filter.py
"""
import math

import numpy as np

N, T, DT = 100, 30, 0.1
HEADING_NOISE, VELOCITY_NOISE, SENSOR_NOISE = 0.05, 0.2, 0.2
LANDMARKS = np.array([[-1.0, 2.0], [5.0, 10.0], [12.0, 14.0], [18.0, 21.0]])
M64 = (1 << 64) - 1


def uniforms(n, seed):
    s, out = seed, []
    for _ in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & M64
        out.append(((s >> 11) + 0.5) / float(1 << 53))
    return np.array(out)


def normals(n, seed):
    u = uniforms(2 * n, seed)
    return np.array([math.sqrt(-2.0 * math.log(u[2 * k])) * math.cos(2.0 * math.pi * u[2 * k + 1])
                     for k in range(n)])


def controls():
    headings = np.deg2rad(6 * np.sin(np.linspace(0, 2 * np.pi, T)))
    vmax = 5.0
    velocities = np.concatenate([np.linspace(0, vmax, T // 3), np.full(T - 2 * (T // 3), vmax),
                                 np.linspace(vmax, 0, T // 3)])
    return headings, velocities


def true_path(headings, velocities):
    x, y, h = 0.0, 0.0, math.pi / 4
    out = []
    for t in range(T):
        h = (h + headings[t]) % (2 * math.pi)
        x += math.cos(h) * velocities[t] * DT
        y += math.sin(h) * velocities[t] * DT
        out.append((x, y, h))
    return np.array(out)


def main():
    headings, velocities = controls()
    path = true_path(headings, velocities)
    observed = np.sqrt(((path[:, None, :2] - LANDMARKS[None]) ** 2).sum(-1))
    particles = normals(N * 3, 1).reshape(N, 3)
    particles[:, 2] = particles[:, 2] % (2 * np.pi)
    hn = normals(T * N, 2).reshape(T, N)
    vn = np.abs(normals(T * N, 3)).reshape(T, N)
    us = uniforms(T, 4)
    logw = np.full(N, -math.log(N))
    means, neffs = [], []
    for t in range(T):
        p = particles.copy()
        p[:, 2] = (p[:, 2] + headings[t] + hn[t] * HEADING_NOISE) % (2 * np.pi)
        dist = velocities[t] * DT + vn[t] * VELOCITY_NOISE
        p[:, 0] += np.cos(p[:, 2]) * dist
        p[:, 1] += np.sin(p[:, 2]) * dist
        d = np.sqrt(((p[:, None, :2] - LANDMARKS[None]) ** 2).sum(-1))
        logw = logw + (-0.5 * np.log(2 * np.pi * SENSOR_NOISE**2)
                       - (observed[t] - d) ** 2 / (2 * SENSOR_NOISE**2)).sum(-1)
        m = logw.max()
        logw = logw - (m + np.log(np.exp(logw - m).sum()))
        neff = 1.0 / np.sum(np.exp(logw) ** 2)
        if neff < N / 2:
            positions = (us[t] + np.arange(N)) / N
            cs = np.cumsum(np.exp(logw))
            idx = np.zeros(N, dtype=np.int64)
            i = j = 0
            while i < N:  # the inner scan with until
                if positions[i] < cs[min(j, N - 1)]:
                    idx[i] = j
                    i += 1
                else:
                    j += 1
            p = p[np.minimum(idx, N - 1)]
            logw = np.full(N, -math.log(N))
        particles = p
        w = np.exp(logw)
        means.append((p[:, :2] * w[:, None]).sum(0) / w.sum())
        neffs.append(neff)
    means, neffs = np.array(means), np.array(neffs)
    fmt = lambda a: ",\n    ".join(", ".join(repr(float(x)) for x in a[k:k + 4]) for k in range(0, len(a), 4))
    print("const double kNumPyMeans[kSteps * 2] = {\n    " + fmt(means.ravel()) + "};")
    print("const double kNumPyNeff[kSteps] = {\n    " + fmt(neffs) + "};")
    print("// final error of the estimate:", float(np.hypot(*(means[-1] - path[-1, :2]))))


if __name__ == "__main__":
    main()
