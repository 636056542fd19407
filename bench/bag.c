/* bench/bag.c — bags over a cached text file: line count and substring
 * filter-count, against `wc -l` and `grep -c`.
 *
 *   bag_count         par_read_text(F, blocksize) → par_bag_count
 *   bag_filter_count  par_read_text(F, blocksize)
 *                       → par_bag_filter(par_contains(par_x(), "God"))
 *                       → par_bag_count
 *
 * Implementations: "par" (a par_client of --threads pool threads), and the
 * single-threaded peers "wc" (`wc -l F`, bag_count only) and "grep"
 * (`grep -c God F`, bag_filter_count only), run as child processes with
 * LC_ALL=C and timed from spawn to exit.
 *
 * The file is read once first so that it is in the page cache, and every
 * implementation has one untimed warm-up run. One timed run of par is the
 * whole user-visible call: read_text (planning), filter, count, compute.
 * Before timing, the expected counts are taken once from `wc -l` (plus one
 * for a last line without a newline) and `grep -c`, and every run of every
 * implementation is checked against them: a difference is an error (exit
 * status 1).
 *
 * Output (JSON lines, see bench_util.h), per bench and implementation:
 *   {"bench":"bag_count","impl":"par","threads":2,"n":BYTES,
 *    "metric":"GB_per_s","value":...,"runs":R,"min":...,"max":...,
 *    "seconds":MEDIAN_S,"count":LINES,"blocksize":B,"partitions":P,...}
 *   {"bench":"bag_count","impl":"par","threads":2,"n":BYTES,
 *    "metric":"seconds","value":MEDIAN_S,...}
 * GB_per_s = file bytes / 10^9 / seconds of each run (median over runs).
 *
 * --smoke: writes a small generated text (~300 KB, with "God" on some
 * lines and across some line ends) to a temporary file unless --file is
 * given, uses a 16 KiB blocksize, one timed run, then removes the file.
 *
 * usage: bag [--file F] [--blocksize 64MiB] [--bench bag_count|
 *            bag_filter_count] [--impl par|wc|grep] [--pattern God]
 *            [--threads T] [--runs R] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <par.h>

#include "bench_util.h"

extern char **environ;

static const char usage[] =
        "usage: bag [--file F] [--blocksize 64MiB] [--bench bag_count|bag_filter_count]\n"
        "           [--impl par|wc|grep] [--pattern God] [--threads T] [--runs R]\n"
        "           [--smoke]\n"
        "Line count and filter-count (lines containing PATTERN) of a cached text file\n"
        "with par's bags, and with wc -l / grep -c as peers; JSON lines with metrics\n"
        "GB_per_s (file bytes / 1e9 / seconds, median over runs) and seconds.\n"
        "--smoke makes its own small text file unless --file is given.\n";

enum { BAG_COUNT = 0, BAG_FILTER_COUNT = 1 };
static const char *const bench_names[2] = {"bag_count", "bag_filter_count"};

typedef struct bag_conf {
        const char *file;
        const char *blocksize; /* text, as par_read_text_opts.blocksize_str */
        int64_t blocksize_bytes;
        const char *pattern;
        int64_t bytes;
        int64_t want[2]; /* expected counts per bench */
        const char *base; /* the file's name without its folder, for the lines */
} bag_conf;

/* ---- child processes ------------------------------------------------------ */

/* Runs argv[0] (found in PATH) with LC_ALL=C, stdin from /dev/null and
 * stdout into a pipe; returns the first integer it printed (or -1), and
 * the seconds from spawn to exit in *secs. */
