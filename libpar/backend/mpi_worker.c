/* The MPI backend's worker ranks. Each run brings this rank's tasks (a
 * graph), each task's wave and the ranks its value goes to. A wave is a
 * set of tasks whose inputs are all here once the values from earlier
 * waves (here or on other ranks) have arrived; the worker runs its waves
 * in order, each as one plan on its own executor, while this thread keeps
 * receiving values and sending results.
 *
 * Why waves cannot deadlock: rank 0 gives task t the wave
 * max(wave(d) + [d on another rank]) over its inputs d, so a remote input
 * always comes from a strictly lower wave, which its rank runs first and
 * which needs only lower waves still. */
#include "par_config.h"

#if PAR_HAVE_MPI
#include <stdio.h>
#include <stdlib.h>

#include "array/internal.h"
#include "backend/mpi_proto.h"

#define NO_REF UINT32_MAX
#define BATCH_FLUSH (1u << 20) /* bytes */

typedef struct wrun {
        uint64_t id;
        int rank, size;
        par_graph *g;        /* this rank's tasks */
        uint32_t *wave;      /* task -> dense wave */
        uint32_t nwaves;
        uint32_t *send0;     /* task -> first of its destinations (CSR) */
        uint32_t *sends;     /* destination ranks */
        uint32_t *ref;       /* graph arg -> task, ntasks + input slot, or
                              * NO_REF for a literal */
        uint32_t *by_wave0;  /* wave -> first task (CSR over by_wave) */
        uint32_t *by_wave;
        bool *keep;          /* task value is used by a later local wave */
        par_value **local;   /* kept values of earlier waves */
        par_graph *inkeys;   /* remote inputs: task i = input slot i */
        par_value **inval;
        uint32_t *minw;      /* slot -> first wave that needs it */
        uint32_t *missing;   /* wave -> inputs first needed there, not here */
        uint32_t nin0;       /* inputs wave 0 needs */
        uint32_t cur;        /* next wave to run */
        par__plan *plan;     /* the running wave */
        uint32_t *req;       /* its requested tasks */
        size_t nreq;
        atomic_bool plan_done;
        uint64_t t_start, t_setup, t_wave; /* for PAR_MPI_TRACE */
        double ms_waves, ms_send;
        bool aborted;
        int code;            /* first failure */
        par_error error;
} wrun;

typedef struct worker {
        MPI_Comm comm;
        par_executor *ex;
        int rank, size;
        par__mpi_out out;
        wrun *run;
        uint64_t last_done; /* runs up to this id are over */
        par__mpi_msg *stash; /* values that came before their run */
        size_t nstash, stashcap;
        par__mpi_batch *batch; /* by destination rank */
        par__mpi_store store;  /* persisted values of the session */
        bool stop;
        bool trace;
} worker;

static void run_free(wrun *r)
{
        if (!r)
                return;
        if (r->g && r->local)
                for (size_t t = 0; t < r->g->ntasks; t++)
                        par_value_release(r->local[t]);
        if (r->inkeys && r->inval)
                for (size_t s = 0; s < r->inkeys->ntasks; s++)
                        par_value_release(r->inval[s]);
        par__plan_free(r->plan);
        par_graph_free(r->g);
        par_graph_free(r->inkeys);
        par__free(r->wave);
        par__free(r->send0);
        par__free(r->sends);
        par__free(r->ref);
        par__free(r->by_wave0);
        par__free(r->by_wave);
        par__free(r->keep);
        par__free(r->local);
        par__free(r->inval);
        par__free(r->minw);
        par__free(r->missing);
        par__free(r->req);
        par__free(r);
}

