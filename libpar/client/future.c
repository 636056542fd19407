/* Futures: a handle on a result that a computation will produce.
 *
 * State moves once, from PENDING to FINISHED, ERROR or CANCELED, under the
 * future's lock; callbacks registered before that run on the finishing
 * thread, after the lock is dropped. A future has two kinds of owners: the
 * application's references and one held by the machinery (the launch or
 * the wait for inputs) until it finishes. */
#include <stdio.h>

#include "client/internal.h"

par_future *par__future_new(const char *name, int64_t index)
{
        par_future *f = par__calloc(1, sizeof *f);
        if (!f)
                return NULL;
        f->name = par__strdup(name);
        if (!f->name) {
                par__free(f);
                return NULL;
        }
        f->index = index;
        atomic_init(&f->refs, 2);
        atomic_init(&f->state, PAR_FUTURE_PENDING);
        pthread_mutex_init(&f->lock, NULL);
        par__event_init(&f->done);
        return f;
}

par_future *par_future_retain(par_future *f)
{
        if (f)
                atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
        return f;
}

void par_future_release(par_future *f)
{
        if (!f || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
                return;
        par_value_release(f->value);
        par__free(f->cbs);
        par__free(f->name);
        pthread_mutex_destroy(&f->lock);
        par__free(f);
}

int par__future_on_done(par_future *f, par__future_cb fn, void *ud)
{
        pthread_mutex_lock(&f->lock);
        if (atomic_load_explicit(&f->state, memory_order_relaxed) ==
            PAR_FUTURE_PENDING) {
                if (par__grow((void **)&f->cbs, &f->cbcap, f->ncbs + 1,
                              sizeof *f->cbs) < 0) {
                        pthread_mutex_unlock(&f->lock);
                        return PAR_ENOMEM;
                }
                f->cbs[f->ncbs++] = (par__future_cbrec){fn, ud};
                pthread_mutex_unlock(&f->lock);
                return 0;
        }
        pthread_mutex_unlock(&f->lock);
        fn(f, ud);
        return 0;
}

void par__future_finish(par_future *f, int code, par_value *value,
                        const par_error *err)
{
        pthread_mutex_lock(&f->lock);
        if (atomic_load_explicit(&f->state, memory_order_relaxed) !=
            PAR_FUTURE_PENDING) {
                pthread_mutex_unlock(&f->lock);
                par_value_release(value);
                par_future_release(f);
                return;
        }
        int state;
        if (f->canceling || code == PAR_ECANCELED) {
                state = PAR_FUTURE_CANCELED;
                par_value_release(value);
                par__errorf(&f->error, PAR_ECANCELED, "future %s was canceled",
                            f->name);
        } else if (code == 0) {
                state = PAR_FUTURE_FINISHED;
                f->value = value;
        } else {
                state = PAR_FUTURE_ERROR;
                par_value_release(value);
                if (err)
                        f->error = *err;
                else
                        par__errorf(&f->error, code, "future %s failed", f->name);
                f->error.code = code;
        }
        par__future_cbrec *cbs = f->cbs;
        size_t ncbs = f->ncbs;
        f->cbs = NULL;
        f->ncbs = f->cbcap = 0;
        atomic_store_explicit(&f->state, state, memory_order_release);
        pthread_mutex_unlock(&f->lock);
        /* Keep f alive through the callbacks and the wake-up. */
        par_future_retain(f);
        for (size_t i = 0; i < ncbs; i++)
                cbs[i].fn(f, cbs[i].ud);
        par__free(cbs);
        par__event_set(&f->done);
        par_future_release(f); /* the one just taken */
        par_future_release(f); /* the machinery's */
}

par_future_state par_future_state_of(const par_future *f)
{
        return (par_future_state)atomic_load_explicit(
                &((par_future *)f)->state, memory_order_acquire);
}

bool par_future_done(const par_future *f)
{
        return par_future_state_of(f) != PAR_FUTURE_PENDING;
}

par_key par_future_key(const par_future *f)
{
        return par_key_make(f->name, f->index);
}

int par_future_wait(par_future *f, double timeout_s)
{
        if (!f)
                return PAR_EINVAL;
        if (timeout_s < 0) {
                par__event_wait(&f->done);
                return 0;
        }
        return par__event_timedwait(&f->done, (int64_t)(timeout_s * 1e9))
                       ? 0
                       : PAR_ETIMEDOUT;
}

int par_future_result(par_future *f, par_value **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!f || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_future_result: future and out are "
                                   "required");
        par__event_wait(&f->done);
        /* After the event, state, value and error no longer change. */
        switch (par_future_state_of(f)) {
        case PAR_FUTURE_FINISHED:
                *out = par_value_retain(f->value);
                return 0;
        default:
                if (err)
                        *err = f->error;
                return f->error.code ? f->error.code : PAR_ETASK;
        }
}