static long long run_child(char *const argv[], double *secs)
{
        int fds[2];
        pid_t pid;
        posix_spawn_file_actions_t fa;
        char buf[256];
        size_t got = 0;
        ssize_t r;
        int status = 0, rc;
        double t0, t1;
        static char **env;

        if (!env) { /* environ, with LC_ALL=C in front */
                size_t n = 0, i, k = 0;
                while (environ[n])
                        n++;
                env = malloc((n + 2) * sizeof *env);
                if (!env)
                        return -1;
                env[k++] = "LC_ALL=C";
                for (i = 0; i < n; i++)
                        if (strncmp(environ[i], "LC_ALL=", 7) != 0)
                                env[k++] = environ[i];
                env[k] = NULL;
        }
        if (pipe(fds) != 0)
                return -1;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
        posix_spawn_file_actions_addclose(&fa, fds[0]);
        posix_spawn_file_actions_addclose(&fa, fds[1]);
        t0 = bench_now_ns();
        rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
        posix_spawn_file_actions_destroy(&fa);
        close(fds[1]);
        if (rc != 0) {
                close(fds[0]);
                fprintf(stderr, "bag: cannot run %s: %s\n", argv[0], strerror(rc));
                return -1;
        }
        while ((r = read(fds[0], buf + got, sizeof buf - 1 - got)) != 0) {
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                got += (size_t)r;
                if (got == sizeof buf - 1) { /* drain the rest */
                        char sink[4096];
                        while (read(fds[0], sink, sizeof sink) > 0)
                                ;
                        break;
                }
        }
        close(fds[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        t1 = bench_now_ns();
        *secs = (t1 - t0) * 1e-9;
        buf[got] = '\0';
        /* grep -c exits 1 when it counts 0 lines; that is still a count. */
        if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
                fprintf(stderr, "bag: %s exited with status %d\n", argv[0],
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
                return -1;
        }
        {
                char *end = NULL;
                long long v = strtoll(buf, &end, 10);
                return end == buf ? -1 : v;
        }
}

static long long peer_count(int bench, const bag_conf *c, double *secs)
{
        char *wc[] = {"wc", "-l", (char *)c->file, NULL};
        char *grep[] = {"grep", "-c", "-F", "-e", (char *)c->pattern, (char *)c->file,
                        NULL};
        return run_child(bench == BAG_COUNT ? wc : grep, secs);
}

/* ---- the file ----------------------------------------------------------- */

/* Reads the whole file (into the page cache); returns its bytes, or -1.
 * *last gets its last byte (-1 if empty). */
static int64_t warm_file(const char *path, int *last, double *secs)
{
        static char buf[1 << 20];
        int64_t total = 0;
        ssize_t r;
        double t0 = bench_now_ns();
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        *last = -1;
        if (fd < 0) {
                fprintf(stderr, "bag: %s: %s\n", path, strerror(errno));
                return -1;
        }
        while ((r = read(fd, buf, sizeof buf)) != 0) {
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "bag: reading %s: %s\n", path, strerror(errno));
                        close(fd);
                        return -1;
                }
                total += r;
                *last = (unsigned char)buf[r - 1];
        }
        close(fd);
        *secs = (bench_now_ns() - t0) * 1e-9;
        return total;
}

/* The smoke test's text: lines of pseudo-random words; some hold the
 * pattern, some end in its first part with the rest on the next line (a
 * match only across the line end, which must not count), and the last line
 * has no newline. Returns 0 or -1. */
static int write_smoke_file(const char *path, size_t target)
{
        static const char *const words[] = {
                "and", "the", "of", "Go", "God", "unto", "LORD", "od", "said",
                "gods", "Godhead", "in", "that", "shall", "he", "G", "o", "d"};
        FILE *f = fopen(path, "wb");
        uint64_t r = 0x9e3779b97f4a7c15ull;
        size_t n = 0;
        if (!f)
                return -1;
        while (n < target) {
                int len, k;
                r = r * 6364136223846793005ull + 1442695040888963407ull;
                len = (int)((r >> 33) % 16);
                for (k = 0; k < len; k++) {
                        const char *w;
                        r = r * 6364136223846793005ull + 1442695040888963407ull;
                        w = words[(r >> 40) % (sizeof words / sizeof words[0])];
                        n += (size_t)fprintf(f, "%s%s", k ? " " : "", w);
                }
                if ((r >> 20) % 13 == 0) /* "...Go\nd..." */
                        n += (size_t)fprintf(f, " Go\nd");
                fputc('\n', f);
                n++;
        }
        fputs("last line, no newline, God", f);
        return fclose(f) == 0 ? 0 : -1;
}

static long long shell_count(const char *fmt, const char *pattern, const char *path)
{
        char cmd[8192];
        FILE *p;
        long long v = -1;
        /* Single-quote both (a quote inside is written '\''). */
        char qp[1024], qf[4096];
        const char *srcs[2] = {pattern, path};
        char *dsts[2] = {qp, qf};
        size_t caps[2] = {sizeof qp, sizeof qf};
        int i;
        for (i = 0; i < 2; i++) {
                const char *s = srcs[i];
                size_t k = 0;
                if (!s)
                        continue;
                for (; *s && k + 5 < caps[i]; s++) {
                        if (*s == '\'') {
                                memcpy(dsts[i] + k, "'\\''", 4);
                                k += 4;
                        } else {
                                dsts[i][k++] = *s;
                        }
                }
                if (*s)
                        return -1;
                dsts[i][k] = '\0';
        }
        if (pattern)
                snprintf(cmd, sizeof cmd, fmt, qp, qf);
        else
                snprintf(cmd, sizeof cmd, fmt, qf);
        p = popen(cmd, "r");
        if (!p)
                return -1;
        if (fscanf(p, "%lld", &v) != 1)
                v = -1;
        if (pclose(p) == -1)
                v = -1;
        return v;
}

/* ---- par --------------------------------------------------------------- */

