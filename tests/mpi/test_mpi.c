/* tests/mpi/test_mpi.c — the MPI backend against the local one. Run under
 * `mpirun -n 3`: rank 0 computes bags, frames, arrays, a linear fit,
 * delayed calls and futures through an MPI client and through a local
 * client, and checks that the results are equal; then that a failing task
 * reports its rank and key, that an unknown op fails cleanly, and that
 * the client still works after failures; that persisted frames, arrays
 * and bags stay on the workers and releasing them empties the workers'
 * stores; and that several clients in sequence (sessions) share nothing.
 * Ranks >= 1 serve as workers.
 *
 * Exit 77 (skipped) in sanitizer builds, where OpenMPI's own threads and
 * leaks would be reported (PAR_TEST_MPI_SANITIZED=1 runs it anyway), when
 * the build has no MPI, and when run as a single rank. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par.h>

#include "../check.h"

static int inc(par_task_ctx *ctx, size_t n, par_value *const *args,
               par_value **out)
{
        int64_t x;
        if (n != 1 || par_value_get_int64(args[0], &x, NULL) < 0)
                return par_task_fail(ctx, PAR_ETYPE, "inc(x): x must be int64");
        *out = par_value_int64(x + 1);
        return *out ? 0 : PAR_ENOMEM;
}
PAR_REGISTER_OP("mpitest.inc", inc)

static int add(par_task_ctx *ctx, size_t n, par_value *const *args,
               par_value **out)
{
        int64_t s = 0, x;
        for (size_t i = 0; i < n; i++) {
                if (par_value_get_int64(args[i], &x, NULL) < 0)
                        return par_task_fail(ctx, PAR_ETYPE, "add: int64s only");
                s += x;
        }
        *out = par_value_int64(s);
        return *out ? 0 : PAR_ENOMEM;
}
PAR_REGISTER_OP("mpitest.add", add)

/* A partition op that fails on the partition holding `bad`. */
static int fail_on(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        const int64_t *v = par_column_int64(args[0]);
        int64_t bad = par_value_int64_of(args[1]);
        for (int64_t i = 0; v && i < par_column_length(args[0]); i++)
                if (v[i] == bad)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "item %" PRId64 " is bad", bad);
        *out = par_value_retain(args[0]);
        return 0;
}
PAR_REGISTER_OP("mpitest.fail_on", fail_on)

/* Deep equality: columns element by element (through scalar values),
 * tables column by column, ndarrays element by element (bitwise). */
/* sum of both int64 columns' items, checking they arrived whole */
static int sum2(par_task_ctx *ctx, size_t n, par_value *const *args,
                par_value **out)
{
        int64_t s = 0;
        for (size_t k = 0; k < n; k++) {
                const int64_t *v = par_column_int64(args[k]);
                if (!v)
                        return par_task_fail(ctx, PAR_ETYPE, "want int64 columns");
                for (int64_t i = 0; i < par_column_length(args[k]); i++)
                        s += v[i];
        }
        *out = par_value_int64(s);
        return *out ? 0 : PAR_ENOMEM;
}
PAR_REGISTER_OP("mpitest.sum2", sum2)

