/* The MPI backend's start-up and its driver (rank 0).
 *
 * par_mpi_start makes every rank >= 1 a worker (mpi_worker.c) that serves
 * every client rank 0 makes, one session at a time, until par_mpi_finish.
 * Each client's graphs run here: its driver thread makes every MPI call
 * of rank 0 while the client lives (so MPI_THREAD_SERIALIZED is enough),
 * taking the client's computations one at a time from a queue, and
 * sending the workers FREE for the remote values released meanwhile. For each it compiles
 * the graph (cull, check), places every task on a worker rank, gives each
 * task its wave (see mpi_worker.c), sends every worker its own tasks and
 * then receives the requested values and one status per worker. */
#include "par_config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "par/mpi.h"

/* ---- remote values (persist) --------------------------------------------- */

static _Thread_local bool persisting;

void par__persist_scope(bool on)
{
        persisting = on;
}

bool par__persist_scoped(void)
{
        return persisting;
}

/* Hands a released remote value to its live session, which frees it on
 * the rank that holds it (a FREE message) and then frees r. False when
 * the session is over (its workers dropped their stores) or cannot take
 * it. Defined with the driver below. */
static bool remote_forget(par__remote *r);

static void remote_payload_free(par__remote *r)
{
        par__free(r->name);
        par__free(r);
}

static void remote_free(void *p)
{
        par__remote *r = p;
        if (!remote_forget(r))
                remote_payload_free(r);
}

static size_t remote_nbytes(const void *p)
{
        const par__remote *r = p;
        return sizeof *r + strlen(r->name) + 1;
}

static int remote_format(const void *p, char *buf, size_t size)
{
        const par__remote *r = p;
        return snprintf(buf, size, "<remote: rank %d, ('%s', %" PRId64 "), %"
                        PRId64 " rows, %" PRId64 " bytes>", r->rank, r->name,
                        r->index, r->rows, r->bytes);
}

static const par_object_type remote_type = {
        .name = "par.remote",
        .free = remote_free,
        .nbytes = remote_nbytes,
        .format = remote_format,
};

const par__remote *par__remote_of(const par_value *v)
{
        return v && par_value_object_type(v) == &remote_type
                       ? par_value_object_payload(v)
                       : NULL;
}

bool par__remote_rows(const par_value *v, int64_t *rows)
{
        const par__remote *r = par__remote_of(v);
        if (r && rows)
                *rows = r->rows;
        return r != NULL;
}

par_value *par__remote_new(uint64_t session, int rank, uint64_t run,
                           par_key key, int64_t rows, int64_t bytes)
{
        par__remote *r = par__calloc(1, sizeof *r);
        size_t n = strlen(key.name) + 1;
        if (!r || !(r->name = par__malloc(n))) {
                par__free(r);
                return NULL;
        }
        memcpy(r->name, key.name, n);
        r->session = session;
        r->rank = rank;
        r->run = run;
        r->index = key.index;
        r->rows = rows;
        r->bytes = bytes;
        par_value *v = par_value_object(&remote_type, r);
        if (!v)
                remote_payload_free(r);
        return v;
}

/* Fetches the values of n remote values (each from its rank, through the
 * live MPI client that persisted them) into vals (new references).
 * Defined with the driver below. */
static int remote_fetch(size_t n, par_value *const *refs, par_value **vals,
                        par_error *err);

/* A copy of g whose literal arguments `lit` (by argument index) get the
 * values `vals`; the other arguments as in g. */