int par_future_cancel(par_future *f)
{
        if (!f)
                return PAR_EINVAL;
        pthread_mutex_lock(&f->lock);
        int state = atomic_load_explicit(&f->state, memory_order_relaxed);
        if (state != PAR_FUTURE_PENDING) {
                pthread_mutex_unlock(&f->lock);
                return state == PAR_FUTURE_CANCELED ? 0 : PAR_ESTATE;
        }
        f->canceling = true;
        par__launch *l = f->launch;
        if (l && __atomic_sub_fetch(&l->live, 1, __ATOMIC_ACQ_REL) == 0)
                par__plan_cancel(l->plan);
        pthread_mutex_unlock(&f->lock);
        if (!l) {
                /* Waiting for its inputs: finish it now. The input callback
                 * will find it done and only drop its reference. */
                par_future_retain(f); /* finish drops the machinery's ref */
                par__future_finish(f, PAR_ECANCELED, NULL, NULL);
                return 0;
        }
        /* Running: it ends CANCELED when the plan finishes. */
        par__event_wait(&f->done);
        return 0;
}

int par_gather(size_t n, par_future *const *futs, par_value **out,
               par_error *err)
{
        if (n && (!futs || !out))
                return par__errorf(err, PAR_EINVAL,
                                   "par_gather: futures and out are required");
        for (size_t i = 0; i < n; i++)
                out[i] = NULL;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                if (!futs[i]) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "par_gather: future %zu is NULL", i);
                        break;
                }
                rc = par_future_result(futs[i], &out[i], err);
        }
        if (rc < 0)
                for (size_t i = 0; i < n; i++) {
                        par_value_release(out[i]);
                        out[i] = NULL;
                }
        return rc;
}

/* ---- as_completed --------------------------------------------------------- */

typedef struct ac_slot {
        struct par_as_completed *ac;
        size_t index;
} ac_slot;

struct par_as_completed {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        size_t n, returned, nready, callbacks_left;
        size_t *ready; /* indices in completion order */
        par_future **futs;
        ac_slot *slots;
};

static void ac_on_done(par_future *f, void *ud)
{
        (void)f;
        ac_slot *s = ud;
        struct par_as_completed *ac = s->ac;
        pthread_mutex_lock(&ac->lock);
        ac->ready[ac->nready++] = s->index;
        ac->callbacks_left--;
        pthread_cond_broadcast(&ac->cond);
        pthread_mutex_unlock(&ac->lock);
}

int par_as_completed_new(size_t n, par_future *const *futs,
                         par_as_completed **out, par_error *err)
{
        if (!out || (n && !futs))
                return par__errorf(err, PAR_EINVAL,
                                   "par_as_completed_new: futures and out are "
                                   "required");
        *out = NULL;
        for (size_t i = 0; i < n; i++)
                if (!futs[i])
                        return par__errorf(err, PAR_EINVAL,
                                           "par_as_completed_new: future %zu "
                                           "is NULL",
                                           i);
        par_as_completed *ac = par__calloc(1, sizeof *ac);
        if (!ac)
                return PAR__ENOMEM(err, "watching futures");
        ac->ready = par__calloc(n ? n : 1, sizeof *ac->ready);
        ac->futs = par__calloc(n ? n : 1, sizeof *ac->futs);
        ac->slots = par__calloc(n ? n : 1, sizeof *ac->slots);
        if (!ac->ready || !ac->futs || !ac->slots) {
                par__free(ac->ready);
                par__free(ac->futs);
                par__free(ac->slots);
                par__free(ac);
                return PAR__ENOMEM(err, "watching futures");
        }
        pthread_mutex_init(&ac->lock, NULL);
        pthread_cond_init(&ac->cond, NULL);
        ac->n = n;
        ac->callbacks_left = n;
        for (size_t i = 0; i < n; i++) {
                ac->futs[i] = par_future_retain(futs[i]);
                ac->slots[i] = (ac_slot){ac, i};
        }
        for (size_t i = 0; i < n; i++) {
                if (par__future_on_done(futs[i], ac_on_done, &ac->slots[i]) < 0) {
                        /* Could not watch it: wait for it when asked. */
                        par_future_wait(futs[i], -1);
                        ac_on_done(futs[i], &ac->slots[i]);
                }
        }
        *out = ac;
        return 0;
}

int par_as_completed_next(par_as_completed *ac, size_t *index)
{
        if (!ac || !index)
                return PAR_EINVAL;
        pthread_mutex_lock(&ac->lock);
        if (ac->returned == ac->n) {
                pthread_mutex_unlock(&ac->lock);
                return PAR_ENOENT;
        }
        while (ac->nready == ac->returned)
                pthread_cond_wait(&ac->cond, &ac->lock);
        *index = ac->ready[ac->returned++];
        pthread_mutex_unlock(&ac->lock);
        return 0;
}

