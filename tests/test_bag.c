/* Bags against independent references: line counts equal `wc -l`, filter
 * counts equal `grep -c`, for every hard case of block splitting and every
 * blocksize from 1 byte to past the file's end; take equals `head`; word
 * frequencies, topk, distinct and statistics equal a serial computation;
 * random streams are identical on 1 and 2 threads and have the right
 * moments; errors name what went wrong. */
#include <math.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"

static char dir[] = "/tmp/par-test-bag-XXXXXX";
static par_client *client;

static void write_file(const char *name, const char *data, size_t n)
{
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *f = fopen(path, "wb");
        fwrite(data, 1, n, f);
        fclose(f);
}

static long shell_count(const char *cmd)
{
        FILE *p = popen(cmd, "r");
        long v = -1;
        if (p) {
                if (fscanf(p, "%ld", &v) != 1)
                        v = -1;
                pclose(p);
        }
        return v;
}

static int64_t compute_int(par_delayed *d)
{
        par_value *v = NULL;
        par_error err = {0};
        int rc = par_compute(client, 1, &d, &v, &err);
        if (rc < 0) {
                fprintf(stderr, "compute: %s\n", err.message);
                return INT64_MIN;
        }
        int64_t x = par_value_int64_of(v);
        par_value_release(v);
        return x;
}

/* count and filter-count of one file at one blocksize vs wc/grep. */
static void check_file(const char *name, int64_t blocksize)
{
        char path[512], cmd[700];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        snprintf(cmd, sizeof cmd, "wc -l < '%s'", path);
        long wc = shell_count(cmd);
        /* wc -l counts line ends; a last line without one is a line too. */
        struct stat st;
        stat(path, &st);
        if (st.st_size > 0) {
                FILE *f = fopen(path, "rb");
                fseek(f, -1, SEEK_END);
                if (fgetc(f) != '\n')
                        wc++;
                fclose(f);
        }
        snprintf(cmd, sizeof cmd, "grep -c God '%s'", path);
        long grep = shell_count(cmd);

        par_error err = {0};
        par_bag *b = NULL, *f = NULL;
        par_delayed *c1 = NULL, *c2 = NULL;
        CHECK_OK(par_read_text(path, &(par_read_text_opts){.blocksize = blocksize},
                               &b, &err),
                 &err);
        par_expr *pred = par_contains(par_x(), "God");
        CHECK_OK(par_bag_filter(b, pred, &f, &err), &err);
        par_expr_release(pred);
        par_bag_count(b, NULL, &c1, &err);
        par_bag_count(f, &(par_agg_opts){.split_every = 3}, &c2, &err);
        int64_t n1 = compute_int(c1), n2 = compute_int(c2);
        CHECK_MSG(n1 == wc, "%s, blocksize %lld: count %lld, wc -l says %ld", name,
                  (long long)blocksize, (long long)n1, wc);
        CHECK_MSG(n2 == grep, "%s, blocksize %lld: filter count %lld, grep -c says "
                              "%ld",
                  name, (long long)blocksize, (long long)n2, grep);
        /* Every byte is in exactly one line, in order. */
        par_value *all = NULL;
        CHECK_OK(par_bag_compute(client, b, &all, &err), &err);
        size_t total = 0;
        bool ordered = true;
        FILE *fp = fopen(path, "rb");
        for (size_t p = 0; p < par_value_list_size(all); p++) {
                par_value *part = par_value_list_item(all, p);
                size_t nb = (size_t)(par_column_offsets(part)[par_column_length(part)] -
                                     par_column_offsets(part)[0]);
                char *expect = malloc(nb + 1);
                size_t got = fread(expect, 1, nb, fp);
                ordered &= got == nb &&
                           memcmp(expect, par_column_bytes(part) +
                                                  par_column_offsets(part)[0],
                                  nb) == 0;
                free(expect);
                total += nb;
        }
        fclose(fp);
        CHECK_MSG(ordered && total == (size_t)st.st_size,
                  "%s, blocksize %lld: partitions do not reassemble the file", name,
                  (long long)blocksize);
        par_value_release(all);
        par_delayed_release(c1);
        par_delayed_release(c2);
        par_bag_release(f);
        par_bag_release(b);
}

