/* bench/groupby.c — hash groupby-agg of an in-memory frame (bench
 * "groupby"), par's side; bench/groupby_pandas.py is pandas' on the same
 * shape of data.
 *
 *   df.groupby("k").agg(v_sum=("v", "sum"), v_mean=("v", "mean"))
 *
 * over n rows (default 10^7): k int64 uniform in [0, groups) (default
 * 1000), v float64 uniform in [0, 1), from a fixed xorshift stream, held
 * in --partitions in-memory partitions (default 32). Timed: building the
 * graph and computing it (partials per partition, the tree of merges, the
 * sorted result). Not timed: making the data. Verified after the runs
 * against a serial loop over the same arrays (group count, every sum and
 * mean within 1e-9 relative).
 *
 * Lines: metric "seconds" (median of --runs) and "rows_per_s" (n over
 * each run's seconds). Options: bench_util.h's, plus --groups G and
 * --partitions P. --smoke: 10^5 rows, one run. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "par.h"

static const char usage[] =
        "usage: groupby [--n N] [--groups G] [--partitions P] [--threads T] "
        "[--runs R] [--smoke]\n";

typedef struct data {
        int64_t n, groups;
        int parts;
        int64_t *k;
        double *v;
        par_value **tables;
} data;

static int make_data(data *d)
{
        d->k = malloc((size_t)d->n * sizeof *d->k);
        d->v = malloc((size_t)d->n * sizeof *d->v);
        d->tables = calloc((size_t)d->parts, sizeof *d->tables);
        if (!d->k || !d->v || !d->tables)
                return -1;
        uint64_t s = 0x9e3779b97f4a7c15u;
        for (int64_t i = 0; i < d->n; i++) {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                d->k[i] = (int64_t)((s >> 16) % (uint64_t)d->groups);
                d->v[i] = (double)(s >> 11) / 9007199254740992.0;
        }
        for (int p = 0; p < d->parts; p++) {
                int64_t lo = d->n * p / d->parts, hi = d->n * (p + 1) / d->parts;
                par_value *cols[2] = {par_column_from_int64(d->k + lo, hi - lo, NULL),
                                      par_column_from_float64(d->v + lo, hi - lo, NULL)};
                d->tables[p] = par_table_new(2, (const char *[]){"k", "v"}, cols);
                par_value_release(cols[0]);
                par_value_release(cols[1]);
                if (!d->tables[p])
                        return -1;
        }
        return 0;
}

static int run_once(par_client *c, par_frame *f, par_value **out, double *sec)
{
        par_error err = {0};
        par_delayed *d = NULL;
        double t0 = bench_now_ns();
        int rc = par_frame_groupby_agg(f, "k", 2, (const char *[]){"v", "v"},
                                       (par_stat[]){PAR_STAT_SUM, PAR_STAT_MEAN}, &d,
                                       &err);
        if (rc == 0)
                rc = par_compute(c, 1, &d, out, &err);
        *sec = (bench_now_ns() - t0) / 1e9;
        par_delayed_release(d);
        if (rc != 0)
                fprintf(stderr, "groupby: %s\n", err.message);
        return rc;
}

/* The result against a serial loop over the same arrays. */
static int verify(const data *d, const par_value *t)
{
        double *sum = calloc((size_t)d->groups, sizeof *sum);
        int64_t *cnt = calloc((size_t)d->groups, sizeof *cnt);
        if (!sum || !cnt)
                return -1;
        for (int64_t i = 0; i < d->n; i++) {
                sum[d->k[i]] += d->v[i];
                cnt[d->k[i]]++;
        }
        int64_t ng = 0, bad = 0;
        for (int64_t g = 0; g < d->groups; g++)
                ng += cnt[g] > 0;
        const int64_t *k = par_column_int64(par_table_column(t, 0));
        const double *s = par_column_float64(par_table_column(t, 1));
        const double *m = par_column_float64(par_table_column(t, 2));
        int64_t len = par_table_length(t);
        for (int64_t i = 0; k && s && m && i < len; i++) {
                double ws = sum[k[i]], wm = ws / (double)cnt[k[i]];
                bad += fabs(s[i] - ws) > 1e-9 * fabs(ws) || fabs(m[i] - wm) > 1e-9 * wm ||
                       (i && k[i] <= k[i - 1]);
        }
        free(sum);
        free(cnt);
        if (len != ng || bad || !k || !s || !m) {
                fprintf(stderr, "groupby: wrong result: %" PRId64 " groups (expected %"
                                PRId64 "), %" PRId64 " differ\n",
                        len, ng, bad);
                return -1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        const char *gv = NULL, *pv = NULL;
        long long groups = 1000, parts = 32;
        if (bench_take_opt(&argc, argv, "--groups", &gv) < 0 ||
            bench_take_opt(&argc, argv, "--partitions", &pv) < 0 ||
            (gv && bench_parse_ll(gv, 1, &groups)) ||
            (pv && bench_parse_ll(pv, 1, &parts))) {
                fputs(usage, stderr);
                return 2;
        }
        bench_opts o;
        bench_parse(argc, argv, &o, usage);
        data d = {.n = o.n >= 0 ? o.n : o.smoke ? 100000 : 10000000,
                  .groups = groups,
                  .parts = (int)parts};
        if (make_data(&d) < 0) {
                fprintf(stderr, "groupby: out of memory making the data\n");
                return 1;
        }
        par_error err = {0};
        par_client *c = NULL;
        par_client_opts co;
        memset(&co, 0, sizeof co);
        co.threads = o.threads;
        par_frame *f = NULL;
        if (par_client_new(&co, &c, &err) != 0 ||
            par_frame_from_tables((size_t)d.parts, d.tables, &f, &err) != 0) {
                fprintf(stderr, "groupby: %s\n", err.message);
                return 1;
        }
        double secs[BENCH_MAX_RUNS], rates[BENCH_MAX_RUNS];
        par_value *last = NULL;
        int rc = 0;
        for (int r = 0; r < o.runs && rc == 0; r++) {
                par_value_release(last);
                last = NULL;
                rc = run_once(c, f, &last, &secs[r]);
                rates[r] = (double)d.n / secs[r];
        }
        if (rc == 0)
                rc = verify(&d, last);
        if (rc == 0) {
                char extra[64];
                snprintf(extra, sizeof extra, "\"groups\":%lld,\"partitions\":%d", groups,
                         d.parts);
                bench_emit("groupby", "par", o.threads, (long long)d.n, "seconds", secs,
                           o.runs, extra);
                bench_emit("groupby", "par", o.threads, (long long)d.n, "rows_per_s",
                           rates, o.runs, extra);
        }
        par_value_release(last);
        par_frame_release(f);
        par_client_free(c);
        for (int p = 0; p < d.parts; p++)
                par_value_release(d.tables[p]);
        free(d.tables);
        free(d.k);
        free(d.v);
        return rc == 0 ? 0 : 1;
}
