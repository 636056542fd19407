/* Frame operations on in-memory partitions, each against a serial loop
 * over the same rows: select, filter, assign, head/tail, value_counts,
 * groupby-agg, describe, repartition, and structure printing. */
#include <math.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"

enum { P = 7, R = 1000 };

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        par_error err = {0};
        par_client *c = NULL;
        test_client_new(NULL, &c, &err);
        int64_t key[P * R];
        double val[P * R];
        par_value *tables[P];
        for (int p = 0; p < P; p++) {
                for (int r = 0; r < R; r++) {
                        int i = p * R + r;
                        key[i] = (i * 31) % 13;
                        val[i] = (double)((i * 17) % 101) / 4.0;
                }
                par_value *cols[2] = {par_column_from_int64(key + p * R, R, NULL),
                                      par_column_from_float64(val + p * R, R, NULL)};
                tables[p] = par_table_new(2, (const char *[]){"k", "v"}, cols);
                par_value_release(cols[0]);
                par_value_release(cols[1]);
        }
        par_frame *f = NULL;
        CHECK_OK(par_frame_from_tables(P, tables, &f, &err), &err);
        CHECK(par_frame_lengths(f) && par_frame_lengths(f)[3] == R);

        /* filter + assign + select, then the whole thing computed. */
        par_frame *g = NULL, *h = NULL, *s = NULL;
        par_expr *pred = par_gt(par_col("v"), par_float(10));
        par_expr *w = par_mul(par_col("k"), par_col("v"));
        CHECK_OK(par_frame_filter(f, pred, &g, &err), &err);
        CHECK_OK(par_frame_assign(g, "w", w, &h, &err), &err);
        CHECK_OK(par_frame_select(h, 2, (const char *[]){"w", "k"}, &s, &err), &err);
        par_expr_release(pred);
        par_expr_release(w);
        par_value *t = NULL;
        CHECK_OK(par_frame_compute(c, s, &t, &err), &err);
        int64_t n = 0, ok = 0;
        for (int i = 0; i < P * R; i++) {
                if (!(val[i] > 10))
                        continue;
                ok += par_column_float64(par_table_column(t, 0))[n] == key[i] * val[i] &&
                      par_column_int64(par_table_column(t, 1))[n] == key[i];
                n++;
        }
        CHECK(par_table_length(t) == n && ok == n);
        CHECK(strcmp(par_table_name(t, 0), "w") == 0);
        par_value_release(t);
        par_frame *none = NULL;
        CHECK(par_frame_select(f, 1, (const char *[]){"nope"}, &none, &err) == PAR_EINVAL);
        CHECK(none == NULL && strstr(err.message, "no column 'nope'"));
        par_expr *bad = par_add(par_col("k"), par_str("x"));
        par_frame *bf = NULL;
        CHECK(par_frame_assign(f, "z", bad, &bf, &err) == PAR_ETYPE);
        CHECK(strstr(err.message, "assign z") != NULL);
        par_expr_release(bad);

        /* tail and head. */
        int64_t got;
        CHECK_OK(par_frame_tail(c, f, 1500, &t, &got, &err), &err);
        CHECK(got == 1500 && par_column_float64(par_table_column(t, 1))[1499] == val[P * R - 1] &&
              par_column_float64(par_table_column(t, 1))[0] == val[P * R - 1500]);
        par_value_release(t);
        CHECK_OK(par_frame_head(c, f, 1500, &t, &got, &err), &err);
        CHECK(got == 1500 && par_column_float64(par_table_column(t, 1))[1200] == val[1200]);
        par_value_release(t);

        /* value_counts and groupby against serial counts and sums. */
        int64_t cnt[13] = {0};
        double sum[13] = {0}, mx[13];
        for (int k = 0; k < 13; k++)
                mx[k] = -1;
        for (int i = 0; i < P * R; i++) {
                cnt[key[i]]++;
                sum[key[i]] += val[i];
                if (val[i] > mx[key[i]])
                        mx[key[i]] = val[i];
        }
        par_delayed *vc = NULL, *gb = NULL, *ds = NULL;
        CHECK_OK(par_frame_value_counts(f, "k", &vc, &err), &err);
        CHECK_OK(par_frame_groupby_agg(f, "k", 3, (const char *[]){"v", "v", "v"},
                                       (par_stat[]){PAR_STAT_SUM, PAR_STAT_MAX, 0}, &gb,
                                       &err),
                 &err);
        CHECK_OK(par_frame_describe(f, &ds, &err), &err);
        par_value *r[3];
        CHECK_OK(par_compute(c, 3, (par_delayed *[]){vc, gb, ds}, r, &err), &err);
        int64_t best = 0;
        for (int k = 1; k < 13; k++)
                if (cnt[k] > cnt[best])
                        best = k;
        CHECK(par_table_length(r[0]) == 13 &&
              par_column_int64(par_table_column(r[0], 1))[0] == cnt[best]);
        CHECK(par_table_length(r[1]) == 13 && par_table_ncols(r[1]) == 4);
        CHECK(strcmp(par_table_name(r[1], 0), "k") == 0 &&
              strcmp(par_table_name(r[1], 1), "v_sum") == 0);
        ok = 0;
        for (int k = 0; k < 13; k++)
                ok += par_column_int64(par_table_column(r[1], 0))[k] == k &&
                      fabs(par_column_float64(par_table_column(r[1], 1))[k] - sum[k]) < 1e-9 &&
                      par_column_float64(par_table_column(r[1], 2))[k] == mx[k] &&
                      par_column_int64(par_table_column(r[1], 3))[k] == cnt[k];
        CHECK(ok == 13);
        double mean = 0, m2 = 0;
        for (int i = 0; i < P * R; i++)
                mean += val[i];
        mean /= P * R;
        for (int i = 0; i < P * R; i++)
                m2 += (val[i] - mean) * (val[i] - mean);
        const double *dv = par_column_float64(par_table_column(r[2], 2));
        CHECK(par_table_ncols(r[2]) == 3 && dv[0] == P * R && fabs(dv[1] - mean) < 1e-12 &&
              fabs(dv[2] - sqrt(m2 / (P * R - 1))) < 1e-9);
        for (int i = 0; i < 3; i++)
                par_value_release(r[i]);
        par_delayed_release(vc);
        par_delayed_release(gb);
        par_delayed_release(ds);

        /* repartition: fewer joins, more splits evenly, rows unchanged. */
        for (int64_t np = 1; np <= 20; np += 6) {
                par_frame *rp = NULL;
                CHECK_OK(par_frame_repartition(f, np, &rp, &err), &err);
                CHECK(par_frame_npartitions(rp) == np);
                CHECK_OK(par_frame_compute(c, rp, &t, &err), &err);
                CHECK(par_table_length(t) == P * R);
                ok = 0;
                for (int i = 0; i < P * R; i++)
                        ok += par_column_float64(par_table_column(t, 1))[i] == val[i];
                CHECK_MSG(ok == P * R, "repartition %lld: %lld rows in order",
                          (long long)np, (long long)ok);
                par_value_release(t);
                par_frame_release(rp);
        }

        char text[1024];
        par_frame_format(h, text, sizeof text);
        CHECK_MSG(strstr(text, "npartitions=7") && strstr(text, "float64"), "%s", text);

        par_frame_release(g);
        par_frame_release(h);
        par_frame_release(s);
        par_frame_release(f);
        for (int p = 0; p < P; p++)
                par_value_release(tables[p]);
        par_client_free(c);
        return test_backend_end(check_done("test_frame_ops"));
}