static void text_cases(void)
{
        /* Generated text with God on some lines, ~20 KB. */
        char *big = malloc(1 << 16);
        size_t n = 0;
        uint64_t r = 12345;
        for (int line = 0; line < 400; line++) {
                r = r * 6364136223846793005ull + 1442695040888963407ull;
                int len = (int)(r >> 58);
                for (int k = 0; k < len; k++)
                        big[n++] = "abcdefgh "[(r >> (k % 50)) % 9];
                if ((r >> 20) % 5 == 0)
                        n += (size_t)sprintf(big + n, " God ");
                if ((r >> 25) % 17 == 0)
                        n += (size_t)sprintf(big + n, "GodGod");
                big[n++] = '\n';
        }
        write_file("gen.txt", big, n);
        write_file("empty.txt", "", 0);
        write_file("nonl.txt", "a God\nb\nc God", 13);
        write_file("crlf.txt", "God one\r\ntwo\r\nthree God\r\n", 25);
        write_file("onlynl.txt", "\n\n\n", 3);
        char longl[3000];
        memset(longl, 'x', sizeof longl);
        memcpy(longl + 1500, "God", 3);
        longl[2999] = '\n';
        write_file("long.txt", longl, sizeof longl);
        /* A block boundary exactly on a newline: 10-byte lines. */
        write_file("exact.txt", "123456789\nGod456789\n123456789\n", 30);

        const char *files[] = {"gen.txt", "empty.txt", "nonl.txt", "crlf.txt",
                               "onlynl.txt", "long.txt", "exact.txt"};
        int64_t sizes[] = {1, 2, 3, 7, 10, 11, 64, 100, 1000, 4096, 1 << 20, 0};
        for (size_t f = 0; f < sizeof files / sizeof *files; f++)
                for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
                        if (sizes[s] == 1 && strcmp(files[f], "gen.txt") == 0)
                                continue; /* 20k tasks: covered by 2 and 3 */
                        check_file(files[f], sizes[s]);
                }
        free(big);
}

static void many_files_and_gzip(void)
{
        char name[64];
        for (int i = 0; i < 30; i++) {
                snprintf(name, sizeof name, "many-%02d.txt", i);
                char body[64];
                int len = snprintf(body, sizeof body, "file %d\nGod %d\n%s", i, i,
                                   i % 3 ? "tail\n" : "");
                write_file(name, body, (size_t)len);
        }
        char pattern[512], cmd[700];
        snprintf(pattern, sizeof pattern, "%s/many-*.txt", dir);
        snprintf(cmd, sizeof cmd, "cat %s | wc -l", pattern);
        long wc = shell_count(cmd);
        par_error err = {0};
        par_bag *b = NULL;
        CHECK_OK(par_read_text(pattern, &(par_read_text_opts){.blocksize_str = "5B"},
                               &b, &err),
                 &err);
        par_delayed *c = NULL;
        par_bag_count(b, NULL, &c, &err);
        CHECK(compute_int(c) == wc);
        par_delayed_release(c);
        par_bag_release(b);

        /* gzip: one partition per file, same lines as the plain file. */
        snprintf(cmd, sizeof cmd, "gzip -c %s/gen.txt > %s/gen.txt.gz", dir, dir);
        CHECK(system(cmd) == 0);
        snprintf(pattern, sizeof pattern, "%s/gen.txt.gz", dir);
        CHECK_OK(par_read_text(pattern, &(par_read_text_opts){.blocksize = 100}, &b,
                               &err),
                 &err);
        CHECK(par_bag_npartitions(b) == 1);
        par_bag_count(b, NULL, &c, &err);
        snprintf(cmd, sizeof cmd, "wc -l < %s/gen.txt", dir);
        CHECK(compute_int(c) == shell_count(cmd));
        par_delayed_release(c);
        par_bag_release(b);

        /* Corrupt gzip: the error names the file. */
        write_file("bad.gz", "\x1f\x8b\x08\x00garbage", 12);
        snprintf(pattern, sizeof pattern, "%s/bad.gz", dir);
        par_read_text(pattern, NULL, &b, &err);
        par_bag_count(b, NULL, &c, &err);
        par_value *v = NULL;
        CHECK(par_compute(client, 1, &c, &v, &err) < 0);
        CHECK_MSG(strstr(err.message, "bad.gz") != NULL, "%s", err.message);
        par_delayed_release(c);
        par_bag_release(b);

        /* Missing files and bad options. */
        CHECK(par_read_text("/nonexistent/x-*.txt", NULL, &b, &err) == PAR_ENOENT);
        CHECK(strstr(err.message, "/nonexistent/x-*.txt") != NULL);
        CHECK(par_read_text("/nonexistent/file.txt", NULL, &b, &err) == PAR_ENOENT);
        CHECK(par_read_text(pattern, &(par_read_text_opts){.blocksize_str = "12 parsecs"},
                            &b, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "12 parsecs") != NULL);
        int64_t bytes;
        CHECK(par_parse_bytes("100KB", &bytes, &err) == 0 && bytes == 100000);
        CHECK(par_parse_bytes("64MiB", &bytes, &err) == 0 && bytes == 64 << 20);
        CHECK(par_parse_bytes("1e6", &bytes, &err) == 0 && bytes == 1000000);
        CHECK(par_parse_bytes("-5", &bytes, &err) == PAR_EINVAL);
}