static bool same(par_value *a, par_value *b)
{
        if (!a || !b)
                return false;
        if (par_value_is_table(a) || par_value_is_table(b)) {
                if (!par_value_is_table(a) || !par_value_is_table(b) ||
                    par_table_ncols(a) != par_table_ncols(b))
                        return false;
                for (size_t i = 0; i < par_table_ncols(a); i++)
                        if (strcmp(par_table_name(a, i), par_table_name(b, i)) ||
                            !same(par_table_column(a, i), par_table_column(b, i)))
                                return false;
                return true;
        }
        if (par_value_is_column(a) || par_value_is_column(b)) {
                if (!par_value_is_column(a) || !par_value_is_column(b) ||
                    par_column_dtype(a) != par_column_dtype(b) ||
                    par_column_length(a) != par_column_length(b))
                        return false;
                for (int64_t i = 0; i < par_column_length(a); i++) {
                        par_value *x = par_column_get(a, i);
                        par_value *y = par_column_get(b, i);
                        bool eq = x && y && same(x, y);
                        par_value_release(x);
                        par_value_release(y);
                        if (!eq)
                                return false;
                }
                return true;
        }
        if (par_value_is_ndarray(a) || par_value_is_ndarray(b)) {
                if (!par_value_is_ndarray(a) || !par_value_is_ndarray(b) ||
                    par_ndarray_ndim(a) != par_ndarray_ndim(b) ||
                    par_ndarray_rows(a) != par_ndarray_rows(b) ||
                    par_ndarray_cols(a) != par_ndarray_cols(b))
                        return false;
                for (int64_t i = 0; i < par_ndarray_rows(a); i++)
                        for (int64_t j = 0; j < par_ndarray_cols(a); j++) {
                                double x = par_ndarray_get(a, i, j);
                                double y = par_ndarray_get(b, i, j);
                                if (memcmp(&x, &y, sizeof x))
                                        return false;
                        }
                return true;
        }
        if (par_value_type(a) == PAR_TYPE_LIST &&
            par_value_type(b) == PAR_TYPE_LIST) {
                if (par_value_list_size(a) != par_value_list_size(b))
                        return false;
                for (size_t i = 0; i < par_value_list_size(a); i++)
                        if (!same(par_value_list_item(a, i),
                                  par_value_list_item(b, i)))
                                return false;
                return true;
        }
        return par_value_equal(a, b);
}

/* Computes `d` on both clients; the values must be equal. */
static void check_delayed(par_client *mc, par_client *lc, par_delayed *d,
                          const char *what)
{
        par_value *a = NULL, *b = NULL;
        par_error e1 = {0}, e2 = {0};
        CHECK_OK(par_compute(mc, 1, &d, &a, &e1), &e1);
        CHECK_OK(par_compute(lc, 1, &d, &b, &e2), &e2);
        CHECK_MSG(same(a, b), "%s differs between the MPI and local clients",
                  what);
        par_value_release(a);
        par_value_release(b);
}

static void test_summary(par_client *mc)
{
        char line[256];
        par_client_summary(mc, line, sizeof line);
        printf("%s\n", line);
        CHECK(strncmp(line, "Scheduler: mpi (", 16) == 0);
        CHECK(strstr(line, "Workers: 2") != NULL);
        CHECK(strcmp(par_client_backend(mc), "mpi") == 0);
}

static void test_bag(par_client *mc, par_client *lc)
{
        par_error err = {0};
        par_bag *r = NULL, *sq = NULL, *odd = NULL;
        par_expr *e = par_add(par_mul(par_x(), par_x()), par_int(1));
        par_expr *p = par_eq(par_mod(par_x(), par_int(3)), par_int(1));
        CHECK_OK(par_bag_range(100000, 13, &r, &err), &err);
        CHECK_OK(par_bag_map(r, e, &sq, &err), &err);
        CHECK_OK(par_bag_filter(sq, p, &odd, &err), &err);
        par_value *a = NULL, *b = NULL;
        CHECK_OK(par_bag_compute(mc, odd, &a, &err), &err);
        CHECK_OK(par_bag_compute(lc, odd, &b, &err), &err);
        CHECK(same(a, b));
        par_value_release(a);
        par_value_release(b);
        par_delayed *d = NULL;
        CHECK_OK(par_bag_count(odd, &(par_agg_opts){.split_every = 2}, &d, &err),
                 &err);
        check_delayed(mc, lc, d, "bag count");
        par_delayed_release(d);
        CHECK_OK(par_bag_stat(sq, PAR_STAT_SUM, NULL, &d, &err), &err);
        check_delayed(mc, lc, d, "bag sum");
        par_delayed_release(d);
        par_expr_release(e);
        par_expr_release(p);
        par_bag_release(odd);
        par_bag_release(sq);
        par_bag_release(r);
}

/* Gaussian partitions from delayed calls -> frame -> b = 4a + 3 -> array
 * -> the exact linear fit, on both clients. */
