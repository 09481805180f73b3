#!/usr/bin/env python3
"""SciPy's answers, evaluation counts and wall times for the workshop's optimization exercise
(pytensor-workshop notebooks/exercises/optimization_with_scipy.ipynb), on the same data that
test/unit/Optim/WorkshopProblems.h and benchmarks/BenchOptimize.cpp make. Run offline:
    /usr/bin/python3 benchmarks/optimize_scipy.py [--json | --table | --header]
--header writes test/unit/Optim/ScipyAnswers.h; the figures are in docs/optimize.md."""
import json
import sys
import time

import numpy as np
import scipy
from scipy.optimize import minimize

MASK = (1 << 64) - 1


class Lcg:
    """The 64-bit LCG of WorkshopProblems.h (Knuth's MMIX constants), uniform from the top 53 bits."""

    def __init__(self, seed):
        self.s = seed & MASK

    def uniform(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & MASK
        return (self.s >> 11) * (1.0 / 9007199254740992.0)

    def normal(self):
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def normals(self, *shape):
        return np.array([self.normal() for _ in range(int(np.prod(shape)))]).reshape(shape)


def regression(n, k, seed):
    """X = [1, normals], beta = [10, 10 * normals], y = X beta (no noise), x0 = 10 * normals."""
    g = Lcg(seed)
    X = np.c_[np.ones(n), g.normals(n, k)]
    beta = np.r_[10.0, 10.0 * g.normals(k)]
    x0 = 10.0 * g.normals(k + 1)
    return X, X @ beta, beta, x0


def glm(seed):
    g = Lcg(seed)
    X = np.c_[np.ones(10000), g.normals(10000, 9)]
    beta = 0.1 * g.normals(10)
    p = 1.0 / (1.0 + np.exp(-(X @ beta)))
    y = np.array([1.0 if g.uniform() < pi else 0.0 for pi in p])
    return X, y, beta


ALPHAS = np.array([0.5, 0.3, 0.3, 0.5, 0.5, 0.4, 0.4, 0.3])
LAMBDAS = np.array([0.3, 0.6, 0.3, 0.1, 0.2, 0.9, 0.3, 0.7])
ROWS = np.array([0, 0, 0, 0, 0, 1, 1, 1])  # product of each allocation
COLS = np.array([0, 1, 2, 3, 4, 0, 1, 2])  # channel of each allocation


def budget_problem():
    f = lambda x, a, l: -np.sum(a * x / (x + l))
    g = lambda x, a, l: -a * l / (x + l) ** 2
    h = lambda x, a, l: np.diag(2 * a * l / (x + l) ** 3)
    cons = [
        {"type": "eq", "fun": lambda x, b: np.atleast_1d(x.sum() - b), "jac": lambda x, b: np.ones((1, 8)), "args": (1.0,)},
        {"type": "ineq", "fun": lambda x, b: x, "jac": lambda x, b: np.eye(8), "args": (1.0,)},
    ]
    return f, g, h, cons


def bonus_constraints():
    M = np.zeros((2, 5, 8))
    M[ROWS, COLS, np.arange(8)] = 1.0  # X_matrix = M @ x
    C = M.sum(0)  # channel totals = C @ x
    R = M.sum(1)  # product totals = R @ x
    b = 1.0
    return [
        ("eq", lambda x: np.atleast_1d(x.sum() - b), np.ones((1, 8))),
        ("ineq", lambda x: C @ x - 0.1 * b, C),
        ("ineq", lambda x: 0.7 * b - C @ x, -C),
        ("ineq", lambda x: np.atleast_1d(0.1 - C[2] @ x), -C[2:3]),  # "channel 3", counted from 1
        ("ineq", lambda x: np.atleast_1d(0.5 - C[1] @ x), -C[1:2]),  # "channel 2", counted from 1
        ("ineq", lambda x: np.atleast_1d(R[0] @ x - 0.5), R[0:1]),
        ("ineq", lambda x: np.atleast_1d(R[1] @ x - 0.4), R[1:2]),
        ("ineq", lambda x: x - 0.05 * b, np.eye(8)),
    ]


def timed(fn, repeats=5):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t)
    return res, float(np.median(times))


