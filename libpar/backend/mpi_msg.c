/* The MPI backend's message plumbing: sends kept until complete, polling
 * receives, the protocol's integers and batches of values. */
#include "par_config.h"

#if PAR_HAVE_MPI
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "backend/mpi_proto.h"
#include "graph/internal.h"
#include "value/column.h"

int par__mpi_fail(par_error *err, const char *call, int mpirc)
{
        char why[MPI_MAX_ERROR_STRING] = "";
        int len = 0, rank = -1;
        MPI_Error_string(mpirc, why, &len);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        return par__errorf(err, PAR_ESYS, "rank %d: %s failed: %s", rank, call,
                           why);
}

static int out_room(par__mpi_out *o, par_error *err)
{
        if (o->n < o->cap)
                return 0;
        size_t cap = o->cap, cap2 = o->cap;
        if (par__grow((void **)&o->req, &cap, o->n + 1, sizeof *o->req) < 0 ||
            par__grow((void **)&o->hold, &cap2, o->n + 1, sizeof *o->hold) < 0)
                return PAR__ENOMEM(err, "queueing an MPI send");
        o->cap = cap < cap2 ? cap : cap2;
        return 0;
}

static int too_big(size_t len, int dest, par_error *err)
{
        return par__errorf(err, PAR_ERANGE,
                           "MPI backend: a message of %zu bytes for rank %d "
                           "is over MPI's 2 GiB count limit; use smaller "
                           "partitions",
                           len, dest);
}

int par__mpi_isend(par__mpi_out *o, MPI_Comm comm, par__wbuf *b, int dest,
                   int tag, par_error *err)
{
        if (b->len > INT_MAX)
                return too_big(b->len, dest, err);
        int rc = out_room(o, err);
        if (rc < 0)
                return rc;
        rc = MPI_Isend(b->data, (int)b->len, MPI_BYTE, dest, tag, comm,
                       &o->req[o->n]);
        if (rc != MPI_SUCCESS)
                return par__mpi_fail(err, "MPI_Isend", rc);
        o->hold[o->n++] = (par__mpi_hold){.buf = b->data, .val = NULL};
        b->data = NULL;
        b->len = b->cap = 0;
        return 0;
}

static void hold_free(par__mpi_hold *h)
{
        par__free(h->buf);
        par_value_release(h->val);
}

int par__mpi_out_test(par__mpi_out *o, par_error *err)
{
        size_t k = 0;
        for (size_t i = 0; i < o->n; i++) {
                int done = 0;
                int rc = MPI_Test(&o->req[i], &done, MPI_STATUS_IGNORE);
                if (rc != MPI_SUCCESS)
                        return par__mpi_fail(err, "MPI_Test", rc);
                if (done) {
                        hold_free(&o->hold[i]);
                        continue;
                }
                o->req[k] = o->req[i];
                o->hold[k++] = o->hold[i];
        }
        o->n = k;
        return 0;
}

void par__mpi_out_drain(par__mpi_out *o)
{
        if (o->n)
                MPI_Waitall((int)o->n, o->req, MPI_STATUSES_IGNORE);
        for (size_t i = 0; i < o->n; i++)
                hold_free(&o->hold[i]);
        o->n = 0;
}

/* Receives the BULK messages of a VALUES message's form-1 entries, which
 * its sender posted right after it (same source: they come in order).
 * A batch that does not parse is left for par__mpi_batch_next to report;
 * its BULK messages are then dropped by par__mpi_poll. */
