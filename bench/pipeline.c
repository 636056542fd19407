/* bench/pipeline.c — the talk's whole pipeline, par's side of the bench
 * `pipeline` (the Dask side is bench/pipeline_dask.py; bench/run runs both).
 *
 * One run is the talk's cells from the gaussians to the fit, each timed as
 * a stage (wall seconds, par_now_ns):
 *
 *   generate      P delayed calls par.random.normal(2026, i, n_i, 4, 2)
 *                 (n_i = n(i+1)/P - ni/P rows) → par_bag_from_delayed
 *   to_dataframe  par_bag_to_dataframe([('a', float64)])
 *   assign        df['b'] = 4*df['a'] + 3
 *   to_csv        par_frame_to_csv(DIR/gen-*.csv): P files, pandas' layout;
 *                 this is where the gaussians are made (the stages above
 *                 only record tasks, as in Dask)
 *   read_csv      par_read_csv(DIR/gen-*.csv): the header, a sample, the
 *                 row-start splits (dtypes inferred, as the talk)
 *   persist       par_frame_persist: every file parsed into memory
 *   to_array      par_frame_to_array(lengths=true) (lengths known after
 *                 persist, as Dask's on a persisted frame)
 *   fit           X = array[:, 1:2], y = array[:, 2:3] → the exact linear
 *                 regression (par_linear_regression_fit)
 *   total         the sum of the above
 *
 * A line for stage "client" (par_client_new, once per run) is printed
 * too; it is not part of the total.
 *
 * The files go to the page cache (no fsync), and read_csv reads them back
 * from there, as Dask's run does. Nothing is checked inside the timed
 * region; after each run (not timed) the program checks, and fails with
 * exit status 1 and a message on standard error otherwise: P files
 * written; the read frame has the columns ("Unnamed: 0", int64), ("a",
 * float64), ("b", float64) and n rows in all (persisted lengths); the
 * array's shape is (n, 3); the fit saw n samples, |coef - 4| <= 1e-12 and
 * |intercept - 3| <= 1e-12. The files are removed after each run (not
 * timed) unless --keep.
 *
 * Every run is a process of its own, forked before any client exists (it
 * dies with the parent and sends its figures through a pipe): every run
 * starts cold, as the talk's one run, with nothing allocated, and its peak
 * RSS is its own. Peak RSS is VmHWM from /proc/self/status, reset (writing
 * 5 to /proc/self/clear_refs) before each stage's clock starts and read
 * after it stops: a stage's peak_rss_mb, and the run's (the largest of its
 * stages'). It covers the whole process (the client, the persisted frame,
 * the array, the fit).
 *
 * Output (JSON lines, performance.md), per size: one line per stage, then
 * the total, then peak RSS:
 *   {"bench":"pipeline","impl":"par","threads":2,"n":10000000,
 *    "metric":"seconds","stage":"to_csv","value":...,"runs":3,"min":...,
 *    "max":...,"peak_rss_mb":...}
 *   {... "stage":"total", ..., "bytes_written":...,"files":160,
 *    "partitions":160,"peak_rss_mb":...,"coef":4.0,"intercept":3.0,
 *    "load1_start":...,"load1_end":...}
 *   {... "metric":"peak_rss_mb","stage":"total","value":...,
 *    "bytes_written":...}
 * value = median over the runs (min/max their extremes; for peak_rss_mb
 * the largest run's peak, a stage's peak_rss_mb the largest over the
 * runs); load1_* = the 1-minute load average (/proc/loadavg) before the
 * first and after the last run.
 *
 * The CSVs go to a new folder DIR = OUT/par-pipeline-XXXXXX (mkdtemp; OUT
 * is --out, default /tmp), one subfolder per size, removed at the end
 * unless --keep. 10^8 rows write ~4.4 GB.
 *
 * --smoke: 10^5 rows in 8 partitions, one run (the test suite's check).
 * Without OpenBLAS/LAPACKE the fit is not available: exit status 77.
 *
 * usage: pipeline [--impl par] [--rows N[,N...]] [--partitions P]
 *                 [--out OUT] [--keep] [--threads T] [--runs R] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <par.h>

#include "bench_util.h"

#define SEED 2026
#define MEAN 4.0
#define SD 2.0
#define TOL 1e-12
#define MAX_SIZES 16

static const char usage[] =
        "usage: pipeline [--impl par] [--rows N[,N...]] [--partitions P] [--out OUT]\n"
        "                [--keep] [--threads T] [--runs R] [--smoke]\n"
        "The talk's pipeline with par: P delayed gaussian partitions -> to_dataframe\n"
        "-> b = 4a + 3 -> to_csv(gen-*.csv) -> read_csv -> persist -> to_array(lengths)\n"
        "-> exact linear fit; JSON lines of seconds per stage and in total, peak RSS\n"
        "and bytes written, per size (each run in its own process).\n"
        "Defaults: --rows 1e6,1e7, 160 partitions, 3 runs, CSVs in a mkdtemp folder\n"
        "under OUT (default /tmp), removed at the end unless --keep.\n"
        "--smoke: 1e5 rows, 8 partitions, one run.\n";

enum {
        ST_GENERATE,
        ST_TO_DATAFRAME,
        ST_ASSIGN,
        ST_TO_CSV,
        ST_READ_CSV,
        ST_PERSIST,
        ST_TO_ARRAY,
        ST_FIT,
        NSTAGES
};
static const char *const stage_names[NSTAGES] = {
        "generate", "to_dataframe", "assign", "to_csv",
        "read_csv", "persist",      "to_array", "fit"};

typedef struct conf {
        int64_t partitions;
        int runs;
        int threads;
        bool keep;
        char dir[4096]; /* the mkdtemp folder */
} conf;

