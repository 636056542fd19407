#!/usr/bin/python3
"""bench/mpi_tasks_dask.py - the Dask peer of bench/mpi_tasks.c: tasks per
second of a wide graph of tiny tasks on dask.distributed.

usage: mpi_tasks_dask.py [--n W] [--runs R] [--workers 2] [--threads 1]
                         [--smoke]

The graph of bench/mpi_tasks.c: W leaves add(i) (= i), then levels of
add over up to 4 tasks of the level below, to one root; the root is
checked against W(W-1)/2. The leaves go in with client.map, each level
with client.map over the futures of the level below (futures as
arguments, so the values stay on the workers until the root comes back).
Keys are made unique per run (pure=False), so no run reuses another's.

The cluster: LocalCluster(processes=True, n_workers=2, threads_per_worker=
--threads (default 1; par's --threads is per rank too), dashboard off),
the processes-and-a-scheduler counterpart of mpirun -n 3 (rank 0 drives,
two ranks work). It is started, and every worker has run
one task, before the clock starts. One timed run: from the first map to
the root's result (submitting overlaps running, as in Dask). One untimed
warm-up run first. Metric tasks_per_s = tasks / seconds.

Standard output: one JSON line as bench/mpi_tasks.c writes, impl
"dask-distributed", metric tasks_per_s (median over runs, min, max), with
"tasks", "workers".

--smoke: W = 1000, one run. Use Debian's /usr/bin/python3, which sees the
apt packages python3-dask and python3-distributed; exit status 77 when
they are missing. The default W is 20000 (26,667 tasks): Dask runs a few
thousand tasks a second, so mpi_tasks' 2e5 would take minutes.
"""
import argparse
import json
import logging
import statistics
import sys
import time

FANIN = 4


def add(*xs):
    return sum(xs)


def fmt(v):
    if abs(v) >= 1e4:
        return round(v)
    if abs(v) >= 10:
        return round(v, 2)
    return round(v, 4)


def one_run(client, w):
    """Submits the tree; returns (tasks, seconds)."""
    t0 = time.perf_counter()
    level = client.map(add, range(w), pure=False)
    tasks = w
    while len(level) > 1:
        groups = [level[i:i + FANIN] for i in range(0, len(level), FANIN)]
        # client.map over columns: arg k of group j is groups[j][k]; short
        # last groups are submitted alone.
        full = [g for g in groups if len(g) == FANIN]
        cols = [[g[k] for g in full] for k in range(FANIN)]
        nxt = client.map(add, *cols, pure=False) if full else []
        nxt += [client.submit(add, *g, pure=False)
                for g in groups if len(g) != FANIN]
        tasks += len(nxt)
        level = nxt
    root = level[0].result()
    secs = time.perf_counter() - t0
    want = w * (w - 1) // 2
    if root != want:
        print(f"mpi_tasks_dask: root {root}, want {want}", file=sys.stderr)
        sys.exit(1)
    return tasks, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    w = a.n if a.n > 0 else 1000 if a.smoke else 20000
    runs = a.runs if a.runs > 0 else 1 if a.smoke else 3
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as e:
        print(f"mpi_tasks_dask: {e}", file=sys.stderr)
        sys.exit(77)
    cluster = LocalCluster(n_workers=a.workers, threads_per_worker=a.threads,
                           processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    client.wait_for_workers(a.workers)
    client.run(lambda: None)
    rates, ntasks = [], 0
    for r in range(-1, runs):
        ntasks, secs = one_run(client, w)
        if r >= 0:
            rates.append(ntasks / secs)
    client.close()
    cluster.close()
    line = {"bench": "mpi_tasks", "impl": "dask-distributed",
            "threads": a.threads, "n": w, "metric": "tasks_per_s",
            "value": fmt(statistics.median(rates)), "runs": len(rates),
            "min": fmt(min(rates)), "max": fmt(max(rates)),
            "tasks": ntasks, "workers": a.workers}
    print(json.dumps(line, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
