/* Arrays against plain C on the same buffers: shapes and chunking, slices
 * with steps (NumPy's rules, written here as a brute-force index walk),
 * reductions against serial long-double sums, frame conversion (int64 and
 * bool promoted, nulls as NaN), the summary line, unknown chunk lengths,
 * persist, and the errors. Each part runs on the pool and on the serial
 * executor. Last, every allocation of a workload using each array and
 * linear-model function is made to fail in turn: each run must fail
 * cleanly or succeed, and free every block. */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t next_u64(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static double uniform(void)
{
        return (double)(next_u64() >> 11) * 0x1.0p-53;
}

/* NumPy's slice rules by brute force: the indices i in [0, n) walked from
 * the normalized start by step until past the normalized stop. Written
 * from the Python reference (slice.indices) as clamps. */
static int64_t ref_slice(int64_t n, int64_t start, int64_t stop, int64_t step,
                         int64_t *idx)
{
        if (step == PAR_NONE)
                step = 1;
        int64_t lo_clamp = step > 0 ? 0 : -1, hi_clamp = step > 0 ? n : n - 1;
        int64_t s, e;
        if (start == PAR_NONE)
                s = step > 0 ? 0 : n - 1;
        else
                s = start < 0 ? start + n : start;
        if (stop == PAR_NONE)
                e = step > 0 ? n : -1;
        else
                e = stop < 0 ? stop + n : stop;
        s = s < lo_clamp ? lo_clamp : s > hi_clamp ? hi_clamp : s;
        e = e < lo_clamp ? lo_clamp : e > hi_clamp ? hi_clamp : e;
        int64_t k = 0;
        for (int64_t i = s; step > 0 ? i < e : i > e; i += step)
                idx[k++] = i;
        return k;
}

/* Checks a computed value against rows ri[] x cols ci[] of the row-major
 * buffer `ref` (cols C). */
static int same_as(const par_value *v, const double *ref, int64_t C,
                   const int64_t *ri, int64_t nr, const int64_t *ci, int64_t nc)
{
        if (!par_value_is_ndarray(v) || par_ndarray_rows(v) != nr ||
            par_ndarray_cols(v) != nc)
                return 0;
        for (int64_t i = 0; i < nr; i++)
                for (int64_t j = 0; j < nc; j++)
                        if (par_ndarray_get(v, i, j) != ref[ri[i] * C + ci[j]])
                                return 0;
        return 1;
}

enum { R = 1003, C = 5, CH = 97 };

static double buf[R * C];       /* row-major */
static double colmajor[R * C];  /* the same, column-major */

static void test_shapes(par_client *c)
{
        par_error err = {0};
        par_array *a = NULL, *b = NULL;
        CHECK_OK(par_array_from_buffer(buf, R, C, CH, PAR_ROW_MAJOR, &a, &err), &err);
        CHECK_OK(par_array_from_buffer(colmajor, R, C, CH, PAR_COL_MAJOR, &b, &err), &err);
        int64_t shape[2] = {0, 0};
        CHECK(par_array_shape(a, shape) == 2 && shape[0] == R && shape[1] == C);
        CHECK(par_array_nchunks(a) == (R + CH - 1) / CH);
        const int64_t *cr = par_array_chunk_rows(a);
        int64_t total = 0;
        for (int64_t i = 0; i < par_array_nchunks(a); i++) {
                CHECK(cr[i] == (i + 1 < par_array_nchunks(a) ? CH : R % CH));
                total += cr[i];
        }
        CHECK(total == R);
        /* Same contents, same token, whatever the layout given. */
        par_value *va = NULL, *vb = NULL;
        CHECK_OK(par_array_compute(c, a, &va, &err), &err);
        CHECK_OK(par_array_compute(c, b, &vb, &err), &err);
        int64_t ri[R], ci[C];
        for (int64_t i = 0; i < R; i++)
                ri[i] = i;
        for (int64_t j = 0; j < C; j++)
                ci[j] = j;
        CHECK(same_as(va, buf, C, ri, R, ci, C));
        CHECK(same_as(vb, buf, C, ri, R, ci, C));
        /* A computed array is contiguous column-major. */
        CHECK(par_ndarray_row_stride(va) == 1 && par_ndarray_col_stride(va) == R);
        CHECK(par_ndarray_data(va)[2 * R + 7] == buf[7 * C + 2]);
        double *back = malloc(sizeof buf);
        CHECK_OK(par_ndarray_copy(va, PAR_ROW_MAJOR, back, &err), &err);
        CHECK(memcmp(back, buf, sizeof buf) == 0);
        CHECK_OK(par_ndarray_copy(va, PAR_COL_MAJOR, back, &err), &err);
        CHECK(memcmp(back, colmajor, sizeof buf) == 0);
        free(back);
        par_value_release(va);
        par_value_release(vb);
        CHECK(par_array_ntasks(a) == par_array_nchunks(a));

        /* Persist keeps the chunks and their keys. */
        par_array *p = NULL;
        CHECK_OK(par_array_persist(c, a, &p, &err), &err);
        CHECK(strcmp(par_array_name(p), par_array_name(a)) == 0);
        CHECK(par_array_ntasks(p) == par_array_nchunks(a));
        par_array_release(p);

        /* 1-d and empty arrays. */
        par_array *v = NULL;
        CHECK_OK(par_array_from_vector(colmajor, R, 100, &v, &err), &err);
        CHECK(par_array_shape(v, shape) == 1 && shape[0] == R);
        par_value *vv = NULL;
        CHECK_OK(par_array_compute(c, v, &vv, &err), &err);
        CHECK(par_ndarray_ndim(vv) == 1 && par_ndarray_rows(vv) == R &&
              par_ndarray_get(vv, 5, 0) == buf[5 * C]);
        par_value_release(vv);
        par_array *e = NULL;
        CHECK_OK(par_array_from_buffer(NULL, 0, 3, 10, PAR_ROW_MAJOR, &e, &err), &err);
        CHECK(par_array_nchunks(e) == 1 && par_array_chunk_rows(e)[0] == 0);
        CHECK_OK(par_array_compute(c, e, &vv, &err), &err);
        CHECK(par_ndarray_rows(vv) == 0 && par_ndarray_cols(vv) == 3);
        par_value_release(vv);

        /* Errors making arrays. */
        par_array *bad = NULL;
        CHECK(par_array_from_buffer(buf, R, C, 0, PAR_ROW_MAJOR, &bad, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "chunk_rows") != NULL);
        CHECK(par_array_from_buffer(NULL, R, C, 10, PAR_ROW_MAJOR, &bad, &err) == PAR_EINVAL);
        CHECK(par_array_from_buffer(buf, -1, C, 10, PAR_ROW_MAJOR, &bad, &err) == PAR_EINVAL);
        CHECK(bad == NULL);
        par_array_release(a);
        par_array_release(b);
        par_array_release(v);
        par_array_release(e);
}

static int64_t pick_bound(int64_t n)
{
        switch (next_u64() % 6) {
        case 0: return PAR_NONE;
        case 1: return (int64_t)(next_u64() % (uint64_t)(n + 1));
        case 2: return -(int64_t)(next_u64() % (uint64_t)(n + 1));
        case 3: return n + 1 + (int64_t)(next_u64() % 50);       /* past the end */
        case 4: return -n - 1 - (int64_t)(next_u64() % 50);      /* before the start */
        default: return (int64_t)(next_u64() % (uint64_t)(n + 1)) - n / 2;
        }
}

static int64_t pick_step(void)
{
        static const int64_t steps[] = {PAR_NONE, 1, 1, 2, 3, 7, 96, 97, 98, 500,
                                        -1, -2, -5, -97, -1000, 1000000};
        return steps[next_u64() % (sizeof steps / sizeof steps[0])];
}

static void test_slices(par_client *c)
{
        par_error err = {0};
        par_array *a = NULL;
        CHECK_OK(par_array_from_buffer(buf, R, C, CH, PAR_ROW_MAJOR, &a, &err), &err);
        static int64_t ri[R + 10], ci[C + 10], ri2[R + 10];
        int bad = 0;
        for (int t = 0; t < 300; t++) {
                int64_t rs = pick_bound(R), re = pick_bound(R), rst = pick_step();
                int64_t cs = pick_bound(C), ce = pick_bound(C), cst = pick_step();
                par_array *s = NULL;
                int rc = par_array_slice(a, rs, re, rst, cs, ce, cst, &s, &err);
                if (rc != 0) {
                        bad++;
                        fprintf(stderr, "slice %d: %s\n", t, err.message);
                        continue;
                }
                int64_t nr = ref_slice(R, rs, re, rst, ri);
                int64_t nc = ref_slice(C, cs, ce, cst, ci);
                int64_t shape[2];
                par_array_shape(s, shape);
                int64_t sum = 0;
                for (int64_t k = 0; k < par_array_nchunks(s); k++)
                        sum += par_array_chunk_rows(s)[k];
                par_value *v = NULL;
                rc = par_array_compute(c, s, &v, &err);
                if (rc != 0 || shape[0] != nr || shape[1] != nc || sum != nr ||
                    !same_as(v, buf, C, ri, nr, ci, nc)) {
                        bad++;
                        fprintf(stderr,
                                "slice %d [%lld:%lld:%lld, %lld:%lld:%lld]: want "
                                "(%lld, %lld), got (%lld, %lld) rc %d %s\n",
                                t, (long long)rs, (long long)re, (long long)rst,
                                (long long)cs, (long long)ce, (long long)cst,
                                (long long)nr, (long long)nc, (long long)shape[0],
                                (long long)shape[1], rc, err.message);
                }
                par_value_release(v);
                /* A slice of the slice: rows again, all columns. */
                int64_t rs2 = pick_bound(nr), re2 = pick_bound(nr), rst2 = pick_step();
                par_array *s2 = NULL;
                rc = par_array_slice(s, rs2, re2, rst2, PAR_NONE, PAR_NONE, PAR_NONE, &s2,
                                     &err);
                int64_t nr2 = ref_slice(nr, rs2, re2, rst2, ri2);
                for (int64_t k = 0; k < nr2; k++)
                        ri2[k] = ri[ri2[k]];
                if (rc == 0)
                        rc = par_array_compute(c, s2, &v, &err);
                if (rc != 0 || !same_as(v, buf, C, ri2, nr2, ci, nc)) {
                        bad++;
                        fprintf(stderr, "slice of slice %d: rc %d %s\n", t, rc,
                                err.message);
                }
                par_value_release(v);
                v = NULL;
                par_array_release(s2);
                par_array_release(s);
        }
        CHECK_MSG(bad == 0, "%d of 300 random slices differ from the reference", bad);

        /* The talk's column slices: views, no copy, one chunk per chunk. */
        par_array *x = NULL;
        CHECK_OK(par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, 1, 2, PAR_NONE, &x, &err),
                 &err);
        int64_t shape[2];
        CHECK(par_array_shape(x, shape) == 2 && shape[0] == R && shape[1] == 1);
        CHECK(par_array_nchunks(x) == par_array_nchunks(a));
        CHECK(par_array_ntasks(x) == 2 * par_array_nchunks(a));
        par_delayed *d = NULL;
        par_value *chunk = NULL;
        CHECK_OK(par_array_chunk(x, 3, &d, &err), &err);
        CHECK_OK(par_compute(c, 1, &d, &chunk, &err), &err);
        CHECK(par_ndarray_row_stride(chunk) == 1 && par_ndarray_rows(chunk) == CH &&
              par_ndarray_get(chunk, 0, 0) == buf[3 * CH * C + 1]);
        par_value_release(chunk);
        par_delayed_release(d);
        par_array_release(x);

        /* Out-of-range bounds clamp as NumPy's do: an empty slice has one
         * empty chunk; the whole slice is the array itself. */
        CHECK_OK(par_array_slice(a, R + 5, R + 10, PAR_NONE, PAR_NONE, PAR_NONE, PAR_NONE,
                                 &x, &err),
                 &err);
        CHECK(par_array_shape(x, shape) == 2 && shape[0] == 0 && shape[1] == C);
        CHECK(par_array_nchunks(x) == 1);
        par_value *v = NULL;
        CHECK_OK(par_array_compute(c, x, &v, &err), &err);
        CHECK(par_ndarray_rows(v) == 0 && par_ndarray_cols(v) == C);
        par_value_release(v);
        par_array_release(x);
        CHECK_OK(par_array_slice(a, -10 * R, 10 * R, 1, -100, 100, PAR_NONE, &x, &err), &err);
        CHECK(x == a);
        par_array_release(x);

        /* Errors. */
        x = NULL;
        CHECK(par_array_slice(a, 0, 10, 0, PAR_NONE, PAR_NONE, PAR_NONE, &x, &err) ==
              PAR_EINVAL);
        CHECK(strstr(err.message, "step is 0") != NULL);
        CHECK(par_array_slice(a, 0, 10, 1, 0, 2, 0, &x, &err) == PAR_EINVAL);
        par_array *vec = NULL;
        CHECK_OK(par_array_from_vector(colmajor, R, 100, &vec, &err), &err);
        CHECK(par_array_slice(vec, 0, 10, 1, 0, 1, 1, &x, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "1-d") != NULL);
        CHECK(x == NULL);
        /* 1-d slices with a negative step. */
        CHECK_OK(par_array_slice(vec, -3, PAR_NONE, -250, PAR_NONE, PAR_NONE, PAR_NONE, &x,
                                 &err),
                 &err);
        CHECK_OK(par_array_compute(c, x, &v, &err), &err);
        int64_t n1 = ref_slice(R, -3, PAR_NONE, -250, ri);
        CHECK(par_ndarray_ndim(v) == 1 && par_ndarray_rows(v) == n1 && n1 == 5);
        for (int64_t i = 0; i < n1; i++)
                CHECK(par_ndarray_get(v, i, 0) == buf[ri[i] * C]);
        par_value_release(v);
        par_array_release(x);
        par_array_release(vec);
        par_array_release(a);
}