/* One run's figures (a child process sends them to the parent). */
typedef struct run_result {
        double sec[NSTAGES];
        long long stage_hwm_kb[NSTAGES]; /* VmHWM, reset at the stage's start */
        double total;                    /* the sum of sec[] */
        double client_s;                 /* par_client_new */
        double load_start, load_end;
        int64_t bytes, files, rows_read, npartitions_read;
        double coef, intercept;
        long long hwm_kb; /* the run's peak: max of stage_hwm_kb */
        int rss_reset;    /* clear_refs worked */
        int threads;
} run_result;

/* ---- small helpers ---------------------------------------------------------------- */

static double load1(void)
{
        double v = -1;
        FILE *f = fopen("/proc/loadavg", "r");
        if (f) {
                if (fscanf(f, "%lf", &v) != 1)
                        v = -1;
                fclose(f);
        }
        return v;
}

static int64_t file_size(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Removes every plain file in DIR (not recursive). */
static void remove_files(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        char path[8192];
        if (!d)
                return;
        while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
        }
        closedir(d);
}

static double secs_since(uint64_t t0)
{
        return (double)(par_now_ns() - t0) * 1e-9;
}

/* A stage's clock and peak RSS: VmHWM is reset before the clock starts and
 * read after it stops (neither is timed). */
#define STAGE_BEGIN()                                                                  \
        do {                                                                           \
                if (bench_reset_peak_rss() != 0)                                       \
                        res->rss_reset = 0;                                            \
                t = par_now_ns();                                                      \
        } while (0)
#define STAGE_END(s)                                                                   \
        do {                                                                           \
                res->sec[s] = secs_since(t);                                           \
                res->stage_hwm_kb[s] = bench_proc_status_kb("VmHWM:");                 \
        } while (0)

static void fail_par(int64_t n, const char *what, int rc, const par_error *err)
{
        fprintf(stderr, "pipeline: n=%" PRId64 ": %s failed: %s (%s)\n", n, what,
                err->message, par_status_name(rc));
}

/* ---- one run ------------------------------------------------------------------------ */

/* Runs the pipeline once on n rows, writing into `dir`; fills *res.
 * Returns 0, 1 (a failure, reported), or BENCH_EXIT_SKIP (no fit in this
 * build). */