static void take_and_words(void)
{
        char path[512], cmd[800];
        snprintf(path, sizeof path, "%s/gen.txt", dir);
        par_error err = {0};
        par_bag *b = NULL;
        CHECK_OK(par_read_text(path, &(par_read_text_opts){.blocksize_str = "1KB"},
                               &b, &err),
                 &err);
        par_value *t = NULL;
        int64_t got = 0;
        CHECK_OK(par_bag_take(client, b, 3, &t, &got, &err), &err);
        CHECK(got == 3 && par_column_length(t) == 3);
        FILE *f = fopen(path, "r");
        for (int64_t i = 0; i < 3; i++) {
                char line[256];
                size_t len;
                fgets(line, sizeof line, f);
                const char *s = par_column_string(t, i, &len);
                CHECK(len == strlen(line) && memcmp(s, line, len) == 0);
        }
        fclose(f);
        par_value_release(t);
        /* Asking for more than exist says so. */
        err.message[0] = 0;
        CHECK_OK(par_bag_take(client, b, 1000000, &t, &got, &err), &err);
        CHECK(got == 400 && strstr(err.message, "the bag has 400"));
        par_value_release(t);

        /* Word frequencies against a serial count (sort | uniq -c). */
        par_bag *words = NULL, *lw = NULL;
        par_expr *split = par_call("split", 1, (par_expr *[]){par_x()});
        CHECK_OK(par_bag_map(b, split, &lw, &err), &err);
        CHECK_OK(par_bag_flatten(lw, &words, &err), &err);
        par_expr_release(split);
        par_delayed *fr = NULL, *tk = NULL, *di = NULL, *nw = NULL;
        CHECK_OK(par_bag_frequencies(words, &(par_agg_opts){.split_every = 4}, &fr,
                                     &err),
                 &err);
        CHECK_OK(par_bag_topk(words, 5, NULL, false, NULL, &tk, &err), &err);
        CHECK_OK(par_bag_distinct(words, NULL, &di, &err), &err);
        CHECK_OK(par_bag_count(words, NULL, &nw, &err), &err);
        par_value *res[3];
        CHECK_OK(par_compute(client, 3, (par_delayed *[]){fr, tk, di}, res, &err),
                 &err);
        snprintf(cmd, sizeof cmd,
                 "tr -s ' \\t' '\\n\\n' < %s | grep -v '^$' | LC_ALL=C sort | "
                 "uniq -c | LC_ALL=C sort -k1,1nr -k2 | head -1",
                 path);
        FILE *p = popen(cmd, "r");
        long topcount = 0;
        char topword[128] = "";
        if (fscanf(p, "%ld %127s", &topcount, topword) != 2)
                topcount = -1;
        pclose(p);
        size_t len;
        const char *w0 = par_column_string(par_table_column(res[0], 0), 0, &len);
        CHECK_MSG(par_column_int64(par_table_column(res[0], 1))[0] == topcount &&
                          len == strlen(topword) && memcmp(w0, topword, len) == 0,
                  "top word %.*s x%lld, reference %s x%ld", (int)len, w0,
                  (long long)par_column_int64(par_table_column(res[0], 1))[0],
                  topword, topcount);
        snprintf(cmd, sizeof cmd,
                 "tr -s ' \\t' '\\n\\n' < %s | grep -v '^$' | LC_ALL=C sort -u | wc -l",
                 path);
        CHECK(par_column_length(res[2]) == shell_count(cmd));
        CHECK_MSG(par_table_length(res[0]) == par_column_length(res[2]),
                  "frequencies has %lld values, distinct %lld",
                  (long long)par_table_length(res[0]),
                  (long long)par_column_length(res[2]));
        snprintf(cmd, sizeof cmd, "wc -w < %s", path);
        CHECK(compute_int(nw) == shell_count(cmd));
        /* topk: the 5 largest words, descending, as sort -r gives them. */
        snprintf(cmd, sizeof cmd,
                 "tr -s ' \\t' '\\n\\n' < %s | grep -v '^$' | LC_ALL=C sort -r | "
                 "head -1",
                 path);
        p = popen(cmd, "r");
        char maxword[128] = "";
        if (fscanf(p, "%127s", maxword) != 1)
                maxword[0] = 0;
        pclose(p);
        const char *k0 = par_column_string(res[1], 0, &len);
        CHECK(par_column_length(res[1]) == 5 && len == strlen(maxword) &&
              memcmp(k0, maxword, len) == 0);
        for (int i = 0; i < 3; i++)
                par_value_release(res[i]);
        par_delayed_release(fr);
        par_delayed_release(tk);
        par_delayed_release(di);
        par_delayed_release(nw);
        par_bag_release(lw);
        par_bag_release(words);

        /* Strings: upper/lower/strip, startswith, regex. */
        par_bag *m = NULL, *g = NULL;
        par_expr *up = par_upper(par_strip(par_x()));
        CHECK_OK(par_bag_map(b, up, &m, &err), &err);
        par_expr_release(up);
        par_expr *re = par_match(par_x(), "^G[a-z]d$");
        CHECK_OK(par_bag_filter(m, re, &g, &err), &err);
        par_expr_release(re);
        par_delayed *cg = NULL;
        par_bag_count(g, NULL, &cg, &err);
        CHECK(compute_int(cg) == 0); /* all upper case now */
        par_delayed_release(cg);
        par_bag_release(g);
        par_bag_release(m);
        par_expr *bad = par_match(par_x(), "a(b");
        CHECK_OK(par_bag_filter(b, bad, &g, &err), &err);
        par_expr_release(bad);
        par_bag_count(g, NULL, &cg, &err);
        par_value *v = NULL;
        CHECK(par_compute(client, 1, &cg, &v, &err) < 0);
        CHECK_MSG(strstr(err.message, "a(b") != NULL, "%s", err.message);
        par_delayed_release(cg);
        par_bag_release(g);
        par_bag_release(b);
}