static int run_failf(wrun *r, int code, const par_error *why)
{
        if (r->code == 0) {
                r->code = code;
                par__errorf(&r->error, code, "rank %d: %s", r->rank,
                            why && why->message[0] ? why->message
                                                   : par_strerror(code));
        }
        return code;
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

/* Renumbers the global waves of this rank's tasks 0..nwaves-1, keeping
 * their order, and buckets the tasks by wave. */
static int dense_waves(wrun *r, par_error *err)
{
        size_t n = r->g->ntasks;
        uint32_t *sorted = par__malloc((n ? n : 1) * sizeof *sorted);
        r->by_wave = par__malloc((n ? n : 1) * sizeof *r->by_wave);
        if (!sorted || !r->by_wave) {
                par__free(sorted);
                return PAR__ENOMEM(err, "setting up a run");
        }
        memcpy(sorted, r->wave, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_u32);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (k == 0 || sorted[k - 1] != sorted[i])
                        sorted[k++] = sorted[i];
        r->nwaves = (uint32_t)k;
        r->by_wave0 = par__calloc(k + 1, sizeof *r->by_wave0);
        r->missing = par__calloc(k + 1, sizeof *r->missing);
        if (!r->by_wave0 || !r->missing) {
                par__free(sorted);
                return PAR__ENOMEM(err, "setting up a run");
        }
        for (size_t t = 0; t < n; t++) {
                uint32_t *hit = bsearch(&r->wave[t], sorted, k, sizeof *sorted,
                                        cmp_u32);
                r->wave[t] = (uint32_t)(hit - sorted);
                r->by_wave0[r->wave[t] + 1]++;
        }
        par__free(sorted);
        for (size_t w = 0; w < k; w++)
                r->by_wave0[w + 1] += r->by_wave0[w];
        uint32_t *fill = par__malloc((k ? k : 1) * sizeof *fill);
        if (!fill)
                return PAR__ENOMEM(err, "setting up a run");
        memcpy(fill, r->by_wave0, k * sizeof *fill);
        for (size_t t = 0; t < n; t++)
                r->by_wave[fill[r->wave[t]]++] = (uint32_t)t;
        par__free(fill);
        return 0;
}

/* Resolves every key argument to a task here or to a remote input slot,
 * and marks which values later waves need. */
static int resolve_refs(wrun *r, par_error *err)
{
        par_graph *g = r->g;
        r->ref = par__malloc((g->nargs ? g->nargs : 1) * sizeof *r->ref);
        r->keep = par__calloc(g->ntasks ? g->ntasks : 1, sizeof *r->keep);
        r->local = par__calloc(g->ntasks ? g->ntasks : 1, sizeof *r->local);
        r->inkeys = par_graph_new();
        if (!r->ref || !r->keep || !r->local || !r->inkeys)
                return PAR__ENOMEM(err, "setting up a run");
        size_t mcap = 0;
        for (size_t t = 0; t < g->ntasks; t++) {
                const par__task *task = &g->tasks[t];
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++) {
                        const par__garg *ga = &g->args[a];
                        r->ref[a] = NO_REF;
                        if (ga->value)
                                continue;
                        uint32_t d = par__graph_find(g, ga->key_name,
                                                     ga->key_index);
                        if (d != UINT32_MAX) {
                                if (r->wave[d] > r->wave[t])
                                        return par__errorf(err, PAR_EPARSE,
                                                           "MPI backend: a "
                                                           "task's input is "
                                                           "in a later wave");
                                if (r->wave[d] < r->wave[t])
                                        r->keep[d] = true;
                                r->ref[a] = d;
                                continue;
                        }
                        par_key key = par_key_make(g->names.str[ga->key_name],
                                                   ga->key_index);
                        uint32_t s = par__graph_find_key(r->inkeys, key);
                        if (s == UINT32_MAX) {
                                int rc = par_graph_add(r->inkeys, key,
                                                       "par.mpi.input", 0, NULL,
                                                       err);
                                if (rc < 0)
                                        return rc;
                                s = (uint32_t)r->inkeys->ntasks - 1;
                                if (par__grow((void **)&r->minw, &mcap, s + 1,
                                              sizeof *r->minw) < 0)
                                        return PAR__ENOMEM(err, "setting up a run");
                                r->minw[s] = r->wave[t];
                        } else if (r->wave[t] < r->minw[s]) {
                                r->minw[s] = r->wave[t];
                        }
                        r->ref[a] = (uint32_t)g->ntasks + s;
                }
        }
        size_t nin = r->inkeys->ntasks;
        r->inval = par__calloc(nin ? nin : 1, sizeof *r->inval);
        if (!r->inval)
                return PAR__ENOMEM(err, "setting up a run");
        for (size_t s = 0; s < nin; s++)
                r->missing[r->minw[s]]++;
        r->nin0 = r->missing[0];
        return 0;
}