static void test_reductions(par_client *c)
{
        par_error err = {0};
        par_array *a = NULL;
        CHECK_OK(par_array_from_buffer(buf, R, C, CH, PAR_ROW_MAJOR, &a, &err), &err);
        long double colsum[C] = {0}, all = 0;
        double colmin[C], colmax[C];
        for (int j = 0; j < C; j++) {
                colmin[j] = INFINITY;
                colmax[j] = -INFINITY;
        }
        for (int i = 0; i < R; i++)
                for (int j = 0; j < C; j++) {
                        double x = buf[i * C + j];
                        colsum[j] += x;
                        all += x;
                        colmin[j] = x < colmin[j] ? x : colmin[j];
                        colmax[j] = x > colmax[j] ? x : colmax[j];
                }
        static const par_stat stats[] = {PAR_STAT_SUM, PAR_STAT_MEAN, PAR_STAT_MIN,
                                         PAR_STAT_MAX};
        for (int s = 0; s < 4; s++) {
                for (int split = 2; split <= 16; split += 14) {
                        par_agg_opts o = {split};
                        par_array *r = NULL;
                        par_value *v = NULL;
                        CHECK_OK(par_array_reduce(a, stats[s], 0, &o, &r, &err), &err);
                        int64_t shape[2];
                        CHECK(par_array_shape(r, shape) == 1 && shape[0] == C);
                        CHECK_OK(par_array_compute(c, r, &v, &err), &err);
                        for (int j = 0; j < C; j++) {
                                double want = stats[s] == PAR_STAT_SUM ? (double)colsum[j]
                                              : stats[s] == PAR_STAT_MEAN
                                                      ? (double)(colsum[j] / R)
                                              : stats[s] == PAR_STAT_MIN ? colmin[j]
                                                                         : colmax[j];
                                double got = par_ndarray_get(v, j, 0);
                                CHECK_MSG(fabs(got - want) <= 1e-13 * fabs(want),
                                          "stat %d col %d: %.17g vs %.17g", s, j, got,
                                          want);
                        }
                        par_value_release(v);
                        par_array_release(r);
                }
                /* Everything, as a 0-d array. */
                par_array *r = NULL;
                par_value *v = NULL;
                CHECK_OK(par_array_reduce(a, stats[s], PAR_AXIS_ALL, NULL, &r, &err), &err);
                CHECK(par_array_shape(r, NULL) == 0);
                CHECK_OK(par_array_compute(c, r, &v, &err), &err);
                double want = stats[s] == PAR_STAT_SUM    ? (double)all
                              : stats[s] == PAR_STAT_MEAN ? (double)(all / (R * C))
                                                          : 0;
                if (stats[s] == PAR_STAT_MIN || stats[s] == PAR_STAT_MAX) {
                        want = stats[s] == PAR_STAT_MIN ? INFINITY : -INFINITY;
                        for (int j = 0; j < C; j++)
                                want = stats[s] == PAR_STAT_MIN ? fmin(want, colmin[j])
                                                                : fmax(want, colmax[j]);
                }
                CHECK(par_ndarray_ndim(v) == 0);
                CHECK_MSG(fabs(par_ndarray_get(v, 0, 0) - want) <= 1e-13 * fabs(want),
                          "all-stat %d: %.17g vs %.17g", s, par_ndarray_get(v, 0, 0), want);
                par_value_release(v);
                par_array_release(r);
                /* Per row (axis 1, also written -1). */
                CHECK_OK(par_array_reduce(a, stats[s], -1, NULL, &r, &err), &err);
                CHECK_OK(par_array_compute(c, r, &v, &err), &err);
                CHECK(par_ndarray_ndim(v) == 1 && par_ndarray_rows(v) == R);
                int bad = 0;
                for (int i = 0; i < R; i++) {
                        double m = stats[s] == PAR_STAT_MIN   ? INFINITY
                                   : stats[s] == PAR_STAT_MAX ? -INFINITY
                                                              : 0;
                        for (int j = 0; j < C; j++) {
                                double x = buf[i * C + j];
                                m = stats[s] == PAR_STAT_MIN   ? fmin(m, x)
                                    : stats[s] == PAR_STAT_MAX ? fmax(m, x)
                                                               : m + x;
                        }
                        if (stats[s] == PAR_STAT_MEAN)
                                m /= C;
                        bad += par_ndarray_get(v, i, 0) != m;
                }
                CHECK_MSG(bad == 0, "stat %d per row: %d rows differ", s, bad);
                par_value_release(v);
                par_array_release(r);
        }

        /* A long column sums far better than a running sum would. */
        enum { N = 3000000 };
        double *big = malloc(N * sizeof *big);
        long double exact = 0;
        for (int i = 0; i < N; i++) {
                big[i] = 1e8 + uniform();
                exact += big[i];
        }
        par_array *bv = NULL, *bs = NULL;
        par_value *v = NULL;
        CHECK_OK(par_array_from_vector(big, N, N, &bv, &err), &err);
        CHECK_OK(par_array_reduce(bv, PAR_STAT_SUM, 0, NULL, &bs, &err), &err);
        CHECK_OK(par_array_compute(c, bs, &v, &err), &err);
        double rel = fabs(par_ndarray_get(v, 0, 0) - (double)exact) / (double)exact;
        CHECK_MSG(rel < 1e-15, "sum of 3e6 numbers near 1e8: relative error %.3g", rel);
        par_value_release(v);
        par_array_release(bs);
        par_array_release(bv);
        free(big);

        /* NaN propagates; the min of nothing fails; the mean of nothing is
         * NaN; another stat is not supported. */
        double withnan[6] = {1, 2, NAN, 4, 5, 6};
        par_array *na = NULL, *r = NULL;
        CHECK_OK(par_array_from_vector(withnan, 6, 2, &na, &err), &err);
        for (int s = 0; s < 4; s++) {
                CHECK_OK(par_array_reduce(na, stats[s], 0, NULL, &r, &err), &err);
                CHECK_OK(par_array_compute(c, r, &v, &err), &err);
                CHECK(isnan(par_ndarray_get(v, 0, 0)));
                par_value_release(v);
                par_array_release(r);
        }
        par_array *empty = NULL;
        CHECK_OK(par_array_slice(na, 3, 3, PAR_NONE, PAR_NONE, PAR_NONE, PAR_NONE, &empty,
                                 &err),
                 &err);
        CHECK_OK(par_array_reduce(empty, PAR_STAT_MIN, 0, NULL, &r, &err), &err);
        CHECK(par_array_compute(c, r, &v, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "zero-size array") != NULL);
        par_array_release(r);
        CHECK_OK(par_array_reduce(empty, PAR_STAT_MEAN, 0, NULL, &r, &err), &err);
        CHECK_OK(par_array_compute(c, r, &v, &err), &err);
        CHECK(isnan(par_ndarray_get(v, 0, 0)));
        par_value_release(v);
        par_array_release(r);
        CHECK_OK(par_array_reduce(empty, PAR_STAT_SUM, 0, NULL, &r, &err), &err);
        CHECK_OK(par_array_compute(c, r, &v, &err), &err);
        CHECK(par_ndarray_get(v, 0, 0) == 0);
        par_value_release(v);
        par_array_release(r);
        par_array_release(empty);
        CHECK(par_array_reduce(na, PAR_STAT_VAR, 0, NULL, &r, &err) == PAR_ENOTSUP);
        CHECK(par_array_reduce(na, PAR_STAT_SUM, 1, NULL, &r, &err) == PAR_EINVAL);
        CHECK(par_array_reduce(a, PAR_STAT_SUM, 2, NULL, &r, &err) == PAR_EINVAL);
        CHECK(r == NULL);
        par_array_release(na);

        /* The Gram matrix a.T @ a. */
        par_array *g = NULL;
        CHECK_OK(par_array_gram(a, NULL, &g, &err), &err);
        CHECK_OK(par_array_compute(c, g, &v, &err), &err);
        int bad = 0;
        for (int j = 0; j < C; j++)
                for (int k = 0; k < C; k++) {
                        long double s = 0, mag = 0;
                        for (int i = 0; i < R; i++) {
                                s += (long double)buf[i * C + j] * buf[i * C + k];
                                mag += fabsl((long double)buf[i * C + j] * buf[i * C + k]);
                        }
                        bad += fabs(par_ndarray_get(v, j, k) - (double)s) > 1e-14 * (double)mag;
                }
        CHECK_MSG(bad == 0, "gram: %d entries differ", bad);
        par_value_release(v);
        par_array_release(g);
        par_array_release(a);
}

