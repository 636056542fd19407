/* talk — the Dask talk, replayed in C, cell by cell.
 *
 *   build/examples/talk [--rows N] [--partitions P] [--out DIR]
 *                       [--text FILE] [--threads T]
 *
 * Defaults: 10^6 rows in 160 partitions, files under ./talk-out, the text
 * from ./talk-out/bible.txt (scripts/run-main.sh makes it from Debian's
 * King James Bible). The talk's scale is --rows 100000000 (~4.5 GB of
 * CSV). Each cell prints what the talk's cell printed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <par.h>

static int squared(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        int64_t x;
        par_error err = {0};
        if (n != 1 || par_value_get_int64(args[0], &x, &err) < 0)
                return par_task_fail(ctx, PAR_ETYPE, "squared(n): %s", err.message);
        *out = par_value_int64(x * x);
        return *out ? 0 : PAR_ENOMEM;
}
PAR_REGISTER_OP("talk.squared", squared)

typedef struct opts {
        int64_t rows, partitions;
        const char *out, *text;
        int threads;
} opts;

static void die(const char *cell, const par_error *err)
{
        fprintf(stderr, "talk: %s: %s\n", cell, err->message);
        exit(1);
}

static void cell(const char *code)
{
        printf("\n>>> %s\n", code);
}

/* Prints a string column's items as Python prints a tuple of strings. */
static void print_lines(const par_value *col)
{
        printf("(");
        for (int64_t i = 0; i < par_column_length(col); i++) {
                size_t len;
                const char *s = par_column_string(col, i, &len);
                printf("%s'", i ? ",\n " : "");
                for (size_t k = 0; k < len; k++) {
                        if (s[k] == '\n')
                                printf("\\n");
                        else if (s[k] == '\r')
                                printf("\\r");
                        else if (s[k] == '\'')
                                printf("\\'");
                        else
                                putchar(s[k]);
                }
                printf("'");
        }
        printf(")\n");
}

static int64_t compute_int(par_client *c, par_delayed *d, const char *what)
{
        par_future *f = NULL;
        par_value *v = NULL;
        par_error err = {0};
        /* client.compute(x).result(), as the talk does. */
        if (par_client_compute(c, 1, &d, &f, &err) < 0 ||
            par_future_result(f, &v, &err) < 0)
                die(what, &err);
        int64_t x = par_value_int64_of(v);
        par_value_release(v);
        par_future_release(f);
        return x;
}

static void parse_args(int argc, char **argv, opts *o)
{
        *o = (opts){1000000, 160, "talk-out", NULL, 0};
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!strcmp(a, "--rows") && v)
                        o->rows = (int64_t)strtod(v, NULL), i++;
                else if (!strcmp(a, "--partitions") && v)
                        o->partitions = atoll(v), i++;
                else if (!strcmp(a, "--out") && v)
                        o->out = v, i++;
                else if (!strcmp(a, "--text") && v)
                        o->text = v, i++;
                else if (!strcmp(a, "--threads") && v)
                        o->threads = atoi(v), i++;
                else {
                        fprintf(stderr,
                                "usage: talk [--rows N] [--partitions P] [--out DIR] "
                                "[--text FILE] [--threads T]\n");
                        exit(2);
                }
        }
        if (o->rows < 1 || o->partitions < 1) {
                fprintf(stderr, "talk: --rows and --partitions must be positive\n");
                exit(2);
        }
}

