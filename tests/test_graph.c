/* Task graphs on every executor: random DAGs checked against a serial
 * evaluation, culling and fusion counts, values released as soon as their
 * last consumer has run, and every error path: missing keys, cycles,
 * unknown ops, failing tasks (dependents canceled), duplicate keys. */
#include <stdatomic.h>
#include <unistd.h>

#include "check.h"
#include "executors.h"

/* ---- ops ---- */

/* seed + sum of inputs, wrapping: a value that depends on every input. */
static int op_sum(par_task_ctx *ctx, size_t n, par_value *const *args,
                  par_value **out)
{
        uint64_t acc = 0;
        for (size_t i = 0; i < n; i++) {
                if (par_value_type(args[i]) != PAR_TYPE_INT64)
                        return par_task_fail(ctx, PAR_ETYPE, "argument %zu: "
                                                             "expected int64",
                                             i);
                acc = acc * 31 + (uint64_t)par_value_int64_of(args[i]);
        }
        *out = par_value_int64((int64_t)acc);
        return *out ? 0 : PAR_ENOMEM;
}

static atomic_int runs;
static int op_count(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        (void)ctx;
        atomic_fetch_add(&runs, 1);
        *out = n ? par_value_retain(args[0]) : par_value_null();
        return 0;
}

static int op_fail(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        (void)n, (void)args, (void)out;
        return par_task_fail(ctx, PAR_EINVAL, "boom at index %lld",
                             (long long)par_task_key(ctx).index);
}

static int op_novalue(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)ctx, (void)n, (void)args, (void)out;
        return 0;
}

static atomic_int live, max_live;
static void tracked_free(void *p)
{
        (void)p;
        atomic_fetch_sub(&live, 1);
}
static const par_object_type tracked = {"test.tracked", tracked_free, NULL, NULL};

static int op_tracked(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)ctx, (void)n, (void)args;
        int now = atomic_fetch_add(&live, 1) + 1;
        int m = atomic_load(&max_live);
        while (now > m && !atomic_compare_exchange_weak(&max_live, &m, now))
                ;
        *out = par_value_object(&tracked, NULL);
        return 0;
}

PAR_REGISTER_OP("test.sum", op_sum)
PAR_REGISTER_OP("test.count", op_count)
PAR_REGISTER_OP("test.fail", op_fail)
PAR_REGISTER_OP("test.novalue", op_novalue)
PAR_REGISTER_OP("test.tracked", op_tracked)

/* ---- random DAGs ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static const char *const names[] = {"load", "parse", "mix", "sum-3f2a", "agg"};

typedef struct dag {
        size_t n;
        int *ndeps;
        uint32_t (*deps)[4];
        int64_t *seed;
        int64_t *value; /* serial reference */
} dag;

static void dag_make(dag *d, size_t n)
{
        d->n = n;
        d->ndeps = calloc(n, sizeof *d->ndeps);
        d->deps = calloc(n, sizeof *d->deps);
        d->seed = calloc(n, sizeof *d->seed);
        d->value = calloc(n, sizeof *d->value);
        for (size_t i = 0; i < n; i++) {
                d->seed[i] = (int64_t)(next() % 1000);
                d->ndeps[i] = i ? (int)(next() % 5) : 0;
                for (int k = 0; k < d->ndeps[i]; k++) {
                        /* Mostly near predecessors (chains), sometimes far. */
                        uint64_t r = next();
                        size_t back = (r & 3) ? 1 + (r >> 8) % 8 : 1 + (r >> 8) % i;
                        d->deps[i][k] = (uint32_t)(back > i ? 0 : i - back);
                }
                uint64_t acc = (uint64_t)d->seed[i];
                for (int k = 0; k < d->ndeps[i]; k++)
                        acc = acc * 31 + (uint64_t)d->value[d->deps[i][k]];
                d->value[i] = (int64_t)acc;
        }
}

static void dag_free(dag *d)
{
        free(d->ndeps);
        free(d->deps);
        free(d->seed);
        free(d->value);
}

