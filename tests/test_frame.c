/* Frames: the talk's chain (bag of normals -> to_dataframe -> b = 4a + 3 ->
 * head -> to_csv -> read_csv -> persist) checked value by value against
 * the bag itself; CSV files read back bit-exactly by par and, when
 * python3-pandas is installed, by pandas; pandas-written CSV read by par;
 * errors with file:line:column; atomic output and stale-file cleanup. */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"

static char dir[] = "/tmp/par-test-frame-XXXXXX";
static par_client *client;

static bool have_pandas(void)
{
        return system("/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1") == 0;
}

static void talk_chain(void)
{
        par_error err = {0};
        enum { N = 100000, P = 16 };
        par_bag *b = NULL;
        CHECK_OK(par_bag_random_normal(3, N, P, 4, 2, &b, &err), &err);
        par_frame *df = NULL, *df2 = NULL;
        CHECK_OK(par_bag_to_dataframe(b, 1, (const char *[]){"a"},
                                      (par_dtype[]){PAR_DTYPE_FLOAT64}, &df, &err),
                 &err);
        par_expr *e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
        CHECK_OK(par_frame_assign(df, "b", e, &df2, &err), &err);
        par_expr_release(e);
        CHECK(par_frame_ncols(df2) == 2 && par_frame_npartitions(df2) == P);
        CHECK(par_frame_column_dtype(df2, 1) == PAR_DTYPE_FLOAT64);
        char text[2048];
        par_frame_format(df2, text, sizeof text);
        CHECK_MSG(strstr(text, "npartitions=16") && strstr(text, "float64") &&
                          strstr(text, "  a") && strstr(text, "  b") &&
                          strstr(text, "..."),
                  "%s", text);

        /* head(5): the bag's first five, with b = 4a + 3 exactly. */
        par_value *h = NULL, *t = NULL;
        int64_t got = 0;
        CHECK_OK(par_frame_head(client, df2, 5, &h, &got, &err), &err);
        CHECK_OK(par_bag_take(client, b, 5, &t, &got, &err), &err);
        int ok = 0;
        for (int i = 0; i < 5; i++) {
                double a = par_column_float64(t)[i];
                ok += par_column_float64(par_table_column(h, 0))[i] == a &&
                      par_column_float64(par_table_column(h, 1))[i] == 4 * a + 3;
        }
        CHECK(ok == 5);
        par_table_format(h, 0, 0, text, sizeof text);
        CHECK_MSG(strncmp(text, "          a          b\n0  ", 25) == 0 ||
                          strstr(text, "a") != NULL,
                  "%s", text);
        printf("%s\n", text);
        par_value_release(h);
        par_value_release(t);

        /* to_csv: 16 files gen-00..gen-15, atomic, then read back. */
        char pattern[512];
        snprintf(pattern, sizeof pattern, "%s/gen-*.csv", dir);
        par_value *files = NULL;
        CHECK_OK(par_frame_to_csv(client, df2, pattern, NULL, &files, &err), &err);
        CHECK(par_value_list_size(files) == P);
        const char *f0 = par_value_bytes(par_value_list_item(files, 0), NULL);
        CHECK(f0 && strstr(f0, "/gen-00.csv"));
        par_value_release(files);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "head -2 %s/gen-00.csv", dir);
        FILE *p = popen(cmd, "r");
        char line[256] = "";
        CHECK(fgets(line, sizeof line, p) && strcmp(line, ",a,b\n") == 0);
        CHECK(fgets(line, sizeof line, p) && strncmp(line, "0,", 2) == 0);
        pclose(p);

        par_frame *rd = NULL, *pd = NULL;
        CHECK_OK(par_read_csv(pattern, NULL, &rd, &err), &err);
        CHECK(par_frame_ncols(rd) == 3 && par_frame_npartitions(rd) == P);
        CHECK(strcmp(par_frame_column_name(rd, 0), "Unnamed: 0") == 0);
        CHECK(par_frame_column_dtype(rd, 0) == PAR_DTYPE_INT64);
        CHECK(par_frame_column_dtype(rd, 1) == PAR_DTYPE_FLOAT64);
        CHECK_OK(par_frame_persist(client, rd, &pd, &err), &err);
        CHECK(par_frame_lengths(pd) && par_frame_lengths(pd)[0] == N / P);
        par_value *orig = NULL, *back = NULL;
        CHECK_OK(par_frame_compute(client, df2, &orig, &err), &err);
        CHECK_OK(par_frame_compute(client, pd, &back, &err), &err);
        CHECK(par_table_length(orig) == N && par_table_length(back) == N);
        ok = 0;
        for (int64_t i = 0; i < N; i++)
                ok += memcmp(&par_column_float64(par_table_column(orig, 0))[i],
                             &par_column_float64(par_table_column(back, 1))[i], 8) == 0 &&
                      memcmp(&par_column_float64(par_table_column(orig, 1))[i],
                             &par_column_float64(par_table_column(back, 2))[i], 8) == 0;
        CHECK_MSG(ok == N, "%d of %d rows read back bit-exactly", ok, N);
        /* The index column restarts in every file (per-partition index). */
        CHECK(par_column_int64(par_table_column(back, 0))[N / P] == 0);

        /* Statistics against the computed table. */
        double sum = 0;
        for (int64_t i = 0; i < N; i++)
                sum += par_column_float64(par_table_column(orig, 1))[i];
        par_delayed *d = NULL, *cnt = NULL;
        CHECK_OK(par_frame_stat(pd, "b", PAR_STAT_MEAN, &d, &err), &err);
        CHECK_OK(par_frame_count_rows(pd, &cnt, &err), &err);
        par_value *r[2];
        CHECK_OK(par_compute(client, 2, (par_delayed *[]){d, cnt}, r, &err), &err);
        CHECK(fabs(par_value_float64_of(r[0]) - sum / N) < 1e-9);
        CHECK(par_value_int64_of(r[1]) == N);
        par_value_release(r[0]);
        par_value_release(r[1]);
        par_delayed_release(d);
        par_delayed_release(cnt);

        /* pandas reads our files to the same values. */
        if (have_pandas()) {
                snprintf(cmd, sizeof cmd,
                         "/usr/bin/python3 -c \"import pandas as pd,glob;"
                         "d=pd.concat([pd.read_csv(f,float_precision='round_trip') "
                         "for f in sorted(glob.glob('%s/gen-*.csv'))]);"
                         "print(repr(d['b'].sum()), len(d))\"",
                         dir);
                p = popen(cmd, "r");
                double psum = 0;
                long plen = 0;
                CHECK(fscanf(p, "%lf %ld", &psum, &plen) == 2);
                pclose(p);
                CHECK_MSG(plen == N && fabs(psum - sum) < 1e-6 * fabs(sum),
                          "pandas: %ld rows, sum %.17g; par: sum %.17g", plen, psum,
                          sum);
        } else {
                printf("python3-pandas not installed: pandas checks skipped\n");
        }

        /* A shorter rewrite removes the stale files of the longer run. */
        par_value *parts[4] = {orig, orig, orig, orig};
        par_frame *small = NULL;
        CHECK_OK(par_frame_from_tables(4, parts, &small, &err), &err);
        CHECK_OK(par_frame_to_csv(client, small, pattern,
                                  &(par_to_csv_opts){.no_index = true}, &files, &err),
                 &err);
        CHECK(par_value_list_size(files) == 4);
        par_value_release(files);
        snprintf(cmd, sizeof cmd, "ls %s | grep -c '^gen-'", dir);
        p = popen(cmd, "r");
        int nfiles = 0;
        CHECK(fscanf(p, "%d", &nfiles) == 1 && nfiles == 4);
        pclose(p);
        par_frame_release(small);
        par_value_release(orig);
        par_value_release(back);
        par_frame_release(pd);
        par_frame_release(rd);
        par_frame_release(df2);
        par_frame_release(df);
        par_bag_release(b);
}

