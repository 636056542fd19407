/* Running a plan. A unit whose last dependency finishes becomes ready; the
 * thread that finished it runs the first ready dependent next (its inputs
 * are in that thread's cache) and hands the others to the executor, which
 * on the pool means its own deque, where idle workers steal them. Results
 * are released as soon as their last consumer has run, unless requested.
 * The first failure cancels the rest: later units are skipped but still
 * counted, so the plan always finishes. */
#include <stdarg.h>
#include <stdio.h>

#include "graph/internal.h"

par_key par_task_key(const par_task_ctx *ctx)
{
        const par__task *t = &ctx->plan->g->tasks[ctx->task];
        return par_key_make(ctx->plan->g->names.str[t->name], t->index);
}

const char *par_task_op(const par_task_ctx *ctx)
{
        const par__task *t = &ctx->plan->g->tasks[ctx->task];
        return ctx->plan->g->names.str[t->op];
}

int par_task_fail(par_task_ctx *ctx, int code, const char *fmt, ...)
{
        if (code >= 0)
                code = PAR_ETASK;
        va_list ap;
        va_start(ap, fmt);
        par__verrorf(ctx->err, code, fmt, ap);
        va_end(ap);
        return code;
}

bool par_task_canceled(const par_task_ctx *ctx)
{
        return atomic_load_explicit(&ctx->plan->canceled, memory_order_relaxed);
}

static void record_failure(par__plan *p, uint32_t t, int code,
                           const par_error *why)
{
        pthread_mutex_lock(&p->err_lock);
        if (!atomic_load_explicit(&p->failed, memory_order_relaxed)) {
                char kbuf[160];
                par__graph_format_task_key(p->g, t, kbuf, sizeof kbuf);
                const char *op = p->g->names.str[p->g->tasks[t].op];
                if (why && why->message[0])
                        par__errorf(&p->error, code, "task %s (op %s): %s",
                                    kbuf, op, why->message);
                else
                        par__errorf(&p->error, code,
                                    "task %s (op %s) failed with %s (%s) and "
                                    "gave no message",
                                    kbuf, op, par_status_name(code),
                                    par_strerror(code));
                atomic_store_explicit(&p->failed, true, memory_order_release);
        }
        pthread_mutex_unlock(&p->err_lock);
        atomic_store_explicit(&p->canceled, true, memory_order_relaxed);
}

static void run_task(par__plan *p, uint32_t t)
{
        const par_graph *g = p->g;
        const par__task *task = &g->tasks[t];
        uint32_t n = task->nargs;
        const par__garg *ga = &g->args[task->arg0];
        const uint32_t *dep = &p->argdep[task->arg0];

        if (!atomic_load_explicit(&p->canceled, memory_order_relaxed)) {
                par_value *small[8];
                par_value **av = n <= 8 ? small : par__malloc(n * sizeof *av);
                if (!av) {
                        par_error e;
                        par__errorf(&e, PAR_ENOMEM,
                                    "out of memory gathering %u arguments", n);
                        record_failure(p, t, PAR_ENOMEM, &e);
                } else {
                        for (uint32_t a = 0; a < n; a++)
                                av[a] = ga[a].value ? ga[a].value
                                                    : p->slot[dep[a]];
                        par_error e;
                        e.code = 0;
                        e.message[0] = '\0';
                        par_task_ctx ctx = {p, t, &e};
                        par_value *out = NULL;
                        int rc = p->op_of_name[task->op](&ctx, n, av, &out);
                        if (rc >= 0 && !out) {
                                par__errorf(&e, PAR_ETASK,
                                            "the op returned success but no "
                                            "value");
                                rc = PAR_ETASK;
                        }
                        if (rc < 0) {
                                par_value_release(out);
                                record_failure(p, t, rc, &e);
                        } else {
                                p->slot[t] = out;
                        }
                        if (av != small)
                                par__free(av);
                }
        }
        /* Drop this task's hold on its inputs, ran or not. */
        for (uint32_t a = 0; a < n; a++) {
                if (ga[a].value)
                        continue;
                uint32_t d = dep[a];
                if (atomic_fetch_sub_explicit(&p->uses[d], 1,
                                              memory_order_acq_rel) == 1) {
                        par_value_release(p->slot[d]);
                        p->slot[d] = NULL;
                }
        }
}

static void plan_finish(par__plan *p)
{
        if (p->done_fn)
                p->done_fn(p, p->done_ud); /* owns the plan from here */
        else
                par__event_set(&p->done);
}

/* One count of the plan is done: a sink unit, or the start job. */
static inline void count_done(par__plan *p)
{
        if (atomic_fetch_sub_explicit(&p->remaining, 1, memory_order_acq_rel) == 1)
                plan_finish(p);
}

/* Runs a unit, then the chain of successors it makes ready.
 *
 * Only sink units (no dependents) and the start job count towards the
 * plan's completion, so units do not all meet on one shared counter.
 * Every other unit has a path to a sink, and a sink cannot finish before
 * this unit has released its dependents; but once it has, the plan may
 * finish and be freed on another thread at any moment. So the list of
 * dependents is copied before the first release, and after the releases
 * nothing of the plan is touched unless a successor was made ready here
 * (the plan cannot finish without it). */