static par_graph *dag_graph(const dag *d)
{
        par_graph *g = par_graph_new();
        par_error err = {0};
        for (size_t i = 0; i < d->n; i++) {
                par_arg args[5];
                args[0] = par_arg_int64(d->seed[i]);
                for (int k = 0; k < d->ndeps[i]; k++) {
                        uint32_t j = d->deps[i][k];
                        args[1 + k] = par_arg_key(names[j % 5], (int64_t)j);
                }
                int rc = par_graph_add(g, par_key_make(names[i % 5], (int64_t)i),
                                       "test.sum", 1 + (size_t)d->ndeps[i], args,
                                       &err);
                if (rc < 0) {
                        fprintf(stderr, "%s\n", err.message);
                        exit(1);
                }
        }
        return g;
}

/* How many tasks the requested ones need: the reference for culling. */
static size_t reachable(const dag *d, const uint32_t *want, size_t nwant)
{
        char *mark = calloc(d->n, 1);
        for (size_t i = 0; i < nwant; i++)
                mark[want[i]] = 1;
        size_t count = 0;
        for (size_t i = d->n; i-- > 0;) {
                if (!mark[i])
                        continue;
                count++;
                for (int k = 0; k < d->ndeps[i]; k++)
                        mark[d->deps[i][k]] = 1;
        }
        free(mark);
        return count;
}

static void random_dags(par_executor *ex, const char *kind, size_t n)
{
        dag d;
        dag_make(&d, n);
        par_graph *g = dag_graph(&d);
        enum { W = 200 };
        uint32_t want[W];
        par_key keys[W];
        for (int i = 0; i < W; i++) {
                /* Bias towards late tasks so most of the graph is needed,
                 * but not all of it. */
                want[i] = (uint32_t)(n - 1 - next() % (n / 3));
                keys[i] = par_key_make(names[want[i] % 5], want[i]);
        }
        par_value *out[W];
        par_graph_stats st = {0};
        par_error err = {0};
        uint64_t t0 = par_now_ns();
        CHECK_OK(par_graph_compute(ex, g, W, keys, out,
                                   &(par_compute_opts){.stats = &st}, &err),
                 &err);
        double ms = (double)(par_now_ns() - t0) / 1e6;
        int good = 0;
        for (int i = 0; i < W; i++) {
                good += out[i] && par_value_int64_of(out[i]) == d.value[want[i]];
                par_value_release(out[i]);
        }
        CHECK_MSG(good == W, "%s: %d of %d results equal the serial ones", kind,
                  good, W);
        size_t need = reachable(&d, want, W);
        CHECK_MSG(st.tasks == n && st.tasks - st.culled == need,
                  "%s: culled %zu of %zu, expected %zu needed", kind, st.culled,
                  st.tasks, need);
        CHECK(st.units + st.fused == need && st.fused > 0);
        printf("  %s: %zu tasks, %zu needed, %zu units, %.1f ms\n", kind, n,
               need, st.units, ms);

        /* The same graph without fusion gives the same answers. */
        CHECK_OK(par_graph_compute(ex, g, W, keys, out,
                                   &(par_compute_opts){.no_fuse = true,
                                                       .stats = &st},
                                   &err),
                 &err);
        good = 0;
        for (int i = 0; i < W; i++) {
                good += out[i] && par_value_int64_of(out[i]) == d.value[want[i]];
                par_value_release(out[i]);
        }
        CHECK(good == W && st.fused == 0);
        par_graph_free(g);
        dag_free(&d);
}

static void add(par_graph *g, const char *name, int64_t i, const char *op,
                size_t n, const par_arg *args)
{
        par_error err = {0};
        if (par_graph_add(g, par_key_make(name, i), op, n, args, &err) < 0) {
                fprintf(stderr, "add: %s\n", err.message);
                exit(1);
        }
}