static void numbers(void)
{
        par_error err = {0};
        enum { N = 100001 };
        int64_t *v = malloc(N * sizeof *v);
        int64_t sum = 0, mn = INT64_MAX, mx = INT64_MIN;
        double mean, m2 = 0;
        for (int64_t i = 0; i < N; i++) {
                v[i] = (i * 7919) % 1000 - 500;
                sum += v[i];
                mn = v[i] < mn ? v[i] : mn;
                mx = v[i] > mx ? v[i] : mx;
        }
        mean = (double)sum / N;
        for (int64_t i = 0; i < N; i++)
                m2 += (v[i] - mean) * (v[i] - mean);
        par_bag *b = NULL;
        CHECK_OK(par_bag_from_int64(v, N, 13, &b, &err), &err);
        CHECK(par_bag_npartitions(b) == 13);
        par_delayed *d[6];
        for (int s = PAR_STAT_SUM; s <= PAR_STAT_STD; s++)
                CHECK_OK(par_bag_stat(b, s, NULL, &d[s - 1], &err), &err);
        par_value *r[6];
        CHECK_OK(par_compute(client, 6, d, r, &err), &err);
        CHECK(par_value_int64_of(r[0]) == sum);
        CHECK(par_value_int64_of(r[1]) == mn && par_value_int64_of(r[2]) == mx);
        CHECK(fabs(par_value_float64_of(r[3]) - mean) < 1e-12);
        CHECK(fabs(par_value_float64_of(r[4]) - m2 / N) < 1e-9 * (m2 / N));
        CHECK(fabs(par_value_float64_of(r[5]) - sqrt(m2 / N)) < 1e-9);
        for (int i = 0; i < 6; i++) {
                par_value_release(r[i]);
                par_delayed_release(d[i]);
        }
        /* map + filter with arithmetic: sum of 2x+1 over x > 0. */
        int64_t ref = 0;
        for (int64_t i = 0; i < N; i++)
                if (v[i] > 0)
                        ref += 2 * v[i] + 1;
        par_bag *pos = NULL, *lin = NULL;
        par_expr *gt = par_gt(par_x(), par_int(0));
        par_expr *e = par_add(par_mul(par_int(2), par_x()), par_int(1));
        CHECK_OK(par_bag_filter(b, gt, &pos, &err), &err);
        CHECK_OK(par_bag_map(pos, e, &lin, &err), &err);
        par_expr_release(gt);
        par_expr_release(e);
        par_delayed *s = NULL;
        par_bag_stat(lin, PAR_STAT_SUM, NULL, &s, &err);
        CHECK(compute_int(s) == ref);
        par_delayed_release(s);
        /* foldby: sum of values by sign. */
        par_expr *key = par_gt(par_x(), par_int(0)), *val = par_x();
        par_delayed *fb = NULL;
        CHECK_OK(par_bag_foldby(b, key, val, PAR_STAT_SUM, NULL, &fb, &err), &err);
        par_value *t = NULL;
        CHECK_OK(par_compute(client, 1, &fb, &t, &err), &err);
        double neg = 0;
        for (int64_t i = 0; i < N; i++)
                neg += v[i] > 0 ? 0 : (double)v[i];
        double posd = 0;
        for (int64_t i = 0; i < N; i++)
                posd += v[i] > 0 ? (double)v[i] : 0;
        CHECK(par_table_length(t) == 2 &&
              par_column_bool(par_table_column(t, 0))[0] == 0 &&
              par_column_float64(par_table_column(t, 1))[0] == neg &&
              par_column_float64(par_table_column(t, 1))[1] == posd);
        par_value_release(t);
        par_delayed_release(fb);
        par_expr_release(key);
        par_expr_release(val);
        par_bag_release(pos);
        par_bag_release(lin);
        par_bag_release(b);
        free(v);

        /* range and type errors name the partition. */
        CHECK_OK(par_bag_range(10, 3, &b, &err), &err);
        par_bag *sb = NULL;
        par_expr *lw = par_lower(par_x());
        par_bag_map(b, lw, &sb, &err);
        par_expr_release(lw);
        par_delayed *cnt = NULL;
        par_bag_count(sb, NULL, &cnt, &err);
        par_value *x = NULL;
        CHECK(par_compute(client, 1, &cnt, &x, &err) == PAR_ETYPE);
        CHECK_MSG(strstr(err.message, "lower(): expected a string, got int64") &&
                          strstr(err.message, "map-"),
                  "%s", err.message);
        par_delayed_release(cnt);
        par_bag_release(sb);
        par_bag_release(b);
}