static int one_run(par_client *c, int64_t n, const conf *cf, const char *dir,
                   run_result *res)
{
        par_error err = {0};
        int64_t P = cf->partitions;
        par_delayed **parts = calloc((size_t)P, sizeof *parts);
        par_bag *gauss = NULL;
        par_frame *df = NULL, *df2 = NULL, *rd = NULL, *pd = NULL;
        par_expr *e = NULL;
        par_value *files = NULL;
        par_array *arr = NULL, *X = NULL, *y = NULL;
        par_linear_regression lr = {0};
        char pattern[4200];
        int rc = 0, status = 1;
        const char *what = "";
        uint64_t t;

        if (!parts) {
                fprintf(stderr, "pipeline: out of memory\n");
                return 1;
        }
        snprintf(pattern, sizeof pattern, "%s/gen-*.csv", dir);

        /* gauss_bag = bag.from_delayed([get_partition_numbers() ...]) */
        STAGE_BEGIN();
        what = "generate (delayed calls, from_delayed)";
        for (int64_t i = 0; i < P && rc == 0; i++) {
                int64_t cnt = n * (i + 1) / P - n * i / P;
                rc = par_delayed_call("par.random.normal", 5,
                                      (par_arg[]){par_arg_int64(SEED), par_arg_int64(i),
                                                  par_arg_int64(cnt), par_arg_float64(MEAN),
                                                  par_arg_float64(SD)},
                                      &parts[i], &err);
        }
        if (rc == 0)
                rc = par_bag_from_delayed((size_t)P, parts, &gauss, &err);
        for (int64_t i = 0; i < P; i++)
                par_delayed_release(parts[i]);
        free(parts);
        if (rc != 0)
                goto fail;
        STAGE_END(ST_GENERATE);

        /* gauss_dataframe = gauss_bag.to_dataframe([('a', float)]) */
        STAGE_BEGIN();
        what = "to_dataframe";
        rc = par_bag_to_dataframe(gauss, 1, (const char *[]){"a"},
                                  (par_dtype[]){PAR_DTYPE_FLOAT64}, &df, &err);
        if (rc != 0)
                goto fail;
        STAGE_END(ST_TO_DATAFRAME);

        /* gauss_dataframe['b'] = 4*gauss_dataframe['a'] + 3 */
        STAGE_BEGIN();
        what = "assign b = 4a + 3";
        e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
        rc = e ? par_frame_assign(df, "b", e, &df2, &err) : PAR_ENOMEM;
        if (rc != 0)
                goto fail;
        STAGE_END(ST_ASSIGN);

        /* gauss_dataframe.to_csv('gen-*.csv') */
        STAGE_BEGIN();
        what = "to_csv";
        rc = par_frame_to_csv(c, df2, pattern, NULL, &files, &err);
        if (rc != 0)
                goto fail;
        STAGE_END(ST_TO_CSV);

        /* df = dataframe.read_csv('gen-*.csv') */
        STAGE_BEGIN();
        what = "read_csv";
        rc = par_read_csv(pattern, NULL, &rd, &err);
        if (rc != 0)
                goto fail;
        STAGE_END(ST_READ_CSV);

        /* df = client.persist(df) */
        STAGE_BEGIN();
        what = "persist";
        rc = par_frame_persist(c, rd, &pd, &err);
        if (rc != 0)
                goto fail;
        STAGE_END(ST_PERSIST);

        /* array = df.to_dask_array(lengths=True) */
        STAGE_BEGIN();
        what = "to_array (lengths)";
        rc = par_frame_to_array(c, pd, true, &arr, &err);
        if (rc != 0)
                goto fail;
        STAGE_END(ST_TO_ARRAY);

        /* LinearRegression().fit(array[:, 1:2], array[:, 2:3]) */
        STAGE_BEGIN();
        what = "fit (slices, exact linear regression)";
        rc = par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 1, 2, 1, &X, &err);
        if (rc == 0)
                rc = par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 2, 3, 1, &y, &err);
        if (rc == 0)
                rc = par_linear_regression_fit(c, NULL, X, y, &lr, &err);
        if (rc == PAR_ENOTSUP) {
                fprintf(stderr, "pipeline: the linear regression is not in this build "
                                "(%s): skipped\n", err.message);
                status = BENCH_EXIT_SKIP;
                goto out;
        }
        if (rc != 0)
                goto fail;
        STAGE_END(ST_FIT);
        for (int s = 0; s < NSTAGES; s++) {
                res->total += res->sec[s];
                if (res->stage_hwm_kb[s] > res->hwm_kb)
                        res->hwm_kb = res->stage_hwm_kb[s];
        }

        /* ---- checks (not timed) ---- */
        res->files = (int64_t)par_value_list_size(files);
        for (size_t i = 0; i < par_value_list_size(files); i++) {
                const char *path = par_value_bytes(par_value_list_item(files, i), NULL);
                int64_t sz = file_size(path);
                if (sz <= 0) {
                        fprintf(stderr, "pipeline: n=%" PRId64 ": %s: missing or empty\n",
                                n, path);
                        goto out;
                }
                res->bytes += sz;
        }
        if (res->files != P) {
                fprintf(stderr, "pipeline: n=%" PRId64 ": to_csv wrote %" PRId64
                                " files, not %" PRId64 "\n", n, res->files, P);
                goto out;
        }
        {
                static const char *const want_names[3] = {"Unnamed: 0", "a", "b"};
                static const par_dtype want_types[3] = {PAR_DTYPE_INT64, PAR_DTYPE_FLOAT64,
                                                        PAR_DTYPE_FLOAT64};
                if (par_frame_ncols(pd) != 3) {
                        fprintf(stderr, "pipeline: n=%" PRId64 ": read_csv gives %zu "
                                        "columns, not 3\n", n, par_frame_ncols(pd));
                        goto out;
                }
                for (size_t j = 0; j < 3; j++)
                        if (strcmp(par_frame_column_name(pd, j), want_names[j]) != 0 ||
                            par_frame_column_dtype(pd, j) != want_types[j]) {
                                fprintf(stderr, "pipeline: n=%" PRId64 ": column %zu is "
                                                "'%s' %s, not '%s' %s\n", n, j,
                                        par_frame_column_name(pd, j),
                                        par_dtype_name(par_frame_column_dtype(pd, j)),
                                        want_names[j], par_dtype_name(want_types[j]));
                                goto out;
                        }
        }
        const int64_t *lens = par_frame_lengths(pd);
        res->npartitions_read = par_frame_npartitions(pd);
        if (!lens) {
                fprintf(stderr, "pipeline: n=%" PRId64 ": the persisted frame does not "
                                "know its lengths\n", n);
                goto out;
        }
        for (int64_t i = 0; i < res->npartitions_read; i++)
                res->rows_read += lens[i];
        int64_t shape[2] = {0, 0};
        if (res->rows_read != n || par_array_shape(arr, shape) != 2 || shape[0] != n ||
            shape[1] != 3 || lr.n_samples != n || lr.n_features != 1) {
                fprintf(stderr, "pipeline: n=%" PRId64 ": row counts are wrong: read %"
                                PRId64 ", array (%" PRId64 ", %" PRId64 "), fit saw %"
                                PRId64 " samples of %" PRId64 " features\n", n,
                        res->rows_read, shape[0], shape[1], lr.n_samples, lr.n_features);
                goto out;
        }
        res->coef = lr.coef[0];
        res->intercept = lr.intercept;
        if (!(fabs(res->coef - 4) <= TOL) || !(fabs(res->intercept - 3) <= TOL)) {
                fprintf(stderr, "pipeline: n=%" PRId64 ": the fit is off: coef %.17g "
                                "(|coef - 4| = %.3g), intercept %.17g (|intercept - 3| = "
                                "%.3g); both must be within %g\n", n, res->coef,
                        fabs(res->coef - 4), res->intercept, fabs(res->intercept - 3), TOL);
                goto out;
        }
        status = 0;
        goto out;
