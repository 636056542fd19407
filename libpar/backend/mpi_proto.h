/* libpar/backend/mpi_proto.h — the MPI backend's messages, shared by the
 * driver (mpi.c, rank 0) and the workers (mpi_worker.c). Only compiled
 * with MPI. docs/backends.md describes the protocol.
 *
 * Every rank runs the same program on the same architecture (mpirun
 * starts one binary), so the protocol's own integers are in host order;
 * values and graphs travel in the wire format (wire/wire.h). Every field
 * is still bounds-checked when read. */
#ifndef PAR_BACKEND_MPI_PROTO_H
#define PAR_BACKEND_MPI_PROTO_H

#include <mpi.h>

#include "backend/backend.h"
#include "wire/wire.h"

/* Tags on the backend's own communicator (a dup of MPI_COMM_WORLD). */
enum {
        PAR__MPI_TAG_CTRL = 101,   /* rank 0 -> worker: run, abort, stop */
        PAR__MPI_TAG_VALUES = 102, /* any -> any: a batch of task values */
        PAR__MPI_TAG_DONE = 103,   /* worker -> rank 0: a run's status */
        PAR__MPI_TAG_BULK = 104    /* any -> any: a column's values, after
                                    * the VALUES message that names it */
};

/* CTRL ops. END closes a session (a client): the workers drop their
 * stores and wait for the next one; STOP ends the workers. FREE: u32
 * count, then per entry u64 run, u32 name length (with NUL), name, i64
 * index: persisted values to drop. DROP: every value of the run id (a
 * persist that failed). STAT: answer DONE at once, with the store's size. */
enum {
        PAR__MPI_RUN = 1,
        PAR__MPI_ABORT = 2,
        PAR__MPI_STOP = 3,
        PAR__MPI_END = 4,
        PAR__MPI_FREE = 5,
        PAR__MPI_DROP = 6,
        PAR__MPI_STAT = 7
};

/* A destination in a RUN's send list meaning "persist": keep the value in
 * this rank's store under (run id, key) and send rank 0 [rows, bytes]. */
#define PAR__MPI_KEEP UINT32_MAX

/* A worker's persisted values, by (run id, key). Entries leave on FREE
 * and DROP; the whole store at the end of the session (END, STOP). */
typedef struct par__mpi_kept {
        uint64_t run;
        char *name;
        int64_t index;
        par_value *v;
} par__mpi_kept;

typedef struct par__mpi_store {
        par__mpi_kept *e;
        size_t n, cap;
        uint32_t *slot; /* open addressing: entry + 1, 0 empty */
        size_t nslot;
} par__mpi_store;

/* Keeps a new reference to v. Errors: PAR_ENOMEM. */
int par__mpi_store_put(par__mpi_store *s, uint64_t run, par_key key,
                       par_value *v, par_error *err);
/* The kept value (borrowed), or NULL. */
par_value *par__mpi_store_get(const par__mpi_store *s, uint64_t run,
                              par_key key);
/* Frees the entries named by (runs[i], keys[i]) and, if whole_run is not
 * 0, every entry of that run; absent ones are ignored. Errors: PAR_ENOMEM
 * (nothing freed). */
int par__mpi_store_drop(par__mpi_store *s, size_t n, const uint64_t *runs,
                        const par_key *keys, uint64_t whole_run, par_error *err);
/* How many values the store holds and their par_value_nbytes. */
void par__mpi_store_stats(const par__mpi_store *s, uint64_t *count,
                          uint64_t *bytes);
void par__mpi_store_free(par__mpi_store *s);

/* What a send in flight holds: its buffer, and the values whose memory
 * it sends in place. */
typedef struct par__mpi_hold {
        uint8_t *buf;
        par_value *val;
} par__mpi_hold;

/* Sends in flight; each one's holdings are freed once MPI has sent it. */
typedef struct par__mpi_out {
        MPI_Request *req;
        par__mpi_hold *hold;
        size_t n, cap;
} par__mpi_out;

/* Sends b's bytes to `dest` (b is emptied: the queue owns the bytes).
 * Errors: PAR_ERANGE (over 2 GiB), PAR_ENOMEM, PAR_ESYS. */
int par__mpi_isend(par__mpi_out *o, MPI_Comm comm, par__wbuf *b, int dest,
                   int tag, par_error *err);
/* Frees the buffers MPI is done with. */
int par__mpi_out_test(par__mpi_out *o, par_error *err);
/* Waits for every send, then frees the queue's memory. */
void par__mpi_out_drain(par__mpi_out *o);

/* A received message (data owned by whoever holds it). A VALUES message
 * comes with the columns its form-1 entries name, received right after
 * it, in order. */