static void test_frames(par_client *c)
{
        par_error err = {0};
        /* Two in-memory partitions: int64 with a null, float64, bool. */
        int64_t iv[7] = {1, 2, 3, 4, 5, 6, 7};
        double fv[7] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5};
        bool bv[7] = {true, false, true, true, false, false, true};
        uint8_t valid = 0xff & ~(1u << 1); /* element 1 of partition 0 null */
        par_value *tables[2];
        for (int p = 0; p < 2; p++) {
                int64_t off = p ? 3 : 0, n = p ? 4 : 3;
                par_value *cols[3] = {par_column_from_int64(iv + off, n, p ? NULL : &valid),
                                      par_column_from_float64(fv + off, n, NULL),
                                      par_column_from_bool(bv + off, n, NULL)};
                tables[p] = par_table_new(3, (const char *[]){"i", "f", "b"}, cols);
                for (int j = 0; j < 3; j++)
                        par_value_release(cols[j]);
        }
        par_frame *f = NULL;
        CHECK_OK(par_frame_from_tables(2, tables, &f, &err), &err);
        par_array *a = NULL;
        CHECK_OK(par_frame_to_array(NULL, f, false, &a, &err), &err); /* lengths known */
        int64_t shape[2];
        CHECK(par_array_shape(a, shape) == 2 && shape[0] == 7 && shape[1] == 3);
        CHECK(par_array_chunk_rows(a)[0] == 3 && par_array_chunk_rows(a)[1] == 4);
        par_value *v = NULL;
        CHECK_OK(par_array_compute(c, a, &v, &err), &err);
        for (int i = 0; i < 7; i++) {
                if (i == 1)
                        CHECK(isnan(par_ndarray_get(v, i, 0)));
                else
                        CHECK(par_ndarray_get(v, i, 0) == (double)iv[i]);
                CHECK(par_ndarray_get(v, i, 1) == fv[i]);
                CHECK(par_ndarray_get(v, i, 2) == (bv[i] ? 1.0 : 0.0));
        }
        par_value_release(v);
        char line[256];
        par_array_format(a, line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes 168 B  Shape (7, 3)  Chunk (4, 3)  4 Tasks  2 Chunks  "
                               "float64") == 0,
                  "%s", line);
        par_array_release(a);
        par_frame_release(f);
        for (int p = 0; p < 2; p++)
                par_value_release(tables[p]);

        /* A string column is refused by name. */
        par_value *sc = par_column_from_cstrings((const char *[]){"x", "y"}, 2);
        par_value *st = par_table_new(1, (const char *[]){"s"}, &sc);
        CHECK_OK(par_frame_from_tables(1, &st, &f, &err), &err);
        CHECK(par_frame_to_array(c, f, true, &a, &err) == PAR_ETYPE);
        CHECK(strstr(err.message, "'s'") != NULL);
        par_frame_release(f);
        par_value_release(st);
        par_value_release(sc);

        /* A lazy frame: unknown lengths unless asked for. */
        par_bag *bag = NULL;
        CHECK_OK(par_bag_random_normal(7, 10000, 8, 4, 2, &bag, &err), &err);
        par_frame *g = NULL, *h = NULL;
        CHECK_OK(par_bag_to_dataframe(bag, 1, (const char *[]){"a"},
                                      (par_dtype[]){PAR_DTYPE_FLOAT64}, &g, &err),
                 &err);
        par_expr *e = par_add(par_mul(par_float(4), par_col("a")), par_float(3));
        CHECK_OK(par_frame_assign(g, "b", e, &h, &err), &err);
        par_expr_release(e);
        CHECK_OK(par_frame_to_array(NULL, h, false, &a, &err), &err);
        CHECK(par_array_shape(a, shape) == 2 && shape[0] == -1 && shape[1] == 2);
        CHECK(par_array_chunk_rows(a)[5] == -1);
        par_array_format(a, line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes unknown  Shape (nan, 2)  Chunk (nan, 2)  32 Tasks  8 "
                               "Chunks  float64") == 0,
                  "%s", line);
        par_array *x = NULL;
        CHECK(par_array_slice(a, 0, 10, PAR_NONE, PAR_NONE, PAR_NONE, PAR_NONE, &x, &err) ==
              PAR_EINVAL);
        CHECK(strstr(err.message, "lengths=true") != NULL);
        /* Columns can be sliced, reductions and compute work. */
        CHECK_OK(par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, 1, 2, PAR_NONE, &x, &err),
                 &err);
        CHECK(par_array_shape(x, shape) == 2 && shape[0] == -1 && shape[1] == 1);
        par_array *mx = NULL;
        CHECK_OK(par_array_reduce(x, PAR_STAT_MEAN, PAR_AXIS_ALL, NULL, &mx, &err), &err);
        CHECK_OK(par_array_compute(c, mx, &v, &err), &err);
        CHECK(fabs(par_ndarray_get(v, 0, 0) - 19) < 0.2);
        par_value_release(v);
        par_array_release(mx);
        CHECK_OK(par_array_compute(c, x, &v, &err), &err);
        CHECK(par_ndarray_rows(v) == 10000 && par_ndarray_cols(v) == 1);
        par_value_release(v);
        /* Persist learns the lengths. */
        par_array *p = NULL;
        CHECK_OK(par_array_persist(c, x, &p, &err), &err);
        CHECK(par_array_shape(p, shape) == 2 && shape[0] == 10000);
        CHECK(par_array_chunk_rows(p)[0] == 1250);
        par_array_release(p);
        par_array_release(x);
        par_array_release(a);
        /* lengths=true computes them (and needs a client). */
        CHECK(par_frame_to_array(NULL, h, true, &a, &err) == PAR_EINVAL);
        CHECK_OK(par_frame_to_array(c, h, true, &a, &err), &err);
        CHECK(par_array_shape(a, shape) == 2 && shape[0] == 10000);
        par_array_format(a, line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes 160.00 kB  Shape (10000, 2)  Chunk (1250, 2)  32 "
                               "Tasks  8 Chunks  float64") == 0,
                  "%s", line);
        par_array_release(a);
        par_frame_release(h);
        par_frame_release(g);
        par_bag_release(bag);
}