fail:
        fail_par(n, what, rc, &err);
out:
        par_linear_regression_clear(&lr);
        par_array_release(X);
        par_array_release(y);
        par_array_release(arr);
        par_frame_release(pd);
        par_frame_release(rd);
        par_value_release(files);
        par_frame_release(df2);
        par_frame_release(df);
        par_expr_release(e);
        par_bag_release(gauss);
        return status;
}

/* ---- one size (in its own process) ---------------------------------------------- */

/* A JSON number with enough digits for the raw lines (bench/run rounds
 * for display). */
static void put_num(double v)
{
        if (!isfinite(v))
                fputs("null", stdout);
        else
                printf("%.9g", v);
}

static void emit_line(int threads, int64_t n, const char *metric, const char *stage,
                      double *vals, int k, const char *extra)
{
        double med, mn, mx;
        bench_stats(vals, k, &med, &mn, &mx);
        printf("{\"bench\":\"pipeline\",\"impl\":\"par\",\"threads\":%d,\"n\":%" PRId64
               ",\"metric\":\"%s\",\"stage\":\"%s\",\"value\":",
               threads, n, metric, stage);
        put_num(med);
        printf(",\"runs\":%d,\"min\":", k);
        put_num(mn);
        fputs(",\"max\":", stdout);
        put_num(mx);
        if (extra && *extra)
                printf(",%s", extra);
        fputs("}\n", stdout);
        fflush(stdout);
}

