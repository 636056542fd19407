#!/usr/bin/python3
"""bench/linreg_numpy.py - NumPy on the xtx and linreg_exact benches (peer
of bench/linreg.c; bench/linreg_dask.py shares its data and output).

usage: linreg_numpy.py [--bench xtx|linreg_exact] [--threads T] [--runs R]
                       [--shapes NxP,...] [--smoke]

The data: n rows of p features x_j ~ N(4, 2), y = 3 + sum_j (4 + j) x_j,
made by NumPy's default generator (seeded), so not bit for bit par's data
but of the same distribution; errors are measured against the exact
answer, as bench/linreg.c does.

  xtx           X.T @ X (X float64, n x p, Fortran order as par's chunks).
                Timed: the product.
  linreg_exact  numpy.linalg.lstsq([X, 1], y): the design matrix with its
                column of ones is made before timing (setup), the call is
                timed. abs_error: the largest error of the coefficients and
                the intercept.

Threads: OPENBLAS_NUM_THREADS (and the OpenMP/MKL variables) are set to T
before NumPy is imported, so NumPy's BLAS uses T threads (T = 1: plain
single-threaded NumPy).

Output: JSON lines as bench/linreg.c's (metrics GB_per_s, abs_error,
seconds; "p", "stage" = "p=P"; in_total false on GB_per_s and abs_error).
GB_per_s counts the bytes of X (xtx) or X and y (linreg_exact), as par's.
Exit status 77 when NumPy is missing.
"""

import argparse
import json
import os
import statistics
import sys
import time

SKIP = 77


def log(*a):
    print(os.path.basename(sys.argv[0]) + ":", *a, file=sys.stderr, flush=True)


def fmt(v):
    """Numbers as bench_util.h's bench_put_num writes them."""
    if isinstance(v, float):
        if abs(v) >= 1e4:
            return round(v)
        if abs(v) >= 10:
            return round(v, 2)
        return round(v, 4)
    return v


def parse_args(prog):
    ap = argparse.ArgumentParser(prog=prog)
    ap.add_argument("--bench", choices=["xtx", "linreg_exact"])
    ap.add_argument("--impl")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--shapes")
    ap.add_argument("--n", type=float)
    ap.add_argument("--p", type=int)
    ap.add_argument("--chunk", type=int, default=625000)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.smoke:
        a.runs = 1
    if a.n or a.p:
        a.shapes = f"{int(a.n or (1e5 if a.smoke else 1e7))}x{a.p or 1}"
    elif not a.shapes:
        a.shapes = "1e5x1,1e4x16" if a.smoke else "1e8x1,1e7x16"
    shapes = []
    for s in a.shapes.split(","):
        n, p = s.split("x")
        shapes.append((int(float(n)), int(p)))
    a.shapes = shapes
    if a.smoke:
        a.chunk = min(a.chunk, 10000)
    return a


def limit_threads(t):
    for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(t)


def make_data(np, n, p):
    """X (n x p, Fortran order), y and the exact coefficients."""
    rng = np.random.default_rng(20240917)
    X = np.asfortranarray(rng.normal(4.0, 2.0, size=(p, n)).T)
    beta = 4.0 + np.arange(p, dtype=np.float64)
    y = 3.0 + X @ beta
    return X, y, beta


def emit(bench, impl, threads, n, p, secs, nbytes, abs_error, extra=None):
    side = {"p": p, "stage": f"p={p}", **(extra or {})}
    rates = [nbytes / 1e9 / s for s in secs]

    def line(metric, vals, more):
        print(json.dumps({"bench": bench, "impl": impl, "threads": threads, "n": n,
                          "metric": metric, "value": fmt(statistics.median(vals)),
                          "runs": len(vals), "min": fmt(min(vals)),
                          "max": fmt(max(vals)), **side, **more},
                         separators=(",", ":")), flush=True)
    line("GB_per_s", rates, {"in_total": False})
    if abs_error is not None:
        print(json.dumps({"bench": bench, "impl": impl, "threads": threads, "n": n,
                          "metric": "abs_error", "value": float(f"{abs_error:.3e}"),
                          "runs": len(secs), "sci": f"{abs_error:.3e}", **side,
                          "in_total": False},
                         separators=(",", ":")), flush=True)
    line("seconds", secs, {})


def timed(runs, f, warm=True):
    """f() once untimed (warm-up, unless not warm), then `runs` timed calls;
    (secs, the last result)."""
    out = f() if warm else None
    secs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        secs.append(time.perf_counter() - t0)
    return secs, out


def fit_error(np, coef, beta):
    """Largest error of coef (p coefficients, then the intercept)."""
    return float(max(np.max(np.abs(coef[:-1] - beta)), abs(coef[-1] - 3.0)))


def main():
    a = parse_args("linreg_numpy.py")
    limit_threads(a.threads)
    try:
        import numpy as np
    except ImportError:
        log("numpy not found")
        return SKIP
    for n, p in a.shapes:
        X, y, beta = make_data(np, n, p)
        if a.bench in (None, "xtx"):
            secs, G = timed(a.runs, lambda: X.T @ X)
            err = None
            if p == 1:
                ref = np.sum(np.square(X[:, 0], dtype=np.longdouble))
                err = float(abs(np.longdouble(G[0, 0]) - ref))
            emit("xtx", "numpy", a.threads, n, p, secs, 8.0 * n * p, err)
        if a.bench in (None, "linreg_exact"):
            X1 = np.empty((n, p + 1), order="F")
            X1[:, :p] = X
            X1[:, p] = 1.0
            secs, sol = timed(a.runs, lambda: np.linalg.lstsq(X1, y, rcond=None)[0])
            emit("linreg_exact", "numpy", a.threads, n, p, secs, 8.0 * n * (p + 1),
                 fit_error(np, sol, beta))
            del X1
        del X, y
    return 0


if __name__ == "__main__":
    sys.exit(main())