/* The value of a's statistic on the MPI client equals b's on the local one. */
static void check_stat(par_client *mc, par_client *lc, par_frame *a,
                       par_frame *b, const char *col, par_stat st,
                       const char *what)
{
        par_error err = {0};
        par_delayed *da = NULL, *db = NULL;
        par_value *va = NULL, *vb = NULL;
        CHECK_OK(par_frame_stat(a, col, st, &da, &err), &err);
        CHECK_OK(par_frame_stat(b, col, st, &db, &err), &err);
        CHECK_OK(par_compute(mc, 1, &da, &va, &err), &err);
        CHECK_OK(par_compute(lc, 1, &db, &vb, &err), &err);
        CHECK_MSG(same(va, vb), "%s differs between the MPI and local clients",
                  what);
        par_value_release(va);
        par_value_release(vb);
        par_delayed_release(da);
        par_delayed_release(db);
}

/* Values the workers hold for client c (-1 when the query fails). */
static int64_t stored(par_client *c, int64_t *bytes)
{
        int64_t n = -1;
        par_error err = {0};
        CHECK_OK(par_mpi_stored(c, -1, &n, bytes, &err), &err);
        return n;
}

/* persist keeps the partitions on the ranks that made them: the persisted
 * layer holds small remote values (a local client computing it fetches
 * them), and later graphs run where the partitions are. */
static void test_persist(par_client *mc, par_client *lc, par_frame *df2)
{
        par_error err = {0};
        par_frame *pf = NULL;
        int64_t s0 = stored(mc, NULL), b0 = 0, b1 = 0;
        CHECK(s0 >= 0);
        stored(mc, &b0);
        CHECK_OK(par_frame_persist(mc, df2, &pf, &err), &err);
        if (!pf)
                return;
        int64_t np = par_frame_npartitions(pf);
        /* Each partition is one value in a worker's store, and both
         * workers hold some. */
        CHECK_MSG(stored(mc, &b1) == s0 + np, "stores hold %" PRId64
                  " values, want %" PRId64, stored(mc, NULL), s0 + np);
        CHECK(b1 > b0 + np * 2000 * 16); /* two float64 columns, >= 2000 rows */
        for (int r = 1; r <= 2; r++) {
                int64_t n = 0;
                CHECK_OK(par_mpi_stored(mc, r, &n, NULL, &err), &err);
                CHECK_MSG(n > 0, "rank %d holds no persisted partition", r);
        }
        CHECK(par_mpi_stored(mc, 3, NULL, NULL, &err) == PAR_EINVAL);
        for (int64_t i = 0; i < np; i++) {
                par_delayed *d = NULL;
                par_value *v = NULL, *t = NULL;
                CHECK_OK(par_frame_partition(pf, i, &d, &err), &err);
                /* On the MPI client the partition is the table itself; a
                 * local client fetches it from its rank (the MPI client is
                 * live). */
                CHECK_OK(par_compute(mc, 1, &d, &t, &err), &err);
                CHECK(par_value_is_table(t));
                CHECK(par_table_length(t) == par_frame_lengths(pf)[i]);
                CHECK_OK(par_compute(lc, 1, &d, &v, &err), &err);
                CHECK_MSG(v && t && same(v, t), "partition %" PRId64 " differs "
                          "on the local client", i);
                par_value_release(t);
                par_value_release(v);
                par_delayed_release(d);
        }
        CHECK(stored(mc, NULL) == s0 + np); /* fetching keeps them there */
        check_stat(mc, lc, pf, df2, "a", PAR_STAT_SUM, "persisted frame sum");
        check_stat(mc, lc, pf, df2, "b", PAR_STAT_MEAN, "persisted frame mean");

        /* Persisting the persisted frame again keeps it where it is. */
        par_frame *pf2 = NULL;
        CHECK_OK(par_frame_persist(mc, pf, &pf2, &err), &err);
        if (pf2)
                check_stat(mc, lc, pf2, df2, "b", PAR_STAT_SUM,
                           "twice-persisted frame sum");
        par_frame_release(pf2);

        /* Arrays: persisted chunks stay on their ranks too. */
        par_array *arr = NULL, *pa = NULL, *s1 = NULL, *s2 = NULL;
        CHECK_OK(par_frame_to_array(mc, df2, true, &arr, &err), &err);
        CHECK_OK(par_array_persist(mc, arr, &pa, &err), &err);
        if (pa) {
                par_value *a = NULL, *b = NULL;
                CHECK_OK(par_array_reduce(pa, PAR_STAT_SUM, 0, NULL, &s1, &err),
                         &err);
                CHECK_OK(par_array_reduce(arr, PAR_STAT_SUM, 0, NULL, &s2, &err),
                         &err);
                CHECK_OK(par_array_compute(mc, s1, &a, &err), &err);
                CHECK_OK(par_array_compute(lc, s2, &b, &err), &err);
                CHECK(same(a, b));
                par_value_release(a);
                par_value_release(b);
        }
        par_array_release(s1);
        par_array_release(s2);
        int64_t withpa = stored(mc, NULL);
        CHECK(pa == NULL || withpa > s0 + np);
        par_array_release(pa);
        /* Releasing a persisted collection frees its values on the ranks. */
        CHECK(stored(mc, NULL) == s0 + np);
        par_array_release(arr);
        par_frame_release(pf);
        CHECK_MSG(stored(mc, &b1) == s0 && b1 == b0,
                  "after releasing the persisted frame and array the stores "
                  "hold %" PRId64 " values (%" PRId64 " bytes), want %" PRId64,
                  stored(mc, NULL), b1, s0);
}

