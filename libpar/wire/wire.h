/* libpar/wire/wire.h — the wire format: a versioned, little-endian,
 * length-prefixed binary encoding of values, task graphs and errors, used
 * to ship work and results between ranks. Decoders accept hostile input:
 * every length and offset is bounds-checked, nesting is limited, and
 * anything unexpected fails with PAR_EPARSE (or PAR_ENOTSUP for a newer
 * version) naming the byte offset and what was expected. See docs/wire.md.
 * Not installed. */
#ifndef PAR_WIRE_H
#define PAR_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "par/core.h"
#include "par/graph.h"
#include "par/value.h"

#define PAR__WIRE_VERSION 1
#define PAR__WIRE_MAGIC "PARW"
#define PAR__WIRE_HEADER_SIZE 16
/* The deepest nesting of lists (and of values in graph arguments) a
 * decoder accepts. */
#define PAR__WIRE_MAX_DEPTH 64

/* A growable byte buffer that owns its bytes. Zero-initialize; free with
 * par__wbuf_free. */
typedef struct par__wbuf {
        uint8_t *data;
        size_t len, cap;
} par__wbuf;

void par__wbuf_free(par__wbuf *b);
/* Appends n bytes. Errors: PAR_ENOMEM (b unchanged). */
int par__wbuf_put(par__wbuf *b, const void *p, size_t n, par_error *err);

/* Message framing: every message starts with a 16-byte header:
 * "PARW" magic, u16 version (PAR__WIRE_VERSION = 1), u16 kind, u64 payload
 * length (LE). */
enum par__wire_kind {
        PAR__WIRE_VALUE = 1,
        PAR__WIRE_GRAPH = 2,
        PAR__WIRE_ERROR = 3,
        PAR__WIRE_CONTROL = 4
};

/* Encodes v (every built-in kind, and the object types "par.column",
 * "par.table", "par.ndarray"; other object types -> PAR_ENOTSUP naming the
 * type), appended to b, framed as a PAR__WIRE_VALUE message. */
int par__wire_encode_value(par__wbuf *b, const par_value *v, par_error *err);
/* Decodes one framed value message from p[0..n): *out a new reference,
 * *used the bytes consumed. */
int par__wire_decode_value(const uint8_t *p, size_t n, size_t *used,
                           par_value **out, par_error *err);

/* A whole graph: every task's key, op name and args (every par_arg kind in
 * include/par/graph.h). Framed as PAR__WIRE_GRAPH. */
int par__wire_encode_graph(par__wbuf *b, const par_graph *g, par_error *err);
/* Decodes into a new graph (*out owned by the caller). Unknown op names
 * rejected (par_op_lookup) naming op and task key. */
int par__wire_decode_graph(const uint8_t *p, size_t n, size_t *used,
                           par_graph **out, par_error *err);

/* An error (code + message) as a PAR__WIRE_ERROR message, and back. */
int par__wire_encode_error(par__wbuf *b, int code, const char *msg,
                           par_error *err);
int par__wire_decode_error(const uint8_t *p, size_t n, size_t *used,
                           int *code, char *msg, size_t msgsize,
                           par_error *err);

/* ---- additions ------------------------------------------------------------- */

/* Reads the header at p[0..n) (n >= 16; the payload need not be there yet):
 * checks magic, version and kind, and gives the kind and the size of the
 * whole message (header + payload), so a receiver knows how much to read.
 * Errors: PAR_EPARSE, PAR_ENOTSUP (another version), PAR_ERANGE. */
int par__wire_peek(const uint8_t *p, size_t n, int *kind, size_t *total,
                   par_error *err);

/* A control message: an op code the transport defines and an optional
 * value argument (NULL for none; e.g. a list of keys). Framed as
 * PAR__WIRE_CONTROL. Decoding gives *arg as a new reference or NULL. */
int par__wire_encode_control(par__wbuf *b, uint32_t op, const par_value *arg,
                             par_error *err);
int par__wire_decode_control(const uint8_t *p, size_t n, size_t *used,
                             uint32_t *op, par_value **arg, par_error *err);

/* Scatter form of a value message, for transports that send several
 * buffers at once (MPI datatypes, writev): the small parts are copied into
 * `meta`; numeric buffers of PAR__WIRE_BORROW_MIN bytes or more are not
 * copied but borrowed from the value (keep it alive until sent). The
 * message is meta[0 .. seg[0].at), seg[0], meta[seg[0].at .. seg[1].at),
 * seg[1], ..., meta[seg[nseg-1].at .. meta.len): the same bytes, in the
 * same order, as par__wire_encode_value writes. Zero-initialize; messages
 * may be appended one after another; free with par__wiov_free. */
#define PAR__WIRE_BORROW_MIN (64 << 10)

typedef struct par__wire_seg {
        size_t at;     /* where in meta this buffer goes */
        const void *p; /* borrowed */
        size_t n;
} par__wire_seg;

typedef struct par__wiov {
        par__wbuf meta;
        par__wire_seg *seg;
        size_t nseg, segcap;
        size_t borrowed; /* bytes in all the segments */
} par__wiov;

void par__wiov_free(par__wiov *io);
int par__wire_encode_value_iov(par__wiov *io, const par_value *v,
                               par_error *err);
/* Appends the whole scattered message to out as one contiguous buffer. */
int par__wiov_flatten(const par__wiov *io, par__wbuf *out, par_error *err);

#endif
