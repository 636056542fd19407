#!/usr/bin/python3
"""bench/csv_pandas.py - pandas on the CSV benches (peer of bench/csv.c).

usage: csv_pandas.py --file F [--bench csv_write|csv_read] [--dir D]
                     [--threads T] [--runs R] [--smoke]

F is the data file that `csv --make F` wrote (par's single-file to_csv of
the talk's frame: an unnamed int64 index column, a ~ normal(4, 2),
b = 4a + 3), with its sidecar F.json (rows, bytes, digests of the columns'
bits).

  csv_read   pd.read_csv(F, index_col=0): the default C parser and float
             converter, as a user calls it. Timed: the call.
  csv_write  the frame in memory is pd.read_csv(F, index_col=0,
             float_precision="round_trip") (not timed; exactly the values
             par writes), then df.to_csv(D/pandas.csv) (timed): pandas' own
             layout, which par's copies (an unnamed index column, repr() of
             the doubles). The file is removed between runs (not timed).
             After the runs: "exact" says whether reading the output back
             (round_trip) gives the frame bit for bit, "same_bytes_as_par"
             whether the output is byte for byte par's file F.

pandas is single-threaded: --threads is accepted and ignored, and the
lines say threads 1. MB_per_s = CSV bytes / 1e6 / seconds (median over
the runs, with min/max; first_MB_per_s: the first run's); ns_per_value =
seconds / (rows x 3) x 1e9.

Checks (not timed): the frame read is compared with the sidecar's digests
(sum over rows of lo32(bits) * 0x9E3779B1 + hi32(bits), mod 2^32, per
column); "exact" says whether every value came back bit for bit (pandas'
default float parser is not always exact: that is reported, not an
error). A wrong row count or a missing column is an error (exit 1).

Peak RSS: VmHWM is reset (5 into /proc/self/clear_refs) after the setup;
peak_rss_mb is the highest VmHWM right after a timed run (before any check
allocates), process_peak_rss_mb the whole process's.

--smoke: one run. Use Debian's /usr/bin/python3 (python3-pandas); exit
status 77 when pandas is missing.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time

SKIP = 77
BENCHES = ("csv_write", "csv_read")


def log(*a):
    print("csv_pandas:", *a, file=sys.stderr, flush=True)


def fmt(v):
    """Numbers as bench_util.h's bench_put_num writes them."""
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return None
        if abs(v) >= 1e4:
            return round(v)
        if abs(v) >= 10:
            return round(v, 2)
        return round(v, 4)
    return v


def status_kb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def digest(np, arr):
    """Sum of lo32 * 0x9E3779B1 + hi32 of each 64-bit value, mod 2^32, in
    slices so that the temporaries stay small."""
    v = np.ascontiguousarray(arr).view(np.uint64)
    s = 0
    step = 1 << 20
    for i in range(0, len(v), step):
        c = v[i:i + step]
        t = (c & np.uint64(0xFFFFFFFF)).astype(np.uint32) * np.uint32(0x9E3779B1) \
            + (c >> np.uint64(32)).astype(np.uint32)
        s = (s + int(t.sum(dtype=np.uint64))) & 0xFFFFFFFF
    return s


def check(np, df, want):
    """Returns True if bit-exact; raises ValueError on a wrong shape."""
    if len(df) != want["rows"] or list(df.columns) != ["a", "b"]:
        raise ValueError(f"read {len(df)} rows, columns {list(df.columns)}; "
                         f"want {want['rows']} rows, a and b")
    idx = np.asarray(df.index, dtype=np.int64)
    got = (digest(np, idx), digest(np, df["a"].to_numpy(np.float64)),
           digest(np, df["b"].to_numpy(np.float64)))
    return got == (want["digest_index"], want["digest_a"], want["digest_b"])


def same_bytes(p, q):
    """True if files p and q hold the same bytes."""
    if os.path.getsize(p) != os.path.getsize(q):
        return False
    with open(p, "rb") as f, open(q, "rb") as g:
        while True:
            x, y = f.read(1 << 20), g.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def warm(path):
    with open(path, "rb", buffering=0) as f:
        while f.read(1 << 20):
            pass