static void test_frame_array_linreg(par_client *mc, par_client *lc)
{
        par_error err = {0};
        enum { P = 10 };
        par_delayed *parts[P];
        for (int i = 0; i < P; i++)
                CHECK_OK(par_delayed_call("par.random.normal", 5,
                                          (par_arg[]){par_arg_int64(7),
                                                      par_arg_int64(i),
                                                      par_arg_int64(2000 + i),
                                                      par_arg_float64(4),
                                                      par_arg_float64(2)},
                                          &parts[i], &err),
                         &err);
        par_bag *g = NULL;
        par_frame *df = NULL, *df2 = NULL;
        CHECK_OK(par_bag_from_delayed(P, parts, &g, &err), &err);
        CHECK_OK(par_bag_to_dataframe(g, 1, (const char *[]){"a"},
                                      (par_dtype[]){PAR_DTYPE_FLOAT64}, &df,
                                      &err),
                 &err);
        par_expr *e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
        CHECK_OK(par_frame_assign(df, "b", e, &df2, &err), &err);
        par_expr_release(e);
        par_value *a = NULL, *b = NULL;
        CHECK_OK(par_frame_compute(mc, df2, &a, &err), &err);
        CHECK_OK(par_frame_compute(lc, df2, &b, &err), &err);
        CHECK(same(a, b));
        par_value_release(a);
        par_value_release(b);
        par_delayed *d = NULL;
        CHECK_OK(par_frame_stat(df2, "b", PAR_STAT_MEAN, &d, &err), &err);
        check_delayed(mc, lc, d, "frame mean");
        par_delayed_release(d);

        test_persist(mc, lc, df2);

        /* Arrays: chunk sums in a tree across ranks. */
        par_array *arr = NULL, *s = NULL;
        CHECK_OK(par_frame_to_array(mc, df2, true, &arr, &err), &err);
        CHECK_OK(par_array_reduce(arr, PAR_STAT_SUM, 0,
                                  &(par_agg_opts){.split_every = 3}, &s, &err),
                 &err);
        CHECK_OK(par_array_compute(mc, s, &a, &err), &err);
        CHECK_OK(par_array_compute(lc, s, &b, &err), &err);
        CHECK(same(a, b));
        par_value_release(a);
        par_value_release(b);

        par_array *X = NULL, *y = NULL;
        par_linear_regression m1 = {0}, m2 = {0};
        CHECK_OK(par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 0, 1, 1, &X,
                                 &err),
                 &err);
        CHECK_OK(par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 1, 2, 1, &y,
                                 &err),
                 &err);
        int rc1 = par_linear_regression_fit(mc, NULL, X, y, &m1, &err);
        CHECK_MSG(rc1 == 0, "MPI fit: %s", err.message);
        int rc2 = par_linear_regression_fit(lc, NULL, X, y, &m2, &err);
        if (rc2 == PAR_ENOTSUP) {
                printf("linear fit: not in this build (%s)\n", err.message);
        } else if (rc1 == 0 && rc2 == 0) {
                CHECK(m1.coef[0] == m2.coef[0]);
                CHECK(m1.intercept == m2.intercept);
                CHECK(fabs(m1.coef[0] - 4) < 1e-9);
        }
        par_linear_regression_clear(&m1);
        par_linear_regression_clear(&m2);
        par_array_release(X);
        par_array_release(y);
        par_array_release(s);
        par_array_release(arr);
        par_frame_release(df2);
        par_frame_release(df);
        par_bag_release(g);
        for (int i = 0; i < P; i++)
                par_delayed_release(parts[i]);
}