static void unit_run(par_job *job)
{
        par__unit *u = (par__unit *)job;
        par__plan *p = u->plan;
        for (;;) {
                for (uint32_t k = u->first; k < u->first + u->count; k++)
                        run_task(p, p->chain[k]);
                uint32_t nout = u->nout;
                if (nout == 0) {
                        count_done(p);
                        return;
                }
                par_executor *ex = p->ex;
                par__unit *units = p->units;
                uint32_t small[16];
                const uint32_t *outs = small;
                bool hold = nout > 16;
                if (hold) {
                        /* A wide fan-out (rare): rather than copy the list,
                         * hold the plan open with one more count while
                         * reading it in place. */
                        atomic_fetch_add_explicit(&p->remaining, 1,
                                                  memory_order_relaxed);
                        outs = &p->out[u->out0];
                } else {
                        memcpy(small, &p->out[u->out0], nout * sizeof *small);
                }
                par__unit *next = NULL;
                for (uint32_t e = 0; e < nout; e++) {
                        par__unit *v = &units[outs[e]];
                        if (atomic_fetch_sub_explicit(&v->pending, 1,
                                                      memory_order_acq_rel) != 1)
                                continue;
                        if (!next)
                                next = v;
                        else
                                par__exec_submit(ex, &v->job);
                }
                if (hold)
                        count_done(p); /* may finish the plan if !next */
                if (!next)
                        return;
                u = next;
        }
}

static void roots_range(void *arg, int64_t lo, int64_t hi)
{
        par__plan *p = arg;
        for (int64_t i = lo; i < hi; i++)
                unit_run(&p->units[p->roots[i]].job);
}

static void start_body(void *arg)
{
        par__plan *p = arg;
        if (p->nroots == 1)
                unit_run(&p->units[p->roots[0]].job);
        else
                par_for(0, (int64_t)p->nroots, 1, roots_range, p);
        count_done(p); /* the start job's own count */
}

static void start_run(par_job *job)
{
        par__plan *p = (par__plan *)((char *)job - offsetof(par__plan, start));
        start_body(p);
}

void par__plan_start(par__plan *p, par_executor *ex, par__plan_done_fn done_fn,
                     void *ud)
{
        p->ex = ex;
        p->done_fn = done_fn;
        p->done_ud = ud;
        for (size_t u = 0; u < p->nunits; u++)
                p->units[u].job.run = unit_run;
        size_t sinks = 0;
        for (size_t u = 0; u < p->nunits; u++)
                sinks += p->units[u].nout == 0;
        atomic_store_explicit(&p->remaining, sinks + 1, memory_order_relaxed);
        p->start.run = start_run;
        if (ex->vt->async)
                par__exec_submit(ex, &p->start);
        else
                ex->vt->run(ex, start_body, p);
}

void par__plan_wait(par__plan *p)
{
        par__event_wait(&p->done);
}

int par__plan_status(par__plan *p, par_error *err)
{
        if (!atomic_load_explicit(&p->failed, memory_order_acquire))
                return 0;
        if (err)
                *err = p->error;
        return p->error.code;
}

par_value *par__plan_result(par__plan *p, size_t i)
{
        return par_value_retain(p->slot[p->want[i]]);
}

void par__plan_cancel(par__plan *p)
{
        pthread_mutex_lock(&p->err_lock);
        if (!atomic_load_explicit(&p->failed, memory_order_relaxed)) {
                par__errorf(&p->error, PAR_ECANCELED, "the computation was "
                                                      "canceled");
                atomic_store_explicit(&p->failed, true, memory_order_release);
        }
        pthread_mutex_unlock(&p->err_lock);
        atomic_store_explicit(&p->canceled, true, memory_order_relaxed);
}

void par__plan_own_graph(par__plan *p, par_graph *g)
{
        p->owned = g;
}

void par__plan_free(par__plan *p)
{
        if (!p)
                return;
        if (p->slot && p->g)
                for (size_t t = 0; t < p->g->ntasks; t++)
                        par_value_release(p->slot[t]);
        par__free(p->slot);
        par__free(p->uses);
        par__free(p->argdep);
        par__free(p->op_of_name);
        par__free(p->task_unit);
        par__free(p->chain);
        par__free(p->out);
        par__free(p->units);
        par__free(p->roots);
        par__free(p->want);
        pthread_mutex_destroy(&p->err_lock);
        par_graph_free(p->owned);
        par__free(p);
}

int par_graph_compute(par_executor *ex, const par_graph *g, size_t nkeys,
                      const par_key *keys, par_value **out,
                      const par_compute_opts *opts, par_error *err)
{
        for (size_t i = 0; out && i < nkeys; i++)
                out[i] = NULL;
        if (!ex || !g || (nkeys && (!keys || !out)))
                return par__errorf(err, PAR_EINVAL,
                                   "par_graph_compute: executor, graph, keys "
                                   "and out are required");
        par__plan *p;
        int rc = par__plan_new(g, nkeys, keys, opts, &p, err);
        if (rc < 0)
                return rc;
        par__plan_start(p, ex, NULL, NULL);
        par__plan_wait(p);
        rc = par__plan_status(p, err);
        if (rc == 0)
                for (size_t i = 0; i < nkeys; i++)
                        out[i] = par__plan_result(p, i);
        par__plan_free(p);
        return rc;
}
