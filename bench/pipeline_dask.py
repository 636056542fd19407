#!/usr/bin/python3
"""bench/pipeline_dask.py - the talk's pipeline with Dask (peer of bench/pipeline.c).

usage: pipeline_dask.py --impl dask-threads|dask-distributed [--rows N[,N...]]
                        [--partitions P] [--out OUT] [--keep] [--threads T]
                        [--runs R] [--smoke]

One run is the talk's cells, each timed as a stage (wall seconds):

  generate      P calls of a dask.delayed function that returns a generator of
                n_i gaussians random.gauss(4, 2) (the talk's
                get_partition_numbers; n_i = n(i+1)//P - ni//P, the talk's
                n//P when P divides n) -> dask.bag.from_delayed
  to_dataframe  gauss_bag.to_dataframe([('a', float)])
  assign        df['b'] = 4*df['a'] + 3
  to_csv        df.to_csv(DIR/gen-*.csv): one file per partition; this is
                where the gaussians are drawn (the stages above are lazy)
  read_csv      dask.dataframe.read_csv(DIR/gen-*.csv) (lazy: a sample)
  persist       dask-distributed: client.persist(df) + wait(df);
                dask-threads: df.persist()
  to_array      df.to_dask_array(lengths=True)
  fit           b ~ a by least squares: dask_ml is not packaged in Debian, so
                instead of dask_ml's LinearRegression this solves
                dask.array.linalg.lstsq(X, y) with X = [a, 1] (tall-skinny
                QR; the column of ones gives the intercept) and y = b, columns
                array[:, 1] and array[:, 2] as the talk's
  total         the sum of the above

A line for stage "client" (starting the LocalCluster and its client and
importing pandas on every worker; for dask-threads just the configuration)
is printed too, not part of the total. Imports are done before any timing.

dask-threads: dask.config.set(scheduler='threads', num_workers=T).
dask-distributed: LocalCluster(n_workers=T, threads_per_worker=1,
processes=True, dashboard off), every collection computed through its Client.

Every run is a process of its own (this script again, with its own cluster),
as bench/pipeline.c's: every run starts cold and its peak RSS is its own.
Peak RSS, per stage (peak_rss_mb on a stage's line) and per run (the largest
of its stages'): dask-threads: VmHWM of the process, reset (writing 5 to
/proc/self/clear_refs) before each stage's clock starts and read after it
stops. dask-distributed: the client/scheduler process and the worker
processes together: the peak of the SUM of their RSS, sampled every 20 ms by
a thread and once more at each stage's end (how "tree_rss_sampled"; a lower
bound: a spike shorter than 20 ms can be missed); also peak_rss_sum_hwm_mb,
the sum of the processes' VmHWM over the run (an upper bound: their peaks
need not coincide) and peak_rss_max_process_mb.

Checks after each run (not timed; exit status 1 with a message when one
fails): P files written, columns ['Unnamed: 0', 'a', 'b'], n rows (the
array's chunks), |coef - 4| <= 1e-8 and |intercept - 3| <= 1e-8 (QR in
float64; par's exact solver is held to 1e-12).

Output: the JSON lines of bench/pipeline.c, impl dask-threads or
dask-distributed. The CSVs go to a new folder OUT/dask-pipeline-XXXXXX (OUT:
--out, default /tmp), removed at the end unless --keep. Dask takes about a
minute per run at 10^7 rows on 2 cores and 6-10 minutes at 10^8 (~4.4 GB of
CSV, ~11 GB of RAM with threads).

--smoke: 10^5 rows in 8 partitions, one run. Use Debian's /usr/bin/python3
(python3-dask, python3-distributed, python3-pandas); exit status 77 when they
are missing.
"""

import argparse
import ctypes
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
STAGES = ("generate", "to_dataframe", "assign", "to_csv", "read_csv", "persist",
          "to_array", "fit")
TOL = 1e-8


def log(*a):
    print("pipeline_dask:", *a, file=sys.stderr, flush=True)


def parse_n(s):
    s = s.strip()
    if "**" in s:
        b, e = s.split("**")
        return int(b) ** int(e)
    v = float(s) if ("e" in s or "E" in s) else int(s)
    if v != int(v) or v < 1:
        raise ValueError(s)
    return int(v)