/* One run: the bag, the count, computed. Returns the count or -1. */
static int64_t par_run(par_client *c, int bench, const bag_conf *conf, int64_t *nparts)
{
        par_error err = {0};
        par_bag *b = NULL, *f = NULL;
        par_delayed *d = NULL;
        par_value *v = NULL;
        par_read_text_opts ro;
        int64_t got = -1;
        int rc;

        memset(&ro, 0, sizeof ro);
        ro.blocksize_str = conf->blocksize;
        rc = par_read_text(conf->file, &ro, &b, &err);
        if (rc == 0 && bench == BAG_FILTER_COUNT) {
                par_expr *pred = par_contains(par_x(), conf->pattern);
                rc = pred ? par_bag_filter(b, pred, &f, &err) : PAR_ENOMEM;
                par_expr_release(pred);
        }
        if (rc == 0)
                rc = par_bag_count(f ? f : b, NULL, &d, &err);
        if (rc == 0)
                rc = par_compute(c, 1, &d, &v, &err);
        if (rc == 0)
                rc = par_value_get_int64(v, &got, &err);
        if (rc != 0) {
                fprintf(stderr, "bag: %s: %s (%s)\n", bench_names[bench], err.message,
                        par_status_name(rc));
                got = -1;
        } else if (nparts) {
                *nparts = par_bag_npartitions(b);
        }
        par_value_release(v);
        par_delayed_release(d);
        par_bag_release(f);
        par_bag_release(b);
        return got;
}

/* ---- one implementation of one bench ---------------------------------------- */