/* fold with a user op: the largest item by absolute value. */
static int op_absmax(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)ctx, (void)n;
        int64_t a = par_value_int64_of(args[0]), b = par_value_int64_of(args[1]);
        *out = par_value_int64(llabs(b) > llabs(a) ? b : a);
        return 0;
}
PAR_REGISTER_OP("test.absmax", op_absmax)

static void fold(void)
{
        par_error err = {0};
        int64_t v[1000], ref = 0;
        for (int i = 0; i < 1000; i++) {
                v[i] = (i * 7919) % 2001 - 1000;
                if (llabs(v[i]) > llabs(ref))
                        ref = v[i];
        }
        par_bag *b = NULL;
        CHECK_OK(par_bag_from_int64(v, 1000, 9, &b, &err), &err);
        par_value *zero = par_value_int64(0);
        par_delayed *d = NULL;
        CHECK_OK(par_bag_fold(b, "test.absmax", NULL, zero,
                              &(par_agg_opts){.split_every = 2}, &d, &err),
                 &err);
        CHECK(compute_int(d) == ref);
        CHECK(par_bag_fold(b, "test.nope", NULL, zero, NULL, &d, &err) == PAR_ENOENT);
        par_delayed_release(d);
        par_value_release(zero);
        par_bag_release(b);
}