/* A binary tree of delayed adds over inc(i): sum of 1..n. */
static void test_delayed(par_client *mc, par_client *lc)
{
        enum { N = 64 };
        par_error err = {0};
        par_delayed *lvl[N];
        for (int i = 0; i < N; i++)
                CHECK_OK(par_delayed_call("mpitest.inc", 1,
                                          (par_arg[]){par_arg_int64(i)}, &lvl[i],
                                          &err),
                         &err);
        for (int n = N; n > 1; n /= 2)
                for (int i = 0; i < n / 2; i++) {
                        par_delayed *s = NULL;
                        CHECK_OK(par_delayed_call("mpitest.add", 2,
                                                  (par_arg[]){par_arg_delayed(lvl[2 * i]),
                                                              par_arg_delayed(lvl[2 * i + 1])},
                                                  &s, &err),
                                 &err);
                        par_delayed_release(lvl[2 * i]);
                        par_delayed_release(lvl[2 * i + 1]);
                        lvl[i] = s;
                }
        check_delayed(mc, lc, lvl[0], "delayed tree");
        par_value *v = NULL;
        CHECK_OK(par_compute(mc, 1, &lvl[0], &v, &err), &err);
        CHECK(v && par_value_int64_of(v) == (int64_t)N * (N + 1) / 2);
        par_value_release(v);
        par_future *f = NULL;
        CHECK_OK(par_client_compute(mc, 1, &lvl[0], &f, &err), &err);
        CHECK_OK(par_future_result(f, &v, &err), &err);
        CHECK(v && par_value_int64_of(v) == (int64_t)N * (N + 1) / 2);
        par_value_release(v);
        par_future_release(f);
        par_delayed_release(lvl[0]);
}

/* Chains of futures, gathered. */
static void test_futures(par_client *mc)
{
        enum { N = 20 };
        par_error err = {0};
        par_future *f[N];
        par_value *v[N];
        for (int i = 0; i < N; i++) {
                par_arg a = i ? par_arg_future(f[i - 1]) : par_arg_int64(100);
                CHECK_OK(par_client_submit(mc, "mpitest.inc", 1, &a, &f[i], &err),
                         &err);
        }
        CHECK_OK(par_gather(N, f, v, &err), &err);
        for (int i = 0; i < N; i++) {
                CHECK(v[i] && par_value_int64_of(v[i]) == 101 + i);
                par_value_release(v[i]);
                par_future_release(f[i]);
        }
}

/* Large partitions (sent in place, as BULK messages): whole to rank 0,
 * and from one worker to the other (a task with one input on each). */
static void test_large(par_client *mc, par_client *lc)
{
        enum { N = 1000000, P = 4 };
        par_error err = {0};
        par_bag *r = NULL;
        CHECK_OK(par_bag_range(N, P, &r, &err), &err);
        par_value *a = NULL, *b = NULL;
        CHECK_OK(par_bag_compute(mc, r, &a, &err), &err);
        CHECK_OK(par_bag_compute(lc, r, &b, &err), &err);
        CHECK(same(a, b));
        par_value_release(a);
        par_value_release(b);
        par_delayed *first = NULL, *last = NULL, *s = NULL;
        CHECK_OK(par_bag_partition(r, 0, &first, &err), &err);
        CHECK_OK(par_bag_partition(r, P - 1, &last, &err), &err);
        CHECK_OK(par_delayed_call("mpitest.sum2", 2,
                                  (par_arg[]){par_arg_delayed(first),
                                              par_arg_delayed(last)},
                                  &s, &err),
                 &err);
        int64_t q = N / P, want = 0;
        for (int64_t i = 0; i < q; i++)
                want += i + (N - q + i);
        CHECK_OK(par_compute(mc, 1, &s, &a, &err), &err);
        CHECK(a && par_value_int64_of(a) == want);
        par_value_release(a);
        par_delayed_release(s);
        par_delayed_release(first);
        par_delayed_release(last);
        par_bag_release(r);
}