/* RUN: u32 op, u64 id, u32 ntasks, u32 nsends, u32 wave[ntasks],
 * u32 nsend[ntasks], u32 sends[nsends], then the tasks (mpi_proto.h). */
static int run_setup(worker *w, const par__mpi_msg *m, wrun **out,
                     par_error *err)
{
        par__mpi_rd rd = {m->data, m->len, 4, false};
        wrun *r = par__calloc(1, sizeof *r);
        if (!r)
                return PAR__ENOMEM(err, "setting up a run");
        *out = r;
        r->rank = w->rank;
        r->size = w->size;
        atomic_init(&r->plan_done, false);
        r->id = par__mpi_get_u64(&rd);
        uint32_t n = par__mpi_get_u32(&rd), ns = par__mpi_get_u32(&rd);
        const uint8_t *wv = par__mpi_get_bytes(&rd, (size_t)n * 4);
        const uint8_t *nv = par__mpi_get_bytes(&rd, (size_t)n * 4);
        const uint8_t *sv = par__mpi_get_bytes(&rd, (size_t)ns * 4);
        if (rd.bad)
                return par__errorf(err, PAR_EPARSE,
                                   "MPI backend: a run message of %zu bytes "
                                   "is too short for its %u tasks",
                                   m->len, n);
        int rc = par__mpi_tasks_read(&rd, &w->store, w->rank, &r->g, err);
        if (rc < 0)
                return rc;
        if (r->g->ntasks != n)
                return par__errorf(err, PAR_EPARSE,
                                   "MPI backend: the run's graph has %zu "
                                   "tasks, its placement %u",
                                   r->g->ntasks, n);
        r->wave = par__malloc((n ? n : 1) * sizeof *r->wave);
        r->send0 = par__malloc(((size_t)n + 1) * sizeof *r->send0);
        r->sends = par__malloc((ns ? ns : 1) * sizeof *r->sends);
        if (!r->wave || !r->send0 || !r->sends)
                return PAR__ENOMEM(err, "setting up a run");
        memcpy(r->wave, wv, (size_t)n * 4);
        memcpy(r->sends, sv, (size_t)ns * 4);
        r->send0[0] = 0;
        for (uint32_t t = 0; t < n; t++) {
                uint32_t k;
                memcpy(&k, nv + (size_t)t * 4, 4);
                if (k > ns - r->send0[t])
                        return par__errorf(err, PAR_EPARSE,
                                           "MPI backend: the run's send list "
                                           "overruns at task %u", t);
                r->send0[t + 1] = r->send0[t] + k;
        }
        for (uint32_t i = 0; i < ns; i++)
                if (r->sends[i] != PAR__MPI_KEEP &&
                    (r->sends[i] >= (uint32_t)w->size ||
                     r->sends[i] == (uint32_t)w->rank))
                        return par__errorf(err, PAR_EPARSE,
                                           "MPI backend: the run sends a value "
                                           "to rank %u (size %d)",
                                           r->sends[i], w->size);
        if ((rc = dense_waves(r, err)) < 0)
                return rc;
        return resolve_refs(r, err);
}

/* Stores the values of a batch for the running run. */
static int take_values(wrun *r, par__mpi_msg *m, par_error *err)
{
        par__mpi_rd rd = {m->data, m->len, 8, false};
        uint32_t left = par__mpi_get_u32(&rd);
        par_key key;
        par_value *v;
        int rc;
        while ((rc = par__mpi_batch_next(&rd, m, &left, &key, &v, err)) > 0) {
                uint32_t s = par__graph_find_key(r->inkeys, key);
                if (s == UINT32_MAX) {
                        char kbuf[160];
                        par_key_format(key, kbuf, sizeof kbuf);
                        par_value_release(v);
                        return par__errorf(err, PAR_EPARSE,
                                           "MPI backend: rank %d sent value "
                                           "%s, which no task here needs",
                                           m->src, kbuf);
                }
                if (r->inval[s]) {
                        par_value_release(v);
                        continue;
                }
                r->inval[s] = v;
                r->missing[r->minw[s]]--;
        }
        return rc;
}

static void wave_done(par__plan *p, void *ud)
{
        (void)p;
        wrun *r = ud;
        atomic_store_explicit(&r->plan_done, true, memory_order_release);
}