static int graph_substitute(const par_graph *g, const uint32_t *lit,
                            par_value *const *vals, size_t n, par_graph **out,
                            par_error *err)
{
        par_graph *c = par_graph_new();
        par_arg small[16], *args = small;
        size_t cap = 16, k = 0;
        int rc = c ? 0 : PAR__ENOMEM(err, "copying a graph");
        for (size_t t = 0; t < g->ntasks && rc == 0; t++) {
                const par__task *task = &g->tasks[t];
                if (task->nargs > cap) {
                        par_arg *na = par__malloc(task->nargs * sizeof *na);
                        if (!na) {
                                rc = PAR__ENOMEM(err, "copying a graph");
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
                        if (k < n && lit[k] == a)
                                args[i] = par_arg_value(vals[k++]);
                        else if (ga->value)
                                args[i] = par_arg_value(ga->value);
                        else
                                args[i] = par_arg_key(g->names.str[ga->key_name],
                                                      ga->key_index);
                }
                rc = par_graph_add(c, par_key_make(g->names.str[task->name],
                                                   task->index),
                                   g->names.str[task->op], task->nargs, args,
                                   err);
        }
        if (args != small)
                par__free(args);
        if (rc < 0) {
                par_graph_free(c);
                return rc;
        }
        *out = c;
        return 0;
}

int par__remote_materialize(const par_graph *g, par_graph **out,
                            par_error *err)
{
        *out = NULL;
        size_t n = 0;
        for (size_t a = 0; a < g->nargs; a++)
                n += par__remote_of(g->args[a].value) != NULL;
        if (!n)
                return 0;
        uint32_t *lit = par__malloc(n * sizeof *lit);
        par_value **refs = par__malloc(n * sizeof *refs);
        par_value **vals = par__calloc(n, sizeof *vals);
        int rc = lit && refs && vals ? 0
                                     : PAR__ENOMEM(err, "fetching persisted "
                                                        "values");
        for (size_t a = 0, k = 0; a < g->nargs && rc == 0; a++)
                if (par__remote_of(g->args[a].value)) {
                        lit[k] = (uint32_t)a;
                        refs[k++] = g->args[a].value;
                }
        if (rc == 0)
                rc = remote_fetch(n, refs, vals, err);
        if (rc == 0)
                rc = graph_substitute(g, lit, vals, n, out, err);
        for (size_t k = 0; vals && k < n; k++)
                par_value_release(vals[k]);
        par__free(lit);
        par__free(refs);
        par__free(vals);
        return rc;
}

#if !PAR_HAVE_MPI

static int remote_fetch(size_t n, par_value *const *refs, par_value **vals,
                        par_error *err)
{
        (void)n;
        (void)refs;
        (void)vals;
        return par__errorf(err, PAR_ENOTSUP, "a remote value in a build "
                           "without MPI");
}

static bool remote_forget(par__remote *r)
{
        (void)r;
        return false;
}

static int no_mpi(par_error *err, const char *fn)
{
        return par__errorf(err, PAR_ENOTSUP,
                           "%s: this build of par has no MPI backend "
                           "(configure with -Dmpi=enabled where an MPI "
                           "library is installed)", fn);
}

int par_mpi_start(int *argc, char ***argv, const par_mpi_opts *opts,
                  par_error *err)
{
        (void)argc;
        (void)argv;
        (void)opts;
        return no_mpi(err, "par_mpi_start");
}

int par_mpi_client_new(par_client **out, par_error *err)
{
        if (out)
                *out = NULL;
        return no_mpi(err, "par_mpi_client_new");
}

int par_mpi_finish(par_error *err)
{
        return no_mpi(err, "par_mpi_finish");
}

int par_mpi_stored(par_client *c, int rank, int64_t *values, int64_t *bytes,
                   par_error *err)
{
        (void)c;
        (void)rank;
        if (values)
                *values = 0;
        if (bytes)
                *bytes = 0;
        return no_mpi(err, "par_mpi_stored");
}

int par_mpi_init(int *argc, char ***argv, const par_mpi_opts *opts,
                 par_client **out, par_error *err)
{
        (void)argc;
        (void)argv;
        (void)opts;
        if (out)
                *out = NULL;
        return par__errorf(err, PAR_ENOTSUP,
                           "par_mpi_init: this build of par has no MPI "
                           "backend (configure with -Dmpi=enabled where an "
                           "MPI library is installed)");
}

bool par_mpi_available(void)
{
        return false;
}

#else
#include "backend/mpi_proto.h"

bool par_mpi_available(void)
{
        return true;
}

typedef struct mpi_job {
        struct mpi_job *next;
        const par_graph *g;
        par_graph *owned;   /* launches: freed when done */
        size_t nkeys;
        const par_key *keys;
        par_value **out;
        par_future **futs;  /* launches: finished when done */
        par_key *fkeys;
        bool keep;          /* persist: keep the values where made */
        bool stat;          /* no graph: ask the workers for their stores */
        int stat_rank;      /* stat: one rank's, or -1 all */
        int64_t nstored, bstored; /* stat: the answer */
        int rc;
        par_error err;
        par__event done;    /* runs: set when done */
} mpi_job;

typedef struct mpi_backend {
        par__backend base;
        MPI_Comm comm;      /* the world's; not this backend's to free */
        int rank, size;
        uint64_t session;   /* this client's number in the world */
        bool finish;        /* made by par_mpi_init: freeing it finishes */
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        mpi_job *head, *tail;
        par__remote **frees; /* released remote values to free on ranks */
        size_t nfrees, freecap;
        bool stopping;
        par__mpi_out out;
        int64_t *kept_n, *kept_b; /* rank -> its store, as its last DONE said */
        int wthreads, wcores;
        double wmem;
        bool trace; /* PAR_MPI_TRACE=1: timings on standard error */
} mpi_backend;

typedef struct init_state {
        MPI_Comm comm;
        int rank, size;
        bool own_mpi;
} init_state;

/* Rank 0's MPI world, from par_mpi_start to par_mpi_finish. Clients
 * (sessions) come and go in it one at a time; the workers serve them all.
 * `lock` guards `live` and `session` (remote values are released on any
 * thread); the rest is touched by the thread that starts and finishes the
 * world and by the live client's driver thread, one after the other. */
static struct {
        pthread_mutex_t lock;
        bool started;
        init_state is;
        par_mpi_opts opts;
        int wthreads, wcores;
        double wmem;
        uint64_t run_id;  /* across sessions: workers order runs by id */
        uint64_t session; /* the last client's number */
        mpi_backend *live;
} world = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool remote_forget(par__remote *r)
{
        bool taken = false;
        pthread_mutex_lock(&world.lock);
        mpi_backend *mb = world.live;
        if (mb && r->session == mb->session) {
                pthread_mutex_lock(&mb->lock);
                if (par__grow((void **)&mb->frees, &mb->freecap,
                              mb->nfrees + 1, sizeof *mb->frees) == 0) {
                        mb->frees[mb->nfrees++] = r;
                        taken = true;
                        pthread_cond_signal(&mb->cond);
                }
                pthread_mutex_unlock(&mb->lock);
        }
        pthread_mutex_unlock(&world.lock);
        return taken;
}

/* ---- placement ----------------------------------------------------------- */

typedef struct placement {
        size_t n;
        uint32_t *order;  /* needed tasks, topologically */
        size_t norder;
        uint32_t *rank;   /* task -> rank */
        uint32_t *wave;   /* task -> wave */
        uint32_t *cons0;  /* task -> first consumer (CSR) */
        uint32_t *cons;
        bool *wanted;
} placement;

static void placement_free(placement *pl)
{
        par__free(pl->order);
        par__free(pl->rank);
        par__free(pl->wave);
        par__free(pl->cons0);
        par__free(pl->cons);
        par__free(pl->wanted);
}

/* Partitions are dealt to the workers in contiguous blocks: partition i
 * of a layer of n goes to worker 1 + i * workers / n, so partition i of
 * layers with equal counts lands on one rank (chains of layers stay there)
 * and the combine tasks of a tree reduction (layers of n / k) find most
 * of their parts on their own rank. Plain keys spread by their name's
 * hash. `span` holds each key name's highest index + 1. */
static uint32_t home_rank(const mpi_backend *mb, const par_graph *g,
                          const int64_t *span, uint32_t t)
{
        uint64_t nw = (uint64_t)mb->size - 1;
        const par__task *task = &g->tasks[t];
        if (task->index < 0)
                return 1 + (uint32_t)(g->names.hash[task->name] % nw);
        uint64_t n = (uint64_t)span[task->name];
        return 1 + (uint32_t)((unsigned __int128)task->index * nw / n);
}

/* Orders the needed tasks (Kahn) and places each on the rank holding most
 * of its inputs (ties: its home rank, else the lowest), which puts the
 * combine tasks of a tree reduction where their parts are. */
static int place(const mpi_backend *mb, const par_graph *g, const par__plan *p,
                 placement *pl, par_error *err)
{
        size_t n = g->ntasks, m = n ? n : 1;
        int rc;
        pl->n = n;
        pl->order = par__malloc(m * sizeof *pl->order);
        pl->rank = par__malloc(m * sizeof *pl->rank);
        pl->wave = par__calloc(m, sizeof *pl->wave);
        pl->cons0 = par__calloc(n + 1, sizeof *pl->cons0);
        pl->wanted = par__calloc(m, sizeof *pl->wanted);
        uint32_t *indeg = par__calloc(m, sizeof *indeg);
        uint32_t *cnt = par__calloc((size_t)mb->size, sizeof *cnt);
        int64_t *span = par__calloc(g->names.n ? g->names.n : 1, sizeof *span);
        if (!pl->order || !pl->rank || !pl->wave || !pl->cons0 || !pl->wanted ||
            !indeg || !cnt || !span)
                goto nomem;
        for (size_t t = 0; t < n; t++)
                if (g->tasks[t].index >= span[g->tasks[t].name])
                        span[g->tasks[t].name] = g->tasks[t].index + 1;
        size_t nedges = 0;
        for (size_t t = 0; t < n; t++) {
                if (p->task_unit[t] == UINT32_MAX)
                        continue;
                const par__task *task = &g->tasks[t];
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++) {
                        if (g->args[a].value)
                                continue;
                        pl->cons0[p->argdep[a] + 1]++;
                        indeg[t]++;
                        nedges++;
                }
        }
        for (size_t t = 0; t < n; t++)
                pl->cons0[t + 1] += pl->cons0[t];
        pl->cons = par__malloc((nedges ? nedges : 1) * sizeof *pl->cons);
        uint32_t *fill = par__malloc(m * sizeof *fill);
        if (!pl->cons || !fill) {
                par__free(fill);
                goto nomem;
        }
        memcpy(fill, pl->cons0, n * sizeof *fill);
        size_t head = 0, tail = 0;
        for (size_t t = 0; t < n; t++) {
                if (p->task_unit[t] == UINT32_MAX)
                        continue;
                const par__task *task = &g->tasks[t];
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++)
                        if (!g->args[a].value)
                                pl->cons[fill[p->argdep[a]]++] = (uint32_t)t;
                if (indeg[t] == 0)
                        pl->order[tail++] = (uint32_t)t;
        }
        par__free(fill);
        for (size_t i = 0; i < p->nwant; i++)
                pl->wanted[p->want[i]] = true;
        while (head < tail) {
                uint32_t t = pl->order[head++];
                const par__task *task = &g->tasks[t];
                uint32_t home = home_rank(mb, g, span, t), best = 0, r = home;
                int pin = 0; /* the rank of its remote literals */
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++)
                        if (!g->args[a].value) {
                                uint32_t c = ++cnt[pl->rank[p->argdep[a]]];
                                best = c > best ? c : best;
                        } else if (par__remote_of(g->args[a].value)) {
                                const par__remote *rv =
                                        par__remote_of(g->args[a].value);
                                int pr = rv->rank;
                                if (rv->session != mb->session) {
                                        char k[160];
                                        par_key_format(par_key_make(
                                                g->names.str[task->name],
                                                task->index), k, sizeof k);
                                        rc = par__errorf(
                                                err, PAR_ESTATE,
                                                "MPI backend: task %s reads a "
                                                "value persisted by another "
                                                "client (session %" PRIu64
                                                "; this is %" PRIu64 "), "
                                                "whose workers dropped it when "
                                                "it was freed: persist it with "
                                                "this client", k, rv->session,
                                                mb->session);
                                        goto fail;
                                }
                                if (pr < 1 || pr >= mb->size ||
                                    (pin && pin != pr)) {
                                        pin = -1;
                                        break;
                                }
                                pin = pr;
                        }
                if (pin < 0) {
                        char k[160];
                        par_key_format(par_key_make(g->names.str[task->name],
                                                    task->index), k, sizeof k);
                        rc = par__errorf(err, PAR_EINVAL,
                                         "MPI backend: task %s reads persisted "
                                         "values of more than one rank (or of "
                                         "a rank this client does not have)",
                                         k);
                        goto fail;
                }
                if (best && cnt[home] != best)
                        for (r = 1; cnt[r] != best; r++)
                                ;
                if (pin)
                        r = (uint32_t)pin;
                uint32_t wv = 0;
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++) {
                        if (g->args[a].value)
                                continue;
                        uint32_t d = p->argdep[a];
                        uint32_t dw = pl->wave[d] + (pl->rank[d] != r);
                        wv = dw > wv ? dw : wv;
                        cnt[pl->rank[d]] = 0;
                }
                pl->rank[t] = r;
                pl->wave[t] = wv;
                for (uint32_t k = pl->cons0[t]; k < pl->cons0[t + 1]; k++)
                        if (--indeg[pl->cons[k]] == 0)
                                pl->order[tail++] = pl->cons[k];
        }
        pl->norder = tail;
        par__free(indeg);
        par__free(cnt);
        par__free(span);
        return 0;