static int recv_columns(MPI_Comm comm, par__mpi_msg *m, par_error *err)
{
        par__mpi_rd rd = {m->data, m->len, 8, false};
        uint32_t count = par__mpi_get_u32(&rd);
        size_t cap = 0;
        for (uint32_t i = 0; i < count && !rd.bad; i++) {
                uint32_t len = par__mpi_get_u32(&rd);
                par__mpi_get_bytes(&rd, (size_t)len + 8);
                const uint8_t *form = par__mpi_get_bytes(&rd, 1);
                if (rd.bad)
                        break;
                if (*form == 0) {
                        int kind;
                        size_t total = 0;
                        if (par__wire_peek(rd.p + rd.pos, rd.n - rd.pos, &kind,
                                           &total, NULL) < 0 ||
                            !par__mpi_get_bytes(&rd, total))
                                break;
                        continue;
                }
                uint32_t dtype = par__mpi_get_u32(&rd);
                int64_t n = (int64_t)par__mpi_get_u64(&rd);
                if (rd.bad || *form != 1 ||
                    (dtype != PAR_DTYPE_INT64 && dtype != PAR_DTYPE_FLOAT64) ||
                    n < 0 || (uint64_t)n > INT_MAX / 8)
                        break;
                par__column *c = par__column_alloc((par_dtype)dtype, n, 0);
                par_value *v = NULL;
                int rc = c ? MPI_Recv(c->data, (int)(n * 8), MPI_BYTE, m->src,
                                      PAR__MPI_TAG_BULK, comm, MPI_STATUS_IGNORE)
                           : MPI_SUCCESS;
                if (c && rc == MPI_SUCCESS)
                        v = par__column_finish(c);
                else if (c)
                        par__column_discard(c);
                if (rc != MPI_SUCCESS) {
                        par__mpi_msg_free(m);
                        return par__mpi_fail(err, "MPI_Recv", rc);
                }
                if (!v || (m->ncols == cap &&
                           par__grow((void **)&m->cols, &cap, m->ncols + 1,
                                     sizeof *m->cols) < 0)) {
                        /* Out of memory: the batch stops here, and
                         * par__mpi_batch_next says so when it reaches
                         * the missing column. */
                        par_value_release(v);
                        m->cols_oom = true;
                        break;
                }
                m->cols[m->ncols++] = v;
        }
        return 1;
}

int par__mpi_poll(MPI_Comm comm, par__mpi_msg *m, par_error *err)
{
        int flag = 0, count = 0;
        MPI_Status st;
        int rc = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &st);
        if (rc != MPI_SUCCESS)
                return par__mpi_fail(err, "MPI_Iprobe", rc);
        if (!flag)
                return 0;
        rc = MPI_Get_count(&st, MPI_BYTE, &count);
        if (rc != MPI_SUCCESS || count < 0)
                return par__mpi_fail(err, "MPI_Get_count", rc);
        uint8_t *buf = par__malloc(count ? (size_t)count : 1);
        if (!buf)
                return PAR__ENOMEM(err, "receiving an MPI message");
        rc = MPI_Recv(buf, count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm,
                      MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) {
                par__free(buf);
                return par__mpi_fail(err, "MPI_Recv", rc);
        }
        m->data = buf;
        m->len = (size_t)count;
        m->src = st.MPI_SOURCE;
        m->tag = st.MPI_TAG;
        if (m->tag == PAR__MPI_TAG_VALUES)
                return recv_columns(comm, m, err);
        if (m->tag == PAR__MPI_TAG_BULK) {
                /* Values of a batch that could not be read: dropped. */
                par__mpi_msg_free(m);
                return 0;
        }
        return 1;
}

void par__mpi_msg_free(par__mpi_msg *m)
{
        par__free(m->data);
        for (size_t i = m->nextcol; i < m->ncols; i++)
                par_value_release(m->cols[i]);
        par__free(m->cols);
        memset(m, 0, sizeof *m);
}

/* Polling MPI with a growing pause: a busy-polling rank would take a core
 * from the ranks that compute (the machines here have two). The first
 * polls are back to back, then the pause doubles up to 0.5 ms. */
void par__mpi_backoff(unsigned *idle)
{
        unsigned k = (*idle)++;
        if (k < 64)
                return;
        long ns = 2000L << ((k - 64) / 32 < 8 ? (k - 64) / 32 : 8);
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
}

uint32_t par__mpi_get_u32(par__mpi_rd *r)
{
        uint32_t v = 0;
        if (r->bad || r->n - r->pos < 4) {
                r->bad = true;
                return 0;
        }
        memcpy(&v, r->p + r->pos, 4);
        r->pos += 4;
        return v;
}

uint64_t par__mpi_get_u64(par__mpi_rd *r)
{
        uint64_t v = 0;
        if (r->bad || r->n - r->pos < 8) {
                r->bad = true;
                return 0;
        }
        memcpy(&v, r->p + r->pos, 8);
        r->pos += 8;
        return v;
}

const uint8_t *par__mpi_get_bytes(par__mpi_rd *r, size_t n)
{
        if (r->bad || r->n - r->pos < n) {
                r->bad = true;
                return NULL;
        }
        const uint8_t *p = r->p + r->pos;
        r->pos += n;
        return p;
}