/* The graph of wave `wv`: its tasks, with inputs from earlier waves and
 * other ranks turned into literal values. */
static int wave_graph(wrun *r, uint32_t wv, par_graph **out, par_error *err)
{
        const par_graph *g = r->g;
        par_graph *gw = par_graph_new();
        par_arg small[16], *args = small;
        size_t cap = 16;
        int rc = gw ? 0 : PAR__ENOMEM(err, "building a wave");
        for (uint32_t k = r->by_wave0[wv]; k < r->by_wave0[wv + 1] && rc == 0;
             k++) {
                const par__task *task = &g->tasks[r->by_wave[k]];
                if (task->nargs > cap) {
                        par_arg *na = par__malloc(task->nargs * sizeof *na);
                        if (!na) {
                                rc = PAR__ENOMEM(err, "building a wave");
                                break;
                        }
                        if (args != small)
                                par__free(args);
                        args = na;
                        cap = task->nargs;
                }
                for (uint32_t i = 0; i < task->nargs; i++) {
                        uint32_t a = task->arg0 + i;
                        const par__garg *ga = &g->args[a];
                        uint32_t ref = r->ref[a];
                        if (ga->value)
                                args[i] = par_arg_value(ga->value);
                        else if (ref >= g->ntasks)
                                args[i] = par_arg_value(r->inval[ref - g->ntasks]);
                        else if (r->wave[ref] < wv)
                                args[i] = par_arg_value(r->local[ref]);
                        else
                                args[i] = par_arg_key(g->names.str[ga->key_name],
                                                      ga->key_index);
                }
                rc = par_graph_add(gw,
                                   par_key_make(g->names.str[task->name],
                                                task->index),
                                   g->names.str[task->op], task->nargs, args,
                                   err);
        }
        if (args != small)
                par__free(args);
        if (rc < 0) {
                par_graph_free(gw);
                return rc;
        }
        *out = gw;
        return 0;
}

static int wave_start(worker *w, wrun *r, par_error *err)
{
        uint32_t wv = r->cur;
        const par_graph *g = r->g;
        uint32_t lo = r->by_wave0[wv], hi = r->by_wave0[wv + 1];
        par__free(r->req);
        r->req = par__malloc((hi - lo ? hi - lo : 1) * sizeof *r->req);
        par_key *keys = par__malloc((hi - lo ? hi - lo : 1) * sizeof *keys);
        if (!r->req || !keys) {
                par__free(keys);
                return PAR__ENOMEM(err, "starting a wave");
        }
        r->nreq = 0;
        for (uint32_t k = lo; k < hi; k++) {
                uint32_t t = r->by_wave[k];
                if (!r->keep[t] && r->send0[t] == r->send0[t + 1])
                        continue;
                r->req[r->nreq] = t;
                keys[r->nreq++] = par_key_make(g->names.str[g->tasks[t].name],
                                               g->tasks[t].index);
        }
        /* The first wave needs no other wave, and usually no remote input
         * either: then it runs on the run's graph (the plan culls the later
         * waves). Other waves get graphs of their own, their inputs from
         * earlier waves and other ranks turned into literals. */
        par_graph *gw = NULL;
        int rc = 0;
        if (wv > 0 || r->nin0)
                rc = wave_graph(r, wv, &gw, err);
        if (rc == 0)
                rc = par__plan_new(gw ? gw : g, r->nreq, keys, NULL, &r->plan,
                                   err);
        par__free(keys);
        if (rc < 0) {
                par_graph_free(gw);
                return rc;
        }
        if (gw)
                par__plan_own_graph(r->plan, gw);
        r->t_wave = par_now_ns();
        atomic_store_explicit(&r->plan_done, false, memory_order_relaxed);
        par__plan_start(r->plan, w->ex, wave_done, r);
        return 0;
}

/* Persist: keeps v in this rank's store and tells rank 0 its length and
 * size (the summary a remote value carries). */