static void test_errors(par_client *mc)
{
        par_error err = {0};
        par_bag *r = NULL, *m = NULL;
        CHECK_OK(par_bag_range(80, 8, &r, &err), &err);
        CHECK_OK(par_bag_map_partitions(r, "mpitest.fail_on", 1,
                                        (par_arg[]){par_arg_int64(53)}, &m, &err),
                 &err);
        par_value *v = NULL;
        int rc = par_bag_compute(mc, m, &v, &err);
        printf("expected failure: %s\n", err.message);
        CHECK(rc == PAR_EINVAL && v == NULL);
        CHECK(strstr(err.message, "rank ") != NULL);
        CHECK(strstr(err.message, "', 5)") != NULL);
        CHECK(strstr(err.message, "item 53 is bad") != NULL);
        par_bag_release(m);
        par_bag_release(r);

        par_delayed *d = NULL;
        CHECK_OK(par_delayed_call("mpitest.no_such_op", 0, NULL, &d, &err), &err);
        rc = par_compute(mc, 1, &d, &v, &err);
        CHECK(rc == PAR_ENOENT);
        printf("expected failure: %s\n", err.message);
        par_delayed_release(d);

        /* An op registered on rank 0 only: rank 0 accepts the graph, the
         * worker that gets the task refuses it, and says so. */
        CHECK_OK(par_op_register("mpitest.rank0_only", inc, &err), &err);
        par_delayed *parts[4];
        for (int i = 0; i < 4; i++)
                CHECK_OK(par_delayed_call(i == 3 ? "mpitest.rank0_only"
                                                 : "mpitest.inc",
                                          1, (par_arg[]){par_arg_int64(i)},
                                          &parts[i], &err),
                         &err);
        par_value *vs[4] = {0};
        rc = par_compute(mc, 4, parts, vs, &err);
        printf("expected failure: %s\n", err.message);
        CHECK(rc == PAR_ENOENT && vs[0] == NULL);
        CHECK(strncmp(err.message, "rank ", 5) == 0);
        CHECK(strstr(err.message, "mpitest.rank0_only") != NULL);
        for (int i = 0; i < 4; i++)
                par_delayed_release(parts[i]);

        par_future *f = NULL;
        CHECK_OK(par_client_submit(mc, "mpitest.inc", 1,
                                   (par_arg[]){par_arg_string("x")}, &f, &err),
                 &err);
        rc = par_future_result(f, &v, &err);
        CHECK(rc == PAR_ETYPE && strstr(err.message, "rank ") != NULL);
        par_future_release(f);
}

/* A frame of P partitions (int64 "i" = 0..n-1, float64 "x" = 2i) made on
 * the ranks, for the session tests. */
static par_frame *small_frame(int64_t n, int64_t parts)
{
        par_error err = {0};
        par_bag *r = NULL;
        par_frame *f = NULL;
        CHECK_OK(par_bag_range(n, parts, &r, &err), &err);
        CHECK_OK(par_bag_to_dataframe(r, 1, (const char *[]){"i"},
                                      (par_dtype[]){PAR_DTYPE_INT64}, &f, &err),
                 &err);
        par_frame *g = NULL;
        par_expr *e = par_mul(par_int(2), par_col("i"));
        if (f)
                CHECK_OK(par_frame_assign(f, "x", e, &g, &err), &err);
        par_expr_release(e);
        par_frame_release(f);
        par_bag_release(r);
        return g;
}

static int64_t frame_sum(par_client *c, par_frame *f, const char *col,
                         int *rc, par_error *err)
{
        par_delayed *d = NULL;
        par_value *v = NULL;
        *rc = par_frame_stat(f, col, PAR_STAT_SUM, &d, err);
        if (*rc == 0)
                *rc = par_compute(c, 1, &d, &v, err);
        int64_t s = INT64_MIN;
        if (v && par_value_type(v) == PAR_TYPE_INT64)
                s = par_value_int64_of(v);
        else if (v && par_value_type(v) == PAR_TYPE_FLOAT64)
                s = (int64_t)par_value_float64_of(v);
        par_value_release(v);
        par_delayed_release(d);
        return s;
}