/* The units of the summary, as Dask's format_bytes: strictly more than
 * 1000 before a unit changes. */
static void test_summary(void)
{
        par_error err = {0};
        static double z[200000];
        struct {
                int64_t rows, cols, chunk;
                const char *want;
        } cases[] = {
                {125, 1, 50, "Bytes 1000 B  Shape (125, 1)  Chunk (50, 1)  3 Tasks  3 Chunks  float64"},
                {126, 1, 126, "Bytes 1.01 kB  Shape (126, 1)  Chunk (126, 1)  1 Tasks  1 Chunks  float64"},
                {200000, 1, 30000, "Bytes 1.60 MB  Shape (200000, 1)  Chunk (30000, 1)  7 Tasks  7 Chunks  float64"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                par_array *a = NULL;
                char line[256];
                CHECK_OK(par_array_from_buffer(z, cases[i].rows, cases[i].cols, cases[i].chunk,
                                               PAR_ROW_MAJOR, &a, &err),
                         &err);
                int n = par_array_format(a, line, sizeof line);
                CHECK_MSG(strcmp(line, cases[i].want) == 0, "%s", line);
                CHECK(n == (int)strlen(cases[i].want));
                char small[10];
                CHECK(par_array_format(a, small, sizeof small) == n && strlen(small) == 9);
                par_array_release(a);
        }
        par_array *v = NULL;
        char line[256];
        CHECK_OK(par_array_from_vector(z, 1000, 300, &v, &err), &err);
        par_array_format(v, line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes 8.00 kB  Shape (1000,)  Chunk (300,)  4 Tasks  4 Chunks  "
                               "float64") == 0,
                  "%s", line);
        par_array *r = NULL;
        CHECK_OK(par_array_reduce(v, PAR_STAT_SUM, 0, NULL, &r, &err), &err);
        par_array_format(r, line, sizeof line);
        CHECK_MSG(strncmp(line, "Bytes 8 B  Shape ()  Chunk ()  ", 31) == 0, "%s", line);
        par_array_release(r);
        par_array_release(v);
}