def g9(v):
    """A float with 9 significant digits (as bench/pipeline.c prints)."""
    return float(f"{v:.9g}")


def load1():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


# ---- memory ------------------------------------------------------------------

def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_pids():
    """This process and its descendants (the worker processes)."""
    import psutil
    me = psutil.Process()
    try:
        return [me.pid] + [c.pid for c in me.children(recursive=True)]
    except psutil.Error:
        return [me.pid]


def reset_hwm(pids):
    ok = True
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            ok = False
    return ok


class TreeSampler:
    """Samples the summed RSS of the process tree every `dt` seconds."""

    def __init__(self, dt=0.02):
        self.dt = dt
        self.peak_kb = 0
        self.pids = tree_pids()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()

    def _loop(self):
        k = 0
        while not self._stop.is_set():
            if k % 25 == 0:  # the worker processes may restart: look again
                self.pids = tree_pids()
            k += 1
            s = sum(status_kb(p, "VmRSS:") for p in self.pids)
            self.peak_kb = max(self.peak_kb, s)
            self._stop.wait(self.dt)

    def reset(self):
        """Restarts the peak from the current sum."""
        self.pids = tree_pids()
        self.peak_kb = sum(status_kb(p, "VmRSS:") for p in self.pids)

    def sample(self):
        """Takes one more sample now; returns the peak since reset()."""
        s = sum(status_kb(p, "VmRSS:") for p in self.pids)
        self.peak_kb = max(self.peak_kb, s)
        return self.peak_kb

    def stop(self):
        self._stop.set()
        self._t.join()


# ---- the talk's generator ----------------------------------------------------------

def gaussians(count):
    """The talk's get_partition_numbers: a generator of `count` N(4, 2) numbers."""
    from random import gauss
    return (gauss(4, 2) for _ in range(count))


# ---- one run (in its own process) -------------------------------------------------

