"""Reference values for test/unit/Ops/LinalgDecompTest.cpp (NumPy / SciPy), printed as C++.

Run with /usr/bin/python3 scripts/linalg_reference.py; paste the output into the test.
"""
import numpy as np
import scipy.linalg as sl

S = np.array([[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [-2.0, 0.5, 5.0]])  # symmetric
A = np.array([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0], [0.7, -0.4, 1.1], [2.0, 1.0, -0.6]])  # 4x3
B = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 1.0], [-1.0, 2.5]])
E = np.array([[0.1, 0.9, -0.3], [-0.7, 0.2, 0.4], [0.5, -0.1, -0.6]]) * 3.0


def cpp(name, x):
    x = np.atleast_1d(np.asarray(x, dtype=float))
    vals = ", ".join(repr(float(v)) for v in x.ravel())
    shape = ", ".join(str(d) for d in x.shape)
    print(f"const Tensor {name} = Tensor::fromVector(std::vector<double>{{{vals}}}, {{{shape}}});")


w, V = np.linalg.eigh(S)
cpp("kEighW", w)
cpp("kEighV", V)
U, s, Vh = np.linalg.svd(A, full_matrices=False)
cpp("kSvdS", s)
Q, R = np.linalg.qr(A)
cpp("kQrQ", Q)
cpp("kQrR", R)
cpp("kPinv", np.linalg.pinv(A))
cpp("kLstsq", np.linalg.lstsq(A, B, rcond=None)[0])
cpp("kExpm", sl.expm(E))