/* Several clients in one MPI world, one after another: one live at a
 * time; what a session persisted is dropped with it and cannot be read by
 * the next; a failure in one session (also a failed persist) leaves the
 * stores clean and the next session working. */
static void test_sessions(void)
{
        enum { N = 50000, P = 9 };
        const int64_t want = (int64_t)N * (N - 1) / 2; /* sum of i */
        par_error err = {0};
        par_client *c1 = NULL, *c2 = NULL, *c3 = NULL;
        int rc;
        CHECK_OK(par_mpi_client_new(&c1, &err), &err);
        if (!c1)
                return;
        rc = par_mpi_client_new(&c2, &err);
        CHECK(rc == PAR_ESTATE && c2 == NULL &&
              strstr(err.message, "still live") != NULL);
        CHECK(par_mpi_finish(&err) == PAR_ESTATE);
        CHECK(stored(c1, NULL) == 0);

        /* Session 1 persists, reads, and leaves a persisted frame alive
         * past its end. */
        par_frame *f = small_frame(N, P), *pf = NULL;
        CHECK_OK(par_frame_persist(c1, f, &pf, &err), &err);
        CHECK(stored(c1, NULL) == P);
        CHECK(frame_sum(c1, pf, "i", &rc, &err) == want && rc == 0);
        par_client_free(c1);

        /* Session 2: nothing of session 1 is held or readable. */
        CHECK_OK(par_mpi_client_new(&c2, &err), &err);
        if (!c2) {
                par_frame_release(pf);
                par_frame_release(f);
                return;
        }
        CHECK(stored(c2, NULL) == 0);
        CHECK(frame_sum(c2, pf, "i", &rc, &err) == INT64_MIN);
        CHECK_MSG(rc == PAR_ESTATE && strstr(err.message, "another client"),
                  "rc %d: %s", rc, err.message);
        par_client *lc = NULL;
        CHECK_OK(par_client_new(NULL, &lc, &err), &err);
        CHECK(frame_sum(lc, pf, "i", &rc, &err) == INT64_MIN);
        CHECK_MSG(rc == PAR_ESTATE && strstr(err.message, "is freed"),
                  "rc %d: %s", rc, err.message);
        par_frame_release(pf); /* its session is over: freed here only */
        CHECK(stored(c2, NULL) == 0);

        /* A persist whose task fails keeps nothing; then an error in a
         * plain run; the session goes on. */
        par_bag *r = NULL, *bad = NULL;
        CHECK_OK(par_bag_range(N, P, &r, &err), &err);
        CHECK_OK(par_bag_map_partitions(r, "mpitest.fail_on", 1,
                                        (par_arg[]){par_arg_int64(N - 7)},
                                        &bad, &err),
                 &err);
        par_bag *pb = NULL;
        rc = par_bag_persist(c2, bad, &pb, &err);
        CHECK(rc == PAR_EINVAL && pb == NULL && strstr(err.message, "rank "));
        CHECK_MSG(stored(c2, NULL) == 0, "a failed persist left %" PRId64
                  " values", stored(c2, NULL));
        par_value *v = NULL;
        CHECK(par_bag_compute(c2, bad, &v, &err) == PAR_EINVAL && v == NULL);

        /* Bags persist on the ranks too, and come back whole. */
        par_bag *pr = NULL;
        CHECK_OK(par_bag_persist(c2, r, &pr, &err), &err);
        CHECK(stored(c2, NULL) == P);
        par_value *all = NULL;
        if (pr)
                CHECK_OK(par_bag_compute(c2, pr, &all, &err), &err);
        int64_t at = 0;
        bool same_items = all && par_value_list_size(all) == P;
        for (size_t p = 0; same_items && p < P; p++) {
                par_value *part = par_value_list_item(all, p);
                const int64_t *x = par_column_int64(part);
                for (int64_t i = 0; x && i < par_column_length(part); i++)
                        same_items = same_items && x[i] == at++;
                same_items = same_items && x;
        }
        CHECK(same_items && at == N);
        par_value_release(all);
        par_delayed *cnt = NULL;
        if (pr)
                CHECK_OK(par_bag_count(pr, NULL, &cnt, &err), &err);
        par_value *cv = NULL;
        CHECK_OK(par_compute(c2, 1, &cnt, &cv, &err), &err);
        CHECK(cv && par_value_int64_of(cv) == N);
        par_value_release(cv);
        cv = NULL;
        /* A local client reads them through the live MPI client. */
        CHECK_OK(par_compute(lc, 1, &cnt, &cv, &err), &err);
        CHECK(cv && par_value_int64_of(cv) == N);
        par_value_release(cv);
        par_client_free(lc);
        par_delayed_release(cnt);
        par_bag_release(pr);
        CHECK(stored(c2, NULL) == 0);
        /* Freed with values still persisted: the workers drop them. */
        par_frame *pf2 = NULL;
        CHECK_OK(par_frame_persist(c2, f, &pf2, &err), &err);
        CHECK(stored(c2, NULL) == P);
        par_client_free(c2);

        /* Session 3 starts clean and computes as the first did. */
        CHECK_OK(par_mpi_client_new(&c3, &err), &err);
        if (c3) {
                CHECK(stored(c3, NULL) == 0);
                CHECK(frame_sum(c3, f, "x", &rc, &err) == 2 * want && rc == 0);
                CHECK_OK(par_client_new(NULL, &lc, &err), &err);
                CHECK(par_mpi_stored(lc, -1, NULL, NULL, &err) == PAR_EINVAL);
                par_client_free(lc);
        }
        par_client_free(c3);
        par_frame_release(pf2);
        par_bag_release(bad);
        par_bag_release(r);
        par_frame_release(f);
}