/* The talk's shape, without holding it: 10^8 normals in 160 partitions,
 * two more columns by assign, lengths computed one partition at a time. */
static void test_talk_summary(par_client *c)
{
        par_error err = {0};
        par_bag *bag = NULL;
        par_frame *f = NULL, *g = NULL, *h = NULL;
        par_array *a = NULL;
        CHECK_OK(par_bag_random_normal(42, 100000000, 160, 4, 2, &bag, &err), &err);
        CHECK_OK(par_bag_to_dataframe(bag, 1, (const char *[]){"a"},
                                      (par_dtype[]){PAR_DTYPE_FLOAT64}, &f, &err),
                 &err);
        par_expr *e = par_add(par_mul(par_float(4), par_col("a")), par_float(3));
        CHECK_OK(par_frame_assign(f, "b", e, &g, &err), &err);
        par_expr_release(e);
        e = par_gt(par_col("a"), par_float(4)); /* a bool column, promoted */
        CHECK_OK(par_frame_assign(g, "c", e, &h, &err), &err);
        par_expr_release(e);
        CHECK_OK(par_frame_to_array(c, h, true, &a, &err), &err);
        char line[256];
        par_array_format(a, line, sizeof line);
        /* normal, to-dataframe, assign, assign, to-array: 5 x 160 tasks. */
        CHECK_MSG(strcmp(line, "Bytes 2.40 GB  Shape (100000000, 3)  Chunk (625000, 3)  800 "
                               "Tasks  160 Chunks  float64") == 0,
                  "%s", line);
        printf("  talk-shaped array: %s\n", line);
        par_array_release(a);
        par_frame_release(h);
        par_frame_release(g);
        par_frame_release(f);
        par_bag_release(bag);
}