/* The child's side of one run: a client, the run, the figures written to
 * fd. Returns the exit status. */
static int child_run(int64_t n, const conf *cf, const char *dir, int fd)
{
        run_result res;
        par_client *client = NULL;
        par_error err = {0};
        memset(&res, 0, sizeof res);
        res.rss_reset = 1;
        uint64_t t0 = par_now_ns();
        int rc = par_client_new(&(par_client_opts){.threads = cf->threads}, &client, &err);
        res.client_s = secs_since(t0);
        if (rc != 0) {
                fprintf(stderr, "pipeline: par_client_new: %s\n", err.message);
                return 1;
        }
        res.threads = par_executor_threads(par_client_executor(client));
        res.load_start = load1();
        int status = one_run(client, n, cf, dir, &res);
        res.load_end = load1();
        par_client_free(client);
        if (status == 0 && write(fd, &res, sizeof res) != (ssize_t)sizeof res) {
                fprintf(stderr, "pipeline: writing to the parent: %s\n", strerror(errno));
                status = 1;
        }
        return status;
}

/* One run in a child process (forked before any client exists, so every
 * run starts cold, as the talk's one run and Dask's process per run).
 * Returns the child's exit status (1 if it died) and fills *res. */
static int forked_run(int64_t n, const conf *cf, const char *dir, run_result *res)
{
        int fds[2];
        if (pipe(fds) != 0) {
                fprintf(stderr, "pipeline: pipe: %s\n", strerror(errno));
                return 1;
        }
        fflush(stdout);
        fflush(stderr);
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                fprintf(stderr, "pipeline: fork: %s\n", strerror(errno));
                close(fds[0]);
                close(fds[1]);
                return 1;
        }
        if (pid == 0) {
                close(fds[0]);
                /* die with the parent (bench/run's timeout kills only it) */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(1);
                int st = child_run(n, cf, dir, fds[1]);
                fflush(stdout);
                fflush(stderr);
                _exit(st);
        }
        close(fds[1]);
        size_t got = 0;
        while (got < sizeof *res) {
                ssize_t k = read(fds[0], (char *)res + got, sizeof *res - got);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                got += (size_t)k;
        }
        close(fds[0]);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (WIFSIGNALED(st)) {
                fprintf(stderr, "pipeline: n=%" PRId64 ": killed by signal %d\n", n,
                        WTERMSIG(st));
                return 1;
        }
        int status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
        if (status == 0 && got != sizeof *res) {
                fprintf(stderr, "pipeline: n=%" PRId64 ": the run sent no figures\n", n);
                return 1;
        }
        return status;
}