/* OpenMPI is not built with the sanitizers; PAR_TEST_MPI_SANITIZED=1
 * runs anyway (with ASAN_OPTIONS=detect_leaks=0 or suppressions). */
static bool skip_sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        const char *s = getenv("PAR_TEST_MPI_SANITIZED");
        return !(s && strcmp(s, "1") == 0);
#else
        return false;
#endif
}

int main(int argc, char **argv)
{
        if (skip_sanitized()) {
                printf("test_mpi: skipped (OpenMPI is not instrumented for "
                       "sanitizers)\n");
                return 77;
        }
        if (!par_mpi_available()) {
                printf("test_mpi: skipped (built without MPI)\n");
                return 77;
        }
        par_client *mc = NULL, *lc = NULL;
        par_error err = {0};
        /* par_mpi_init (one client, freeing it finishes) is what
         * examples/mpi_talk.c uses; here the world holds several. */
        int role = par_mpi_start(&argc, &argv, &(par_mpi_opts){.threads = 2},
                                 &err);
        if (role < 0) {
                fprintf(stderr, "test_mpi: par_mpi_start: %s\n", err.message);
                return 1;
        }
        if (role == PAR_MPI_WORKER)
                return 0;
        CHECK(par_mpi_start(&argc, &argv, NULL, &err) == PAR_ESTATE);
        if (par_mpi_client_new(&mc, &err) < 0) {
                fprintf(stderr, "test_mpi: par_mpi_client_new: %s\n",
                        err.message);
                par_mpi_finish(NULL);
                return 1;
        }
        char line[256];
        par_client_summary(mc, line, sizeof line);
        if (strstr(line, "(1 rank")) {
                printf("test_mpi: skipped (run it under mpirun -n 3)\n");
                par_client_free(mc);
                par_mpi_finish(NULL);
                return 77;
        }
        if (par_client_new(&(par_client_opts){.threads = 2}, &lc, &err) < 0) {
                fprintf(stderr, "test_mpi: %s\n", err.message);
                par_client_free(mc);
                par_mpi_finish(NULL);
                return 1;
        }
        test_summary(mc);
        test_bag(mc, lc);
        test_delayed(mc, lc);
        test_futures(mc);
        test_large(mc, lc);
        test_errors(mc);
        test_frame_array_linreg(mc, lc);
        test_bag(mc, lc); /* still works after the failures */
        par_client_free(lc);
        par_client_free(mc);
        test_sessions();
        CHECK_OK(par_mpi_finish(&err), &err);
        CHECK(par_mpi_finish(&err) == PAR_ESTATE);
        CHECK(par_mpi_client_new(&mc, &err) == PAR_ESTATE && mc == NULL);
        return check_done("test_mpi");
}
