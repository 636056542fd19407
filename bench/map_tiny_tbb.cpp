// bench/map_tiny_tbb.cpp — peer of map_tiny.c on oneTBB: the main thread
// calls tbb::parallel_for over blocked_range(0, n, grain) inside a
// task_arena of T slots (global_control allows T threads); the body writes
// out[i] = 3*i + 1. Metric tasks_per_s = n / wall time; verified every run.
//
// impl "onetbb":      simple_partitioner, so the range is split down to
//                     `grain` indices (one task per index at grain 1; the
//                     oneTBB anchor of performance.md);
// impl "onetbb-auto": TBB's default auto_partitioner, which splits only as
//                     far as load balancing needs (never below `grain`).
// usage: map_tiny_tbb [--impl onetbb|onetbb-auto] [--threads T] [--n N]
//                     [--grain G] [--runs R] [--smoke]
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/partitioner.h>
#include <oneapi/tbb/task_arena.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench_util.h"

static const char usage[] =
        "usage: map_tiny_tbb [--impl onetbb|onetbb-auto] [--threads T] [--n N]\n"
        "                    [--grain G] [--runs R] [--smoke]\n"
        "tbb::parallel_for(blocked_range(0, N, G)) with out[i] = 3*i+1 (N default 1e6,\n"
        "G default 1); onetbb = simple_partitioner, onetbb-auto = auto_partitioner;\n"
        "metric tasks_per_s.\n";

static void map_range(std::int64_t *out, const tbb::blocked_range<std::int64_t> &rg)
{
        for (std::int64_t i = rg.begin(); i < rg.end(); i++)
                out[i] = 3 * i + 1;
}

static void run_map(std::int64_t *out, std::int64_t n, std::int64_t grain, bool simple)
{
        tbb::blocked_range<std::int64_t> all(0, n, (std::size_t)grain);
        auto body = [out](const tbb::blocked_range<std::int64_t> &rg) { map_range(out, rg); };
        if (simple)
                tbb::parallel_for(all, body, tbb::simple_partitioner());
        else
                tbb::parallel_for(all, body, tbb::auto_partitioner());
}

static int run_impl(const char *impl, bool simple, const bench_opts &o, std::int64_t n,
                    std::int64_t grain, std::int64_t *out, tbb::task_arena &arena)
{
        static double vals[BENCH_MAX_RUNS];
        std::int64_t wn = n < 10000 ? n : 10000;
        arena.execute([&] { run_map(out, wn, grain, simple); }); // warm-up
        for (int r = 0; r < o.runs; r++) {
                std::memset(out, 0, (std::size_t)n * sizeof *out);
                double t0 = bench_now_ns();
                arena.execute([&] { run_map(out, n, grain, simple); });
                double t1 = bench_now_ns();
                for (std::int64_t i = 0; i < n; i++) {
                        if (out[i] != 3 * i + 1) {
                                std::fprintf(stderr, "map_tiny_tbb: %s: out[%lld] wrong\n", impl,
                                             (long long)i);
                                return 1;
                        }
                }
                vals[r] = t1 > t0 ? (double)n * 1e9 / (t1 - t0) : 0.0;
        }
        char extra[64];
        std::snprintf(extra, sizeof extra, "\"grain\":%lld", (long long)grain);
        bench_emit("map_tiny", impl, o.threads, n, "tasks_per_s", vals, o.runs, extra);
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"onetbb", "onetbb-auto"};
        bench_opts o;
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "map_tiny_tbb");
        std::int64_t n = o.n >= 0 ? o.n : o.smoke ? 10000 : 1000000;
        // blocked_range needs a grain >= 1; 0 ("let the library choose") maps to 1.
        std::int64_t grain = o.grain > 0 ? o.grain : 1;
        if (n < 1) {
                std::fprintf(stderr, "map_tiny_tbb: --n must be >= 1\n");
                return 2;
        }
        tbb::global_control gc(tbb::global_control::max_allowed_parallelism,
                               (std::size_t)o.threads);
        tbb::task_arena arena(o.threads);
        std::vector<std::int64_t> out((std::size_t)n);
        int rc = 0;
        if (bench_want(&o, "onetbb") && run_impl("onetbb", true, o, n, grain, out.data(), arena))
                rc = 1;
        if (bench_want(&o, "onetbb-auto") && run_impl("onetbb-auto", false, o, n, grain, out.data(), arena))
                rc = 1;
        return rc;
}