static int keep_value(worker *w, wrun *r, par_key key, par_value *v,
                      par_error *err)
{
        int rc = par__mpi_store_put(&w->store, r->id, key, v, err);
        if (rc < 0)
                return rc;
        const par__nd *nd = par__nd_of(v);
        int64_t rows = nd ? nd->rows
                          : par_value_is_table(v) ? par_table_length(v) : -1;
        par_value *it[2] = {par_value_int64(rows),
                            par_value_int64((int64_t)par_value_nbytes(v))};
        par_value *sum = it[0] && it[1] ? par_value_list(2, it) : NULL;
        par_value_release(it[0]);
        par_value_release(it[1]);
        if (!sum)
                return PAR__ENOMEM(err, "summarizing a persisted value");
        rc = par__mpi_batch_add(&w->batch[0], r->id, key, sum, err);
        par_value_release(sum);
        return rc;
}

/* Keeps or sends the wave's results, one batch per destination rank. */
static int wave_finish(worker *w, wrun *r, par_error *err)
{
        par_error e;
        par_error_clear(&e);
        int rc = par__plan_status(r->plan, &e);
        if (rc < 0) {
                run_failf(r, rc, &e);
                goto out;
        }
        if (r->aborted)
                goto out;
        uint64_t t0 = par_now_ns();
        r->ms_waves += (t0 - r->t_wave) / 1e6;
        const par_graph *g = r->g;
        for (size_t i = 0; i < r->nreq && rc == 0; i++) {
                uint32_t t = r->req[i];
                par_value *v = par__plan_result(r->plan, i);
                par_key key = par_key_make(g->names.str[g->tasks[t].name],
                                           g->tasks[t].index);
                for (uint32_t s = r->send0[t]; s < r->send0[t + 1] && rc == 0;
                     s++) {
                        if (r->sends[s] == PAR__MPI_KEEP) {
                                rc = keep_value(w, r, key, v, err);
                                continue;
                        }
                        par__mpi_batch *bt = &w->batch[r->sends[s]];
                        rc = par__mpi_batch_add(bt, r->id, key, v, err);
                        /* Large batches go at once, so sending overlaps
                         * encoding the rest. */
                        if (rc == 0 && bt->b.len + bt->bytes >= BATCH_FLUSH)
                                rc = par__mpi_batch_send(bt, &w->out, w->comm,
                                                         (int)r->sends[s], err);
                }
                if (r->keep[t])
                        r->local[t] = v;
                else
                        par_value_release(v);
        }
        for (int d = 0; d < w->size; d++) {
                if (rc == 0 && w->batch[d].count)
                        rc = par__mpi_batch_send(&w->batch[d], &w->out, w->comm,
                                                 d, err);
                w->batch[d].count = 0;
        }
        if (rc < 0)
                run_failf(r, rc, err);
        r->ms_send += (par_now_ns() - t0) / 1e6;
out:
        par__plan_free(r->plan);
        r->plan = NULL;
        r->cur++;
        return 0;
}

/* DONE: u64 id, u32 status, u64 values and u64 bytes in this rank's
 * store, then (on failure) a wire error. */
static int send_status(worker *w, uint64_t id, int code, const char *msg,
                       par_error *err)
{
        par__wbuf b = {0};
        uint64_t nkept, bkept;
        par__mpi_store_stats(&w->store, &nkept, &bkept);
        int rc = par__mpi_put_u64(&b, id, err);
        if (rc == 0)
                rc = par__mpi_put_u32(&b, (uint32_t)code, err);
        if (rc == 0)
                rc = par__mpi_put_u64(&b, nkept, err);
        if (rc == 0)
                rc = par__mpi_put_u64(&b, bkept, err);
        if (rc == 0 && code)
                rc = par__wire_encode_error(&b, code, msg, err);
        if (rc == 0)
                rc = par__mpi_isend(&w->out, w->comm, &b, 0, PAR__MPI_TAG_DONE,
                                    err);
        par__wbuf_free(&b);
        return rc;
}

static int send_done(worker *w, wrun *r, par_error *err)
{
        int code = r->code ? r->code : r->aborted ? PAR_ECANCELED : 0;
        return send_status(w, r->id, code,
                           r->code ? r->error.message : "canceled", err);
}

/* FREE: u32 count, then per entry u64 run, u32 name length (with NUL),
 * the name, i64 index. */