int par__mpi_put_u32(par__wbuf *b, uint32_t v, par_error *err)
{
        return par__wbuf_put(b, &v, 4, err);
}

int par__mpi_put_u64(par__wbuf *b, uint64_t v, par_error *err)
{
        return par__wbuf_put(b, &v, 8, err);
}

/* Columns this large go from their own memory, not through the buffer. */
#define INPLACE_MIN (64u << 10)

static const par__column *inplace_column(const par_value *v)
{
        if (!par_value_is_column(v))
                return NULL;
        const par__column *c = par__column_of(v);
        if ((c->dtype != PAR_DTYPE_INT64 && c->dtype != PAR_DTYPE_FLOAT64) ||
            c->validity || (size_t)c->length * 8 < INPLACE_MIN ||
            (size_t)c->length > INT_MAX / 8)
                return NULL;
        return c;
}

int par__mpi_batch_add(par__mpi_batch *bt, uint64_t run, par_key key,
                       const par_value *v, par_error *err)
{
        int rc = 0;
        if (bt->count == 0) {
                for (size_t i = 0; i < bt->nvals; i++)
                        par_value_release(bt->vals[i]);
                bt->nvals = 0;
                bt->b.len = bt->bytes = 0;
                if ((rc = par__mpi_put_u64(&bt->b, run, err)) < 0 ||
                    (rc = par__mpi_put_u32(&bt->b, 0, err)) < 0)
                        return rc;
        }
        const par__column *col = inplace_column(v);
        size_t len = strlen(key.name) + 1;
        /* Room for the whole value at once: growing by doubling would copy
         * a large partition several times. */
        size_t need = bt->b.len + len + 64 + (col ? 0 : par_value_nbytes(v));
        if (need > bt->b.cap) {
                uint8_t *nd = par__realloc(bt->b.data, need);
                if (!nd)
                        return PAR__ENOMEM(err, "sending a value");
                bt->b.data = nd;
                bt->b.cap = need;
        }
        uint8_t form = col ? 1 : 0;
        if ((rc = par__mpi_put_u32(&bt->b, (uint32_t)len, err)) < 0 ||
            (rc = par__wbuf_put(&bt->b, key.name, len, err)) < 0 ||
            (rc = par__mpi_put_u64(&bt->b, (uint64_t)key.index, err)) < 0 ||
            (rc = par__wbuf_put(&bt->b, &form, 1, err)) < 0)
                return rc;
        if (!col) {
                rc = par__wire_encode_value(&bt->b, v, err);
        } else {
                if (bt->nvals == bt->valcap &&
                    par__grow((void **)&bt->vals, &bt->valcap, bt->nvals + 1,
                              sizeof *bt->vals) < 0)
                        return PAR__ENOMEM(err, "sending values");
                if ((rc = par__mpi_put_u32(&bt->b, (uint32_t)col->dtype, err)) < 0 ||
                    (rc = par__mpi_put_u64(&bt->b, (uint64_t)col->length, err)) < 0)
                        return rc;
                bt->vals[bt->nvals++] = par_value_retain((par_value *)v);
                bt->bytes += (size_t)col->length * 8;
        }
        if (rc < 0)
                return rc;
        bt->count++;
        memcpy(bt->b.data + 8, &bt->count, 4);
        return 0;
}

int par__mpi_batch_send(par__mpi_batch *bt, par__mpi_out *o, MPI_Comm comm,
                        int dest, par_error *err)
{
        int rc = par__mpi_isend(o, comm, &bt->b, dest, PAR__MPI_TAG_VALUES, err);
        bt->count = 0;
        /* Then each form-1 column's values, from the column itself; the
         * send holds the column until MPI is done with it. */
        for (size_t i = 0; i < bt->nvals; i++) {
                par_value *v = bt->vals[i];
                bt->vals[i] = NULL;
                if (rc == 0)
                        rc = out_room(o, err);
                if (rc < 0) {
                        par_value_release(v);
                        continue;
                }
                const par__column *c = par__column_of(v);
                int mrc = MPI_Isend(c->data, (int)(c->length * 8), MPI_BYTE, dest,
                                    PAR__MPI_TAG_BULK, comm, &o->req[o->n]);
                if (mrc != MPI_SUCCESS) {
                        rc = par__mpi_fail(err, "MPI_Isend", mrc);
                        par_value_release(v);
                        continue;
                }
                o->hold[o->n++] = (par__mpi_hold){.buf = NULL, .val = v};
        }
        bt->nvals = 0;
        return rc;
}

