/* The backend method table: the local backend answers through it, and a
 * client built on another backend (here one that counts calls and hands
 * them to the local backend) runs bags, delayed calls and futures without
 * them knowing, with the same results as the local client. */
#include <stdatomic.h>
#include <string.h>

#include "backend/backend.h"
#include "check.h"
#include "par.h"

static int op_inc(par_task_ctx *ctx, size_t n, par_value *const *args,
                  par_value **out)
{
        (void)ctx, (void)n;
        *out = par_value_int64(par_value_int64_of(args[0]) + 1);
        return 0;
}

static int op_fail(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        (void)n, (void)args, (void)out;
        return par_task_fail(ctx, PAR_EINVAL, "told to fail");
}

/* A backend that counts its calls and delegates to a local one. */
typedef struct counting {
        par__backend base;
        par__backend *inner;
        atomic_int runs, launches;
} counting;

static int c_run(par__backend *b, const par_graph *g, size_t nkeys,
                 const par_key *keys, par_value **out, par_error *err)
{
        counting *c = (counting *)b;
        atomic_fetch_add(&c->runs, 1);
        return c->inner->ops->run(c->inner, g, nkeys, keys, out, err);
}

static int c_launch(par__backend *b, par_graph *g, size_t n, par_future **futs,
                    par_error *err)
{
        counting *c = (counting *)b;
        atomic_fetch_add(&c->launches, 1);
        return c->inner->ops->launch(c->inner, g, n, futs, err);
}

static int c_summary(const par__backend *b, char *buf, size_t size)
{
        (void)b;
        return snprintf(buf, size, "counting");
}

static counting *last;

static void c_close(par__backend *b)
{
        counting *c = (counting *)b;
        c->inner->ops->close(c->inner);
        par__free(c);
}

static const par__backend_ops counting_ops = {
        .version = PAR__BACKEND_VERSION,
        .name = "counting",
        .run = c_run,
        .launch = c_launch,
        .summary = c_summary,
        .close = c_close,
};

static int make_counting(par_client *cl, void *ud, par__backend **out,
                         par_error *err)
{
        (void)ud;
        counting *c = par__calloc(1, sizeof *c);
        if (!c)
                return PAR__ENOMEM(err, "a counting backend");
        int rc = par__backend_local_new(cl, &c->inner, err);
        if (rc < 0) {
                par__free(c);
                return rc;
        }
        c->base.ops = &counting_ops;
        c->base.client = cl;
        *out = &c->base;
        last = c;
        return 0;
}

static void test_local(void)
{
        par_client *c = NULL;
        par_error err = {0};
        CHECK_OK(par_client_new(NULL, &c, &err), &err);
        CHECK(c->backend->ops->version == PAR__BACKEND_VERSION);
        CHECK(strcmp(par_client_backend(c), "local") == 0);
        char line[256];
        int n = par_client_summary(c, line, sizeof line);
        CHECK(n > 0 && (size_t)n == strlen(line));
        CHECK(strncmp(line, "Scheduler: local (", 18) == 0);
        CHECK(strstr(line, "Workers: 1  Threads: ") != NULL);
        /* The needed length, as snprintf, when the buffer is short. */
        char small[8];
        CHECK(par_client_summary(c, small, sizeof small) == n);
        CHECK(strcmp(small, "Schedul") == 0);
        CHECK(par_client_summary(c, NULL, 0) == n);

        /* run through the seam equals par_graph_compute. */
        par_graph *g = par_graph_new();
        CHECK_OK(par_graph_add(g, par_key_make("a", 0), "test.inc", 1,
                               (par_arg[]){par_arg_int64(41)}, &err), &err);
        CHECK_OK(par_graph_add(g, par_key_make("b", 0), "test.inc", 1,
                               (par_arg[]){par_arg_key("a", 0)}, &err), &err);
        par_key k = par_key_make("b", 0);
        par_value *v1 = NULL, *v2 = NULL;
        CHECK_OK(par__client_run(c, g, 1, &k, &v1, &err), &err);
        CHECK_OK(par_graph_compute(par_client_executor(c), g, 1, &k, &v2, NULL,
                                   &err), &err);
        CHECK(v1 && v2 && par_value_int64_of(v1) == 43 &&
              par_value_equal(v1, v2));
        par_value_release(v1);
        par_value_release(v2);
        par_graph_free(g);
        par_client_free(c);
}

static void test_counting(void)
{
        par_client *c = NULL, *lc = NULL;
        par_error err = {0};
        CHECK_OK(par__client_new_with(NULL, make_counting, NULL, &c, &err), &err);
        CHECK_OK(par_client_new(NULL, &lc, &err), &err);
        if (!c || !lc)
                return;
        counting *cb = last;
        CHECK(strcmp(par_client_backend(c), "counting") == 0);
        char line[64];
        par_client_summary(c, line, sizeof line);
        CHECK(strcmp(line, "Scheduler: counting") == 0);

        /* A bag's count goes through run. */
        par_bag *r = NULL;
        par_delayed *d = NULL;
        CHECK_OK(par_bag_range(1000, 7, &r, &err), &err);
        CHECK_OK(par_bag_count(r, NULL, &d, &err), &err);
        par_value *v = NULL, *w = NULL;
        CHECK_OK(par_compute(c, 1, &d, &v, &err), &err);
        CHECK_OK(par_compute(lc, 1, &d, &w, &err), &err);
        CHECK(v && w && par_value_equal(v, w) && par_value_int64_of(v) == 1000);
        CHECK(atomic_load(&cb->runs) >= 1);
        par_value_release(v);
        par_value_release(w);

        /* Futures go through launch: a chain of three. */
        par_future *f[3];
        for (int i = 0; i < 3; i++) {
                par_arg a = i ? par_arg_future(f[i - 1]) : par_arg_int64(1);
                CHECK_OK(par_client_submit(c, "test.inc", 1, &a, &f[i], &err),
                         &err);
        }
        CHECK_OK(par_future_result(f[2], &v, &err), &err);
        CHECK(v && par_value_int64_of(v) == 4);
        par_value_release(v);
        CHECK(atomic_load(&cb->launches) == 3);

        /* An error comes back through the table with its key. */
        par_future *bad = NULL;
        CHECK_OK(par_client_submit(c, "test.fail", 0, NULL, &bad, &err), &err);
        CHECK(par_future_result(bad, &v, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "told to fail") != NULL);
        par_future_release(bad);
        for (int i = 0; i < 3; i++)
                par_future_release(f[i]);

        /* client.compute: one launch for the delayed. */
        par_future *fc = NULL;
        CHECK_OK(par_client_compute(c, 1, &d, &fc, &err), &err);
        CHECK_OK(par_future_result(fc, &v, &err), &err);
        CHECK(v && par_value_int64_of(v) == 1000);
        par_value_release(v);
        par_future_release(fc);
        par_delayed_release(d);
        par_bag_release(r);
        par_client_free(lc);
        par_client_free(c);
}

int main(void)
{
        par_op_register("test.inc", op_inc, NULL);
        par_op_register("test.fail", op_fail, NULL);
        test_local();
        test_counting();
        return check_done("test_backend");
}