static int run_size(int64_t n, const conf *cf)
{
        static double vals[BENCH_MAX_RUNS];
        static run_result res[BENCH_MAX_RUNS];
        char dir[4200], extra[1024];
        int status = 0, threads = 0;

        snprintf(dir, sizeof dir, "%s/n%" PRId64, cf->dir, n);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "pipeline: %s: %s\n", dir, strerror(errno));
                return 1;
        }
        for (int r = 0; r < cf->runs; r++) {
                status = forked_run(n, cf, dir, &res[r]);
                if (!cf->keep || r < cf->runs - 1)
                        remove_files(dir);
                if (status != 0)
                        break;
                threads = res[r].threads;
                fprintf(stderr, "pipeline: par n=%" PRId64 " threads=%d run %d/%d: %.3f s "
                                "(to_csv %.3f, persist %.3f, fit %.3f), peak RSS %.0f MB, "
                                "load %.2f\n",
                        n, threads, r + 1, cf->runs, res[r].total, res[r].sec[ST_TO_CSV],
                        res[r].sec[ST_PERSIST], res[r].sec[ST_FIT],
                        (double)res[r].hwm_kb / 1024, res[r].load_start);
        }
        if (!cf->keep)
                rmdir(dir);
        if (status != 0)
                return status;

        const run_result *last = &res[cf->runs - 1];
        double peak = 0, load_start = res[0].load_start, load_end = last->load_end;
        bool reset = true;
        for (int r = 0; r < cf->runs; r++) {
                vals[r] = res[r].client_s;
                reset = reset && res[r].rss_reset;
                if ((double)res[r].hwm_kb / 1024 > peak)
                        peak = (double)res[r].hwm_kb / 1024;
        }
        emit_line(threads, n, "seconds", "client", vals, cf->runs, "\"in_total\":false");
        for (int s = 0; s < NSTAGES; s++) {
                double sp = 0;
                for (int r = 0; r < cf->runs; r++) {
                        vals[r] = res[r].sec[s];
                        if ((double)res[r].stage_hwm_kb[s] / 1024 > sp)
                                sp = (double)res[r].stage_hwm_kb[s] / 1024;
                }
                snprintf(extra, sizeof extra, "\"peak_rss_mb\":%.1f", sp);
                emit_line(threads, n, "seconds", stage_names[s], vals, cf->runs, extra);
        }
        for (int r = 0; r < cf->runs; r++)
                vals[r] = res[r].total;
        snprintf(extra, sizeof extra,
                 "\"bytes_written\":%" PRId64 ",\"files\":%" PRId64 ",\"partitions\":%"
                 PRId64 ",\"rows_read\":%" PRId64 ",\"partitions_read\":%" PRId64
                 ",\"peak_rss_mb\":%.1f,\"coef\":%.17g,\"intercept\":%.17g,"
                 "\"load1_start\":%.2f,\"load1_end\":%.2f,\"process_per_run\":true",
                 last->bytes, last->files, cf->partitions, last->rows_read,
                 last->npartitions_read, peak, last->coef, last->intercept, load_start,
                 load_end);
        emit_line(threads, n, "seconds", "total", vals, cf->runs, extra);
        /* value: the largest run's peak, min/max over the runs */
        for (int r = 0; r < cf->runs; r++)
                vals[r] = (double)res[r].hwm_kb / 1024;
        snprintf(extra, sizeof extra,
                 "\"bytes_written\":%" PRId64 ",\"rss_reset\":%s,\"how\":\"VmHWM\"",
                 last->bytes, reset ? "true" : "false");
        double med, mn, mx;
        bench_stats(vals, cf->runs, &med, &mn, &mx);
        printf("{\"bench\":\"pipeline\",\"impl\":\"par\",\"threads\":%d,\"n\":%" PRId64
               ",\"metric\":\"peak_rss_mb\",\"stage\":\"total\",\"value\":%.1f,"
               "\"runs\":%d,\"min\":%.1f,\"max\":%.1f,%s}\n",
               threads, n, mx, cf->runs, mn, mx, extra);
        fflush(stdout);
        return 0;
}