nomem:
        par__free(indeg);
        par__free(cnt);
        par__free(span);
        return PAR__ENOMEM(err, "placing a graph's tasks on ranks");
fail:
        par__free(indeg);
        par__free(cnt);
        par__free(span);
        return rc;
}

/* ---- shipping ------------------------------------------------------------ */

/* The run message for rank r (see mpi_worker.c: run_setup). */
static int run_message(mpi_backend *mb, par__mpi_tasks *tw,
                       const placement *pl, uint32_t r, uint64_t id, bool keep,
                       par__wbuf *b, par_error *err)
{
        par__wbuf wv = {0}, nv = {0}, sv = {0};
        uint32_t *stamp = par__calloc((size_t)mb->size, sizeof *stamp);
        uint32_t nt = 0, ns = 0;
        int rc = stamp ? 0 : PAR__ENOMEM(err, "building a rank's run");
        for (size_t k = 0; k < pl->norder && rc == 0; k++) {
                uint32_t t = pl->order[k];
                if (pl->rank[t] != r)
                        continue;
                uint32_t nsend = 0;
                if (pl->wanted[t] &&
                    (rc = par__mpi_put_u32(&sv, keep ? PAR__MPI_KEEP : 0,
                                           err)) == 0)
                        nsend++;
                for (uint32_t c = pl->cons0[t]; c < pl->cons0[t + 1] && rc == 0;
                     c++) {
                        uint32_t cr = pl->rank[pl->cons[c]];
                        if (cr == r || stamp[cr] == t + 1)
                                continue;
                        stamp[cr] = t + 1;
                        rc = par__mpi_put_u32(&sv, cr, err);
                        nsend++;
                }
                if (rc == 0)
                        rc = par__mpi_put_u32(&wv, pl->wave[t], err);
                if (rc == 0)
                        rc = par__mpi_put_u32(&nv, nsend, err);
                if (rc == 0)
                        rc = par__mpi_tasks_add(tw, t, err);
                nt++;
                ns += nsend;
        }
        if (rc == 0)
                rc = par__mpi_put_u32(b, PAR__MPI_RUN, err);
        if (rc == 0)
                rc = par__mpi_put_u64(b, id, err);
        if (rc == 0)
                rc = par__mpi_put_u32(b, nt, err);
        if (rc == 0)
                rc = par__mpi_put_u32(b, ns, err);
        if (rc == 0 && nt)
                rc = par__wbuf_put(b, wv.data, wv.len, err);
        if (rc == 0 && nt)
                rc = par__wbuf_put(b, nv.data, nv.len, err);
        if (rc == 0 && ns)
                rc = par__wbuf_put(b, sv.data, sv.len, err);
        if (rc == 0)
                rc = par__mpi_tasks_finish(tw, b, err);
        par__free(stamp);
        par__wbuf_free(&wv);
        par__wbuf_free(&nv);
        par__wbuf_free(&sv);
        return rc;
}

