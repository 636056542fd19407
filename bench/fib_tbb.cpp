// bench/fib_tbb.cpp — peer of fib.c: naive fib(N) on oneTBB, both children
// of every internal node run() on a tbb::task_group, then wait().
// Tasks = 2*(F(N+1)-1); metric ns_per_task; impl "onetbb".
// Threads: a task_arena of T slots (the calling thread takes one), with
// global_control(max_allowed_parallelism, T) so T may exceed the CPU count.
// usage: fib_tbb [--threads T] [--n N] [--runs R] [--smoke]
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <cstdint>
#include <cstdio>

#include "bench_util.h"

static const char usage[] =
        "usage: fib_tbb [--threads T] [--n N] [--runs R] [--smoke]\n"
        "naive fib(N) (default 30) with tbb::task_group (run, run, wait per node);\n"
        "prints one JSON line, impl onetbb, metric ns_per_task.\n";

static std::int64_t fib_tg(int n)
{
        if (n < 2)
                return n;
        std::int64_t x = 0, y = 0;
        tbb::task_group g;
        g.run([&] { x = fib_tg(n - 1); });
        g.run([&] { y = fib_tg(n - 2); });
        g.wait();
        return x + y;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"onetbb"};
        bench_opts o;
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 1, "fib_tbb");
        int n = o.n >= 0 ? (int)o.n : o.smoke ? 15 : 30;
        if (n < 2 || n > 60) {
                std::fprintf(stderr, "fib_tbb: --n must be in [2, 60]\n");
                return 2;
        }
        tbb::global_control gc(tbb::global_control::max_allowed_parallelism,
                               (std::size_t)o.threads);
        tbb::task_arena arena(o.threads);
        double tasks = 2.0 * (double)(bench_fib_iter(n + 1) - 1);
        long long want = bench_fib_iter(n);
        static double vals[BENCH_MAX_RUNS];

        int wn = n < 20 ? n : 20; // warm-up: starts the workers
        std::int64_t wres = arena.execute([&] { return fib_tg(wn); });
        if (wres != bench_fib_iter(wn)) {
                std::fprintf(stderr, "fib_tbb: warm-up result wrong\n");
                return 1;
        }
        for (int r = 0; r < o.runs; r++) {
                double t0 = bench_now_ns();
                std::int64_t res = arena.execute([&] { return fib_tg(n); });
                double t1 = bench_now_ns();
                if (res != want) {
                        std::fprintf(stderr, "fib_tbb: fib(%d) = %lld, want %lld\n", n,
                                     (long long)res, want);
                        return 1;
                }
                vals[r] = (t1 - t0) / tasks;
        }
        bench_emit("fib", "onetbb", o.threads, n, "ns_per_task", vals, o.runs, nullptr);
        return 0;
}