def header(out):
    """test/unit/Optim/ScipyAnswers.h: the answers the tests compare with."""
    vec = lambda v: "{" + ", ".join(repr(float(a)) for a in v) + "}"
    lines = [
        "// SciPy's answers to the workshop's optimization problems, written by",
        "// `/usr/bin/python3 benchmarks/optimize_scipy.py --header` (SciPy's method named in each;",
        f"// scipy {scipy.__version__}, numpy {np.__version__}).",
        "#pragma once",
        "",
        "#include <vector>",
        "",
        "// clang-format off: generated",
        "namespace scipy {",
        f"inline constexpr double kQuadraticX = {out['quadratic']['x'][0]!r}; // Nelder-Mead",
        f"inline constexpr int kQuadraticNfev = {out['quadratic']['nfev']};",
        f"inline constexpr int kNmSseNfev = {out['nm_sse']['nfev']}; // Nelder-Mead on exercise 2",
        f"inline constexpr double kNmSseFun = {out['nm_sse']['fun']!r};",
        f"inline constexpr int kNmGlmNfev = {out['nm_glm']['nfev']}; // Nelder-Mead on exercise 4",
        f"inline constexpr double kNmGlmFun = {out['nm_glm']['fun']!r};",
        f"inline constexpr int kNmBudgetNfev = {out['nm_budget_bounds']['nfev']}; // Nelder-Mead, bounds [0, 0.3]",
        f"inline const std::vector<double> kNmBudgetX = {vec(out['nm_budget_bounds']['x'])};",
        f"inline constexpr int kPowellNfev = {out['sse_powell']['nfev']}; // Powell",
        f"inline constexpr int kBfgsNfev = {out['sse_bfgs']['nfev']}; // BFGS",
        f"inline const std::vector<double> kGlmX = {vec(out['glm_map']['x'])}; // trust-ncg",
        f"inline constexpr double kGlmFun = {out['glm_map']['fun']!r};",
        f"inline constexpr int kGlmNfev = {out['glm_map']['nfev']};",
        f"inline const std::vector<double> kBudgetX = {vec(out['budget']['x'])}; // trust-constr",
        f"inline constexpr double kBudgetFun = {out['budget']['fun']!r};",
        f"inline const std::vector<double> kBonusX = {vec(out['bonus']['x'])}; // trust-constr",
        f"inline constexpr double kBonusFun = {out['bonus']['fun']!r};",
        "} // namespace scipy",
        "// clang-format on",
    ]
    return "\n".join(lines) + "\n"