static int send_ctrl_on(par__mpi_out *o, MPI_Comm comm, uint32_t op,
                        uint64_t id, int dest, par_error *err)
{
        par__wbuf b = {0};
        int rc = par__mpi_put_u32(&b, op, err);
        if (rc == 0)
                rc = par__mpi_put_u64(&b, id, err);
        if (rc == 0)
                rc = par__mpi_isend(o, comm, &b, dest, PAR__MPI_TAG_CTRL, err);
        par__wbuf_free(&b);
        return rc;
}

static int send_ctrl(mpi_backend *mb, uint32_t op, uint64_t id, int dest,
                     par_error *err)
{
        return send_ctrl_on(&mb->out, mb->comm, op, id, dest, err);
}

/* FREE to each rank holding some of the released remote values; frees
 * them. A FREE that cannot be sent leaves its values to the session's
 * end (END drops every store). */
static void send_frees(mpi_backend *mb, par__remote **fr, size_t n)
{
        for (int r = 1; r < mb->size; r++) {
                par__wbuf b = {0};
                uint32_t cnt = 0;
                for (size_t i = 0; i < n; i++)
                        cnt += fr[i]->rank == r;
                if (!cnt)
                        continue;
                par_error e;
                int rc = par__mpi_put_u32(&b, PAR__MPI_FREE, &e);
                if (rc == 0)
                        rc = par__mpi_put_u64(&b, 0, &e);
                if (rc == 0)
                        rc = par__mpi_put_u32(&b, cnt, &e);
                for (size_t i = 0; i < n && rc == 0; i++) {
                        const par__remote *rv = fr[i];
                        if (rv->rank != r)
                                continue;
                        uint32_t len = (uint32_t)strlen(rv->name) + 1;
                        rc = par__mpi_put_u64(&b, rv->run, &e);
                        if (rc == 0)
                                rc = par__mpi_put_u32(&b, len, &e);
                        if (rc == 0)
                                rc = par__wbuf_put(&b, rv->name, len, &e);
                        if (rc == 0)
                                rc = par__mpi_put_u64(&b, (uint64_t)rv->index,
                                                      &e);
                }
                if (rc == 0)
                        par__mpi_isend(&mb->out, mb->comm, &b, r,
                                       PAR__MPI_TAG_CTRL, &e);
                par__wbuf_free(&b);
        }
        for (size_t i = 0; i < n; i++)
                remote_payload_free(fr[i]);
        par__mpi_out_test(&mb->out, NULL);
}

/* ---- collecting ---------------------------------------------------------- */

typedef struct collect {
        uint64_t id;
        par_value **val; /* task -> received value */
        bool *done;      /* rank -> status came */
        bool keep;       /* persist: values came as [rows, bytes] */
        uint64_t session;
        int ndone;
        int rc;
        par_error err;
} collect;

static void collect_fail(mpi_backend *mb, collect *cl, int rc,
                         const par_error *why)
{
        if (cl->rc)
                return;
        cl->rc = rc;
        cl->err = *why;
        cl->err.code = rc;
        for (int r = 1; r < mb->size; r++)
                if (!cl->done[r])
                        send_ctrl(mb, PAR__MPI_ABORT, cl->id, r, NULL);
}

static int take_values(const par_graph *g, collect *cl, par__mpi_msg *m,
                       par_error *err)
{
        par__mpi_rd rd = {m->data, m->len, 0, false};
        if (par__mpi_get_u64(&rd) != cl->id)
                return 0; /* from a run that was aborted */
        uint32_t left = par__mpi_get_u32(&rd);
        par_key key;
        par_value *v;
        int rc;
        while ((rc = par__mpi_batch_next(&rd, m, &left, &key, &v, err)) > 0) {
                uint32_t t = par__graph_find_key(g, key);
                if (t == UINT32_MAX) {
                        par_value_release(v);
                        return par__errorf(err, PAR_EPARSE,
                                           "MPI backend: rank %d sent a value "
                                           "for key %s, which was not asked "
                                           "for", m->src, key.name);
                }
                if (cl->keep) {
                        /* The rank kept the value; it sent its summary. */
                        par_value *s0 = par_value_list_item(v, 0);
                        par_value *s1 = par_value_list_item(v, 1);
                        par_value *ref = NULL;
                        bool summary = s0 && s1 &&
                                       par_value_type(s0) == PAR_TYPE_INT64 &&
                                       par_value_type(s1) == PAR_TYPE_INT64;
                        if (summary)
                                ref = par__remote_new(cl->session, m->src,
                                                      cl->id, key,
                                                      par_value_int64_of(s0),
                                                      par_value_int64_of(s1));
                        par_value_release(v);
                        if (!ref && summary)
                                return PAR__ENOMEM(err, "recording a kept value");
                        if (!ref)
                                return par__errorf(err, PAR_EPARSE,
                                                   "MPI backend: rank %d kept "
                                                   "key %s but its summary is "
                                                   "not [rows, bytes]",
                                                   m->src, key.name);
                        v = ref;
                }
                par_value_release(cl->val[t]);
                cl->val[t] = v;
        }
        return rc;
}