static int run_bench(int bench, const char *impl, const bench_opts *o,
                     const bag_conf *conf, par_client *client)
{
        static double secs[BENCH_MAX_RUNS], rate[BENCH_MAX_RUNS];
        double med, mn, mx;
        char extra[1024];
        int64_t nparts = 0;
        int is_par = strcmp(impl, "par") == 0;
        int threads = 1, r;

        if (is_par)
                threads = par_executor_threads(par_client_executor(client));
        for (r = -1; r < o->runs; r++) { /* run -1: warm-up, not timed */
                double s = 0, t0;
                long long got;
                if (is_par) {
                        t0 = bench_now_ns();
                        got = par_run(client, bench, conf, &nparts);
                        s = (bench_now_ns() - t0) * 1e-9;
                } else {
                        got = peer_count(bench, conf, &s);
                }
                if (got != conf->want[bench]) {
                        fprintf(stderr,
                                "bag: %s %s: counted %lld, but %s says %" PRId64
                                " (%s)\n",
                                bench_names[bench], impl, got,
                                bench == BAG_COUNT ? "wc -l" : "grep -c",
                                conf->want[bench], conf->file);
                        return 1;
                }
                if (r >= 0) {
                        secs[r] = s;
                        rate[r] = (double)conf->bytes / 1e9 / s;
                }
        }
        bench_stats(secs, o->runs, &med, &mn, &mx);
        if (is_par)
                snprintf(extra, sizeof extra,
                         "\"seconds\":%.6f,\"count\":%" PRId64 ",\"blocksize\":%" PRId64
                         ",\"partitions\":%" PRId64 ",\"pattern\":\"%s\",\"file\":\"%s\"",
                         med, conf->want[bench], conf->blocksize_bytes, nparts,
                         bench == BAG_FILTER_COUNT ? conf->pattern : "", conf->base);
        else
                snprintf(extra, sizeof extra,
                         "\"seconds\":%.6f,\"count\":%" PRId64 ",\"cmd\":\"%s\","
                         "\"locale\":\"C\",\"pattern\":\"%s\",\"file\":\"%s\"",
                         med, conf->want[bench],
                         bench == BAG_COUNT ? "wc -l" : "grep -c -F",
                         bench == BAG_FILTER_COUNT ? conf->pattern : "", conf->base);
        /* secs was sorted by bench_stats; rate is sorted by bench_emit. */
        bench_emit(bench_names[bench], impl, threads, (long long)conf->bytes, "GB_per_s",
                   rate, o->runs, extra);
        bench_emit(bench_names[bench], impl, threads, (long long)conf->bytes, "seconds",
                   secs, o->runs, extra);
        return 0;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "wc", "grep"};
        bench_opts o;
        bag_conf conf;
        const char *bench_sel = NULL;
        char smoke_path[] = "/tmp/par-bench-bag-XXXXXX";
        int smoke_file = 0, b, rc = 0, last = -1, ran = 0;
        double warm_s = 0;
        par_client *client = NULL;
        par_error err = {0};

        memset(&conf, 0, sizeof conf);
        conf.pattern = "God";
        if (bench_take_opt(&argc, argv, "--file", &conf.file) < 0 ||
            bench_take_opt(&argc, argv, "--blocksize", &conf.blocksize) < 0 ||
            bench_take_opt(&argc, argv, "--bench", &bench_sel) < 0 ||
            bench_take_opt(&argc, argv, "--pattern", &conf.pattern) < 0) {
                fprintf(stderr, "bag: an option is missing its value\n%s", usage);
                return 2;
        }
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 3, "bag");
        if (bench_sel && strcmp(bench_sel, bench_names[0]) != 0 &&
            strcmp(bench_sel, bench_names[1]) != 0) {
                fprintf(stderr, "bag: unknown --bench '%s' (known: %s %s)\n", bench_sel,
                        bench_names[0], bench_names[1]);
                return 2;
        }
        if (!*conf.pattern || strlen(conf.pattern) > 200 ||
            strpbrk(conf.pattern, "\"\\\n")) {
                fprintf(stderr, "bag: --pattern must be 1..200 bytes, without quotes, "
                                "backslashes or newlines\n");
                return 2;
        }
        if (!conf.blocksize)
                conf.blocksize = o.smoke ? "16KiB" : "64MiB";
        if (par_parse_bytes(conf.blocksize, &conf.blocksize_bytes, &err) != 0) {
                fprintf(stderr, "bag: --blocksize: %s\n", err.message);
                return 2;
        }
        if (!conf.file) {
                int fd;
                if (!o.smoke) {
                        fprintf(stderr, "bag: --file is required (or --smoke)\n%s", usage);
                        return 2;
                }
                fd = mkstemp(smoke_path);
                if (fd < 0 || close(fd) != 0 || write_smoke_file(smoke_path, 300000) != 0) {
                        fprintf(stderr, "bag: cannot write %s: %s\n", smoke_path,
                                strerror(errno));
                        if (fd >= 0)
                                unlink(smoke_path);
                        return 1;
                }
                conf.file = smoke_path;
                smoke_file = 1;
        }
        conf.base = strrchr(conf.file, '/') ? strrchr(conf.file, '/') + 1 : conf.file;
        if (strpbrk(conf.base, "\"\\")) {
                fprintf(stderr, "bag: the file name must not hold quotes or backslashes\n");
                rc = 2;
                goto out;
        }

        /* Into the page cache; then the reference counts. */
        conf.bytes = warm_file(conf.file, &last, &warm_s);
        if (conf.bytes < 0) {
                rc = 1;
                goto out;
        }
        if (conf.bytes == 0) {
                fprintf(stderr, "bag: %s is empty\n", conf.file);
                rc = 1;
                goto out;
        }
        fprintf(stderr, "bag: %s: %" PRId64 " bytes, read once in %.3f s (%.2f GB/s)\n",
                conf.file, conf.bytes, warm_s, (double)conf.bytes / 1e9 / warm_s);
        conf.want[BAG_COUNT] = shell_count("LC_ALL=C wc -l < '%s'", NULL, conf.file);
        conf.want[BAG_FILTER_COUNT] =
                shell_count("LC_ALL=C grep -c -F -e '%s' '%s'", conf.pattern, conf.file);
        if (conf.want[BAG_COUNT] < 0 || conf.want[BAG_FILTER_COUNT] < 0) {
                fprintf(stderr, "bag: could not get the reference counts from wc -l and "
                                "grep -c\n");
                rc = 1;
                goto out;
        }
        /* bag_count counts a last line without a newline too; wc -l does not.
         * The wc peer's own output is compared with wc's count. */

        for (b = 0; b < 2 && rc == 0; b++) {
                const char *peer = b == BAG_COUNT ? "wc" : "grep";
                int64_t want_wc = conf.want[BAG_COUNT];
                if (bench_sel && strcmp(bench_sel, bench_names[b]) != 0)
                        continue;
                if (bench_want(&o, "par")) {
                        if (!client) {
                                par_client_opts co;
                                memset(&co, 0, sizeof co);
                                co.threads = o.threads;
                                if (par_client_new(&co, &client, &err) != 0) {
                                        fprintf(stderr, "bag: par_client_new: %s\n",
                                                err.message);
                                        rc = 1;
                                        break;
                                }
                        }
                        if (b == BAG_COUNT && last != '\n')
                                conf.want[BAG_COUNT] = want_wc + 1;
                        rc = run_bench(b, "par", &o, &conf, client);
                        conf.want[BAG_COUNT] = want_wc;
                        ran++;
                }
                if (rc == 0 && bench_want(&o, peer)) {
                        rc = run_bench(b, peer, &o, &conf, NULL);
                        ran++;
                }
        }
        if (rc == 0 && ran == 0) { /* e.g. --impl wc --bench bag_filter_count */
                fprintf(stderr, "bag: --impl %s does not run %s\n", o.impl,
                        bench_sel ? bench_sel : "");
                rc = BENCH_EXIT_SKIP;
        }
out:
        par_client_free(client);
        if (smoke_file)
                unlink(smoke_path);
        return rc;
}