static void random_streams(void)
{
        par_error err = {0};
        enum { N = 2000000, P = 16 };
        par_value *parts[2] = {0};
        /* Clients of its own, one at a time (as MPI clients come): the
         * shared one goes for the while. */
        par_client_free(client);
        client = NULL;
        for (int t = 0; t < 2; t++) {
                par_client *c = NULL;
                test_client_new(&(par_client_opts){.threads = t + 1}, &c, &err);
                par_bag *b = NULL;
                CHECK_OK(par_bag_random_normal(42, N, P, 4, 2, &b, &err), &err);
                CHECK_OK(par_bag_compute(c, b, &parts[t], &err), &err);
                par_bag_release(b);
                par_client_free(c);
        }
        bool same = true;
        double sum = 0, sq = 0;
        int64_t n = 0;
        for (size_t p = 0; p < P; p++) {
                par_value *a = par_value_list_item(parts[0], p);
                par_value *b = par_value_list_item(parts[1], p);
                int64_t len = par_column_length(a);
                same &= len == par_column_length(b) &&
                        memcmp(par_column_float64(a), par_column_float64(b),
                               (size_t)len * 8) == 0;
                for (int64_t i = 0; i < len; i++) {
                        double x = par_column_float64(a)[i];
                        sum += x;
                        sq += x * x;
                }
                n += len;
        }
        CHECK(same);
        CHECK(n == N);
        double mean = sum / n, var = sq / n - mean * mean;
        /* Standard errors: sd/sqrt(n) = 0.0014 for the mean; the variance's
         * is about var*sqrt(2/n) = 0.004. Five of them. */
        CHECK_MSG(fabs(mean - 4) < 5 * 2 / sqrt(N), "mean %f", mean);
        CHECK_MSG(fabs(var - 4) < 5 * 4 * sqrt(2.0 / N), "variance %f", var);
        par_value_release(parts[0]);
        par_value_release(parts[1]);
        CHECK_OK(test_client_new(NULL, &client, &err), &err);

        /* The talk's delayed form: partitions from delayed calls. */
        par_delayed *d[4];
        for (int i = 0; i < 4; i++)
                par_delayed_call("par.random.normal", 5,
                                 (par_arg[]){par_arg_int64(7), par_arg_int64(i),
                                             par_arg_int64(1000), par_arg_float64(4),
                                             par_arg_float64(2)},
                                 &d[i], &err);
        par_bag *b = NULL;
        CHECK_OK(par_bag_from_delayed(4, d, &b, &err), &err);
        par_delayed *c = NULL;
        par_bag_count(b, NULL, &c, &err);
        CHECK(compute_int(c) == 4000);
        par_value *t = NULL;
        int64_t got;
        CHECK_OK(par_bag_take(client, b, 3, &t, &got, &err), &err);
        CHECK(got == 3 && fabs(par_column_float64(t)[0] - 4) < 10);
        par_value_release(t);
        par_delayed_release(c);
        par_bag_release(b);
        for (int i = 0; i < 4; i++)
                par_delayed_release(d[i]);
}