static void write_text(const char *name, const char *text)
{
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
}

static int read_err(const char *name, const par_read_csv_opts *o, par_error *err)
{
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        par_frame *f = NULL;
        int rc = par_read_csv(path, o, &f, err);
        if (rc == 0) {
                par_value *t = NULL;
                rc = par_frame_compute(client, f, &t, err);
                par_value_release(t);
        }
        par_frame_release(f);
        return rc;
}

static void csv_cases(void)
{
        par_error err = {0};
        write_text("short.csv", "x,y,z\n1,2,3\n4,5\n");
        CHECK(read_err("short.csv", NULL, &err) == PAR_EPARSE);
        CHECK_MSG(strstr(err.message, "short.csv:3: expected 3 fields, found 2"), "%s",
                  err.message);
        /* A header that spans two lines: data lines are counted from 3. */
        write_text("mlhead.csv", "\"h\nx\",b\n1,2\n3\n");
        CHECK(read_err("mlhead.csv", NULL, &err) == PAR_EPARSE);
        CHECK_MSG(strstr(err.message, "mlhead.csv:4: expected 2 fields, found 1"), "%s",
                  err.message);
        write_text("bad.csv", "a,b\n1,2.5\n2,abc\n");
        CHECK(read_err("bad.csv", &(par_read_csv_opts){.dtype_names = (const char *[]){"b"},
                                                      .dtypes = (par_dtype[]){PAR_DTYPE_FLOAT64},
                                                      .ndtypes = 1},
                       &err) == PAR_EPARSE);
        CHECK_MSG(strstr(err.message, "bad.csv:3:3: 'abc' is not a float64 (column b)"),
                  "%s", err.message);
        write_text("h1.csv", "a,b\n1,2\n");
        write_text("h2.csv", "a,c\n1,2\n");
        char pat[600];
        snprintf(pat, sizeof pat, "%s/h*.csv", dir);
        par_frame *f = NULL;
        CHECK(par_read_csv(pat, NULL, &f, &err) == PAR_EPARSE);
        CHECK(strstr(err.message, "h2.csv has another header") != NULL);
        snprintf(pat, sizeof pat, "%s/nothing-*.csv", dir);
        CHECK(par_read_csv(pat, NULL, &f, &err) == PAR_ENOENT);
        CHECK(read_err("h1.csv", &(par_read_csv_opts){.usecols = (const char *[]){"q"},
                                                     .nusecols = 1},
                       &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "'q'") != NULL);

        /* Quoting, CRLF, BOM, missing values, blocksize splitting with a
         * quoted newline across the cut. */
        char big[20000];
        size_t n = (size_t)sprintf(big, "\xef\xbb\xbfid,text,v\r\n");
        for (int i = 0; i < 300; i++)
                n += (size_t)sprintf(big + n, "%d,\"line %d, with \"\"quotes\"\"\nand a newline\",%s\r\n",
                                     i, i, i % 7 == 0 ? "" : "1.5");
        write_text("quoted.csv", big);
        snprintf(pat, sizeof pat, "%s/quoted.csv", dir);
        for (int64_t bs = 64; bs <= 100000; bs *= 5) {
                CHECK_OK(par_read_csv(pat, &(par_read_csv_opts){.blocksize = bs}, &f, &err),
                         &err);
                par_value *t = NULL;
                CHECK_OK(par_frame_compute(client, f, &t, &err), &err);
                CHECK_MSG(par_table_length(t) == 300, "blocksize %lld: %lld rows",
                          (long long)bs, (long long)par_table_length(t));
                CHECK(strcmp(par_frame_column_name(f, 0), "id") == 0);
                if (par_table_length(t) == 300) {
                        size_t len;
                        const char *s = par_column_string(par_table_column(t, 1), 299, &len);
                        CHECK(len == 37 && memcmp(s, "line 299, with \"quotes\"\nand a newline", 37) == 0);
                        CHECK(par_column_int64(par_table_column(t, 0))[299] == 299);
                        CHECK(!par_column_is_valid(par_table_column(t, 2), 0));
                        CHECK(par_column_float64(par_table_column(t, 2))[1] == 1.5);
                }
                par_value_release(t);
                par_frame_release(f);
        }

        /* A file pandas wrote, read by par value by value. */
        if (have_pandas()) {
                char cmd[1200];
                snprintf(cmd, sizeof cmd,
                         "/usr/bin/python3 -c \"import pandas as pd,numpy as np;"
                         "r=np.random.default_rng(5);n=5000;"
                         "d=pd.DataFrame({'i':np.arange(n)*7-100,'x':r.normal(4,2,n),"
                         "'s':['w%%d,\\\"q\\\"'%%k for k in range(n)],"
                         "'m':np.where(np.arange(n)%%3==0,np.nan,r.normal(0,1e-300,n))});"
                         "d.to_csv('%s/pandas.csv');"
                         "np.save('%s/x.npy',d['x'].values);np.save('%s/m.npy',d['m'].values)\"",
                         dir, dir, dir);
                CHECK(system(cmd) == 0);
                snprintf(pat, sizeof pat, "%s/pandas.csv", dir);
                CHECK_OK(par_read_csv(pat, NULL, &f, &err), &err);
                par_value *t = NULL;
                CHECK_OK(par_frame_compute(client, f, &t, &err), &err);
                CHECK(par_table_length(t) == 5000 && par_table_ncols(t) == 5);
                CHECK(par_column_dtype(par_table_column(t, 1)) == PAR_DTYPE_INT64);
                CHECK(par_column_dtype(par_table_column(t, 3)) == PAR_DTYPE_STRING);
                /* numpy's .npy: 128-byte header, then little-endian doubles. */
                char path[600];
                snprintf(path, sizeof path, "%s/x.npy", dir);
                FILE *fx = fopen(path, "rb");
                snprintf(path, sizeof path, "%s/m.npy", dir);
                FILE *fm = fopen(path, "rb");
                fseek(fx, 128, SEEK_SET);
                fseek(fm, 128, SEEK_SET);
                int ok = 0;
                for (int i = 0; i < 5000; i++) {
                        double x, m;
                        if (fread(&x, 8, 1, fx) != 1 || fread(&m, 8, 1, fm) != 1)
                                break;
                        double px = par_column_float64(par_table_column(t, 2))[i];
                        double pm = par_column_float64(par_table_column(t, 4))[i];
                        ok += memcmp(&x, &px, 8) == 0 &&
                              (isnan(m) ? !par_column_is_valid(par_table_column(t, 4), i)
                                        : memcmp(&m, &pm, 8) == 0) &&
                              par_column_int64(par_table_column(t, 1))[i] == i * 7 - 100;
                }
                CHECK_MSG(ok == 5000, "%d of 5000 pandas rows equal", ok);
                size_t len;
                const char *s = par_column_string(par_table_column(t, 3), 12, &len);
                CHECK(len == 7 && memcmp(s, "w12,\"q\"", 7) == 0);
                fclose(fx);
                fclose(fm);
                par_value_release(t);
                par_frame_release(f);
        }
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        if (!mkdtemp(dir))
                return 1;
        par_error err = {0};
        if (test_client_new(NULL, &client, &err) < 0)
                return 1;
        talk_chain();
        csv_cases();
        par_client_free(client);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                return 1;
        return test_backend_end(check_done("test_frame"));
}