static int on_free(worker *w, par__mpi_rd *rd, par_error *err)
{
        uint32_t n = par__mpi_get_u32(rd);
        if (rd->bad || n > rd->n / 16)
                return par__errorf(err, PAR_EPARSE, "rank %d: a FREE message "
                                   "of %zu bytes is malformed", w->rank, rd->n);
        uint64_t *runs = par__malloc((n ? n : 1) * sizeof *runs);
        par_key *keys = par__malloc((n ? n : 1) * sizeof *keys);
        int rc = runs && keys ? 0 : PAR__ENOMEM(err, "freeing persisted values");
        for (uint32_t i = 0; i < n && rc == 0; i++) {
                runs[i] = par__mpi_get_u64(rd);
                uint32_t len = par__mpi_get_u32(rd);
                const uint8_t *name = par__mpi_get_bytes(rd, len);
                uint64_t index = par__mpi_get_u64(rd);
                if (rd->bad || len == 0 || name[len - 1] != 0)
                        rc = par__errorf(err, PAR_EPARSE, "rank %d: entry %u "
                                         "of a FREE message is malformed "
                                         "(offset %zu)", w->rank, i, rd->pos);
                else
                        keys[i] = par_key_make((const char *)name,
                                               (int64_t)index);
        }
        if (rc == 0)
                rc = par__mpi_store_drop(&w->store, n, runs, keys, 0, err);
        par__free(runs);
        par__free(keys);
        return rc;
}

/* Moves the run along: finishes a wave, starts the next, or ends it. */
static int run_step(worker *w, bool *progress, par_error *err)
{
        wrun *r = w->run;
        if (r->plan) {
                if (!atomic_load_explicit(&r->plan_done, memory_order_acquire))
                        return 0;
                *progress = true;
                wave_finish(w, r, err);
        }
        if (!r->code && !r->aborted && r->cur < r->nwaves) {
                if (r->missing[r->cur])
                        return 0;
                *progress = true;
                par_error e;
                par_error_clear(&e);
                int rc = wave_start(w, r, &e);
                if (rc < 0)
                        run_failf(r, rc, &e);
                else
                        return 0;
        }
        *progress = true;
        if (w->trace)
                fprintf(stderr, "par mpi: rank %d: run %llu: %zu tasks, %u "
                        "waves, %zu remote inputs: setup %.1f ms, waves %.1f "
                        "ms, sending %.1f ms, in all %.1f ms\n",
                        w->rank, (unsigned long long)r->id,
                        r->g ? r->g->ntasks : 0, r->nwaves,
                        r->inkeys ? r->inkeys->ntasks : 0,
                        (r->t_setup - r->t_start) / 1e6, r->ms_waves,
                        r->ms_send, (par_now_ns() - r->t_start) / 1e6);
        int rc = send_done(w, r, err);
        w->last_done = r->id;
        w->run = NULL;
        run_free(r);
        return rc;
}

static int stash_value(worker *w, par__mpi_msg *m)
{
        if (w->nstash == w->stashcap &&
            par__grow((void **)&w->stash, &w->stashcap, w->nstash + 1,
                      sizeof *w->stash) < 0)
                return PAR_ENOMEM;
        w->stash[w->nstash++] = *m;
        memset(m, 0, sizeof *m); /* the stash owns it now */
        return 0;
}

static uint64_t msg_run(const par__mpi_msg *m, size_t at)
{
        par__mpi_rd rd = {m->data, m->len, at, false};
        uint64_t id = par__mpi_get_u64(&rd);
        return rd.bad ? 0 : id;
}

static void on_run(worker *w, par__mpi_msg *m, par_error *err)
{
        wrun *r = NULL;
        par_error e;
        par_error_clear(&e);
        int rc = w->run ? par__errorf(&e, PAR_ESTATE, "MPI backend: a run came "
                                                      "while another ran")
                        : run_setup(w, m, &r, &e);
        if (!r) {
                /* Nothing to answer for; the driver sees the rank fail. */
                par__errorf(err, rc, "rank %d: %s", w->rank, e.message);
                return;
        }
        w->run = r;
        r->t_start = m->t_recv;
        r->t_setup = par_now_ns();
        if (rc < 0) {
                run_failf(r, rc, &e);
                return;
        }
        /* Values that came before the run. */
        size_t k = 0;
        for (size_t i = 0; i < w->nstash; i++) {
                par__mpi_msg *s = &w->stash[i];
                uint64_t id = msg_run(s, 0);
                if (id == r->id && !r->code) {
                        rc = take_values(r, s, &e);
                        if (rc < 0)
                                run_failf(r, rc, &e);
                }
                if (id > r->id) {
                        w->stash[k++] = *s;
                        continue;
                }
                par__mpi_msg_free(s);
        }
        w->nstash = k;
}