/* ---- out of memory everywhere ------------------------------------------------------- */

static atomic_long oom_allocs, oom_live;
static long oom_fail_at = -1;

static void *oom_malloc(size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                atomic_fetch_add(&oom_live, 1);
        return p;
}

static void *oom_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        void *q = realloc(p, n);
        if (q && !p)
                atomic_fetch_add(&oom_live, 1);
        return q;
}

static void oom_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                atomic_fetch_sub(&oom_live, 1);
        free(p);
}

/* Arrays from a buffer and from a lazy frame (lengths computed), a strided
 * slice, a reduction, the Gram matrix, persist, the summary, and a fit,
 * predict and score. Returns 0 and a checksum, or a negative status. */
static int oom_scenario(double *sum)
{
        par_error err = {0};
        par_client *c = NULL;
        par_array *a = NULL, *s = NULL, *r = NULL, *p = NULL, *g = NULL, *fa = NULL,
                  *X = NULL, *y = NULL, *pred = NULL;
        par_bag *bag = NULL;
        par_frame *f = NULL;
        par_value *v = NULL;
        par_linear_regression m = {0};
        char line[200];
        *sum = 0;
        int rc = test_client_new(&(par_client_opts){PAR_EXEC_SERIAL, 1}, &c, &err);
        if (rc == 0)
                rc = par_array_from_buffer(buf, 40, C, 7, PAR_ROW_MAJOR, &a, &err);
        if (rc == 0)
                rc = par_array_slice(a, 3, -2, 3, 4, 0, -2, &s, &err);
        if (rc == 0)
                rc = par_array_reduce(s, PAR_STAT_MEAN, 0, &(par_agg_opts){2}, &r, &err);
        if (rc == 0)
                rc = par_array_compute(c, r, &v, &err);
        if (rc == 0) {
                *sum += par_ndarray_get(v, 0, 0) + par_ndarray_get(v, 1, 0);
                par_value_release(v);
                v = NULL;
                rc = par_array_persist(c, s, &p, &err);
        }
        if (rc == 0)
                rc = par_array_gram(p, NULL, &g, &err);
        if (rc == 0)
                rc = par_array_compute(c, g, &v, &err);
        if (rc == 0) {
                *sum += par_ndarray_get(v, 1, 0);
                par_value_release(v);
                v = NULL;
                *sum += par_array_format(p, line, sizeof line);
                rc = par_bag_range(50, 3, &bag, &err);
        }
        if (rc == 0)
                rc = par_bag_to_dataframe(bag, 1, (const char *[]){"i"},
                                          (par_dtype[]){PAR_DTYPE_INT64}, &f, &err);
        if (rc == 0)
                rc = par_frame_to_array(c, f, true, &fa, &err);
        if (rc == 0)
                rc = par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, 0, 2, PAR_NONE, &X,
                                     &err);
        if (rc == 0)
                rc = par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, 2, 3, PAR_NONE, &y,
                                     &err);
        if (rc == 0) {
                rc = par_linear_regression_fit(c, NULL, X, y, &m, &err);
                if (rc == PAR_ENOTSUP) /* built without LAPACKE */
                        rc = 0;
                else if (rc == 0)
                        *sum += m.coef[0] + m.coef[1] + m.intercept;
        }
        if (rc == 0 && m.coef) {
                double r2 = 0;
                rc = par_linear_regression_score(c, &m, X, y, &r2, &err);
                *sum += r2;
                if (rc == 0)
                        rc = par_linear_regression_predict(&m, X, &pred, &err);
                if (rc == 0)
                        rc = par_array_compute(c, pred, &v, &err);
                if (rc == 0)
                        *sum += par_ndarray_get(v, 5, 0);
        }
        if (rc == 0)
                *sum += (double)par_array_chunk_rows(fa)[2];
        par_value_release(v);
        par_linear_regression_clear(&m);
        par_array_release(pred);
        par_array_release(X);
        par_array_release(y);
        par_array_release(fa);
        par_frame_release(f);
        par_bag_release(bag);
        par_array_release(g);
        par_array_release(p);
        par_array_release(r);
        par_array_release(s);
        par_array_release(a);
        par_client_free(c);
        return rc;
}