static void take_done(mpi_backend *mb, collect *cl, const par__mpi_msg *m)
{
        par__mpi_rd rd = {m->data, m->len, 0, false};
        uint64_t id = par__mpi_get_u64(&rd);
        int code = (int)par__mpi_get_u32(&rd);
        uint64_t nkept = par__mpi_get_u64(&rd), bkept = par__mpi_get_u64(&rd);
        if (rd.bad || id != cl->id || m->src <= 0 || m->src >= mb->size ||
            cl->done[m->src])
                return;
        cl->done[m->src] = true;
        cl->ndone++;
        mb->kept_n[m->src] = (int64_t)nkept;
        mb->kept_b[m->src] = (int64_t)bkept;
        if (code >= 0)
                return;
        par_error e;
        par_error_clear(&e);
        int c2 = 0;
        size_t used;
        char msg[PAR_ERROR_MESSAGE_SIZE];
        if (par__wire_decode_error(m->data + rd.pos, m->len - rd.pos, &used,
                                   &c2, msg, sizeof msg, &e) < 0)
                par__errorf(&e, code, "rank %d failed (%s) and its message "
                            "could not be read: %s", m->src,
                            par_status_name(code), e.message);
        else
                par__errorf(&e, code, "%s", msg);
        collect_fail(mb, cl, code, &e);
}

/* Receives values and statuses until every worker has answered. */
static int collect_run(mpi_backend *mb, const par_graph *g, collect *cl)
{
        unsigned idle = 0;
        while (cl->ndone < mb->size - 1) {
                par__mpi_msg m = {0};
                par_error e;
                par_error_clear(&e);
                int rc = par__mpi_poll(mb->comm, &m, &e);
                if (rc < 0)
                        return par__errorf(&cl->err, rc, "%s", e.message);
                if (rc == 0) {
                        par__mpi_out_test(&mb->out, NULL);
                        par__mpi_backoff(&idle);
                        continue;
                }
                idle = 0;
                if (m.tag == PAR__MPI_TAG_VALUES) {
                        if (!cl->rc && (rc = take_values(g, cl, &m, &e)) < 0)
                                collect_fail(mb, cl, rc, &e);
                } else if (m.tag == PAR__MPI_TAG_DONE) {
                        take_done(mb, cl, &m);
                }
                par__mpi_msg_free(&m);
        }
        par__mpi_out_drain(&mb->out);
        return cl->rc;
}

/* Runs one computation across the ranks. */
static int drive(mpi_backend *mb, const par_graph *g, size_t nkeys,
                 const par_key *keys, par_value **out, bool keep,
                 par_error *err)
{
        for (size_t i = 0; i < nkeys; i++)
                out[i] = NULL;
        if (mb->size == 1)
                return par_graph_compute(mb->base.client->ex, g, nkeys, keys,
                                         out, NULL, err);
        uint64_t t0 = par_now_ns();
        par__plan *p;
        int rc = par__plan_new(g, nkeys, keys, NULL, &p, err);
        if (rc < 0)
                return rc;
        uint64_t t1 = par_now_ns();
        placement pl = {0};
        collect cl = {.id = ++world.run_id, .keep = keep,
                      .session = mb->session};
        par_error_clear(&cl.err);
        cl.val = par__calloc(g->ntasks ? g->ntasks : 1, sizeof *cl.val);
        cl.done = par__calloc((size_t)mb->size, sizeof *cl.done);
        rc = cl.val && cl.done ? place(mb, g, p, &pl, err)
                               : PAR__ENOMEM(err, "starting an MPI run");
        uint64_t t2 = par_now_ns();
        par__mpi_tasks tw = {0};
        if (rc == 0)
                rc = par__mpi_tasks_init(&tw, g, err);
        int r = 1;
        for (; rc == 0 && r < mb->size; r++) {
                par__wbuf b = {0};
                rc = run_message(mb, &tw, &pl, (uint32_t)r, cl.id, keep, &b,
                                 err);
                if (rc == 0)
                        rc = par__mpi_isend(&mb->out, mb->comm, &b, r,
                                            PAR__MPI_TAG_CTRL, err);
                par__wbuf_free(&b);
                if (rc < 0)
                        break;
        }
        par__mpi_tasks_free(&tw);
        if (rc < 0 && cl.done) {
                /* Ranks below r got the run and will answer: abort them.
                 * The others never will. */
                for (int k = (r > 1 ? r : 1); k < mb->size; k++) {
                        cl.done[k] = true;
                        cl.ndone++;
                }
                par_error why = err ? *err : (par_error){0};
                collect_fail(mb, &cl, rc, &why);
        }
        uint64_t t3 = par_now_ns();
        int crc = cl.done ? collect_run(mb, g, &cl) : 0;
        if (mb->trace)
                fprintf(stderr, "par mpi: run %llu: %zu tasks: compile %.1f ms, "
                        "place %.1f ms, ship %.1f ms, run and collect %.1f ms\n",
                        (unsigned long long)cl.id, g->ntasks, (t1 - t0) / 1e6,
                        (t2 - t1) / 1e6, (t3 - t2) / 1e6,
                        (par_now_ns() - t3) / 1e6);
        if (rc == 0 && crc < 0) {
                rc = crc;
                if (err)
                        *err = cl.err;
        }
        for (size_t i = 0; rc == 0 && i < nkeys; i++) {
                out[i] = par_value_retain(cl.val[p->want[i]]);
                if (!out[i])
                        rc = par__errorf(err, PAR_ESTATE,
                                         "MPI backend: no rank sent the value "
                                         "of requested key %s",
                                         keys[i].name);
        }
        if (rc < 0)
                for (size_t i = 0; i < nkeys; i++) {
                        par_value_release(out[i]);
                        out[i] = NULL;
                }
        /* A failed persist may have left values in stores whose summaries
         * never became remote values here: drop the whole run. */
        if (rc < 0 && keep)
                for (int k = 1; k < mb->size; k++)
                        send_ctrl(mb, PAR__MPI_DROP, cl.id, k, NULL);
        for (size_t t = 0; cl.val && t < g->ntasks; t++)
                par_value_release(cl.val[t]);
        par__free(cl.val);
        par__free(cl.done);
        placement_free(&pl);
        par__plan_free(p);
        return rc;
}

/* ---- the driver thread and the method table ------------------------------ */

