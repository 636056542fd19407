/* The local client: an executor plus the bookkeeping that lets futures
 * outlive the calls that started them. */
#include <stdio.h>

#include "client/internal.h"

int par_client_new(const par_client_opts *opts, par_client **out,
                   par_error *err)
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
        *out = c;
        return 0;
}

void par_client_free(par_client *c)
{
        if (!c)
                return;
        pthread_mutex_lock(&c->lock);
        while (c->running)
                pthread_cond_wait(&c->idle, &c->lock);
        pthread_mutex_unlock(&c->lock);
        par_executor_free(c->ex);
        pthread_cond_destroy(&c->idle);
        pthread_mutex_destroy(&c->lock);
        par__free(c);
}

par_executor *par_client_executor(par_client *c)
{
        return c ? c->ex : NULL;
}

int par_client_summary(const par_client *c, char *buf, size_t size)
{
        double gb = (double)par_memory_total() / 1e9;
        return snprintf(buf, size,
                        "Scheduler: local (%s)  Workers: 1  Threads: %d  "
                        "Cores: %d  Memory: %.2f GB",
                        par_executor_name(c->ex), par_executor_threads(c->ex),
                        par_cpu_count(), gb);
}

int par__client_run(par_client *c, const par_graph *g, size_t nkeys,
                    const par_key *keys, par_value **out, par_error *err)
{
        return par_graph_compute(c->ex, g, nkeys, keys, out, NULL, err);
}

static void launch_done(par__plan *p, void *ud)
{
        par__launch *l = ud;
        par_error e;
        par_error_clear(&e);
        int rc = par__plan_status(p, &e);
        for (size_t i = 0; i < l->n; i++) {
                par_future *f = l->futs[i];
                pthread_mutex_lock(&f->lock);
                f->launch = NULL;
                pthread_mutex_unlock(&f->lock);
                if (rc == 0)
                        par__future_finish(f, 0, par__plan_result(p, i), NULL);
                else
                        par__future_finish(f, rc, NULL, &e);
        }
        par_client *c = l->client;
        par__plan_free(p);
        par__free(l->futs);
        par__free(l);
        pthread_mutex_lock(&c->lock);
        if (--c->running == 0)
                pthread_cond_broadcast(&c->idle);
        pthread_mutex_unlock(&c->lock);
}

int par__client_launch(par_client *c, par_graph *g, size_t n, par_future **futs,
                       par_error *err)
{
        par_key *keys = par__malloc((n ? n : 1) * sizeof *keys);
        par__launch *l = par__calloc(1, sizeof *l);
        par_future **fs = par__malloc((n ? n : 1) * sizeof *fs);
        if (!keys || !l || !fs) {
                par__free(keys);
                par__free(l);
                par__free(fs);
                par_graph_free(g);
                return PAR__ENOMEM(err, "starting a computation");
        }
        for (size_t i = 0; i < n; i++) {
                keys[i] = par_key_make(futs[i]->name, futs[i]->index);
                fs[i] = futs[i];
        }
        par__plan *p;
        int rc = par__plan_new(g, n, keys, NULL, &p, err);
        par__free(keys);
        if (rc < 0) {
                par__free(l);
                par__free(fs);
                par_graph_free(g);
                return rc;
        }
        par__plan_own_graph(p, g);
        l->client = c;
        l->plan = p;
        l->n = n;
        l->live = n;
        l->futs = fs;
        for (size_t i = 0; i < n; i++) {
                pthread_mutex_lock(&fs[i]->lock);
                fs[i]->launch = l;
                pthread_mutex_unlock(&fs[i]->lock);
        }
        pthread_mutex_lock(&c->lock);
        c->running++;
        pthread_mutex_unlock(&c->lock);
        par__plan_start(p, c->ex, launch_done, l);
        return 0;
}