static void structure(par_executor *ex, const char *kind)
{
        par_error err = {0};
        par_graph_stats st;
        par_value *out[4] = {0};

        /* A chain a -> b -> c -> d fuses into one unit. */
        par_graph *g = par_graph_new();
        add(g, "a", 0, "test.sum", 1, (par_arg[]){par_arg_int64(1)});
        add(g, "b", 0, "test.sum", 2,
            (par_arg[]){par_arg_int64(2), par_arg_key("a", 0)});
        add(g, "c", 0, "test.sum", 1, (par_arg[]){par_arg_key("b", 0)});
        add(g, "d", 0, "test.sum", 1, (par_arg[]){par_arg_key("c", 0)});
        add(g, "unused", PAR_NO_INDEX, "test.sum", 0, NULL);
        CHECK_OK(par_graph_compute(ex, g, 1, (par_key[]){par_key_make("d", 0)}, out,
                                   &(par_compute_opts){.stats = &st}, &err),
                 &err);
        CHECK(st.units == 1 && st.fused == 3 && st.culled == 1);
        CHECK(out[0] && par_value_int64_of(out[0]) == 2 * 31 + 1);
        par_value_release(out[0]);
        /* Asking for an inner key too stops fusion there. */
        CHECK_OK(par_graph_compute(ex, g, 2,
                                   (par_key[]){par_key_make("d", 0),
                                               par_key_make("b", 0)},
                                   out, &(par_compute_opts){.stats = &st}, &err),
                 &err);
        CHECK(st.units == 2);
        CHECK(out[1] && par_value_int64_of(out[1]) == 2 * 31 + 1);
        par_value_release(out[0]);
        par_value_release(out[1]);

        /* Requesting a missing key. */
        CHECK(par_graph_compute(ex, g, 1, (par_key[]){par_key_make("zz", 3)}, out,
                                NULL, &err) == PAR_ENOENT);
        CHECK(strstr(err.message, "('zz', 3)") != NULL);
        CHECK(out[0] == NULL);

        /* Adding a key twice. */
        CHECK(par_graph_add(g, par_key_make("a", 0), "test.sum", 0, NULL, &err) ==
              PAR_EEXIST);
        CHECK(strstr(err.message, "('a', 0)") != NULL);
        CHECK(par_graph_add(g, par_key_make("a", -7), "test.sum", 0, NULL, &err) ==
              PAR_EINVAL);
        CHECK(par_graph_add(g, par_key_make(NULL, 0), "test.sum", 0, NULL, &err) ==
              PAR_EINVAL);
        CHECK(par_graph_size(g) == 5);
        par_graph_free(g);

        /* A reference to a key that does not exist. */
        g = par_graph_new();
        add(g, "x", 1, "test.sum", 1, (par_arg[]){par_arg_key("ghost", 9)});
        CHECK(par_graph_compute(ex, g, 1, (par_key[]){par_key_make("x", 1)}, out,
                                NULL, &err) == PAR_ENOENT);
        CHECK_MSG(strstr(err.message, "('x', 1)") &&
                          strstr(err.message, "('ghost', 9)"),
                  "%s", err.message);
        par_graph_free(g);

        /* A cycle. */
        g = par_graph_new();
        add(g, "p", PAR_NO_INDEX, "test.sum", 1, (par_arg[]){par_arg_key("q", -1)});
        add(g, "q", PAR_NO_INDEX, "test.sum", 1, (par_arg[]){par_arg_key("p", -1)});
        add(g, "top", PAR_NO_INDEX, "test.sum", 1, (par_arg[]){par_arg_key("q", -1)});
        CHECK(par_graph_compute(ex, g, 1, (par_key[]){par_key_make("top", -1)}, out,
                                NULL, &err) == PAR_ECYCLE);
        CHECK(strstr(err.message, "cycle") != NULL);
        par_graph_free(g);

        /* An op nobody registered. */
        g = par_graph_new();
        add(g, "u", PAR_NO_INDEX, "app.nope", 0, NULL);
        CHECK(par_graph_compute(ex, g, 1, (par_key[]){par_key_make("u", -1)}, out,
                                NULL, &err) == PAR_ENOENT);
        CHECK(strstr(err.message, "'app.nope'") != NULL);
        par_graph_free(g);

        /* A failing task: its error names it; its dependents never run. */
        g = par_graph_new();
        add(g, "bad", 3, "test.fail", 0, NULL);
        for (int i = 0; i < 50; i++)
                add(g, "after", i, "test.count", 1, (par_arg[]){par_arg_key("bad", 3)});
        par_arg all[50];
        for (int i = 0; i < 50; i++)
                all[i] = par_arg_key("after", i);
        add(g, "total", PAR_NO_INDEX, "test.count", 50, all);
        atomic_store(&runs, 0);
        CHECK(par_graph_compute(ex, g, 1, (par_key[]){par_key_make("total", -1)},
                                out, NULL, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "task ('bad', 3) (op test.fail): boom at "
                                      "index 3") != NULL,
                  "%s", err.message);
        CHECK(atomic_load(&runs) == 0);
        CHECK(out[0] == NULL);
        par_graph_free(g);

        /* Success without a value is an error too. */
        g = par_graph_new();
        add(g, "nv", PAR_NO_INDEX, "test.novalue", 0, NULL);
        CHECK(par_graph_compute(ex, g, 1, (par_key[]){par_key_make("nv", -1)}, out,
                                NULL, &err) == PAR_ETASK);
        CHECK(strstr(err.message, "no value") != NULL);
        par_graph_free(g);

        /* Values are released when their last consumer has run: 64 chains
         * of 40 objects hold only a few objects at any time. */
        g = par_graph_new();
        enum { CH = 64, LEN = 40 };
        par_key ends[CH];
        char cname[CH][16];
        for (int c = 0; c < CH; c++) {
                snprintf(cname[c], sizeof cname[c], "chain%d", c);
                add(g, cname[c], 0, "test.tracked", 0, NULL);
                for (int i = 1; i < LEN; i++)
                        add(g, cname[c], i, "test.tracked", 1,
                            (par_arg[]){par_arg_key(cname[c], i - 1)});
                ends[c] = par_key_make(cname[c], LEN - 1);
        }
        atomic_store(&live, 0);
        atomic_store(&max_live, 0);
        par_value *res[CH];
        CHECK_OK(par_graph_compute(ex, g, CH, ends, res,
                                   &(par_compute_opts){.no_fuse = true}, &err),
                 &err);
        /* The 64 results stay alive until released; intermediates don't. */
        CHECK(atomic_load(&live) == CH);
        int threads = par_executor_threads(ex);
        CHECK_MSG(atomic_load(&max_live) <= CH + 2 * threads + 2,
                  "%s: %d objects alive at once", kind, atomic_load(&max_live));
        for (int c = 0; c < CH; c++)
                par_value_release(res[c]);
        CHECK(atomic_load(&live) == 0);
        par_graph_free(g);
}