typedef struct par__mpi_msg {
        uint8_t *data;
        size_t len;
        int src, tag;
        uint64_t t_recv; /* when the receive started (par_now_ns) */
        par_value **cols;
        size_t ncols, nextcol;
        bool cols_oom; /* a form-1 column could not be allocated */
} par__mpi_msg;

void par__mpi_msg_free(par__mpi_msg *m);

/* Receives one waiting message: 1 if one came, 0 if none, or an error. */
int par__mpi_poll(MPI_Comm comm, par__mpi_msg *m, par_error *err);

/* Fills err from an MPI error code, naming the call and this rank. */
int par__mpi_fail(par_error *err, const char *call, int mpirc);

/* Sleeps a little longer the longer nothing happened (*idle counts). */
void par__mpi_backoff(unsigned *idle);

/* Reading the protocol's own fields; `bad` is set on overrun. */
typedef struct par__mpi_rd {
        const uint8_t *p;
        size_t n, pos;
        bool bad;
} par__mpi_rd;

uint32_t par__mpi_get_u32(par__mpi_rd *r);
uint64_t par__mpi_get_u64(par__mpi_rd *r);
const uint8_t *par__mpi_get_bytes(par__mpi_rd *r, size_t n);

int par__mpi_put_u32(par__wbuf *b, uint32_t v, par_error *err);
int par__mpi_put_u64(par__wbuf *b, uint64_t v, par_error *err);

/* A batch of values for one rank: u64 run, u32 count, then per value
 * u32 name length (with its NUL), the name, i64 index, u8 form and
 *   form 0: a wire value;
 *   form 1: u32 dtype, i64 length: a large int64/float64 column without
 *           nulls, whose values follow as a BULK message of their own,
 *           sent from the column's memory and received into the new
 *           column's (no copy on either side). */
typedef struct par__mpi_batch {
        par__wbuf b;
        uint32_t count;
        par_value **vals; /* form-1 columns, in order */
        size_t nvals, valcap;
        size_t bytes;     /* their values' bytes */
} par__mpi_batch;

/* Sends the batch to `dest` (tag VALUES) and empties it. */
int par__mpi_batch_send(par__mpi_batch *bt, par__mpi_out *o, MPI_Comm comm,
                        int dest, par_error *err);
void par__mpi_batch_free(par__mpi_batch *bt);

int par__mpi_batch_add(par__mpi_batch *bt, uint64_t run, par_key key,
                       const par_value *v, par_error *err);
/* Reads the next value of a batch whose header was read: 1 with a key
 * (pointing into the message) and a new value, 0 at the end, or an error. */
int par__mpi_batch_next(par__mpi_rd *r, par__mpi_msg *m, uint32_t *left,
                        par_key *key, par_value **v, par_error *err);

/* The worker's loop (mpi_worker.c): serves runs until rank 0 says stop. */
int par__mpi_worker_serve(MPI_Comm comm, par_executor *ex, par_error *err);

#endif

/* A rank's tasks in the protocol's compact form, written straight from
 * the driver's graph (no graph of the rank's own is built there):
 *   u32 nnames, then per name u32 length (with its NUL) and the bytes;
 *   u32 ntasks, then per task u32 key name, u64 index, u32 op name,
 *   u32 nargs, and per argument u8 kind: 0 and a wire value (a literal),
 *   1, u32 name and u64 index (a key), or 2 and a remote value (a
 *   persisted value in the rank's store: see par__mpi_tasks_read).
 * Names are numbered in the order they first appear in the message. */
typedef struct par__mpi_tasks {
        const par_graph *g;
        uint32_t *remap; /* g's name id -> message's, UINT32_MAX: none */
        uint32_t *used;  /* g's name ids in the message, to reset remap */
        uint32_t nnames, ntasks;
        par__wbuf names, tasks;
} par__mpi_tasks;

int par__mpi_tasks_init(par__mpi_tasks *tw, const par_graph *g, par_error *err);
int par__mpi_tasks_add(par__mpi_tasks *tw, uint32_t t, par_error *err);
/* Appends the message part to b and empties tw for the next rank. */
int par__mpi_tasks_finish(par__mpi_tasks *tw, par__wbuf *b, par_error *err);
void par__mpi_tasks_free(par__mpi_tasks *tw);
/* Reads the tasks at r into a new graph; remote values (argument kind 2:
 * u64 run, u32 name length with NUL, name, u64 index) are looked up in
 * `store` (NULL: none), naming `rank` when missing. */
int par__mpi_tasks_read(par__mpi_rd *r, const par__mpi_store *store, int rank,
                        par_graph **out, par_error *err);