int main(int argc, char **argv)
{
        opts o;
        parse_args(argc, argv, &o);
        par_error err = {0};
        char text[512], line[4096];
        if (!o.text) {
                snprintf(text, sizeof text, "%s/bible.txt", o.out);
                o.text = text;
        }
        mkdir(o.out, 0777);

        /* [2] client = Client() */
        cell("client = Client()");
        par_client *client = NULL;
        if (par_client_new(&(par_client_opts){.threads = o.threads}, &client, &err) < 0)
                die("Client()", &err);
        par_client_summary(client, line, sizeof line);
        printf("%s\n", line);

        /* [3] client.submit(squared, 3).result() */
        cell("client.submit(squared, 3).result()");
        par_future *f = NULL;
        par_value *v = NULL;
        if (par_client_submit(client, "talk.squared", 1, (par_arg[]){par_arg_int64(3)},
                              &f, &err) < 0 ||
            par_future_result(f, &v, &err) < 0)
                die("submit", &err);
        par_value_format(v, line, sizeof line);
        printf("%s\n", line);
        par_value_release(v);
        par_future_release(f);

        /* [5] bag.read_text('bible.txt', blocksize='100KB').take(3) */
        cell("bible_bag = bag.read_text('bible.txt', blocksize='100KB'); "
             "bible_bag.take(3)");
        par_bag *bible = NULL;
        if (par_read_text(o.text, &(par_read_text_opts){.blocksize_str = "100KB"},
                          &bible, &err) < 0)
                die("read_text", &err);
        int64_t got = 0;
        if (par_bag_take(client, bible, 3, &v, &got, &err) < 0)
                die("take", &err);
        print_lines(v);
        par_value_release(v);

        /* [6] client.compute(bible_bag.count()).result() */
        cell("client.compute(bible_bag.count()).result()");
        par_delayed *d = NULL;
        if (par_bag_count(bible, NULL, &d, &err) < 0)
                die("count", &err);
        printf("%" PRId64 "\n", compute_int(client, d, "count"));
        par_delayed_release(d);

        /* [9] bible_bag.filter(lambda l: 'God' in l).count() */
        cell("client.compute(bible_bag.filter(lambda l: 'God' in l).count()).result()");
        par_bag *god = NULL;
        par_expr *has_god = par_contains(par_x(), "God");
        if (par_bag_filter(bible, has_god, &god, &err) < 0 ||
            par_bag_count(god, NULL, &d, &err) < 0)
                die("filter", &err);
        printf("%" PRId64 "\n", compute_int(client, d, "filter count"));
        par_expr_release(has_god);
        par_delayed_release(d);
        par_bag_release(god);
        par_bag_release(bible);

        cell("client = Client('tcp://scheduler:8786'); client.restart()");
        printf("(skipped: the TCP cluster backend is not part of this build; "
               "the same graphs run on the local pool)\n");

        /* The gaussian partitions: delayed calls, one per partition. */
        char code[256];
        snprintf(code, sizeof code,
                 "gauss_bag = bag.from_delayed([get_partition_numbers() for _ in "
                 "range(%" PRId64 ")]); gauss_bag.take(3)",
                 o.partitions);
        cell(code);
        par_delayed **parts = calloc((size_t)o.partitions, sizeof *parts);
        for (int64_t i = 0; i < o.partitions; i++) {
                int64_t cnt = o.rows * (i + 1) / o.partitions - o.rows * i / o.partitions;
                if (par_delayed_call("par.random.normal", 5,
                                     (par_arg[]){par_arg_int64(2026), par_arg_int64(i),
                                                 par_arg_int64(cnt), par_arg_float64(4),
                                                 par_arg_float64(2)},
                                     &parts[i], &err) < 0)
                        die("delayed", &err);
        }
        par_bag *gauss = NULL;
        if (par_bag_from_delayed((size_t)o.partitions, parts, &gauss, &err) < 0 ||
            par_bag_take(client, gauss, 3, &v, &got, &err) < 0)
                die("from_delayed", &err);
        printf("(");
        for (int64_t i = 0; i < got; i++)
                printf("%s%.17g", i ? ", " : "", par_column_float64(v)[i]);
        printf(")\n");
        par_value_release(v);
        for (int64_t i = 0; i < o.partitions; i++)
                par_delayed_release(parts[i]);
        free(parts);

        /* [..] gauss_bag.to_dataframe([('a', float)]).head() */
        cell("gauss_dataframe = gauss_bag.to_dataframe([('a', float)]); "
             "gauss_dataframe.head()");
        par_frame *df = NULL, *df2 = NULL;
        if (par_bag_to_dataframe(gauss, 1, (const char *[]){"a"},
                                 (par_dtype[]){PAR_DTYPE_FLOAT64}, &df, &err) < 0 ||
            par_frame_head(client, df, 5, &v, &got, &err) < 0)
                die("to_dataframe", &err);
        par_table_format(v, 0, 0, line, sizeof line);
        printf("%s\n", line);
        par_value_release(v);

        /* df['b'] = 4*df['a'] + 3; df */
        cell("gauss_dataframe['b'] = 4*gauss_dataframe['a'] + 3; gauss_dataframe");
        par_expr *e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
        if (par_frame_assign(df, "b", e, &df2, &err) < 0)
                die("assign", &err);
        par_expr_release(e);
        par_frame_format(df2, line, sizeof line);
        printf("%s\n", line);

        /* to_csv('gen-*.csv') */
        cell("gauss_dataframe.to_csv('gen-*.csv')");
        char pattern[600];
        snprintf(pattern, sizeof pattern, "%s/gen-*.csv", o.out);
        par_value *files = NULL;
        uint64_t t0 = par_now_ns();
        if (par_frame_to_csv(client, df2, pattern, NULL, &files, &err) < 0)
                die("to_csv", &err);
        size_t nf = par_value_list_size(files);
        printf("[");
        for (size_t i = 0; i < nf; i++) {
                if (i == 3 && nf > 6) {
                        printf(",\n ...");
                        i = nf - 3;
                }
                printf("%s'%s'", i ? ",\n " : "",
                       par_value_bytes(par_value_list_item(files, i), NULL));
        }
        printf("]\n(%zu files in %.2f s)\n", nf, (double)(par_now_ns() - t0) / 1e9);
        par_value_release(files);

        /* read_csv('gen-*.csv'); client.persist(df) */
        cell("df = dataframe.read_csv('gen-*.csv'); df = client.persist(df); df");
        par_frame *rd = NULL, *pd = NULL;
        t0 = par_now_ns();
        if (par_read_csv(pattern, NULL, &rd, &err) < 0 ||
            par_frame_persist(client, rd, &pd, &err) < 0)
                die("read_csv", &err);
        par_frame_format(pd, line, sizeof line);
        printf("%s\n(read and persisted in %.2f s)\n", line,
               (double)(par_now_ns() - t0) / 1e9);

        /* df.to_dask_array(lengths=True) */
        cell("array = df.to_dask_array(lengths=True); array");
        par_array *arr = NULL, *X = NULL, *y = NULL;
        if (par_frame_to_array(client, pd, true, &arr, &err) < 0)
                die("to_array", &err);
        par_array_format(arr, line, sizeof line);
        printf("%s\n", line);

        /* LinearRegression().fit(array[:, 1:2], array[:, 2:3]) */
        cell("lr = LinearRegression(); lr.fit(array[:, 1:2], array[:, 2:3]); "
             "lr.coef_, lr.intercept_");
        par_linear_regression lr = {0};
        t0 = par_now_ns();
        if (par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 1, 2, 1, &X, &err) < 0 ||
            par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 2, 3, 1, &y, &err) < 0 ||
            par_linear_regression_fit(client, NULL, X, y, &lr, &err) < 0)
                die("LinearRegression.fit", &err);
        printf("coef_ = [[%.17g]]\nintercept_ = %.17g\n(exact solver, one pass, "
               "%.2f s; |coef - 4| = %.1e, |intercept - 3| = %.1e)\n",
               lr.coef[0], lr.intercept, (double)(par_now_ns() - t0) / 1e9,
               lr.coef[0] > 4 ? lr.coef[0] - 4 : 4 - lr.coef[0],
               lr.intercept > 3 ? lr.intercept - 3 : 3 - lr.intercept);
        par_linear_regression_clear(&lr);
        par_array_release(X);
        par_array_release(y);
        par_array_release(arr);

        par_frame_release(pd);
        par_frame_release(rd);
        par_frame_release(df2);
        par_frame_release(df);
        par_bag_release(gauss);
        par_client_free(client);
        return 0;
}