/* STAT: every worker answers DONE with the size of its store. */
static int stat_run(mpi_backend *mb, int rank, int64_t *n, int64_t *bytes,
                    par_error *err)
{
        *n = *bytes = 0;
        if (mb->size == 1)
                return 0;
        collect cl = {.id = ++world.run_id, .session = mb->session};
        par_error_clear(&cl.err);
        cl.done = par__calloc((size_t)mb->size, sizeof *cl.done);
        if (!cl.done)
                return PAR__ENOMEM(err, "asking the workers for their stores");
        int rc = 0, r = 1;
        for (; r < mb->size && rc == 0; r++)
                rc = send_ctrl(mb, PAR__MPI_STAT, cl.id, r, err);
        if (rc < 0) {
                for (int k = r - 1; k < mb->size; k++)
                        if (!cl.done[k]) {
                                cl.done[k] = true;
                                cl.ndone++;
                        }
        }
        int crc = collect_run(mb, NULL, &cl);
        if (rc == 0 && crc < 0) {
                rc = crc;
                if (err)
                        *err = cl.err;
        }
        for (int k = 1; rc == 0 && k < mb->size; k++) {
                if (rank >= 0 && k != rank)
                        continue;
                *n += mb->kept_n[k];
                *bytes += mb->kept_b[k];
        }
        par__free(cl.done);
        return rc;
}

static void job_finish(mpi_backend *mb, mpi_job *j)
{
        if (!j->futs) {
                par__event_set(&j->done);
                return;
        }
        for (size_t i = 0; i < j->nkeys; i++)
                par__future_finish(j->futs[i], j->rc, j->rc == 0 ? j->out[i] : NULL,
                                   &j->err);
        par_graph_free(j->owned);
        par__free(j->out);
        par__free(j->futs);
        par__free(j->fkeys);
        par__free(j);
        par__client_launch_end(mb->base.client);
}

/* Takes jobs and released remote values until the client closes; then
 * ends the session on the workers (they drop its stores and wait for the
 * next client). */
static void *driver_main(void *arg)
{
        mpi_backend *mb = arg;
        for (;;) {
                pthread_mutex_lock(&mb->lock);
                while (!mb->head && !mb->nfrees && !mb->stopping)
                        pthread_cond_wait(&mb->cond, &mb->lock);
                mpi_job *j = mb->head;
                if (j) {
                        mb->head = j->next;
                        if (!mb->head)
                                mb->tail = NULL;
                }
                par__remote **fr = mb->frees;
                size_t nfr = mb->nfrees;
                mb->frees = NULL;
                mb->nfrees = mb->freecap = 0;
                pthread_mutex_unlock(&mb->lock);
                /* Frees first: a job queued after a release (a STAT) sees
                 * the stores without the freed values. */
                if (nfr)
                        send_frees(mb, fr, nfr);
                par__free(fr);
                if (!j) {
                        if (nfr)
                                continue;
                        break;
                }
                par_error_clear(&j->err);
                if (j->stat)
                        j->rc = stat_run(mb, j->stat_rank, &j->nstored,
                                         &j->bstored, &j->err);
                else
                        j->rc = drive(mb, j->g, j->nkeys, j->keys, j->out,
                                      j->keep, &j->err);
                job_finish(mb, j);
        }
        for (int r = 1; r < mb->size; r++)
                send_ctrl(mb, PAR__MPI_END, 0, r, NULL);
        par__mpi_out_drain(&mb->out);
        return NULL;
}

static void enqueue(mpi_backend *mb, mpi_job *j)
{
        pthread_mutex_lock(&mb->lock);
        j->next = NULL;
        if (mb->tail)
                mb->tail->next = j;
        else
                mb->head = j;
        mb->tail = j;
        pthread_cond_signal(&mb->cond);
        pthread_mutex_unlock(&mb->lock);
}

static int mpi_run(par__backend *b, const par_graph *g, size_t nkeys,
                   const par_key *keys, par_value **out, par_error *err)
{
        mpi_backend *mb = (mpi_backend *)b;
        mpi_job j = {.g = g, .nkeys = nkeys, .keys = keys, .out = out,
                     .keep = par__persist_scoped()};
        par__event_init(&j.done);
        enqueue(mb, &j);
        par__event_wait(&j.done);
        if (j.rc < 0 && err)
                *err = j.err;
        return j.rc;
}

static int mpi_launch(par__backend *b, par_graph *g, size_t n,
                      par_future **futs, par_error *err)
{
        mpi_backend *mb = (mpi_backend *)b;
        mpi_job *j = par__calloc(1, sizeof *j);
        par_future **fs = par__malloc((n ? n : 1) * sizeof *fs);
        par_key *keys = par__malloc((n ? n : 1) * sizeof *keys);
        par_value **out = par__calloc(n ? n : 1, sizeof *out);
        if (!j || !fs || !keys || !out) {
                par__free(j);
                par__free(fs);
                par__free(keys);
                par__free(out);
                par_graph_free(g);
                return PAR__ENOMEM(err, "starting an MPI computation");
        }
        for (size_t i = 0; i < n; i++) {
                fs[i] = futs[i];
                keys[i] = par_key_make(futs[i]->name, futs[i]->index);
        }
        *j = (mpi_job){.g = g, .owned = g, .nkeys = n, .keys = keys,
                       .fkeys = keys, .out = out, .futs = fs};
        enqueue(mb, j);
        return 0;
}

static int mpi_summary(const par__backend *b, char *buf, size_t size)
{
        const mpi_backend *mb = (const mpi_backend *)b;
        par_executor *ex = b->client->ex;
        if (mb->size == 1)
                return snprintf(buf, size,
                                "mpi (1 rank, %s)  Workers: 1  Threads: %d  "
                                "Cores: %d  Memory: %.2f GB",
                                par_executor_name(ex), par_executor_threads(ex),
                                par_cpu_count(),
                                (double)par_memory_total() / 1e9);
        return snprintf(buf, size,
                        "mpi (%d ranks, %s)  Workers: %d  Threads: %d  "
                        "Cores: %d  Memory: %.2f GB",
                        mb->size, par_executor_name(ex), mb->size - 1,
                        mb->wthreads, mb->wcores, mb->wmem / 1e9);
}

static void mpi_close(par__backend *b)
{
        mpi_backend *mb = (mpi_backend *)b;
        /* From here on released remote values are freed here only: the
         * workers drop the session's stores at END. */
        pthread_mutex_lock(&world.lock);
        if (world.live == mb)
                world.live = NULL;
        pthread_mutex_unlock(&world.lock);
        if (mb->started) {
                pthread_mutex_lock(&mb->lock);
                mb->stopping = true;
                pthread_cond_signal(&mb->cond);
                pthread_mutex_unlock(&mb->lock);
                pthread_join(mb->thread, NULL);
        }
        for (size_t i = 0; i < mb->nfrees; i++)
                remote_payload_free(mb->frees[i]);
        par__free(mb->frees);
        par__free(mb->out.req);
        par__free(mb->out.hold);
        par__free(mb->kept_n);
        par__free(mb->kept_b);
        bool finish = mb->finish;
        pthread_cond_destroy(&mb->cond);
        pthread_mutex_destroy(&mb->lock);
        par__free(mb);
        if (finish)
                par_mpi_finish(NULL);
}