/* persist: a partition op that counts its runs (in this process), and
 * one that fails on the partition holding `bad`. */
static atomic_int tally_runs;
static int op_tally(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        (void)ctx, (void)n;
        atomic_fetch_add(&tally_runs, 1);
        *out = par_value_retain(args[0]);
        return 0;
}
PAR_REGISTER_OP("test.tally", op_tally)

static int op_fail_at(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)n;
        const int64_t *v = par_column_int64(args[0]);
        int64_t bad = par_value_int64_of(args[1]);
        for (int64_t i = 0; v && i < par_column_length(args[0]); i++)
                if (v[i] == bad)
                        return par_task_fail(ctx, PAR_EINVAL, "item %lld is bad",
                                             (long long)bad);
        *out = par_value_retain(args[0]);
        return 0;
}
PAR_REGISTER_OP("test.fail_at", op_fail_at)

/* Values the MPI workers hold for the client (0 on the local backend). */
static int64_t stored(void)
{
        if (!test_backend_is_mpi())
                return 0;
        int64_t n = -1;
        par_error err = {0};
        CHECK_OK(par_mpi_stored(client, -1, &n, NULL, &err), &err);
        return n;
}

/* par_bag_persist against the bag it came from and a serial reference:
 * the same partitions, aggregations and take; the source's ops run once
 * (at persist); a failing persist keeps nothing; releasing the persisted
 * bag frees what the workers held. */
static void persist(void)
{
        enum { N = 1000, P = 7 };
        par_error err = {0};
        int64_t v[N], sum = 0;
        for (int i = 0; i < N; i++) {
                v[i] = (int64_t)i * 3 - 500;
                sum += v[i];
        }
        par_bag *src = NULL, *b = NULL, *pb = NULL;
        CHECK_OK(par_bag_from_int64(v, N, P, &src, &err), &err);
        CHECK_OK(par_bag_map_partitions(src, "test.tally", 0, NULL, &b, &err),
                 &err);
        int64_t before = stored();
        atomic_store(&tally_runs, 0);
        CHECK_OK(par_bag_persist(client, b, &pb, &err), &err);
        if (!pb) {
                par_bag_release(b);
                par_bag_release(src);
                return;
        }
        CHECK(par_bag_npartitions(pb) == P);
        CHECK(stored() == before + (test_backend_is_mpi() ? P : 0));
        par_value *all = NULL;
        CHECK_OK(par_bag_compute(client, pb, &all, &err), &err);
        int64_t at = 0;
        bool same = all && par_value_list_size(all) == P;
        for (size_t p = 0; same && p < P; p++) {
                par_value *part = par_value_list_item(all, p);
                const int64_t *x = par_column_int64(part);
                for (int64_t i = 0; x && i < par_column_length(part); i++)
                        same = same && x[i] == v[at++];
                same = same && x;
        }
        CHECK(same && at == N);
        par_value_release(all);
        par_delayed *d = NULL;
        CHECK_OK(par_bag_stat(pb, PAR_STAT_SUM, &(par_agg_opts){.split_every = 2},
                              &d, &err),
                 &err);
        CHECK(compute_int(d) == sum);
        par_delayed_release(d);
        par_value *t = NULL;
        int64_t got = 0;
        CHECK_OK(par_bag_take(client, pb, 3, &t, &got, &err), &err);
        CHECK(got == 3 && par_column_int64(t) && par_column_int64(t)[2] == v[2]);
        par_value_release(t);
        /* Bags made from the persisted one, persisted again. */
        par_bag *twice = NULL;
        CHECK_OK(par_bag_persist(client, pb, &twice, &err), &err);
        CHECK_OK(par_bag_count(twice, NULL, &d, &err), &err);
        CHECK(compute_int(d) == N);
        par_delayed_release(d);
        par_bag_release(twice);
        /* The op ran once per partition, at persist. Under MPI it runs on
         * the workers, so this process cannot count it. */
        if (!TEST_SKIP_IF_MPI("counts op runs in this process"))
                CHECK(atomic_load(&tally_runs) == P);
        par_bag_release(pb);
        CHECK(stored() == before);

        /* A failing persist returns the task's error and keeps nothing. */
        par_bag *bad = NULL;
        CHECK_OK(par_bag_map_partitions(src, "test.fail_at", 1,
                                        (par_arg[]){par_arg_int64(v[N - 1])},
                                        &bad, &err),
                 &err);
        pb = NULL;
        CHECK(par_bag_persist(client, bad, &pb, &err) == PAR_EINVAL);
        CHECK(pb == NULL && strstr(err.message, "is bad") != NULL);
        CHECK(stored() == before);
        CHECK(par_bag_persist(client, NULL, &pb, &err) == PAR_EINVAL);
        par_bag_release(bad);
        par_bag_release(b);
        par_bag_release(src);
}

