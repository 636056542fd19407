/* The local backend: graphs run on the client's executor, in this
 * process. The first implementation of the method table, and the reference
 * the remote ones are tested against. */
#include <stdio.h>

#include "backend/backend.h"

typedef struct local_backend {
        par__backend base;
} local_backend;

static int local_run(par__backend *b, const par_graph *g, size_t nkeys,
                     const par_key *keys, par_value **out, par_error *err)
{
        /* Values persisted by an MPI client come here first. */
        par_graph *copy = NULL;
        int rc = par__remote_materialize(g, &copy, err);
        if (rc < 0) {
                for (size_t i = 0; i < nkeys; i++)
                        out[i] = NULL;
                return rc;
        }
        rc = par_graph_compute(b->client->ex, copy ? copy : g, nkeys, keys, out,
                               NULL, err);
        par_graph_free(copy);
        return rc;
}

/* Runs once the plan is done, on whatever thread finished it. */
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
        par__client_launch_end(c);
}

static int local_launch(par__backend *b, par_graph *g, size_t n,
                        par_future **futs, par_error *err)
{
        par_client *c = b->client;
        par_graph *copy = NULL;
        int mrc = par__remote_materialize(g, &copy, err);
        if (mrc < 0) {
                par_graph_free(g);
                return mrc;
        }
        if (copy) {
                par_graph_free(g);
                g = copy;
        }
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
        par__plan_start(p, c->ex, launch_done, l);
        return 0;
}

static int local_summary(const par__backend *b, char *buf, size_t size)
{
        par_executor *ex = b->client->ex;
        double gb = (double)par_memory_total() / 1e9;
        return snprintf(buf, size,
                        "local (%s)  Workers: 1  Threads: %d  Cores: %d  "
                        "Memory: %.2f GB",
                        par_executor_name(ex), par_executor_threads(ex),
                        par_cpu_count(), gb);
}

static void local_close(par__backend *b)
{
        par__free(b);
}

static const par__backend_ops local_ops = {
        .version = PAR__BACKEND_VERSION,
        .name = "local",
        .run = local_run,
        .launch = local_launch,
        .summary = local_summary,
        .close = local_close,
};

int par__backend_local_new(par_client *c, par__backend **out, par_error *err)
{
        local_backend *lb = par__calloc(1, sizeof *lb);
        if (!lb)
                return PAR__ENOMEM(err, "creating the local backend");
        lb->base.ops = &local_ops;
        lb->base.client = c;
        *out = &lb->base;
        return 0;
}
