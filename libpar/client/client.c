/* The client: an executor, a backend that runs its graphs, and the
 * bookkeeping that lets futures outlive the calls that started them. Every
 * computation passes through par__client_run or par__client_launch, which
 * hand it to the backend's method table (backend/backend.h). */
#include <stdio.h>

#include "backend/backend.h"
#include "client/internal.h"

static int make_local(par_client *c, void *ud, par__backend **out,
                      par_error *err)
{
        (void)ud;
        return par__backend_local_new(c, out, err);
}

int par__client_new_with(const par_client_opts *opts, par__backend_make_fn make,
                         void *ud, par_client **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "par_client_new: `out` is NULL");
        *out = NULL;
        par_client_opts o = opts ? *opts : (par_client_opts){0};
        par_client *c = par__calloc(1, sizeof *c);
        if (!c)
                return PAR__ENOMEM(err, "creating a client");
        int rc = par_executor_new(
                &(par_executor_opts){.kind = o.executor, .threads = o.threads},
                &c->ex, err);
        if (rc < 0) {
                par__free(c);
                return rc;
        }
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->idle, NULL);
        rc = make(c, ud, &c->backend, err);
        if (rc < 0) {
                par_executor_free(c->ex);
                pthread_cond_destroy(&c->idle);
                pthread_mutex_destroy(&c->lock);
                par__free(c);
                return rc;
        }
        *out = c;
        return 0;
}

int par_client_new(const par_client_opts *opts, par_client **out,
                   par_error *err)
{
        return par__client_new_with(opts, make_local, NULL, out, err);
}

void par_client_free(par_client *c)
{
        if (!c)
                return;
        pthread_mutex_lock(&c->lock);
        while (c->running)
                pthread_cond_wait(&c->idle, &c->lock);
        pthread_mutex_unlock(&c->lock);
        c->backend->ops->close(c->backend);
        par_executor_free(c->ex);
        pthread_cond_destroy(&c->idle);
        pthread_mutex_destroy(&c->lock);
        par__free(c);
}

par_executor *par_client_executor(par_client *c)
{
        return c ? c->ex : NULL;
}

const char *par_client_backend(const par_client *c)
{
        return c ? c->backend->ops->name : NULL;
}

int par_client_summary(const par_client *c, char *buf, size_t size)
{
        int n = snprintf(buf, size, "Scheduler: ");
        if (n < 0)
                return n;
        size_t used = (size_t)n < size ? (size_t)n : size;
        int m = c->backend->ops->summary(c->backend, buf ? buf + used : NULL,
                                         size - used);
        return m < 0 ? m : n + m;
}

int par__client_run(par_client *c, const par_graph *g, size_t nkeys,
                    const par_key *keys, par_value **out, par_error *err)
{
        return c->backend->ops->run(c->backend, g, nkeys, keys, out, err);
}

int par_client_graph_compute(par_client *c, const par_graph *g,
                             size_t nkeys, const par_key *keys,
                             par_value **out, par_error *err)
{
        for (size_t i = 0; out && i < nkeys; i++)
                out[i] = NULL;
        if (!c || !g || (nkeys && (!keys || !out)))
                return par__errorf(err, PAR_EINVAL,
                                   "par_client_graph_compute: client, graph, "
                                   "keys and out are required");
        return par__client_run(c, g, nkeys, keys, out, err);
}

void par__client_launch_end(par_client *c)
{
        pthread_mutex_lock(&c->lock);
        if (--c->running == 0)
                pthread_cond_broadcast(&c->idle);
        pthread_mutex_unlock(&c->lock);
}

int par__client_launch(par_client *c, par_graph *g, size_t n, par_future **futs,
                       par_error *err)
{
        pthread_mutex_lock(&c->lock);
        c->running++;
        pthread_mutex_unlock(&c->lock);
        int rc = c->backend->ops->launch(c->backend, g, n, futs, err);
        if (rc < 0)
                par__client_launch_end(c);
        return rc;
}