void par__mpi_batch_free(par__mpi_batch *bt)
{
        par__wbuf_free(&bt->b);
        for (size_t i = 0; i < bt->nvals; i++)
                par_value_release(bt->vals[i]);
        par__free(bt->vals);
}

int par__mpi_batch_next(par__mpi_rd *r, par__mpi_msg *m, uint32_t *left,
                        par_key *key, par_value **v, par_error *err)
{
        if (*left == 0)
                return 0;
        uint32_t len = par__mpi_get_u32(r);
        const uint8_t *name = par__mpi_get_bytes(r, len);
        int64_t index = (int64_t)par__mpi_get_u64(r);
        const uint8_t *form = par__mpi_get_bytes(r, 1);
        if (r->bad || len == 0 || name[len - 1] != '\0' ||
            memchr(name, '\0', len) != name + len - 1 || index < PAR_NO_INDEX ||
            *form > 1)
                return par__errorf(err, PAR_EPARSE,
                                   "MPI backend: a value batch is malformed "
                                   "at byte %zu (expected a key name, its "
                                   "index and a value)",
                                   r->pos);
        if (*form == 1) {
                par__mpi_get_bytes(r, 12);
                if (!r->bad && m->nextcol >= m->ncols && m->cols_oom)
                        return PAR__ENOMEM(err, "receiving a column");
                if (r->bad || m->nextcol >= m->ncols)
                        return par__errorf(err, PAR_EPARSE,
                                           "MPI backend: a column of a value "
                                           "batch from rank %d is missing or "
                                           "malformed (byte %zu)",
                                           m->src, r->pos);
                *v = m->cols[m->nextcol];
                m->cols[m->nextcol++] = NULL;
        } else {
                size_t used = 0;
                int rc = par__wire_decode_value(r->p + r->pos, r->n - r->pos,
                                                &used, v, err);
                if (rc < 0)
                        return rc;
                r->pos += used;
        }
        (*left)--;
        *key = par_key_make((const char *)name, index);
        return 1;
}

/* ---- a rank's tasks ----------------------------------------------------- */

int par__mpi_tasks_init(par__mpi_tasks *tw, const par_graph *g, par_error *err)
{
        memset(tw, 0, sizeof *tw);
        tw->g = g;
        size_t n = g->names.n ? g->names.n : 1;
        tw->remap = par__malloc(n * sizeof *tw->remap);
        tw->used = par__malloc(n * sizeof *tw->used);
        if (!tw->remap || !tw->used) {
                par__mpi_tasks_free(tw);
                return PAR__ENOMEM(err, "encoding a rank's tasks");
        }
        memset(tw->remap, 0xff, n * sizeof *tw->remap);
        return 0;
}

void par__mpi_tasks_free(par__mpi_tasks *tw)
{
        par__free(tw->remap);
        par__free(tw->used);
        par__wbuf_free(&tw->names);
        par__wbuf_free(&tw->tasks);
        tw->remap = tw->used = NULL;
}

static int put_name(par__mpi_tasks *tw, uint32_t id, par_error *err)
{
        uint32_t m = tw->remap[id];
        if (m == UINT32_MAX) {
                const char *s = tw->g->names.str[id];
                uint32_t len = (uint32_t)strlen(s) + 1;
                int rc = par__mpi_put_u32(&tw->names, len, err);
                if (rc == 0)
                        rc = par__wbuf_put(&tw->names, s, len, err);
                if (rc < 0)
                        return rc;
                m = tw->remap[id] = tw->nnames;
                tw->used[tw->nnames++] = id;
        }
        return par__mpi_put_u32(&tw->tasks, m, err);
}