int main(int argc, char **argv)
{
        size_t n = argc > 1 ? (size_t)atol(argv[1]) : 100000;
        for (int k = 0; k < TEST_NKINDS; k++) {
                par_executor *ex = test_executor(k, 2);
                if (!ex)
                        continue;
                random_dags(ex, test_kind_names[k], n);
                structure(ex, test_kind_names[k]);
                par_executor_free(ex);
        }
        /* Graphviz output names every task. */
        par_graph *g = par_graph_new();
        add(g, "a", 0, "test.sum", 0, NULL);
        add(g, "b\"q", PAR_NO_INDEX, "test.sum", 1, (par_arg[]){par_arg_key("a", 0)});
        par_error err = {0};
        char path[] = "/tmp/par-test-graph-XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        close(fd);
        CHECK_OK(par_graph_to_dot(g, path, &err), &err);
        FILE *f = fopen(path, "r");
        char text[1024] = {0};
        size_t got = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f)
                fclose(f);
        CHECK(got > 0 && strstr(text, "('a', 0)") && strstr(text, "b\\\"q") &&
              strstr(text, "t0 -> t1"));
        remove(path);
        CHECK(par_graph_to_dot(g, "/nonexistent-dir/x.dot", &err) == PAR_EIO);
        CHECK(strstr(err.message, "/nonexistent-dir/x.dot") != NULL);
        par_graph_free(g);
        return check_done("test_graph");
}