static const par__backend_ops mpi_ops = {
        .version = PAR__BACKEND_VERSION,
        .name = "mpi",
        .run = mpi_run,
        .launch = mpi_launch,
        .summary = mpi_summary,
        .close = mpi_close,
};

static int remote_fetch(size_t n, par_value *const *refs, par_value **vals,
                        par_error *err)
{
        pthread_mutex_lock(&world.lock);
        mpi_backend *mb = world.live;
        for (size_t k = 0; k < n; k++) {
                const par__remote *r = par__remote_of(refs[k]);
                if (mb && r->session == mb->session)
                        continue;
                pthread_mutex_unlock(&world.lock);
                return par__errorf(err, PAR_ESTATE,
                                   "a graph reads persisted ('%s', %" PRId64
                                   ") of MPI client %" PRIu64 ", which is "
                                   "freed (its workers dropped it): persist "
                                   "it again", r->name, r->index, r->session);
        }
        pthread_mutex_unlock(&world.lock);
        /* par.identity of each, run where it is, sent here. */
        par_graph *g = par_graph_new();
        par_key *keys = par__malloc(n * sizeof *keys);
        int rc = g && keys ? 0 : PAR__ENOMEM(err, "fetching persisted values");
        for (size_t k = 0; k < n && rc == 0; k++) {
                keys[k] = par_key_make("par-fetch", (int64_t)k);
                rc = par_graph_add(g, keys[k], "par.identity", 1,
                                   (par_arg[]){par_arg_value(refs[k])}, err);
        }
        if (rc == 0)
                rc = mpi_run(&mb->base, g, n, keys, vals, err);
        par__free(keys);
        par_graph_free(g);
        return rc;
}

int par_mpi_stored(par_client *c, int rank, int64_t *values, int64_t *bytes,
                   par_error *err)
{
        if (values)
                *values = 0;
        if (bytes)
                *bytes = 0;
        if (!c || c->backend->ops != &mpi_ops)
                return par__errorf(err, PAR_EINVAL,
                                   "par_mpi_stored: the client is %s, not an "
                                   "MPI client", c ? "local" : "NULL");
        mpi_backend *mb = (mpi_backend *)c->backend;
        if (rank != -1 && (rank < 1 || rank >= mb->size))
                return par__errorf(err, PAR_EINVAL,
                                   "par_mpi_stored: rank %d is not a worker "
                                   "(1..%d, or -1 for all)", rank,
                                   mb->size - 1);
        mpi_job j = {.stat = true, .stat_rank = rank};
        par__event_init(&j.done);
        enqueue(mb, &j);
        par__event_wait(&j.done);
        if (j.rc < 0) {
                if (err)
                        *err = j.err;
                return j.rc;
        }
        if (values)
                *values = j.nstored;
        if (bytes)
                *bytes = j.bstored;
        return 0;
}

/* ---- start-up ------------------------------------------------------------ */

static int make_mpi(par_client *c, void *ud, par__backend **out,
                    par_error *err)
{
        (void)ud;
        mpi_backend *mb = par__calloc(1, sizeof *mb);
        if (!mb)
                return PAR__ENOMEM(err, "creating the MPI backend");
        size_t n = (size_t)world.is.size;
        mb->kept_n = par__calloc(n, sizeof *mb->kept_n);
        mb->kept_b = par__calloc(n, sizeof *mb->kept_b);
        if (!mb->kept_n || !mb->kept_b) {
                par__free(mb->kept_n);
                par__free(mb->kept_b);
                par__free(mb);
                return PAR__ENOMEM(err, "creating the MPI backend");
        }
        mb->base.ops = &mpi_ops;
        mb->base.client = c;
        mb->comm = world.is.comm;
        mb->rank = world.is.rank;
        mb->size = world.is.size;
        mb->wthreads = world.wthreads;
        mb->wcores = world.wcores;
        mb->wmem = world.wmem;
        const char *tr = getenv("PAR_MPI_TRACE");
        mb->trace = tr && *tr && strcmp(tr, "0") != 0;
        pthread_mutex_init(&mb->lock, NULL);
        pthread_cond_init(&mb->cond, NULL);
        *out = &mb->base;
        return 0;
}

/* Every rank says whether it started and what it has; rank 0 learns the
 * workers' threads, cores and memory (into the world). Returns the first
 * failure of any rank (by rank order) as seen by all. */
static int exchange_info(init_state *is, int status, int threads,
                         par_error *err)
{
        double mine[4] = {status, threads, par_cpu_count(),
                          (double)par_memory_total()};
        double *all = NULL;
        if (is->rank == 0) {
                all = par__malloc((size_t)is->size * sizeof mine);
                if (!all)
                        mine[0] = PAR_ENOMEM;
        }
        int rc = MPI_Gather(mine, 4, MPI_DOUBLE, all, 4, MPI_DOUBLE, 0, is->comm);
        if (rc != MPI_SUCCESS) {
                par__free(all);
                return par__mpi_fail(err, "MPI_Gather", rc);
        }
        int worst[2] = {(int)mine[0], 0};
        if (is->rank == 0) {
                world.wthreads = world.wcores = 0;
                world.wmem = 0;
                for (int r = 1; r < is->size; r++) {
                        if (all[4 * r] < 0 && !worst[0]) {
                                worst[0] = (int)all[4 * r];
                                worst[1] = r;
                        }
                        world.wthreads += (int)all[4 * r + 1];
                        world.wcores += (int)all[4 * r + 2];
                        world.wmem += all[4 * r + 3];
                }
                par__free(all);
        }
        rc = MPI_Bcast(worst, 2, MPI_INT, 0, is->comm);
        if (rc != MPI_SUCCESS)
                return par__mpi_fail(err, "MPI_Bcast", rc);
        if (worst[0] < 0 && status == 0)
                return par__errorf(err, worst[0],
                                   "par_mpi_start: rank %d could not start "
                                   "(%s)", worst[1], par_status_name(worst[0]));
        return worst[0] < 0 ? worst[0] : 0;
}