static void test_oom(void)
{
        if (TEST_SKIP_IF_MPI(TEST_WHY_ALLOCATOR))
                return;
        const par_allocator counting = {oom_malloc, oom_realloc, oom_free, NULL};
        (void)par_op_lookup("par.identity"); /* the registry, before counting */
        double expect = 0, got = 0;
        oom_fail_at = -1;
        par_set_allocator(&counting);
        int rc = oom_scenario(&expect);
        par_set_allocator(NULL);
        CHECK(rc == 0 && atomic_load(&oom_live) == 0);
        long total = atomic_load(&oom_allocs);
        int failed = 0, clean = 0, bad = 0;
        for (long at = 0; at < total; at++) {
                atomic_store(&oom_allocs, 0);
                atomic_store(&oom_live, 0);
                oom_fail_at = at;
                par_set_allocator(&counting);
                rc = oom_scenario(&got);
                par_set_allocator(NULL);
                if (rc == 0) {
                        clean++;
                        bad += got != expect;
                } else {
                        failed++;
                        if (rc != PAR_ENOMEM) {
                                bad++;
                                fprintf(stderr, "failing allocation %ld gave %s\n", at,
                                        par_status_name(rc));
                        }
                }
                if (atomic_load(&oom_live) != 0) {
                        bad++;
                        fprintf(stderr, "failing allocation %ld leaked %ld blocks\n", at,
                                atomic_load(&oom_live));
                }
        }
        CHECK_MSG(bad == 0, "%d runs out of %ld misbehaved", bad, total);
        printf("  out of memory: %ld allocations; %d runs failed cleanly, %d succeeded "
               "anyway\n",
               total, failed, clean);
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        for (int i = 0; i < R; i++)
                for (int j = 0; j < C; j++) {
                        double x = (uniform() - 0.5) * 100;
                        buf[i * C + j] = x;
                        colmajor[j * R + i] = x;
                }
        static const par_exec_kind kinds[] = {PAR_EXEC_POOL, PAR_EXEC_SERIAL};
        static const char *const names[] = {"pool", "serial"};
        for (int k = 0; k < 2; k++) {
                par_error err = {0};
                par_client *c = NULL;
                par_client_opts o = {kinds[k], 0};
                if (test_client_new(&o, &c, &err) != 0) {
                        fprintf(stderr, "client: %s\n", err.message);
                        return 1;
                }
                printf("  %s\n", names[k]);
                test_shapes(c);
                test_slices(c);
                test_reductions(c);
                test_frames(c);
                if (k == 0)
                        test_talk_summary(c);
                par_client_free(c);
        }
        test_summary();
        test_oom();
        return test_backend_end(check_done("test_array"));
}