def main():
    out = {}
    # 1: (x - a)^2, Nelder-Mead.
    res, t = timed(lambda: minimize(lambda x, a: ((x - a) ** 2).item(), x0=[0.0], args=(3.0,), method="nelder-mead"))
    out["quadratic"] = dict(method="Nelder-Mead", x=res.x.tolist(), fun=float(res.fun), nfev=res.nfev, seconds=t)
    # 2: sum of squares by linear algebra, Powell.
    X, y, beta, x0 = regression(100, 5, 1)
    sse = lambda b, X, y: float((y - X @ b) @ (y - X @ b))
    res, t = timed(lambda: minimize(sse, x0=x0, args=(X, y), method="powell"))
    out["sse_powell"] = dict(method="Powell", x=res.x.tolist(), true=beta.tolist(), fun=float(res.fun), nfev=res.nfev, seconds=t)
    # 3: 101 parameters, BFGS with the fused gradient.
    X, y, beta, x0 = regression(1000, 100, 2)

    def fused(b, X, y):
        r = y - X @ b
        return float(r @ r), -2.0 * X.T @ r

    res, t = timed(lambda: minimize(fused, x0=x0, args=(X, y), jac=True, method="BFGS"))
    out["sse_bfgs"] = dict(method="BFGS", fun=float(res.fun), nfev=res.nfev, njev=res.njev, nit=res.nit, seconds=t,
                           maxerr=float(np.max(np.abs(res.x - beta) / np.abs(beta))))
    # 4: logistic-regression MAP, trust-ncg with the exact Hessian.
    X, y, beta = glm(3)

    def nlp(b, X, y):
        eta = X @ b
        p = 1.0 / (1.0 + np.exp(-eta))
        f = np.sum(np.logaddexp(0, eta) - y * eta) + 0.5 * b @ b
        return f, X.T @ (p - y) + b

    def hess(b, X, y):
        p = 1.0 / (1.0 + np.exp(-(X @ b)))
        return (X * (p * (1 - p))[:, None]).T @ X + np.eye(len(b))

    res, t = timed(lambda: minimize(nlp, x0=np.zeros(10), args=(X, y), jac=True, hess=hess, method="trust-ncg"))
    out["glm_map"] = dict(method="trust-ncg", x=res.x.tolist(), true=beta.tolist(), fun=float(res.fun), nfev=res.nfev,
                          njev=res.njev, nhev=res.nhev, seconds=t)
    # 5: budget allocation, trust-constr.
    f, g, h, cons = budget_problem()
    x0 = np.ones(8) / 8
    res, t = timed(lambda: minimize(f, x0=x0, args=(ALPHAS, LAMBDAS), jac=g, hess=h, constraints=cons,
                                    method="trust-constr", options={"maxiter": 100_000}), 3)
    out["budget"] = dict(method="trust-constr", x=res.x.tolist(), fun=float(res.fun), nfev=res.nfev, seconds=t,
                         success=bool(res.success))
    # 6: the bonus round's eight constraints, trust-constr.
    bc = bonus_constraints()
    cons = [{"type": k, "fun": fn, "jac": (lambda J: (lambda x: J))(J)} for k, fn, J in bc]
    res, t = timed(lambda: minimize(f, x0=x0, args=(ALPHAS, LAMBDAS), jac=g, hess=h, constraints=cons,
                                    method="trust-constr", options={"maxiter": 100_000}), 3)
    ok = all((np.all(fn(res.x) >= 0) if k == "ineq" else np.allclose(fn(res.x), 0, atol=0.01)) for k, fn, _ in bc)
    out["bonus"] = dict(method="trust-constr", x=res.x.tolist(), fun=float(res.fun), nfev=res.nfev, seconds=t,
                        success=bool(res.success), exact_check=bool(ok))
    # The same with SLSQP (our counterpart of trust-constr), for the evaluation counts.
    for name, cons in (("budget", budget_problem()[3]), ("bonus", [{"type": k, "fun": fn, "jac": (lambda J: (lambda x: J))(J)} for k, fn, J in bc])):
        res, t = timed(lambda: minimize(f, x0=x0, args=(ALPHAS, LAMBDAS), jac=g, constraints=cons, method="SLSQP"))
        out[name + "_slsqp"] = dict(method="SLSQP", x=res.x.tolist(), fun=float(res.fun), nfev=res.nfev, seconds=t)
    # Nelder-Mead (SciPy's defaults) on every problem it can take: the counts our own
    # Nelder-Mead (lib/Optim/NelderMead.cpp, SciPy's algorithm) is compared with.
    X, y, beta, x0 = regression(100, 5, 1)
    res, t = timed(lambda: minimize(sse, x0=x0, args=(X, y), method="nelder-mead"))
    out["nm_sse"] = dict(method="Nelder-Mead", x=res.x.tolist(), fun=float(res.fun), nfev=res.nfev, nit=res.nit, seconds=t)
    X, y, beta = glm(3)

    def nlp_value(b, X, y):  # the loss alone: Nelder-Mead needs no gradient
        eta = X @ b
        return np.sum(np.logaddexp(0, eta) - y * eta) + 0.5 * b @ b

    res, t = timed(lambda: minimize(nlp_value, x0=np.zeros(10), args=(X, y), method="nelder-mead"), 3)
    out["nm_glm"] = dict(method="Nelder-Mead", x=res.x.tolist(), fun=float(res.fun), nfev=res.nfev, nit=res.nit, seconds=t)
    res, t = timed(lambda: minimize(f, x0=np.ones(8) / 8, args=(ALPHAS, LAMBDAS), bounds=[(0, 0.3)] * 8, method="nelder-mead"))
    out["nm_budget_bounds"] = dict(method="Nelder-Mead", x=res.x.tolist(), fun=float(res.fun), nfev=res.nfev, nit=res.nit, seconds=t)
    if "--table" in sys.argv:  # what BenchOptimize.cpp reads: name, nfev, seconds
        for k, v in out.items():
            print(k, v["nfev"], v["seconds"])
    elif "--header" in sys.argv:
        print(header(out), end="")
    elif "--json" in sys.argv:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(k, {a: (np.round(b, 6).tolist() if isinstance(b, list) else b) for a, b in v.items()})


if __name__ == "__main__":
    main()