static int on_message(worker *w, par__mpi_msg *m, par_error *err)
{
        par__mpi_rd rd = {m->data, m->len, 0, false};
        if (m->tag == PAR__MPI_TAG_VALUES) {
                uint64_t id = msg_run(m, 0);
                if (w->run && id == w->run->id) {
                        par_error e;
                        par_error_clear(&e);
                        int rc = w->run->code ? 0 : take_values(w->run, m, &e);
                        if (rc < 0)
                                run_failf(w->run, rc, &e);
                } else if (id > w->last_done) {
                        return stash_value(w, m);
                }
                return 0;
        }
        if (m->tag != PAR__MPI_TAG_CTRL || m->src != 0)
                return 0; /* not for workers: ignore */
        uint32_t op = par__mpi_get_u32(&rd);
        uint64_t id = par__mpi_get_u64(&rd);
        if (op == PAR__MPI_RUN) {
                on_run(w, m, err);
        } else if (op == PAR__MPI_ABORT) {
                if (w->run && w->run->id == id) {
                        w->run->aborted = true;
                        if (w->run->plan)
                                par__plan_cancel(w->run->plan);
                }
        } else if (op == PAR__MPI_STOP) {
                w->stop = true;
        } else if (op == PAR__MPI_END) {
                /* The client is gone: so are its persisted values. */
                par__mpi_store_free(&w->store);
        } else if (op == PAR__MPI_FREE) {
                /* A FREE that cannot be read or done leaves the values
                 * to the session's end; the worker goes on. */
                par_error e;
                (void)on_free(w, &rd, &e);
        } else if (op == PAR__MPI_DROP) {
                par_error e;
                (void)par__mpi_store_drop(&w->store, 0, NULL, NULL, id, &e);
        } else if (op == PAR__MPI_STAT) {
                return send_status(w, id, 0, NULL, err);
        }
        return 0;
}

int par__mpi_worker_serve(MPI_Comm comm, par_executor *ex, par_error *err)
{
        const char *tr = getenv("PAR_MPI_TRACE");
        worker w = {.comm = comm, .ex = ex,
                    .trace = tr && *tr && strcmp(tr, "0") != 0};
        MPI_Comm_rank(comm, &w.rank);
        MPI_Comm_size(comm, &w.size);
        w.batch = par__calloc((size_t)w.size, sizeof *w.batch);
        if (!w.batch)
                return PAR__ENOMEM(err, "starting an MPI worker");
        int rc = 0;
        unsigned idle = 0;
        while (rc == 0 && (!w.stop || w.run)) {
                bool progress = false;
                par__mpi_msg m = {0};
                uint64_t t_poll = par_now_ns();
                rc = par__mpi_poll(comm, &m, err);
                if (rc > 0) {
                        m.t_recv = t_poll;
                        progress = true;
                        rc = on_message(&w, &m, err);
                        par__mpi_msg_free(&m);
                }
                if (rc == 0 && w.run)
                        rc = run_step(&w, &progress, err);
                if (rc == 0)
                        rc = par__mpi_out_test(&w.out, err);
                if (progress)
                        idle = 0;
                else
                        par__mpi_backoff(&idle);
        }
        if (w.run && w.run->plan) {
                /* Leaving on an MPI failure: let the wave end first. */
                par__plan_cancel(w.run->plan);
                while (!atomic_load_explicit(&w.run->plan_done,
                                             memory_order_acquire))
                        par__mpi_backoff(&idle);
        }
        par__mpi_out_drain(&w.out);
        run_free(w.run);
        for (size_t i = 0; i < w.nstash; i++)
                par__mpi_msg_free(&w.stash[i]);
        par__free(w.stash);
        for (int d = 0; d < w.size; d++)
                par__mpi_batch_free(&w.batch[d]);
        par__free(w.batch);
        par__mpi_store_free(&w.store);
        par__free(w.out.req);
        par__free(w.out.hold);
        return rc;
}

#else
typedef int par__mpi_worker_unused;
#endif