int par__mpi_tasks_add(par__mpi_tasks *tw, uint32_t t, par_error *err)
{
        const par_graph *g = tw->g;
        const par__task *task = &g->tasks[t];
        par__wbuf *b = &tw->tasks;
        int rc = put_name(tw, task->name, err);
        if (rc == 0)
                rc = par__mpi_put_u64(b, (uint64_t)task->index, err);
        if (rc == 0)
                rc = put_name(tw, task->op, err);
        if (rc == 0)
                rc = par__mpi_put_u32(b, task->nargs, err);
        for (uint32_t a = task->arg0; a < task->arg0 + task->nargs && rc == 0;
             a++) {
                const par__garg *ga = &g->args[a];
                uint8_t kind = ga->value ? 0 : 1;
                rc = par__wbuf_put(b, &kind, 1, err);
                if (rc < 0)
                        break;
                const par__remote *rv = par__remote_of(ga->value);
                if (rv) {
                        /* A persisted value: the rank reads its store. */
                        uint32_t len = (uint32_t)strlen(rv->name) + 1;
                        kind = 2;
                        b->len--;
                        rc = par__wbuf_put(b, &kind, 1, err);
                        if (rc == 0)
                                rc = par__mpi_put_u64(b, rv->run, err);
                        if (rc == 0)
                                rc = par__mpi_put_u32(b, len, err);
                        if (rc == 0)
                                rc = par__wbuf_put(b, rv->name, len, err);
                        if (rc == 0)
                                rc = par__mpi_put_u64(b, (uint64_t)rv->index,
                                                      err);
                        continue;
                }
                if (ga->value) {
                        rc = par__wire_encode_value(b, ga->value, err);
                        continue;
                }
                rc = put_name(tw, ga->key_name, err);
                if (rc == 0)
                        rc = par__mpi_put_u64(b, (uint64_t)ga->key_index, err);
        }
        if (rc == 0)
                tw->ntasks++;
        return rc;
}

int par__mpi_tasks_finish(par__mpi_tasks *tw, par__wbuf *b, par_error *err)
{
        int rc = par__mpi_put_u32(b, tw->nnames, err);
        if (rc == 0 && tw->names.len)
                rc = par__wbuf_put(b, tw->names.data, tw->names.len, err);
        if (rc == 0)
                rc = par__mpi_put_u32(b, tw->ntasks, err);
        if (rc == 0 && tw->tasks.len)
                rc = par__wbuf_put(b, tw->tasks.data, tw->tasks.len, err);
        for (uint32_t i = 0; i < tw->nnames; i++)
                tw->remap[tw->used[i]] = UINT32_MAX;
        tw->nnames = tw->ntasks = 0;
        tw->names.len = tw->tasks.len = 0;
        return rc;
}

static int tasks_bad(par__mpi_rd *r, const char *what, par_error *err)
{
        return par__errorf(err, PAR_EPARSE,
                           "MPI backend: a run's task list is malformed at "
                           "byte %zu (expected %s)",
                           r->pos, what);
}

static int read_tasks(par__mpi_rd *r, par_graph *g, const char **names,
                      uint32_t nnames, const par__mpi_store *store, int rank,
                      par_error *err)
{
        uint32_t nt = par__mpi_get_u32(r);
        par_arg small[16], *args = small;
        uint32_t cap = 16;
        int rc = 0;
        for (uint32_t t = 0; t < nt && rc == 0; t++) {
                uint32_t name = par__mpi_get_u32(r);
                int64_t index = (int64_t)par__mpi_get_u64(r);
                uint32_t op = par__mpi_get_u32(r);
                uint32_t nargs = par__mpi_get_u32(r);
                if (r->bad || name >= nnames || op >= nnames ||
                    nargs > r->n - r->pos) {
                        rc = tasks_bad(r, "a task's key, op and argument count",
                                       err);
                        break;
                }
                if (nargs > cap) {
                        par_arg *na = par__malloc(nargs * sizeof *na);
                        if (!na) {
                                rc = PAR__ENOMEM(err, "reading a run's tasks");
                                break;
                        }
                        if (args != small)
                                par__free(args);
                        args = na;
                        cap = nargs;
                }
                uint32_t got = 0;
                for (; got < nargs && rc == 0; got++) {
                        const uint8_t *kind = par__mpi_get_bytes(r, 1);
                        if (kind && *kind == 0) {
                                size_t used = 0;
                                par_value *v = NULL;
                                rc = par__wire_decode_value(r->p + r->pos,
                                                            r->n - r->pos,
                                                            &used, &v, err);
                                r->pos += used;
                                args[got] = par_arg_value(v);
                                if (rc < 0)
                                        break;
                                continue;
                        }
                        if (kind && *kind == 2) {
                                uint64_t run = par__mpi_get_u64(r);
                                uint32_t len = par__mpi_get_u32(r);
                                const uint8_t *s = par__mpi_get_bytes(r, len);
                                int64_t ix = (int64_t)par__mpi_get_u64(r);
                                if (r->bad || !s || len == 0 ||
                                    memchr(s, '\0', len) != s + len - 1) {
                                        rc = tasks_bad(r, "a remote value", err);
                                        break;
                                }
                                par_key k = par_key_make((const char *)s, ix);
                                par_value *v = store ? par__mpi_store_get(store,
                                                                          run, k)
                                                     : NULL;
                                if (!v) {
                                        rc = par__errorf(err, PAR_ESTATE,
                                                         "rank %d: task %s "
                                                         "reads persisted "
                                                         "('%s', %" PRId64 ") "
                                                         "of run %" PRIu64
                                                         ", which this rank "
                                                         "does not hold",
                                                         rank, names[name],
                                                         k.name, ix, run);
                                        break;
                                }
                                args[got] = par_arg_value(par_value_retain(v));
                                continue;
                        }
                        uint32_t kn = par__mpi_get_u32(r);
                        int64_t ki = (int64_t)par__mpi_get_u64(r);
                        if (!kind || *kind != 1 || r->bad || kn >= nnames) {
                                rc = tasks_bad(r, "an argument", err);
                                break;
                        }
                        args[got] = par_arg_key(names[kn], ki);
                }
                if (rc == 0)
                        rc = par_graph_add(g, par_key_make(names[name], index),
                                           names[op], nargs, args, err);
                for (uint32_t i = 0; i < got; i++)
                        if (args[i].kind == PAR_ARG_VALUE)
                                par_value_release(args[i].u.value);
        }
        if (args != small)
                par__free(args);
        return rc;
}

