/* bench/csv.c — CSV write and read of the talk's frame (an int64 index and
 * two float64 columns: a ~ normal(4, 2), b = 4a + 3), par's side of the
 * benches csv_write and csv_read. The peers (pandas, DuckDB, Polars) are
 * bench/csv_pandas.py and bench/csv_node.mjs; bench/run runs them all,
 * interleaved, on the same data file.
 *
 * The data file (--make F): par generates the frame — par_bag_random_normal
 * (seed 2026, --rows N in --partitions P partitions, partition i is stream
 * i) → to_dataframe "a" → assign b = 4*a + 3 → persist — and writes it as
 * ONE file with par_frame_to_csv(single_file): pandas' layout, an unnamed
 * index column (numbered from 0 in every partition, as Dask's), shortest
 * round-trip doubles. Beside it, F.json holds the rows, the bytes and a
 * digest of each column's bits (below), taken from the frame in memory, so
 * every reader can check that it read back exactly what was generated.
 *
 *   csv_write  par: the same generated, persisted frame (data in memory,
 *              P partitions, not timed) → par_frame_to_csv(DIR/par-multi-*.csv):
 *              par's default form, ONE FILE PER PARTITION (the peers
 *              write one file). par-single: the same with single_file
 *              (one DIR/par-single.csv, formatted in parallel, written by
 *              one task). Files are removed between runs (not timed).
 *   csv_read   par: par_read_csv(F, blocksize) + par_frame_persist: the
 *              whole file parsed into a frame in memory.
 *
 * One timed run is the whole user-visible call. MB_per_s = CSV bytes /
 * 10^6 / seconds (the bytes of the files written, or of F); ns_per_value =
 * seconds / (rows x 3 values) x 10^9. Files go to the page cache (no
 * fsync), as the peers'. first_MB_per_s is the first timed run's rate: the
 * later runs of a process may reuse memory that the first one faulted in
 * (the library recycles large blocks), and on this kind of VM fresh pages
 * are expensive.
 *
 * Bit-exact checks (not timed): csv_write reads its own output back with
 * par_read_csv after the runs and compares the digests of index, a and b
 * with the frame it wrote; csv_read compares the frame it read with the
 * digests in F.json. A mismatch is an error (exit status 1).
 * Digest of a column of 64-bit values v (int64 or float64 bits): the sum
 * over rows of (lo32(v) * 0x9E3779B1 + hi32(v)) mod 2^32 — order-free and
 * cheap in C, numpy and JavaScript alike; any single changed bit changes it.
 *
 * Peak RSS: after the untimed setup, VmHWM is reset (writing 5 to
 * /proc/self/clear_refs); peak_rss_mb is VmHWM after the timed runs (so it
 * covers the frame in memory plus what the runs used), process_peak_rss_mb
 * the whole process's (setup included).
 *
 * Output (JSON lines, bench_util.h), per bench and implementation:
 *   {"bench":"csv_write","impl":"par","threads":2,"n":ROWS,
 *    "metric":"MB_per_s","value":...,"runs":R,"min":...,"max":...,
 *    "seconds":...,"ns_per_value":...,"GB_per_s_per_core":...,
 *    "cpu_seconds":...,"GB_per_cpu_s":...,  (median CPU time of a run, user
 *    + system, all threads: steadier than wall time on a loaded machine)
 *    "bytes":...,"files":16,"partitions":16,"peak_rss_mb":...,
 *    "process_peak_rss_mb":...,"exact":true}
 *
 * Without --file, csv_read first makes its own data file (csv --make,
 * not timed) in the folder; without --dir, that folder is a temporary
 * one, removed at the end.
 *
 * --smoke: 10^5 rows, a temporary folder (its own data file, a 256 KiB
 * read blocksize so the read splits the file), one run of each bench and
 * implementation; it needs neither node nor pandas.
 *
 * usage: csv [--bench csv_write|csv_read] [--impl par|par-single]
 *            [--rows N] [--file F] [--dir D] [--partitions P]
 *            [--blocksize B] [--threads T] [--runs R] [--smoke]
 *        csv --make F [--rows N] [--partitions P] [--threads T] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <par.h>

#include "bench_util.h"

#define SEED 2026
#define MEAN 4.0
#define SD 2.0

static const char usage[] =
        "usage: csv [--bench csv_write|csv_read] [--impl par|par-single] [--rows N]\n"
        "           [--file F] [--dir D] [--partitions P] [--blocksize B]\n"
        "           [--threads T] [--runs R] [--smoke]\n"
        "       csv --make F [--rows N] [--partitions P] [--threads T]\n"
        "CSV write (to_csv of a persisted frame: int64 index, a ~ normal(4, 2),\n"
        "b = 4a + 3) and read (read_csv + persist of F) with par; JSON lines, metric\n"
        "MB_per_s, with seconds, ns_per_value and peak_rss_mb. --make writes the data\n"
        "file F (one file) and F.json (rows, bytes, digests of the columns' bits).\n"
        "Defaults: 1e7 rows (smoke 1e5), 16 partitions, read blocksize 64MiB.\n";

enum { CSV_WRITE = 0, CSV_READ = 1 };
static const char *const bench_names[2] = {"csv_write", "csv_read"};

typedef struct digest {
        uint32_t index, a, b;
} digest;

typedef struct conf {
        int64_t rows;
        int64_t partitions;
        int64_t blocksize;
        const char *file; /* the data file (csv_read) */
        const char *dir;  /* where csv_write writes */
        digest want;      /* of the generated frame / from F.json */
        int64_t file_bytes;
} conf;