void par_as_completed_free(par_as_completed *ac)
{
        if (!ac)
                return;
        /* Callbacks point into ac: wait until every one has run. */
        pthread_mutex_lock(&ac->lock);
        while (ac->callbacks_left)
                pthread_cond_wait(&ac->cond, &ac->lock);
        pthread_mutex_unlock(&ac->lock);
        for (size_t i = 0; i < ac->n; i++)
                par_future_release(ac->futs[i]);
        pthread_cond_destroy(&ac->cond);
        pthread_mutex_destroy(&ac->lock);
        par__free(ac->ready);
        par__free(ac->futs);
        par__free(ac->slots);
        par__free(ac);
}

/* ---- submit ---------------------------------------------------------------- */

/* A submitted call waiting for its input futures. */
typedef struct pending_call {
        par_client *client;
        par_future *fut;
        char *op;
        size_t nargs;
        par_value **values;   /* literal arguments (owned), or NULL */
        par_future **inputs;  /* future arguments (retained), or NULL */
        atomic_size_t waiting; /* inputs not finished, plus one */
} pending_call;

static void pending_free(pending_call *pc)
{
        for (size_t i = 0; i < pc->nargs; i++) {
                if (pc->values)
                        par_value_release(pc->values[i]);
                if (pc->inputs)
                        par_future_release(pc->inputs[i]);
        }
        par__free(pc->values);
        par__free(pc->inputs);
        par__free(pc->op);
        par__free(pc);
}

static void pending_launch(pending_call *pc)
{
        par_future *f = pc->fut;
        par_error e;
        par_error_clear(&e);
        /* An input that did not finish decides the outcome. */
        for (size_t i = 0; i < pc->nargs; i++) {
                par_future *in = pc->inputs[i];
                if (!in)
                        continue;
                int st = par_future_state_of(in);
                if (st == PAR_FUTURE_FINISHED)
                        continue;
                int code = st == PAR_FUTURE_CANCELED ? PAR_ECANCELED
                                                     : in->error.code;
                par__errorf(&e, code, "%s: input %s %s: %s", f->name, in->name,
                            st == PAR_FUTURE_CANCELED ? "was canceled"
                                                      : "failed",
                            in->error.message);
                par__future_finish(f, code, NULL, &e);
                pending_free(pc);
                return;
        }
        if (par_future_done(f)) { /* canceled while waiting */
                par_future_release(f);
                pending_free(pc);
                return;
        }
        par_graph *g = par_graph_new();
        par_arg *args = par__malloc((pc->nargs ? pc->nargs : 1) * sizeof *args);
        int rc = PAR_ENOMEM;
        if (g && args) {
                for (size_t i = 0; i < pc->nargs; i++)
                        args[i] = par_arg_value(pc->inputs[i] ? pc->inputs[i]->value
                                                              : pc->values[i]);
                rc = par_graph_add(g, par_key_make(f->name, PAR_NO_INDEX), pc->op,
                                   pc->nargs, args, &e);
        } else {
                par__errorf(&e, PAR_ENOMEM, "out of memory starting %s", f->name);
        }
        par__free(args);
        if (rc == 0) {
                rc = par__client_launch(pc->client, g, 1, &f, &e);
                g = NULL; /* owned by the launch now */
        }
        par_graph_free(g);
        if (rc < 0)
                par__future_finish(f, rc, NULL, &e);
        pending_free(pc);
}

static void pending_input_done(par_future *in, void *ud)
{
        (void)in;
        pending_call *pc = ud;
        if (atomic_fetch_sub_explicit(&pc->waiting, 1, memory_order_acq_rel) == 1)
                pending_launch(pc);
}

/* Appends the token of one argument to h. */
static uint64_t arg_token(const par_arg *a, uint64_t h)
{
        h = par__hash_mix(h ^ (uint64_t)a->kind);
        switch (a->kind) {
        case PAR_ARG_BOOL:
                return par__hash_mix(h ^ (uint64_t)a->u.b);
        case PAR_ARG_INT64:
                return par__hash_mix(h ^ (uint64_t)a->u.i);
        case PAR_ARG_FLOAT64: {
                uint64_t bits;
                memcpy(&bits, &a->u.f, sizeof bits);
                return par__hash_mix(h ^ bits);
        }
        case PAR_ARG_STRING:
        case PAR_ARG_BLOB:
                return par__hash_bytes(a->u.bytes.ptr, a->u.bytes.len, h);
        case PAR_ARG_VALUE:
                return par__value_token(a->u.value, h);
        case PAR_ARG_KEY:
                return par__hash_mix(
                        par__hash_bytes(a->u.key.name, strlen(a->u.key.name), h) ^
                        (uint64_t)a->u.key.index);
        default:
                return h;
        }
}