static int mpi_start(int *argc, char ***argv, init_state *is, par_error *err)
{
        int flag = 0, provided = 0, rc;
        MPI_Finalized(&flag);
        if (flag)
                return par__errorf(err, PAR_ESTATE,
                                   "par_mpi_start: MPI was finalized in this "
                                   "process; it cannot start again");
        MPI_Initialized(&flag);
        if (!flag) {
                rc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED,
                                     &provided);
                if (rc != MPI_SUCCESS)
                        return par__mpi_fail(err, "MPI_Init_thread", rc);
                is->own_mpi = true;
        } else {
                MPI_Query_thread(&provided);
        }
        if (provided < MPI_THREAD_SERIALIZED) {
                if (is->own_mpi)
                        MPI_Finalize();
                return par__errorf(err, PAR_ENOTSUP,
                                   "par_mpi_start: MPI gives thread level %d, "
                                   "the MPI backend needs "
                                   "MPI_THREAD_SERIALIZED (%d) or more",
                                   provided, MPI_THREAD_SERIALIZED);
        }
        rc = MPI_Comm_dup(MPI_COMM_WORLD, &is->comm);
        if (rc != MPI_SUCCESS) {
                if (is->own_mpi)
                        MPI_Finalize();
                return par__mpi_fail(err, "MPI_Comm_dup", rc);
        }
        /* Failures come back as codes, never as MPI's abort. */
        MPI_Comm_set_errhandler(is->comm, MPI_ERRORS_RETURN);
        MPI_Comm_rank(is->comm, &is->rank);
        MPI_Comm_size(is->comm, &is->size);
        return 0;
}

static void mpi_stop(init_state *is)
{
        MPI_Comm_free(&is->comm);
        if (is->own_mpi)
                MPI_Finalize();
}

/* Ranks >= 1: serve every session until rank 0 finishes the world. */
static int worker_main(init_state *is, const par_mpi_opts *o, par_error *err)
{
        par_executor *ex = NULL;
        int st = par_executor_new(&(par_executor_opts){.kind = o->executor,
                                                       .threads = o->threads},
                                  &ex, err);
        int rc = exchange_info(is, st, ex ? par_executor_threads(ex) : 0, err);
        if (rc == 0)
                rc = par__mpi_worker_serve(is->comm, ex, err);
        par_executor_free(ex);
        mpi_stop(is);
        return rc < 0 ? rc : PAR_MPI_WORKER;
}

int par_mpi_start(int *argc, char ***argv, const par_mpi_opts *opts,
                  par_error *err)
{
        pthread_mutex_lock(&world.lock);
        bool started = world.started;
        pthread_mutex_unlock(&world.lock);
        if (started)
                return par__errorf(err, PAR_ESTATE,
                                   "par_mpi_start: the MPI world is already "
                                   "started in this process");
        par_mpi_opts o = opts ? *opts : (par_mpi_opts){0};
        init_state is = {0};
        int rc = mpi_start(argc, argv, &is, err);
        if (rc < 0)
                return rc;
        if (is.rank != 0)
                return worker_main(&is, &o, err);
        rc = exchange_info(&is, 0, 0, err);
        if (rc < 0) {
                mpi_stop(&is); /* no rank serves after a failed start */
                return rc;
        }
        pthread_mutex_lock(&world.lock);
        world.is = is;
        world.opts = o;
        world.started = true;
        pthread_mutex_unlock(&world.lock);
        return PAR_MPI_DRIVER;
}

int par_mpi_client_new(par_client **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_mpi_client_new: `out` is NULL");
        *out = NULL;
        pthread_mutex_lock(&world.lock);
        int rc = 0;
        if (!world.started)
                rc = par__errorf(err, PAR_ESTATE,
                                 "par_mpi_client_new: the MPI world is not "
                                 "started here (call par_mpi_start first, "
                                 "on rank 0)");
        else if (world.live)
                rc = par__errorf(err, PAR_ESTATE,
                                 "par_mpi_client_new: client %" PRIu64 " of "
                                 "this MPI world is still live; free it "
                                 "first (one client at a time)",
                                 world.live->session);
        if (rc < 0) {
                pthread_mutex_unlock(&world.lock);
                return rc;
        }
        par_client *c = NULL;
        rc = par__client_new_with(
                &(par_client_opts){.executor = world.opts.executor,
                                   .threads = world.opts.threads},
                make_mpi, NULL, &c, err);
        mpi_backend *mb = c ? (mpi_backend *)c->backend : NULL;
        if (rc == 0) {
                mb->session = ++world.session;
                if (pthread_create(&mb->thread, NULL, driver_main, mb) != 0)
                        rc = par__errorf(err, PAR_ESYS, "par_mpi_client_new: "
                                         "cannot start the driver thread");
                else
                        mb->started = true;
        }
        if (rc == 0)
                world.live = mb;
        pthread_mutex_unlock(&world.lock);
        if (rc < 0) {
                par_client_free(c);
                return rc;
        }
        *out = c;
        return 0;
}

int par_mpi_finish(par_error *err)
{
        pthread_mutex_lock(&world.lock);
        int rc = 0;
        if (!world.started)
                rc = par__errorf(err, PAR_ESTATE,
                                 "par_mpi_finish: the MPI world is not "
                                 "started here (or already finished)");
        else if (world.live)
                rc = par__errorf(err, PAR_ESTATE,
                                 "par_mpi_finish: client %" PRIu64 " is "
                                 "still live; free it first",
                                 world.live->session);
        if (rc < 0) {
                pthread_mutex_unlock(&world.lock);
                return rc;
        }
        par__mpi_out o = {0};
        for (int r = 1; r < world.is.size; r++) {
                int src = send_ctrl_on(&o, world.is.comm, PAR__MPI_STOP, 0, r,
                                       err);
                if (src < 0 && rc == 0)
                        rc = src;
        }
        par__mpi_out_drain(&o);
        par__free(o.req);
        par__free(o.hold);
        mpi_stop(&world.is);
        world.started = false;
        pthread_mutex_unlock(&world.lock);
        return rc;
}

int par_mpi_init(int *argc, char ***argv, const par_mpi_opts *opts,
                 par_client **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "par_mpi_init: `out` is NULL");
        *out = NULL;
        int role = par_mpi_start(argc, argv, opts, err);
        if (role != PAR_MPI_DRIVER)
                return role;
        par_client *c = NULL;
        int rc = par_mpi_client_new(&c, err);
        if (rc < 0) {
                par_mpi_finish(NULL); /* the workers stop too */
                return rc;
        }
        ((mpi_backend *)c->backend)->finish = true;
        *out = c;
        return PAR_MPI_DRIVER;
}

#endif
