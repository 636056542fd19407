#!/usr/bin/python3
"""bench/bag_dask.py - Dask's bag on the bag benchmarks (peers of bench/bag.c).

usage: bag_dask.py --impl dask-threads|dask-distributed [--file F]
                   [--blocksize 64MiB] [--bench bag_count|bag_filter_count]
                   [--pattern God] [--threads T] [--runs R] [--smoke]

  bag_count         db.read_text(F, blocksize=B).count()
  bag_filter_count  db.read_text(F, blocksize=B).filter(lambda l: 'God' in l).count()

dask-threads computes with scheduler='threads' and num_workers=T;
dask-distributed with a distributed LocalCluster of T worker processes of
one thread each (dashboard off), through Client.compute(...).result(). The
cluster is started, and every worker has run one small task, before the
clock starts; starting and closing it are not timed. A timed run is
read_text + the graph + compute, as bench/bag.c times par.

Before timing: the file is read once (page cache), the expected counts are
taken from `wc -l` (plus one for a last line without a newline) and
`grep -c -F` (LC_ALL=C), every run is checked against them (exit status 1
when they differ), and one untimed take(1) from the first partition warms
the code paths.

Standard output: the JSON lines of bench/bag.c, with impl dask-threads or
dask-distributed: metric GB_per_s (file bytes / 1e9 / seconds, median over
the runs, with min/max) and then metric seconds.

--smoke: one run on a generated ~300 KB file (unless --file is given),
blocksize 64KiB. Use Debian's /usr/bin/python3, which sees the apt packages
python3-dask and python3-distributed; exit status 77 when they are missing.
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time

SKIP = 77
BENCHES = ("bag_count", "bag_filter_count")


def log(*a):
    print("bag_dask:", *a, file=sys.stderr, flush=True)


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


def emit(bench, impl, threads, nbytes, metric, vals, extra):
    line = {"bench": bench, "impl": impl, "threads": threads, "n": nbytes,
            "metric": metric, "value": fmt(statistics.median(vals)),
            "runs": len(vals), "min": fmt(min(vals)), "max": fmt(max(vals))}
    line.update(extra)
    print(json.dumps(line, separators=(",", ":")), flush=True)


def warm(path):
    """Reads the file once; returns (bytes, last byte or None, seconds)."""
    t0 = time.perf_counter()
    total, last = 0, None
    with open(path, "rb", buffering=0) as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            total += len(b)
            last = b[-1]
    return total, last, time.perf_counter() - t0


def reference_counts(path, pattern, last):
    env = dict(os.environ, LC_ALL="C")
    wc = subprocess.run(["wc", "-l", path], capture_output=True, text=True,
                        env=env, check=True)
    lines = int(wc.stdout.split()[0])
    if last is not None and last != ord("\n"):
        lines += 1  # a last line without a newline is an item too
    grep = subprocess.run(["grep", "-c", "-F", "-e", pattern, path],
                          capture_output=True, text=True, env=env)
    if grep.returncode > 1:
        raise RuntimeError(f"grep -c failed: {grep.stderr.strip()}")
    return {"bag_count": lines, "bag_filter_count": int(grep.stdout.split()[0])}


def write_smoke_file(path, target=300000):
    words = ["and", "the", "of", "Go", "God", "unto", "LORD", "od", "said",
             "gods", "Godhead", "in", "that", "shall", "he", "G", "o", "d"]
    r = 0x9E3779B97F4A7C15
    mask = (1 << 64) - 1
    n = 0
    with open(path, "w") as f:
        while n < target:
            r = (r * 6364136223846793005 + 1442695040888963407) & mask
            k = (r >> 33) % 16
            out = []
            for _ in range(k):
                r = (r * 6364136223846793005 + 1442695040888963407) & mask
                out.append(words[(r >> 40) % len(words)])
            s = " ".join(out)
            if (r >> 20) % 13 == 0:
                s += " Go\nd"
            f.write(s + "\n")
            n += len(s) + 1
        f.write("last line, no newline, God")


def main():
    ap = argparse.ArgumentParser(prog="bag_dask.py", add_help=False)
    ap.add_argument("-h", "--help", action="store_true")
    ap.add_argument("--impl", choices=["dask-threads", "dask-distributed"])
    ap.add_argument("--file")
    ap.add_argument("--blocksize")
    ap.add_argument("--bench", choices=BENCHES)
    ap.add_argument("--pattern", default="God")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--runs", type=int)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    if a.help:
        print(__doc__.strip())
        return 0
    if not a.impl:
        log("--impl dask-threads or --impl dask-distributed is required")
        return 2
    threads = a.threads or (2 if a.smoke else os.cpu_count() or 1)
    runs = a.runs or (1 if a.smoke else 3)
    if threads < 1 or runs < 1:
        log("--threads and --runs must be >= 1")
        return 2
    blocksize = a.blocksize or ("64KiB" if a.smoke else "64MiB")
    benches = [a.bench] if a.bench else list(BENCHES)

    try:
        import dask
        import dask.bag as db
        from dask.utils import parse_bytes
        if a.impl == "dask-distributed":
            import distributed
    except ImportError as e:
        log(f"Dask is not available to {sys.executable} ({e}); install "
            "python3-dask and python3-distributed")
        return SKIP

    tmpdir = None
    path = a.file
    if not path:
        if not a.smoke:
            log("--file is required (or --smoke)")
            return 2
        tmpdir = tempfile.TemporaryDirectory(prefix="par-bench-bag-dask-")
        path = os.path.join(tmpdir.name, "smoke.txt")
        write_smoke_file(path)
    nbytes, last, warm_s = warm(path)
    if nbytes == 0:
        log(f"{path} is empty")
        return 1
    log(f"{path}: {nbytes} bytes, read once in {warm_s:.3f} s "
        f"({nbytes / 1e9 / warm_s:.2f} GB/s)")
    want = reference_counts(path, a.pattern, last)
    pattern = a.pattern

    client = cluster = None
    if a.impl == "dask-distributed":
        from dask.distributed import Client, LocalCluster
        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=threads, threads_per_worker=1,
                               processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
        client.wait_for_workers(threads)
        # One small task on every worker, so all are up and have imported
        # what the bag tasks need.
        client.run(lambda: __import__("dask.bag") and None)
        log(f"LocalCluster of {threads} worker processes x 1 thread started in "
            f"{time.perf_counter() - t0:.2f} s")

        def compute(coll):
            return client.compute(coll).result()
    else:
        def compute(coll):
            return coll.compute(scheduler="threads", num_workers=threads)

    def one_run(bench):
        b = db.read_text(path, blocksize=blocksize)
        if bench == "bag_filter_count":
            b = b.filter(lambda line, p=pattern: p in line)
        return compute(b.count()), b.npartitions

    rc = 0
    try:
        # Untimed: the first partition's first line, through the scheduler.
        first = db.read_text(path, blocksize=blocksize)
        compute(first.to_delayed()[0])
        for bench in benches:
            secs, nparts = [], 0
            for _ in range(runs):
                t0 = time.perf_counter()
                got, nparts = one_run(bench)
                secs.append(time.perf_counter() - t0)
                if got != want[bench]:
                    log(f"{bench} {a.impl}: counted {got}, but "
                        f"{'wc -l' if bench == 'bag_count' else 'grep -c'} says "
                        f"{want[bench]} ({path})")
                    rc = 1
                    break
                log(f"{bench} {a.impl} threads={threads}: {secs[-1]:.3f} s")
            if rc:
                break
            extra = {"seconds": round(statistics.median(secs), 6),
                     "count": want[bench], "blocksize": parse_bytes(blocksize),
                     "partitions": nparts,
                     "pattern": pattern if bench == "bag_filter_count" else "",
                     "file": os.path.basename(path) if a.file else "smoke",
                     "dask": dask.__version__}
            emit(bench, a.impl, threads, nbytes, "GB_per_s",
                 [nbytes / 1e9 / s for s in secs], extra)
            emit(bench, a.impl, threads, nbytes, "seconds", secs, extra)
    finally:
        if client is not None:
            client.close()
            cluster.close()
        if tmpdir is not None:
            tmpdir.cleanup()
    return rc


if __name__ == "__main__":
    sys.exit(main())