int par__mpi_tasks_read(par__mpi_rd *r, const par__mpi_store *store, int rank,
                        par_graph **out, par_error *err)
{
        uint32_t nn = par__mpi_get_u32(r);
        if (r->bad || nn > (r->n - r->pos) / 5)
                return tasks_bad(r, "a name count", err);
        const char **names = par__malloc((nn ? nn : 1) * sizeof *names);
        par_graph *g = par_graph_new();
        int rc = names && g ? 0 : PAR__ENOMEM(err, "reading a run's tasks");
        for (uint32_t i = 0; i < nn && rc == 0; i++) {
                uint32_t len = par__mpi_get_u32(r);
                const uint8_t *s = par__mpi_get_bytes(r, len);
                if (!s || len == 0 || memchr(s, '\0', len) != s + len - 1)
                        rc = tasks_bad(r, "a NUL-terminated name", err);
                names[i] = (const char *)s;
        }
        if (rc == 0)
                rc = read_tasks(r, g, names, nn, store, rank, err);
        par__free(names);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        *out = g;
        return 0;
}

/* ---- the store of persisted values ---------------------------------------- */

static uint64_t kept_hash(uint64_t run, par_key key)
{
        uint64_t h = 1469598103934665603ull ^ run;
        for (const char *c = key.name; *c; c++)
                h = (h ^ (uint8_t)*c) * 1099511628211ull;
        h = (h ^ (uint64_t)key.index) * 1099511628211ull;
        return h ^ (h >> 29);
}

static bool kept_is(const par__mpi_kept *e, uint64_t run, par_key key)
{
        return e->run == run && e->index == key.index &&
               strcmp(e->name, key.name) == 0;
}

par_value *par__mpi_store_get(const par__mpi_store *s, uint64_t run,
                              par_key key)
{
        if (!s->nslot)
                return NULL;
        size_t mask = s->nslot - 1;
        for (size_t i = kept_hash(run, key) & mask; s->slot[i]; i = (i + 1) & mask)
                if (kept_is(&s->e[s->slot[i] - 1], run, key))
                        return s->e[s->slot[i] - 1].v;
        return NULL;
}

static int store_rehash(par__mpi_store *s, par_error *err)
{
        size_t ns = s->nslot ? s->nslot * 2 : 64;
        uint32_t *slot = par__calloc(ns, sizeof *slot);
        if (!slot)
                return PAR__ENOMEM(err, "growing a rank's persisted values");
        for (size_t k = 0; k < s->n; k++) {
                par__mpi_kept *e = &s->e[k];
                size_t i = kept_hash(e->run, par_key_make(e->name, e->index)) &
                           (ns - 1);
                while (slot[i])
                        i = (i + 1) & (ns - 1);
                slot[i] = (uint32_t)k + 1;
        }
        par__free(s->slot);
        s->slot = slot;
        s->nslot = ns;
        return 0;
}