static void die_par(const char *what, int rc, const par_error *err)
{
        fprintf(stderr, "csv: %s: %s (%s)\n", what, err->message, par_status_name(rc));
}

/* ---- digests and memory ------------------------------------------------------- */

static uint32_t digest_bits(const void *p, int64_t n)
{
        const uint64_t *v = (const uint64_t *)p;
        uint32_t s = 0;
        for (int64_t i = 0; i < n; i++)
                s += (uint32_t)v[i] * UINT32_C(0x9E3779B1) + (uint32_t)(v[i] >> 32);
        return s;
}

/* The digest of the implicit index 0..n-1 of one partition. */
static uint32_t digest_range(int64_t n)
{
        uint32_t s = 0;
        for (int64_t i = 0; i < n; i++)
                s += (uint32_t)(uint64_t)i * UINT32_C(0x9E3779B1) +
                     (uint32_t)((uint64_t)i >> 32);
        return s;
}

/* CPU seconds (user + system) of the whole process so far: on a shared,
 * loaded machine the CPU time of a run varies far less than its wall time. */
static double cpu_seconds(void)
{
        struct rusage u;
        if (getrusage(RUSAGE_SELF, &u) != 0)
                return 0;
        return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
               (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

/* Digests of a frame's columns: the index ("Unnamed: 0", as read_csv
 * names it; without one, the frame's implicit index) and "a", "b". Partitions are computed one at a time (a persisted
 * frame's are only looked up). Returns 0, or -1 with a message. */
static int frame_digest(par_client *c, par_frame *f, digest *d, int64_t *rows)
{
        par_error err = {0};
        int64_t np = par_frame_npartitions(f);
        memset(d, 0, sizeof *d);
        *rows = 0;
        for (int64_t i = 0; i < np; i++) {
                par_delayed *p = NULL;
                par_value *t = NULL;
                int rc = par_frame_partition(f, i, &p, &err);
                if (rc == 0)
                        rc = par_compute(c, 1, &p, &t, &err);
                par_delayed_release(p);
                if (rc != 0) {
                        die_par("computing a partition", rc, &err);
                        return -1;
                }
                int64_t n = par_table_length(t);
                /* read_csv names the unnamed index column as pandas does */
                int ix = par_table_find(t, "Unnamed: 0"), ia = par_table_find(t, "a"),
                    ib = par_table_find(t, "b");
                if (ia < 0 || ib < 0) {
                        fprintf(stderr, "csv: partition %" PRId64 " has no column a or b\n",
                                i);
                        par_value_release(t);
                        return -1;
                }
                par_value *ca = par_table_column(t, (size_t)ia);
                par_value *cb = par_table_column(t, (size_t)ib);
                if (par_column_dtype(ca) != PAR_DTYPE_FLOAT64 ||
                    par_column_dtype(cb) != PAR_DTYPE_FLOAT64 ||
                    par_column_null_count(ca) || par_column_null_count(cb)) {
                        fprintf(stderr, "csv: partition %" PRId64 ": a and b are not "
                                        "float64 without nulls\n", i);
                        par_value_release(t);
                        return -1;
                }
                if (ix >= 0) {
                        par_value *cx = par_table_column(t, (size_t)ix);
                        if (par_column_dtype(cx) != PAR_DTYPE_INT64) {
                                fprintf(stderr, "csv: the index column is %s, not int64\n",
                                        par_dtype_name(par_column_dtype(cx)));
                                par_value_release(t);
                                return -1;
                        }
                        d->index += digest_bits(par_column_int64(cx), n);
                } else {
                        d->index += digest_range(n);
                }
                d->a += digest_bits(par_column_float64(ca), n);
                d->b += digest_bits(par_column_float64(cb), n);
                *rows += n;
                par_value_release(t);
        }
        return 0;
}

/* ---- files -------------------------------------------------------------------------- */

static int64_t file_size(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Removes DIR's files whose names start with `prefix`. */
static void remove_prefixed(const char *dir, const char *prefix)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        size_t pl = strlen(prefix);
        char path[4096];
        if (!d)
                return;
        while ((e = readdir(d)) != NULL) {
                if (strncmp(e->d_name, prefix, pl) != 0)
                        continue;
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
        }
        closedir(d);
}

/* Reads "key": <integer> from a small JSON text (the sidecar we write). */
static int json_int(const char *text, const char *key, long long *out)
{
        char pat[64];
        const char *p;
        snprintf(pat, sizeof pat, "\"%s\":", key);
        p = strstr(text, pat);
        if (!p)
                return -1;
        p += strlen(pat);
        while (*p == ' ')
                p++;
        char *end = NULL;
        *out = strtoll(p, &end, 10);
        return end == p ? -1 : 0;
}

static int read_sidecar(const char *file, conf *cf)
{
        char path[4200], text[4096];
        size_t got;
        long long rows, bytes, di, da, db;
        snprintf(path, sizeof path, "%s.json", file);
        FILE *f = fopen(path, "r");
        if (!f) {
                fprintf(stderr, "csv: %s: %s (make it with csv --make %s)\n", path,
                        strerror(errno), file);
                return -1;
        }
        got = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[got] = '\0';
        if (json_int(text, "rows", &rows) || json_int(text, "bytes", &bytes) ||
            json_int(text, "digest_index", &di) || json_int(text, "digest_a", &da) ||
            json_int(text, "digest_b", &db)) {
                fprintf(stderr, "csv: %s: not a sidecar of csv --make\n", path);
                return -1;
        }
        if (file_size(file) != bytes) {
                fprintf(stderr, "csv: %s has %" PRId64 " bytes, its sidecar says %lld: "
                                "make it again\n", file, file_size(file), bytes);
                return -1;
        }
        cf->rows = rows;
        cf->file_bytes = bytes;
        cf->want.index = (uint32_t)di;
        cf->want.a = (uint32_t)da;
        cf->want.b = (uint32_t)db;
        return 0;
}

/* ---- par ----------------------------------------------------------------------------- */

/* The talk's frame, persisted: a ~ normal(4, 2), b = 4a + 3. */
static int make_frame(par_client *c, int64_t rows, int64_t parts, par_frame **out)
{
        par_error err = {0};
        par_bag *bag = NULL;
        par_frame *f0 = NULL, *f1 = NULL;
        par_expr *e = NULL;
        int rc = par_bag_random_normal(SEED, rows, parts, MEAN, SD, &bag, &err);
        if (rc == 0)
                rc = par_bag_to_dataframe(bag, 1, (const char *[]){"a"},
                                          (par_dtype[]){PAR_DTYPE_FLOAT64}, &f0, &err);
        if (rc == 0) {
                e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
                rc = e ? par_frame_assign(f0, "b", e, &f1, &err) : PAR_ENOMEM;
        }
        if (rc == 0)
                rc = par_frame_persist(c, f1, out, &err);
        if (rc != 0)
                die_par("making the frame", rc, &err);
        par_expr_release(e);
        par_frame_release(f1);
        par_frame_release(f0);
        par_bag_release(bag);
        return rc == 0 ? 0 : -1;
}

/* csv --make F: the data file and its sidecar. */
static int make_data(par_client *c, const conf *cf)
{
        par_error err = {0};
        par_frame *f = NULL;
        par_to_csv_opts o = {0};
        digest d;
        int64_t rows = 0;
        char side[4200], tmp[4300];
        if (make_frame(c, cf->rows, cf->partitions, &f) != 0)
                return 1;
        if (frame_digest(c, f, &d, &rows) != 0) {
                par_frame_release(f);
                return 1;
        }
        o.single_file = true;
        int rc = par_frame_to_csv(c, f, cf->file, &o, NULL, &err);
        par_frame_release(f);
        if (rc != 0) {
                die_par("writing the data file", rc, &err);
                return 1;
        }
        snprintf(side, sizeof side, "%s.json", cf->file);
        snprintf(tmp, sizeof tmp, "%s.tmp", side);
        FILE *s = fopen(tmp, "w");
        if (!s) {
                fprintf(stderr, "csv: %s: %s\n", tmp, strerror(errno));
                return 1;
        }
        fprintf(s,
                "{\"rows\":%" PRId64 ",\"bytes\":%" PRId64 ",\"partitions\":%" PRId64
                ",\"seed\":%d,\"columns\":[\"\",\"a\",\"b\"],"
                "\"digest_index\":%" PRIu32 ",\"digest_a\":%" PRIu32
                ",\"digest_b\":%" PRIu32 ",\"digest\":\"sum of lo32*0x9E3779B1+hi32 "
                "of each value's 64 bits, mod 2^32\"}\n",
                rows, file_size(cf->file), cf->partitions, SEED, d.index, d.a, d.b);
        if (fclose(s) != 0 || rename(tmp, side) != 0) {
                fprintf(stderr, "csv: %s: %s\n", side, strerror(errno));
                return 1;
        }
        return 0;
}

/* One csv_write run; returns seconds (< 0 on failure), bytes and files. */
static double write_run(par_client *c, par_frame *f, const conf *cf, bool single,
                        int64_t *bytes, int64_t *nfiles)
{
        par_error err = {0};
        par_to_csv_opts o = {0};
        par_value *files = NULL;
        char pattern[4200];
        o.single_file = single;
        snprintf(pattern, sizeof pattern, "%s/%s", cf->dir,
                 single ? "par-single.csv" : "par-multi-*.csv");
        double t0 = bench_now_ns();
        int rc = par_frame_to_csv(c, f, pattern, &o, &files, &err);
        double s = (bench_now_ns() - t0) * 1e-9;
        if (rc != 0) {
                die_par("to_csv", rc, &err);
                return -1;
        }
        *bytes = 0;
        *nfiles = (int64_t)par_value_list_size(files);
        for (size_t i = 0; i < par_value_list_size(files); i++)
                *bytes += file_size(par_value_bytes(par_value_list_item(files, i), NULL));
        par_value_release(files);
        return s;
}

/* Reads back what write_run wrote and compares the digests. */
static int write_check(par_client *c, const conf *cf, bool single, const digest *want)
{
        par_error err = {0};
        par_frame *rd = NULL;
        par_read_csv_opts ro = {0};
        char pattern[4200];
        digest d;
        int64_t rows = 0;
        snprintf(pattern, sizeof pattern, "%s/%s", cf->dir,
                 single ? "par-single.csv" : "par-multi-*.csv");
        int rc = par_read_csv(pattern, &ro, &rd, &err);
        if (rc != 0) {
                die_par("reading the output back", rc, &err);
                return -1;
        }
        rc = frame_digest(c, rd, &d, &rows);
        par_frame_release(rd);
        if (rc != 0)
                return -1;
        if (rows != cf->rows || d.index != want->index || d.a != want->a ||
            d.b != want->b) {
                fprintf(stderr,
                        "csv: csv_write: reading %s back gives %" PRId64 " rows, digests "
                        "%08" PRIx32 " %08" PRIx32 " %08" PRIx32 "; the frame written "
                        "has %" PRId64 " rows, %08" PRIx32 " %08" PRIx32 " %08" PRIx32
                        "\n", pattern, rows, d.index, d.a, d.b, cf->rows, want->index,
                        want->a, want->b);
                return -1;
        }
        return 0;
}

/* One csv_read run: read_csv + persist; returns seconds or < 0. The frame
 * is kept in *out for the check. */
static double read_run(par_client *c, const conf *cf, par_frame **out)
{
        par_error err = {0};
        par_frame *rd = NULL;
        par_read_csv_opts ro = {0};
        ro.blocksize = cf->blocksize;
        double t0 = bench_now_ns();
        int rc = par_read_csv(cf->file, &ro, &rd, &err);
        if (rc == 0)
                rc = par_frame_persist(c, rd, out, &err);
        double s = (bench_now_ns() - t0) * 1e-9;
        par_frame_release(rd);
        if (rc != 0) {
                die_par("read_csv + persist", rc, &err);
                return -1;
        }
        return s;
}

/* ---- one implementation of one bench ------------------------------------------------ */

static int run_bench(int bench, const char *impl, const bench_opts *o, conf *cf,
                     par_client *c)
{
        static double secs[BENCH_MAX_RUNS], rate[BENCH_MAX_RUNS], cpus[BENCH_MAX_RUNS];
        double med, mn, mx, cpu_med, cpu_mn, cpu_mx;
        int threads = par_executor_threads(par_client_executor(c));
        bool single = strcmp(impl, "par-single") == 0;
        par_frame *f = NULL;
        int64_t bytes = 0, nfiles = 1, nparts = 0;
        digest want = cf->want;
        bool exact = true;
        double first_rate = 0;
        char extra[1024];

        if (bench == CSV_WRITE) {
                int64_t rows = 0;
                if (make_frame(c, cf->rows, cf->partitions, &f) != 0 ||
                    frame_digest(c, f, &want, &rows) != 0) {
                        par_frame_release(f);
                        return 1;
                }
                nparts = par_frame_npartitions(f);
                remove_prefixed(cf->dir, single ? "par-single." : "par-multi-");
        }
        long long process_peak = bench_proc_status_kb("VmHWM:");
        bool reset = bench_reset_peak_rss() == 0;
        for (int r = 0; r < o->runs; r++) {
                double s, cpu0 = cpu_seconds(), cpu1;
                if (bench == CSV_WRITE) {
                        s = write_run(c, f, cf, single, &bytes, &nfiles);
                        cpu1 = cpu_seconds();
                        if (s >= 0 && r == o->runs - 1 && write_check(c, cf, single, &want))
                                exact = false;
                        if (r < o->runs - 1) /* the last run's files stay for the check */
                                remove_prefixed(cf->dir, single ? "par-single." : "par-multi-");
                } else {
                        par_frame *rd = NULL;
                        s = read_run(c, cf, &rd);
                        cpu1 = cpu_seconds();
                        if (s >= 0) {
                                digest d;
                                int64_t rows = 0;
                                nparts = par_frame_npartitions(rd);
                                if (frame_digest(c, rd, &d, &rows) != 0)
                                        s = -1;
                                else if (rows != cf->rows || d.index != want.index ||
                                         d.a != want.a || d.b != want.b) {
                                        fprintf(stderr,
                                                "csv: csv_read: %s read as %" PRId64 " rows, "
                                                "digests %08" PRIx32 " %08" PRIx32
                                                " %08" PRIx32 "; written: %" PRId64
                                                " rows, %08" PRIx32 " %08" PRIx32
                                                " %08" PRIx32 "\n",
                                                cf->file, rows, d.index, d.a, d.b, cf->rows,
                                                want.index, want.a, want.b);
                                        exact = false;
                                }
                        }
                        par_frame_release(rd);
                        bytes = cf->file_bytes;
                }
                if (s < 0) {
                        par_frame_release(f);
                        return 1;
                }
                cpus[r] = cpu1 - cpu0;
                secs[r] = s;
                rate[r] = (double)bytes / 1e6 / s;
                if (r == 0)
                        first_rate = rate[0];
        }
        long long peak = bench_proc_status_kb("VmHWM:");
        if (peak > process_peak)
                process_peak = peak;
        if (bench == CSV_WRITE)
                remove_prefixed(cf->dir, single ? "par-single." : "par-multi-");
        par_frame_release(f);
        if (!exact)
                return 1;
        bench_stats(secs, o->runs, &med, &mn, &mx);
        bench_stats(cpus, o->runs, &cpu_med, &cpu_mn, &cpu_mx);
        double mbps = (double)bytes / 1e6 / med;
        snprintf(extra, sizeof extra,
                 "\"first_MB_per_s\":%.2f,"
                 "\"seconds\":%.6f,\"ns_per_value\":%.3f,\"GB_per_s_per_core\":%.4f,"
                 "\"cpu_seconds\":%.6f,\"GB_per_cpu_s\":%.4f,"
                 "\"bytes\":%" PRId64 ",\"files\":%" PRId64 ",\"partitions\":%" PRId64
                 ",\"blocksize\":%" PRId64 ",\"peak_rss_mb\":%.1f,"
                 "\"process_peak_rss_mb\":%.1f,\"rss_reset\":%s,\"exact\":true",
                 first_rate, med, med * 1e9 / ((double)cf->rows * 3), mbps / 1000 / threads,
                 cpu_med, cpu_med > 0 ? (double)bytes / 1e9 / cpu_med : 0.0,
                 bytes,
                 nfiles, nparts, bench == CSV_READ ? cf->blocksize : 0,
                 (double)peak / 1024, (double)process_peak / 1024,
                 reset ? "true" : "false");
        bench_emit(bench_names[bench], impl, threads, (long long)cf->rows, "MB_per_s",
                   rate, o->runs, extra);
        return 0;
}

/* ---- main ------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "par-single"};
        const char *bench_sel = NULL, *rows_s = NULL, *parts_s = NULL, *bs_s = NULL,
                   *make = NULL;
        char tmpdir[] = "/tmp/par-bench-csv-XXXXXX", smoke_file[4200];
        bool own_dir = false;
        int rc = 0, ran = 0;
        bench_opts o;
        conf cf;
        par_client *client = NULL;
        par_client_opts co;
        par_error err = {0};
        long long v;

        memset(&cf, 0, sizeof cf);
        if (bench_take_opt(&argc, argv, "--bench", &bench_sel) < 0 ||
            bench_take_opt(&argc, argv, "--rows", &rows_s) < 0 ||
            bench_take_opt(&argc, argv, "--file", &cf.file) < 0 ||
            bench_take_opt(&argc, argv, "--dir", &cf.dir) < 0 ||
            bench_take_opt(&argc, argv, "--partitions", &parts_s) < 0 ||
            bench_take_opt(&argc, argv, "--blocksize", &bs_s) < 0 ||
            bench_take_opt(&argc, argv, "--make", &make) < 0) {
                fprintf(stderr, "csv: an option is missing its value\n%s", usage);
                return 2;
        }
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "csv");
        if (bench_sel && strcmp(bench_sel, bench_names[0]) != 0 &&
            strcmp(bench_sel, bench_names[1]) != 0) {
                fprintf(stderr, "csv: unknown --bench '%s' (known: %s %s)\n", bench_sel,
                        bench_names[0], bench_names[1]);
                return 2;
        }
        cf.rows = o.smoke ? 100000 : 10000000;
        if (rows_s && (bench_parse_ll(rows_s, 1, &v) != 0 || (cf.rows = v, 0))) {
                fprintf(stderr, "csv: bad --rows '%s'\n", rows_s);
                return 2;
        }
        cf.partitions = 16;
        if (parts_s && (bench_parse_ll(parts_s, 1, &v) != 0 || (cf.partitions = v, 0))) {
                fprintf(stderr, "csv: bad --partitions '%s'\n", parts_s);
                return 2;
        }
        if (cf.partitions > cf.rows)
                cf.partitions = cf.rows;
        cf.blocksize = o.smoke ? 256 << 10 : (int64_t)64 << 20;
        if (bs_s && par_parse_bytes(bs_s, &cf.blocksize, &err) != 0) {
                fprintf(stderr, "csv: --blocksize: %s\n", err.message);
                return 2;
        }

        memset(&co, 0, sizeof co);
        co.threads = o.threads;
        if (par_client_new(&co, &client, &err) != 0) {
                fprintf(stderr, "csv: par_client_new: %s\n", err.message);
                return 1;
        }
        if (make) {
                cf.file = make;
                rc = make_data(client, &cf);
                if (rc == 0)
                        printf("%s\n", cf.file);
                par_client_free(client);
                return rc;
        }
        if (!cf.dir) {
                if (!mkdtemp(tmpdir)) {
                        fprintf(stderr, "csv: mkdtemp: %s\n", strerror(errno));
                        par_client_free(client);
                        return 1;
                }
                cf.dir = tmpdir;
                own_dir = true;
        }
        if (!cf.file && (!bench_sel || strcmp(bench_sel, "csv_read") == 0)) {
                /* no data file given: make one in the folder (not timed) */
                snprintf(smoke_file, sizeof smoke_file, "%s/data.csv", cf.dir);
                cf.file = smoke_file;
                if (make_data(client, &cf) != 0) {
                        rc = 1;
                        goto out;
                }
        }
        if (cf.file && (!bench_sel || strcmp(bench_sel, "csv_read") == 0)) {
                int64_t want_rows = cf.rows;
                if (read_sidecar(cf.file, &cf) != 0) {
                        rc = 1;
                        goto out;
                }
                if (rows_s && cf.rows != want_rows)
                        fprintf(stderr, "csv: %s holds %" PRId64 " rows (not --rows)\n",
                                cf.file, cf.rows);
        }
        for (int b = 0; b < 2 && rc == 0; b++) {
                if (bench_sel && strcmp(bench_sel, bench_names[b]) != 0)
                        continue;
                for (int k = 0; k < 2 && rc == 0; k++) {
                        if (!bench_want(&o, known[k]) || (b == CSV_READ && k == 1))
                                continue;
                        rc = run_bench(b, known[k], &o, &cf, client);
                        ran++;
                }
        }
        if (rc == 0 && ran == 0) { /* --impl par-single --bench csv_read */
                fprintf(stderr, "csv: --impl %s does not run %s\n", o.impl,
                        bench_sel ? bench_sel : "");
                rc = BENCH_EXIT_SKIP;
        }
out:
        par_client_free(client);
        if (own_dir) {
                remove_prefixed(cf.dir, "");
                rmdir(cf.dir);
        }
        return rc;
}
