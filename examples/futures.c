/* futures — the talk's first cells in C: a local client, submit(squared, 3)
 * and its result, then delayed calls composed lazily and computed at once.
 *
 *   build/examples/futures
 *
 * Prints the client's summary, 9, a future's key, the delayed results and
 * what a failing task reports. */
#include <stdio.h>

#include <par.h>

/* An op: the unit of work a graph names. Arguments arrive as values. */
static int squared(par_task_ctx *ctx, size_t nargs, par_value *const *args,
                   par_value **out)
{
        int64_t x;
        par_error err = {0};
        if (nargs != 1 || par_value_get_int64(args[0], &x, &err) < 0)
                return par_task_fail(ctx, PAR_ETYPE, "squared(x): %s", err.message);
        *out = par_value_int64(x * x);
        return *out ? 0 : PAR_ENOMEM;
}

static int add(par_task_ctx *ctx, size_t nargs, par_value *const *args,
               par_value **out)
{
        (void)ctx;
        int64_t sum = 0;
        for (size_t i = 0; i < nargs; i++)
                sum += par_value_int64_of(args[i]);
        *out = par_value_int64(sum);
        return *out ? 0 : PAR_ENOMEM;
}

/* Ops are registered by name, so a graph can name them in any process. */
PAR_REGISTER_OP("demo.squared", squared)
PAR_REGISTER_OP("demo.add", add)

static int fail(const char *what, const par_error *err)
{
        fprintf(stderr, "futures: %s: %s\n", what, err->message);
        return 1;
}

int main(void)
{
        par_error err = {0};
        par_client *client = NULL;
        char line[256];

        /* client = Client() */
        if (par_client_new(NULL, &client, &err) < 0)
                return fail("starting the client", &err);
        par_client_summary(client, line, sizeof line);
        printf("%s\n", line);

        /* client.submit(squared, 3).result() */
        par_future *f = NULL;
        par_value *v = NULL;
        if (par_client_submit(client, "demo.squared", 1,
                              (par_arg[]){par_arg_int64(3)}, &f, &err) < 0 ||
            par_future_result(f, &v, &err) < 0)
                return fail("submit(squared, 3)", &err);
        par_value_format(v, line, sizeof line);
        printf("submit(squared, 3).result() = %s   (key %s)\n", line,
               par_future_key(f).name);
        par_value_release(v);

        /* Delayed: sum of squares 0..9, composed lazily, computed once. */
        par_delayed *sq[10];
        par_arg parts[10];
        for (int i = 0; i < 10; i++) {
                if (par_delayed_call("demo.squared", 1,
                                     (par_arg[]){par_arg_int64(i)}, &sq[i],
                                     &err) < 0)
                        return fail("delayed squared", &err);
                parts[i] = par_arg_delayed(sq[i]);
        }
        par_delayed *total = NULL;
        if (par_delayed_call("demo.add", 10, parts, &total, &err) < 0 ||
            par_compute(client, 1, &total, &v, &err) < 0)
                return fail("delayed sum", &err);
        par_value_format(v, line, sizeof line);
        printf("sum(squared(i) for i in range(10)) = %s   (key %s)\n", line,
               par_delayed_key(total).name);
        par_value_release(v);

        /* Errors reach the caller with the task's key. */
        par_future *bad = NULL;
        par_client_submit(client, "demo.squared", 1,
                          (par_arg[]){par_arg_string("three")}, &bad, &err);
        if (par_future_result(bad, &v, &err) < 0)
                printf("submit(squared, 'three') failed as expected:\n  %s\n",
                       err.message);

        par_future_release(bad);
        par_future_release(f);
        par_delayed_release(total);
        for (int i = 0; i < 10; i++)
                par_delayed_release(sq[i]);
        par_client_free(client);
        return 0;
}