def main():
    ap = argparse.ArgumentParser(add_help=True)
    ap.add_argument("--bench", choices=BENCHES)
    ap.add_argument("--impl", default="pandas")
    ap.add_argument("--file", required=True)
    ap.add_argument("--dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rows")  # accepted for symmetry with csv; F decides
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.impl != "pandas":
        log(f"unknown --impl {a.impl} (known: pandas)")
        return 2
    runs = 1 if a.smoke else a.runs
    if runs < 1:
        log("--runs must be >= 1")
        return 2
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:
        log(f"pandas is not available ({e}); install python3-pandas")
        return SKIP
    try:
        with open(a.file + ".json") as f:
            want = json.load(f)
    except (OSError, ValueError) as e:
        log(f"{a.file}.json: {e} (make it with csv --make {a.file})")
        return 1
    if os.path.getsize(a.file) != want["bytes"]:
        log(f"{a.file} does not match its sidecar: make it again")
        return 1
    out_dir = a.dir or os.path.dirname(os.path.abspath(a.file))
    rows = want["rows"]
    warm(a.file)
    process_peak = 0
    for bench in BENCHES:
        if a.bench and a.bench != bench:
            continue
        secs, rates, peak, exact, nbytes, same = [], [], 0, None, 0, None
        if bench == "csv_write":
            # the frame in memory: exactly par's values (the exact parser)
            df = pd.read_csv(a.file, index_col=0, float_precision="round_trip")
            out = os.path.join(out_dir, "pandas.csv")
            process_peak = max(process_peak, status_kb("VmHWM:"))
            reset = reset_peak()
            for r in range(runs):
                if os.path.exists(out):
                    os.unlink(out)
                t0 = time.perf_counter()
                df.to_csv(out)
                s = time.perf_counter() - t0
                peak = max(peak, status_kb("VmHWM:"))
                nbytes = os.path.getsize(out)
                secs.append(s)
                rates.append(nbytes / 1e6 / s)
            # Bit-exact: does reading its output back (with the exact
            # parser) give the frame it wrote?
            back = pd.read_csv(out, index_col=0, float_precision="round_trip")
            exact = bool(back.index.equals(df.index) and
                         np.array_equal(back["a"].to_numpy().view(np.uint64),
                                        df["a"].to_numpy().view(np.uint64)) and
                         np.array_equal(back["b"].to_numpy().view(np.uint64),
                                        df["b"].to_numpy().view(np.uint64)))
            del back
            same = same_bytes(out, a.file)
            os.unlink(out)
            del df
        else:
            nbytes = want["bytes"]
            process_peak = max(process_peak, status_kb("VmHWM:"))
            reset = reset_peak()
            for r in range(runs):
                gc.collect()
                t0 = time.perf_counter()
                df = pd.read_csv(a.file, index_col=0)
                s = time.perf_counter() - t0
                peak = max(peak, status_kb("VmHWM:"))
                secs.append(s)
                rates.append(nbytes / 1e6 / s)
                if r == runs - 1:
                    try:
                        exact = check(np, df, want)
                    except ValueError as e:
                        log(f"csv_read: {e}")
                        return 1
                del df
        gc.collect()
        process_peak = max(process_peak, peak, status_kb("VmHWM:"))
        med = statistics.median(secs)
        line = {"bench": bench, "impl": "pandas", "threads": 1, "n": rows,
                "metric": "MB_per_s", "value": fmt(statistics.median(rates)),
                "first_MB_per_s": fmt(rates[0]),
                "runs": runs, "min": fmt(min(rates)), "max": fmt(max(rates)),
                "seconds": fmt(med), "ns_per_value": fmt(med * 1e9 / (rows * 3)),
                "GB_per_s_per_core": fmt(nbytes / 1e9 / med), "bytes": nbytes,
                "files": 1, "peak_rss_mb": fmt(peak / 1024),
                "process_peak_rss_mb": fmt(process_peak / 1024),
                "rss_reset": reset, "exact": exact,
                "version": pd.__version__}
        if same is not None:
            line["same_bytes_as_par"] = same
        print(json.dumps(line, separators=(",", ":")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
