#!/usr/bin/python3
"""bench/groupby_pandas.py - pandas on the groupby bench (peer of bench/groupby.c).

usage: groupby_pandas.py [--n N] [--groups G] [--threads T] [--runs R] [--smoke]

  df.groupby("k").agg(v_sum=("v", "sum"), v_mean=("v", "mean"))

over n rows (default 10^7): k int64 uniform in [0, groups) (default 1000),
v float64 uniform in [0, 1), made by NumPy's default generator (seed 1;
the same shape of data as par's, not the same numbers). Timed: the call.
Checked after the runs (not timed): the number of groups and the first
group's sum against a plain NumPy reduction.

pandas is single-threaded: --threads is accepted and ignored, and the
lines say threads 1. Lines as bench_util.h's: metric "seconds" (median,
min, max over the runs), then "rows_per_s". --smoke: 10^5 rows, one run.
Exit status 77 when pandas is missing.
"""

import argparse
import json
import statistics
import sys
import time

SKIP = 77


def fmt(v):
    """Numbers as bench_util.h's bench_put_num writes them."""
    if abs(v) >= 1e4:
        return float(f"{v:.0f}")
    if abs(v) >= 10:
        return float(f"{v:.2f}")
    return float(f"{v:.4f}")


def emit(metric, vals, n, groups):
    print(json.dumps({"bench": "groupby", "impl": "pandas", "threads": 1, "n": n,
                      "metric": metric, "value": fmt(statistics.median(vals)),
                      "runs": len(vals), "min": fmt(min(vals)), "max": fmt(max(vals)),
                      "groups": groups}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=float, default=None)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    try:
        import numpy as np
        import pandas as pd
    except ImportError:
        print("groupby_pandas: pandas not found", file=sys.stderr)
        sys.exit(SKIP)
    n = int(a.n) if a.n is not None else (100000 if a.smoke else 10000000)
    runs = 1 if a.smoke else a.runs
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"k": rng.integers(0, a.groups, n, dtype=np.int64),
                       "v": rng.random(n)})
    secs = []
    r = None
    for _ in range(runs):
        t0 = time.perf_counter()
        r = df.groupby("k").agg(v_sum=("v", "sum"), v_mean=("v", "mean"))
        secs.append(time.perf_counter() - t0)
    k0 = r.index[0]
    want = df.v.values[df.k.values == k0].sum()
    if len(r) != len(np.unique(df.k.values)) or abs(r.v_sum.iloc[0] - want) > 1e-9 * want:
        print("groupby_pandas: wrong result", file=sys.stderr)
        sys.exit(1)
    emit("seconds", secs, n, a.groups)
    emit("rows_per_s", [n / s for s in secs], n, a.groups)


if __name__ == "__main__":
    main()