int par__mpi_store_put(par__mpi_store *s, uint64_t run, par_key key,
                       par_value *v, par_error *err)
{
        if (par__mpi_store_get(s, run, key))
                return 0; /* the same run and key: the same value */
        if ((s->n + 1) * 2 > s->nslot) {
                int rc = store_rehash(s, err);
                if (rc < 0)
                        return rc;
        }
        if (s->n == s->cap) {
                size_t nc = s->cap ? s->cap * 2 : 32;
                par__mpi_kept *ne = par__realloc(s->e, nc * sizeof *ne);
                if (!ne)
                        return PAR__ENOMEM(err, "keeping a persisted value");
                s->e = ne;
                s->cap = nc;
        }
        size_t len = strlen(key.name) + 1;
        char *name = par__malloc(len);
        if (!name)
                return PAR__ENOMEM(err, "keeping a persisted value");
        memcpy(name, key.name, len);
        s->e[s->n] = (par__mpi_kept){run, name, key.index, par_value_retain(v)};
        size_t i = kept_hash(run, key) & (s->nslot - 1);
        while (s->slot[i])
                i = (i + 1) & (s->nslot - 1);
        s->slot[i] = (uint32_t)++s->n;
        return 0;
}

/* Drops the entries `drop` says to (by index), keeping the others in
 * order, and rebuilds the slots. Deleting from open addressing needs
 * tombstones or a rebuild; frees come in batches (one FREE message per
 * rank), so one rebuild per batch is cheap. */
static void store_compact(par__mpi_store *s, const bool *drop)
{
        size_t k = 0;
        for (size_t i = 0; i < s->n; i++) {
                if (drop[i]) {
                        par__free(s->e[i].name);
                        par_value_release(s->e[i].v);
                        continue;
                }
                s->e[k++] = s->e[i];
        }
        s->n = k;
        if (!s->nslot)
                return;
        memset(s->slot, 0, s->nslot * sizeof *s->slot);
        size_t mask = s->nslot - 1;
        for (size_t j = 0; j < s->n; j++) {
                par__mpi_kept *e = &s->e[j];
                size_t i = kept_hash(e->run, par_key_make(e->name, e->index)) &
                           mask;
                while (s->slot[i])
                        i = (i + 1) & mask;
                s->slot[i] = (uint32_t)j + 1;
        }
}

static size_t store_find(const par__mpi_store *s, uint64_t run, par_key key)
{
        if (!s->nslot)
                return SIZE_MAX;
        size_t mask = s->nslot - 1;
        for (size_t i = kept_hash(run, key) & mask; s->slot[i]; i = (i + 1) & mask)
                if (kept_is(&s->e[s->slot[i] - 1], run, key))
                        return s->slot[i] - 1;
        return SIZE_MAX;
}

int par__mpi_store_drop(par__mpi_store *s, size_t n, const uint64_t *runs,
                        const par_key *keys, uint64_t whole_run, par_error *err)
{
        if (!s->n)
                return 0;
        bool *drop = par__calloc(s->n, sizeof *drop);
        if (!drop)
                return PAR__ENOMEM(err, "freeing persisted values");
        size_t hit = 0;
        for (size_t i = 0; i < n; i++) {
                size_t k = store_find(s, runs[i], keys[i]);
                if (k != SIZE_MAX && !drop[k]) {
                        drop[k] = true;
                        hit++;
                }
        }
        for (size_t k = 0; whole_run && k < s->n; k++)
                if (s->e[k].run == whole_run && !drop[k]) {
                        drop[k] = true;
                        hit++;
                }
        if (hit)
                store_compact(s, drop);
        par__free(drop);
        return 0;
}

void par__mpi_store_stats(const par__mpi_store *s, uint64_t *count,
                          uint64_t *bytes)
{
        *count = s->n;
        *bytes = 0;
        for (size_t k = 0; k < s->n; k++)
                *bytes += par_value_nbytes(s->e[k].v);
}

void par__mpi_store_free(par__mpi_store *s)
{
        for (size_t k = 0; k < s->n; k++) {
                par__free(s->e[k].name);
                par_value_release(s->e[k].v);
        }
        par__free(s->e);
        par__free(s->slot);
        *s = (par__mpi_store){0};
}

#else
typedef int par__mpi_msg_unused;
#endif
