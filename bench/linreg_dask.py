#!/usr/bin/python3
"""bench/linreg_dask.py - dask.array on the xtx and linreg_exact benches
(peer of bench/linreg.c; data and output as bench/linreg_numpy.py's).

usage: linreg_dask.py [--bench xtx|linreg_exact] [--threads T] [--runs R]
                      [--shapes NxP,...] [--chunk ROWS] [--smoke]

The arrays are da.from_array of the in-memory NumPy data in chunks of
--chunk rows (default 625000, par's) and all columns; computed on the
threaded scheduler with T workers (NumPy's BLAS inside limited to one
thread, as par's, so the T workers are the parallelism).

  xtx           (X.T @ X).compute(). Timed: building and computing.
  linreg_exact  dask.array.linalg.lstsq([X, 1], y) (TSQR; dask-ml is not
                packaged in Debian, and its LinearRegression would call
                this for an exact fit), computed. The chunked design matrix
                with its column of ones is made before timing.

The impl is "dask-threads" (bench/run runs it in its --dask-rounds only,
--dask-runs timed runs, no warm-up run: a run takes minutes at full size).
Exit status 77 when dask is missing.
"""

import sys

from linreg_numpy import (SKIP, emit, fit_error, limit_threads, log, make_data,
                          parse_args, timed)


def main():
    a = parse_args("linreg_dask.py")
    limit_threads(1)
    try:
        import numpy as np
        import dask
        import dask.array as da
    except ImportError as e:
        log(f"dask not found ({e})")
        return SKIP
    dask.config.set(scheduler="threads", num_workers=a.threads)
    for n, p in a.shapes:
        X, y, beta = make_data(np, n, p)
        if a.bench in (None, "xtx"):
            dX = da.from_array(X, chunks=(a.chunk, p))
            secs, G = timed(a.runs, lambda: (dX.T @ dX).compute(), warm=False)
            err = None
            if p == 1:
                ref = np.sum(np.square(X[:, 0], dtype=np.longdouble))
                err = float(abs(np.longdouble(G[0, 0]) - ref))
            emit("xtx", "dask-threads", a.threads, n, p, secs, 8.0 * n * p, err,
                 {"chunk_rows": a.chunk})
        if a.bench in (None, "linreg_exact"):
            X1 = np.empty((n, p + 1), order="F")
            X1[:, :p] = X
            X1[:, p] = 1.0
            dX1 = da.from_array(X1, chunks=(a.chunk, p + 1))
            dy = da.from_array(y, chunks=(a.chunk,))

            def fit():
                return da.linalg.lstsq(dX1, dy)[0].compute()
            secs, sol = timed(a.runs, fit, warm=False)
            emit("linreg_exact", "dask-threads", a.threads, n, p, secs, 8.0 * n * (p + 1),
                 fit_error(np, sol, beta), {"chunk_rows": a.chunk})
            del X1, dX1, dy
        del X, y
    return 0


if __name__ == "__main__":
    sys.exit(main())