/* ---- main ---------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
        static const char *const known[] = {"par"};
        const char *rows_s = NULL, *parts_s = NULL, *out_s = NULL;
        int64_t sizes[MAX_SIZES];
        int nsizes = 0, rc = 0;
        bench_opts o;
        conf cf;
        long long v;

        memset(&cf, 0, sizeof cf);
        cf.keep = bench_take_flag(&argc, argv, "--keep");
        if (bench_take_opt(&argc, argv, "--rows", &rows_s) < 0 ||
            bench_take_opt(&argc, argv, "--partitions", &parts_s) < 0 ||
            bench_take_opt(&argc, argv, "--out", &out_s) < 0) {
                fprintf(stderr, "pipeline: an option is missing its value\n%s", usage);
                return 2;
        }
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 1, "pipeline");
        if (!rows_s)
                rows_s = o.smoke ? "1e5" : "1e6,1e7";
        {
                char buf[512], *save = NULL;
                snprintf(buf, sizeof buf, "%s", rows_s);
                for (char *tok = strtok_r(buf, ",", &save); tok;
                     tok = strtok_r(NULL, ",", &save)) {
                        if (nsizes == MAX_SIZES || bench_parse_ll(tok, 1, &v) != 0) {
                                fprintf(stderr, "pipeline: bad --rows '%s'\n%s", rows_s,
                                        usage);
                                return 2;
                        }
                        sizes[nsizes++] = v;
                }
                if (nsizes == 0) {
                        fprintf(stderr, "pipeline: bad --rows '%s'\n%s", rows_s, usage);
                        return 2;
                }
        }
        cf.partitions = o.smoke ? 8 : 160;
        if (parts_s && (bench_parse_ll(parts_s, 1, &v) != 0 || (cf.partitions = v, 0))) {
                fprintf(stderr, "pipeline: bad --partitions '%s'\n", parts_s);
                return 2;
        }
        cf.runs = o.runs > 0 ? o.runs : 1;
        /* bench_parse's default is 5 runs; the whole pipeline takes long: 3 */
        {
                bool runs_given = false;
                for (int i = 1; i < argc; i++)
                        if (!strncmp(argv[i], "--runs", 6))
                                runs_given = true;
                if (!runs_given && !o.smoke)
                        cf.runs = 3;
        }
        cf.threads = o.threads;

        const char *base = out_s ? out_s : "/tmp";
        if (mkdir(base, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, "pipeline: --out %s: %s\n", base, strerror(errno));
                return 1;
        }
        snprintf(cf.dir, sizeof cf.dir, "%s/par-pipeline-XXXXXX", base);
        if (!mkdtemp(cf.dir)) {
                fprintf(stderr, "pipeline: mkdtemp in %s: %s\n", base, strerror(errno));
                return 1;
        }

        int skipped = 0;
        for (int k = 0; k < nsizes; k++) {
                int64_t n = sizes[k];
                if (cf.partitions > n) {
                        fprintf(stderr, "pipeline: n=%" PRId64 " is fewer rows than the %"
                                        PRId64 " partitions: skipped\n", n, cf.partitions);
                        rc = 2;
                        continue;
                }
                int st = run_size(n, &cf);
                if (st == BENCH_EXIT_SKIP)
                        skipped++;
                else if (st != 0) {
                        fprintf(stderr, "pipeline: n=%" PRId64 ": FAILED\n", n);
                        rc = 1;
                }
        }
        if (cf.keep) {
                fprintf(stderr, "pipeline: the CSV files are kept in %s\n", cf.dir);
        } else {
                for (int k = 0; k < nsizes; k++) {
                        char dir[4200];
                        snprintf(dir, sizeof dir, "%s/n%" PRId64, cf.dir, sizes[k]);
                        remove_files(dir);
                        rmdir(dir);
                }
                rmdir(cf.dir);
        }
        if (rc == 0 && skipped == nsizes)
                return BENCH_EXIT_SKIP;
        return rc;
}