/* The prefix of a key: the op name's last dotted part. */
static const char *op_short(const char *op)
{
        const char *dot = strrchr(op, '.');
        return dot ? dot + 1 : op;
}

int par_client_submit(par_client *c, const char *op, size_t nargs,
                      const par_arg *args, par_future **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!c || !op || !out || (nargs && !args))
                return par__errorf(err, PAR_EINVAL,
                                   "par_client_submit: client, op, args and "
                                   "out are required");
        if (!par_op_lookup(op))
                return par__errorf(err, PAR_ENOENT,
                                   "par_client_submit: op '%s' is not "
                                   "registered (par_op_register)",
                                   op);
        uint64_t h = par__hash_bytes(op, strlen(op), 0x7375626du);
        for (size_t i = 0; i < nargs; i++) {
                if (args[i].kind == PAR_ARG_HANDLE) {
                        const par_future *in = args[i].u.handle;
                        if (!in)
                                return par__errorf(err, PAR_EINVAL,
                                                   "par_client_submit %s: "
                                                   "argument %zu is a NULL "
                                                   "future",
                                                   op, i);
                        h = par__hash_bytes(in->name, strlen(in->name), h);
                } else if (args[i].kind == PAR_ARG_KEY) {
                        return par__errorf(err, PAR_EINVAL,
                                           "par_client_submit %s: argument %zu "
                                           "is a key; pass a future instead",
                                           op, i);
                } else {
                        h = arg_token(&args[i], h);
                }
        }
        /* A counter keeps keys of repeated identical submissions distinct:
         * each submit is its own computation here. */
        static atomic_uint_fast64_t serial;
        h = par__hash_mix(h ^ atomic_fetch_add(&serial, 1));
        char name[160];
        snprintf(name, sizeof name, "%s-%016llx", op_short(op),
                 (unsigned long long)h);

        pending_call *pc = par__calloc(1, sizeof *pc);
        if (!pc)
                return PAR__ENOMEM(err, "submitting a task");
        pc->client = c;
        pc->nargs = nargs;
        pc->op = par__strdup(op);
        pc->values = par__calloc(nargs ? nargs : 1, sizeof *pc->values);
        pc->inputs = par__calloc(nargs ? nargs : 1, sizeof *pc->inputs);
        pc->fut = par__future_new(name, PAR_NO_INDEX);
        if (!pc->op || !pc->values || !pc->inputs || !pc->fut)
                goto nomem;
        size_t ninputs = 0;
        for (size_t i = 0; i < nargs; i++) {
                const par_arg *a = &args[i];
                par_value *v = NULL;
                switch (a->kind) {
                case PAR_ARG_HANDLE:
                        pc->inputs[i] = par_future_retain((par_future *)a->u.handle);
                        ninputs++;
                        continue;
                case PAR_ARG_NULL:
                case PAR_ARG_BOOL:
                case PAR_ARG_INT64:
                case PAR_ARG_FLOAT64:
                case PAR_ARG_STRING:
                case PAR_ARG_BLOB:
                        v = par__value_from_arg(a);
                        break;
                case PAR_ARG_VALUE:
                        if (!a->u.value) {
                                par_future *f = pc->fut;
                                pc->fut = NULL;
                                par_future_release(f);
                                par_future_release(f);
                                pending_free(pc);
                                return par__errorf(err, PAR_EINVAL,
                                                   "par_client_submit %s: "
                                                   "argument %zu is a NULL "
                                                   "value",
                                                   op, i);
                        }
                        v = par_value_retain(a->u.value);
                        break;
                default:
                        break;
                }
                if (!v)
                        goto nomem;
                pc->values[i] = v;
        }
        par_future *f = pc->fut;
        *out = f;
        atomic_init(&pc->waiting, ninputs + 1);
        for (size_t i = 0; i < nargs; i++)
                if (pc->inputs[i] &&
                    par__future_on_done(pc->inputs[i], pending_input_done, pc) < 0) {
                        /* Could not register: wait for this input here. */
                        par_future_wait(pc->inputs[i], -1);
                        pending_input_done(pc->inputs[i], pc);
                }
        pending_input_done(NULL, pc); /* the "plus one" */
        return 0;
nomem:
        if (pc->fut) {
                par_future_release(pc->fut);
                par_future_release(pc->fut);
                pc->fut = NULL;
        }
        pending_free(pc);
        return PAR__ENOMEM(err, "submitting a task");
}