static void textfiles(void)
{
        par_error err = {0};
        const char *items[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
        par_bag *b = NULL;
        CHECK_OK(par_bag_from_strings(items, 5, 11, &b, &err), &err);
        CHECK(par_bag_npartitions(b) == 5);
        char pattern[512];
        snprintf(pattern, sizeof pattern, "%s/out-*.txt", dir);
        par_value *files = NULL;
        CHECK_OK(par_bag_to_textfiles(client, b, pattern, &files, &err), &err);
        CHECK(par_value_list_size(files) == 5);
        size_t len;
        const char *f0 = par_value_bytes(par_value_list_item(files, 0), &len);
        CHECK(f0 && strstr(f0, "/out-0.txt"));
        char cmd[700];
        snprintf(cmd, sizeof cmd, "cat %s/out-*.txt | grep -c .", dir);
        CHECK(shell_count(cmd) == 5);
        snprintf(cmd, sizeof cmd, "ls %s | grep -c par-tmp", dir);
        CHECK(shell_count(cmd) == 0);
        par_value_release(files);
        par_bag_release(b);
        /* Eleven partitions: names padded to two digits. */
        int64_t v[11] = {0};
        CHECK_OK(par_bag_from_int64(v, 11, 11, &b, &err), &err);
        CHECK_OK(par_bag_to_textfiles(client, b, pattern, &files, &err), &err);
        f0 = par_value_bytes(par_value_list_item(files, 10), &len);
        CHECK(f0 && strstr(f0, "/out-10.txt"));
        f0 = par_value_bytes(par_value_list_item(files, 3), &len);
        CHECK(f0 && strstr(f0, "/out-03.txt"));
        par_value_release(files);
        snprintf(pattern, sizeof pattern, "%s/no-such-dir/out-*.txt", dir);
        CHECK(par_bag_to_textfiles(client, b, pattern, &files, &err) == PAR_EIO);
        CHECK(strstr(err.message, "no-such-dir") != NULL);
        snprintf(pattern, sizeof pattern, "%s/nostar.txt", dir);
        CHECK(par_bag_to_textfiles(client, b, pattern, &files, &err) == PAR_EINVAL);
        par_bag_release(b);
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        par_error err = {0};
        if (test_client_new(NULL, &client, &err) < 0) {
                fprintf(stderr, "%s\n", err.message);
                return 1;
        }
        text_cases();
        many_files_and_gzip();
        take_and_words();
        numbers();
        fold();
        persist();
        random_streams();
        textfiles();
        par_client_free(client);
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", dir);
        return test_backend_end(check_done("test_bag"));
}
