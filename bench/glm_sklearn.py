#!/usr/bin/python3
"""bench/glm_sklearn.py - scikit-learn on the glm bench (peer of bench/glm.c).

usage: glm_sklearn.py [--threads T] [--runs R] [--shapes NxP,...] [--smoke]
                      [--impl sklearn-ridge]

The data: bench/glm.c's distribution (x_j ~ N(j, 1 + j % 3), y = x . beta
+ 3 + N(0, 1), beta_j = 1 + 0.5 (j % 5)) made by NumPy's seeded generator,
so not par's bits. The model: Ridge(alpha=1, solver='cholesky'), which is
par's ridge with C = 1 (par's loss is the sum of squares over two, sklearn's
the sum of squares: the same minimum). Timed: fit on the arrays made before.
abs_error: the largest |difference| of the coefficients and the intercept
from the exact ridge answer solved here with numpy.linalg.solve on the
centered normal equations (so it measures the solver, like glm.c's).

Threads: OPENBLAS_NUM_THREADS and OMP_NUM_THREADS are set to T before NumPy
is imported. Output: JSON lines as bench/glm.c's (seconds, abs_error, n_iter
= 1). Exit status 77 when scikit-learn is missing.
"""

import argparse
import json
import os
import statistics
import sys
import time

SKIP = 77


def main():
    ap = argparse.ArgumentParser(prog="glm_sklearn.py")
    ap.add_argument("--impl", default="sklearn-ridge")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--shapes")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(a.threads)
    try:
        import numpy as np
        from sklearn.linear_model import Ridge
    except ImportError:
        print("glm_sklearn.py: scikit-learn not found", file=sys.stderr)
        return SKIP
    shapes = a.shapes or ("2e4x1,2e4x4" if a.smoke else "1e6x1,1e6x16,1e7x1")
    runs = 1 if a.smoke else a.runs
    rng = np.random.default_rng(2019)
    for s in shapes.split(","):
        n, p = s.split("x")
        n, p = int(float(n)), int(p)
        j = np.arange(p)
        X = np.asfortranarray(j + (1 + j % 3) * rng.standard_normal((n, p)))
        beta = 1 + 0.5 * (j % 5)
        y = X @ beta + 3 + rng.standard_normal(n)
        xm, ym = X.mean(axis=0), y.mean()
        Xc = X - xm
        exact = np.linalg.solve(Xc.T @ Xc + np.eye(p), Xc.T @ (y - ym))
        exact_b = ym - xm @ exact
        del Xc
        secs = []
        for r in range(-1, runs):
            t0 = time.perf_counter()
            m = Ridge(alpha=1.0, solver="cholesky").fit(X, y)
            if r >= 0:
                secs.append(time.perf_counter() - t0)
        err = max(np.max(np.abs(m.coef_ - exact)), abs(m.intercept_ - exact_b))
        base = {"bench": "glm", "impl": a.impl, "threads": a.threads, "n": n}
        extra = {"p": p, "chunks": 1}
        med = statistics.median(secs)
        print(json.dumps({**base, "metric": "seconds", "value": round(med, 4),
                          "runs": len(secs), "min": round(min(secs), 4),
                          "max": round(max(secs), 4), **extra}))
        e = float("%.3g" % err)
        print(json.dumps({**base, "metric": "abs_error", "value": e, "runs": 1,
                          "min": e, "max": e, **extra}))
        print(json.dumps({**base, "metric": "n_iter", "value": 1, "runs": 1,
                          "min": 1, "max": 1, **extra}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