def one_run(a, n, threads, partitions, outdir):
    """Runs the pipeline once; prints its figures as one JSON object on
    standard output (for the parent). Returns the exit status."""
    try:
        import dask
        import dask.array as da
        import dask.bag as db
        import dask.dataframe as dd
        import numpy  # noqa: F401 (imported before timing)
        import pandas  # noqa: F401
        from dask import delayed
        if a.impl == "dask-distributed":
            from dask.distributed import Client, LocalCluster, wait
    except ImportError as e:
        log(f"Dask is not available to {sys.executable} ({e}); install "
            "python3-dask, python3-distributed and python3-pandas")
        return SKIP

    os.makedirs(outdir, exist_ok=True)
    for p in os.listdir(outdir):
        os.remove(os.path.join(outdir, p))
    pattern = os.path.join(outdir, "gen-*.csv")
    distributed = a.impl == "dask-distributed"
    client = cluster = None
    t0 = time.perf_counter()
    if distributed:
        cluster = LocalCluster(n_workers=threads, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
        client.wait_for_workers(threads)
        client.run(lambda: __import__("dask.dataframe") and __import__("pandas")
                   and None)
    else:
        dask.config.set(scheduler="threads", num_workers=threads)
    client_s = time.perf_counter() - t0
    get_partition_numbers = delayed(gaussians)

    sampler = TreeSampler()
    sec, stage_peak_kb = {}, {}
    reset_ok = True
    state = {}

    # A stage's clock and peak RSS: dask-threads resets VmHWM before the clock
    # starts and reads it after it stops; dask-distributed restarts the tree
    # sampler's peak likewise (neither is timed).
    def begin():
        nonlocal reset_ok
        if distributed:
            sampler.reset()
        elif not reset_hwm([os.getpid()]):
            reset_ok = False
        state["t"] = time.perf_counter()

    def end(stage):
        sec[stage] = time.perf_counter() - state["t"]
        stage_peak_kb[stage] = (sampler.sample() if distributed
                                else status_kb(os.getpid(), "VmHWM:"))

    load_start = load1()
    try:
        reset_ok = reset_hwm(tree_pids())
        begin()
        # gauss_bag = bag.from_delayed([get_partition_numbers() ...])
        parts = [get_partition_numbers(n * (i + 1) // partitions - n * i // partitions)
                 for i in range(partitions)]
        gauss_bag = db.from_delayed(parts)
        end("generate")
        begin()
        gauss_df = gauss_bag.to_dataframe([("a", float)])
        end("to_dataframe")
        begin()
        gauss_df["b"] = 4 * gauss_df["a"] + 3
        end("assign")
        begin()
        files = gauss_df.to_csv(pattern)
        end("to_csv")
        begin()
        df = dd.read_csv(pattern)
        end("read_csv")
        begin()
        if distributed:
            df = client.persist(df)
            wait(df)
        else:
            df = df.persist()
        end("persist")
        begin()
        array = df.to_dask_array(lengths=True)
        end("to_array")
        begin()
        col_a = array[:, 1:2]
        X = da.concatenate([col_a, da.ones_like(col_a)], axis=1).rechunk({1: 2})
        y = array[:, 2:3]
        x, _res, _rank, _sv = da.linalg.lstsq(X, y)
        x = x.compute()
        end("fit")

        # ---- checks and memory (not timed) ----
        rows = int(sum(array.chunks[0]))
        columns = list(df.columns)
        coef, icpt = float(x[0, 0]), float(x[1, 0])
        nbytes = sum(os.path.getsize(f) for f in files)
        pids = tree_pids()
        if distributed:  # VmHWM was reset at the run's start only
            hwms = [status_kb(p, "VmHWM:") for p in pids]
        else:            # it was reset at every stage's start
            hwms = [max(stage_peak_kb.values())]
    finally:
        load_end = load1()
        sampler.stop()
        if client is not None:
            client.close()
            cluster.close()
    bad = []
    if len(files) != partitions:
        bad.append(f"{len(files)} files written, not {partitions}")
    if columns != ["Unnamed: 0", "a", "b"]:
        bad.append(f"columns {columns}")
    if rows != n:
        bad.append(f"{rows} rows read back, not {n}")
    if not (abs(coef - 4) <= TOL and abs(icpt - 3) <= TOL):
        bad.append(f"coef {coef!r}, intercept {icpt!r} (not 4 and 3 within {TOL})")
    if bad:
        log(f"{a.impl} n={n}: " + "; ".join(bad))
        return 1
    if not a.keep:
        for f in files:
            os.remove(f)
    res = {"sec": sec, "stage_peak_kb": stage_peak_kb,
           "total": sum(sec[s] for s in STAGES), "peak_kb": max(stage_peak_kb.values()),
           "client_s": client_s, "rows": rows, "files": len(files), "bytes": nbytes,
           "coef": coef, "intercept": icpt, "hwm_sum_kb": sum(hwms),
           "hwm_max_kb": max(hwms), "nproc": len(pids), "reset": reset_ok,
           "load_start": load_start, "load_end": load_end, "dask": dask.__version__}
    print(json.dumps(res), flush=True)
    return 0


# ---- one size: its runs, each a process ------------------------------------------------

def run_size(a, n, threads, runs, partitions, outdir):
    results = []
    for r in range(runs):
        cmd = [sys.executable, os.path.abspath(__file__), "--impl", a.impl,
               "--threads", str(threads), "--partitions", str(partitions),
               "--one-run", str(n), "--dir", outdir]
        if a.keep and r == runs - 1:
            cmd.append("--keep")
        sys.stdout.flush()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if p.returncode != 0:
            return p.returncode
        try:
            res = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            log(f"{a.impl} n={n}: the run printed no figures")
            return 1
        results.append(res)
        sec = res["sec"]
        log(f"{a.impl} n={n} threads={threads} run {r + 1}/{runs}: {res['total']:.3f} s "
            f"(to_csv {sec['to_csv']:.3f}, persist {sec['persist']:.3f}, "
            f"fit {sec['fit']:.3f}), peak RSS {res['peak_kb'] / 1024:.0f} MB, "
            f"load {res['load_start']}")

    def line(metric, stage, vals, extra=None):
        d = {"bench": "pipeline", "impl": a.impl, "threads": threads, "n": n,
             "metric": metric, "stage": stage, "value": g9(statistics.median(vals)),
             "runs": len(vals), "min": g9(min(vals)), "max": g9(max(vals))}
        d.update(extra or {})
        print(json.dumps(d, separators=(",", ":")), flush=True)

    distributed = a.impl == "dask-distributed"
    how = "tree_rss_sampled" if distributed else "VmHWM"
    last = results[-1]
    peak_mb = [r["peak_kb"] / 1024 for r in results]
    line("seconds", "client", [r["client_s"] for r in results], {"in_total": False})
    for s in STAGES:
        line("seconds", s, [r["sec"][s] for r in results],
             {"peak_rss_mb": round(max(r["stage_peak_kb"][s] for r in results) / 1024, 1)})
    line("seconds", "total", [r["total"] for r in results],
         {"bytes_written": last["bytes"], "files": last["files"],
          "partitions": partitions, "rows_read": last["rows"],
          "peak_rss_mb": round(max(peak_mb), 1), "coef": last["coef"],
          "intercept": last["intercept"], "load1_start": results[0]["load_start"],
          "load1_end": last["load_end"], "process_per_run": True,
          "fit_solver": "dask.array.linalg.lstsq", "dask": last["dask"]})
    d = {"bench": "pipeline", "impl": a.impl, "threads": threads, "n": n,
         "metric": "peak_rss_mb", "stage": "total", "value": round(max(peak_mb), 1),
         "runs": len(results), "min": round(min(peak_mb), 1),
         "max": round(max(peak_mb), 1), "bytes_written": last["bytes"], "how": how,
         "peak_rss_sum_hwm_mb": round(max(r["hwm_sum_kb"] for r in results) / 1024, 1),
         "peak_rss_max_process_mb": round(max(r["hwm_max_kb"] for r in results) / 1024, 1),
         "processes": last["nproc"], "rss_reset": all(r["reset"] for r in results)}
    print(json.dumps(d, separators=(",", ":")), flush=True)
    return 0


def die_with_parent():
    """A run's process dies with its parent (bench/run's timeout kills only
    the top one); Dask's worker processes exit when their parent does."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def main():
    ap = argparse.ArgumentParser(prog="pipeline_dask.py", add_help=False)
    ap.add_argument("-h", "--help", action="store_true")
    ap.add_argument("--impl", choices=["dask-threads", "dask-distributed"])
    ap.add_argument("--rows")
    ap.add_argument("--partitions", type=int)
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--runs", type=int)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--one-run", type=int, help=argparse.SUPPRESS)  # internal
    ap.add_argument("--dir", help=argparse.SUPPRESS)                # internal
    a = ap.parse_args()
    if a.help:
        print(__doc__.strip())
        return 0
    if not a.impl:
        log("--impl dask-threads or --impl dask-distributed is required")
        return 2
    threads = a.threads or 2
    runs = a.runs or 1
    partitions = a.partitions or (8 if a.smoke else 160)
    if threads < 1 or runs < 1 or partitions < 1:
        log("--threads, --runs and --partitions must be >= 1")
        return 2

    if a.one_run:
        die_with_parent()
        return one_run(a, a.one_run, threads, partitions, a.dir)

    try:
        sizes = [parse_n(s) for s in (a.rows or ("1e5" if a.smoke else "1e6,1e7")).split(",")
                 if s.strip()]
    except ValueError:
        log(f"bad --rows '{a.rows}'")
        return 2
    if not sizes:
        log(f"bad --rows '{a.rows}'")
        return 2
    base = a.out or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    top = tempfile.mkdtemp(prefix="dask-pipeline-", dir=base)
    rc, skipped = 0, 0
    try:
        for n in sizes:
            if partitions > n:
                log(f"n={n} is fewer rows than the {partitions} partitions: skipped")
                rc = 2
                continue
            st = run_size(a, n, threads, runs, partitions, os.path.join(top, f"n{n}"))
            if st == SKIP:
                skipped += 1
            elif st != 0:
                log(f"{a.impl} n={n}: FAILED (exit status {st})")
                rc = 1
    finally:
        if a.keep:
            log(f"the CSV files are kept in {top}")
        else:
            shutil.rmtree(top, ignore_errors=True)
    if rc == 0 and skipped == len(sizes):
        return SKIP
    return rc


if __name__ == "__main__":
    sys.exit(main())
