#!/usr/bin/python3
"""tests/linalg_ref.py - NumPy's answers for tests/test_linalg.c.

usage: linalg_ref.py OP DIR N K M

Reads DIR/a.f8 (N x K float64, row-major) and, for the ops with a second
operand, DIR/b.f8 (row-major: K x M for matmul, N x M for crossprod and
lstsq); writes DIR/out.f8 (float64, native order):

  matmul     a @ b                                   (N x M, row-major)
  crossprod  a.T @ b                                 (K x M, row-major)
  qr         R of numpy.linalg.qr(a, 'reduced')      (min(N,K) x K, row-major)
  lstsq      numpy.linalg.lstsq(a, b, rcond=None):   x (K x M, row-major),
             rank, len(residuals), residuals, len(s), s
"""
import sys

import numpy as np


def main():
    op, d = sys.argv[1], sys.argv[2]
    n, k, m = (int(v) for v in sys.argv[3:6])
    a = np.fromfile(f"{d}/a.f8", dtype=np.float64).reshape(n, k)
    if op == "matmul":
        b = np.fromfile(f"{d}/b.f8", dtype=np.float64).reshape(k, m)
        out = a @ b
    elif op == "crossprod":
        b = np.fromfile(f"{d}/b.f8", dtype=np.float64).reshape(n, m)
        out = a.T @ b
    elif op == "qr":
        out = np.linalg.qr(a, mode="reduced")[1]
    elif op == "lstsq":
        b = np.fromfile(f"{d}/b.f8", dtype=np.float64).reshape(n, m)
        x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
        out = np.concatenate([x.ravel(), [rank, len(res)], res, [len(s)], s])
    else:
        sys.exit(f"linalg_ref.py: unknown op {op}")
    np.ascontiguousarray(out, dtype=np.float64).tofile(f"{d}/out.f8")


if __name__ == "__main__":
    main()
