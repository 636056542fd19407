/* libpar/wire/internal.h — what the files of the wire format share: the
 * little-endian writers, the bounds-checked reader, and the value codec
 * used inside graphs. Not installed. */
#ifndef PAR_WIRE_INTERNAL_H
#define PAR_WIRE_INTERNAL_H

#include "core/internal.h"
#include "wire/wire.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the wire format copies numeric buffers as they are: little-endian hosts only"
#endif

/* Value tags: 0..6 equal par_type; objects follow. */
enum par__wire_tag {
        PAR__WTAG_NULL = 0,
        PAR__WTAG_BOOL = 1,
        PAR__WTAG_INT64 = 2,
        PAR__WTAG_FLOAT64 = 3,
        PAR__WTAG_STRING = 4,
        PAR__WTAG_BLOB = 5,
        PAR__WTAG_LIST = 6,
        PAR__WTAG_COLUMN = 16,
        PAR__WTAG_TABLE = 17,
        PAR__WTAG_NDARRAY = 18,
        PAR__WTAG_QR_FACTOR = 19 /* TSQR's par.linalg.qr_factor */
};

/* ---- writing ---------------------------------------------------------------- */

/* Makes room for `extra` more bytes (growing at least twofold). */
int par__wbuf_reserve(par__wbuf *b, size_t extra, par_error *err);

/* The writers assume room was reserved or grow the buffer themselves;
 * each returns 0 or PAR_ENOMEM. */
int par__wput_u8(par__wbuf *b, uint8_t v, par_error *err);
int par__wput_u16(par__wbuf *b, uint16_t v, par_error *err);
int par__wput_u32(par__wbuf *b, uint32_t v, par_error *err);
int par__wput_u64(par__wbuf *b, uint64_t v, par_error *err);

/* Starts a message of `kind`: writes its header with a zero length and
 * remembers where it began in *start. */
int par__wire_begin(par__wbuf *b, int kind, size_t *start, par_error *err);
/* Writes the payload length into the header begun at `start`; `borrowed`
 * bytes of it are in scatter segments, not in b. */
void par__wire_end(par__wbuf *b, size_t start, size_t borrowed);

/* Appends a large buffer: copied, or borrowed as a segment while a
 * scatter encoding into this buffer runs (par__wire_encode_value_iov). */
int par__wput_big(par__wbuf *b, const void *p, size_t n, par_error *err);

/* Appends the tagged encoding of v. `depth` is the nesting so far. */
int par__wire_put_value(par__wbuf *b, const par_value *v, int depth,
                        par_error *err);
/* The object types (columns, tables, ndarrays, TSQR factors): ->
 * PAR_ENOTSUP for others. */
int par__wire_put_object(par__wbuf *b, const par_value *v, int depth,
                         par_error *err);

/* ---- reading ---------------------------------------------------------------- */

/* A cursor over one message: offsets in messages count from `base`, the
 * first byte of the message, so they point at the byte in the input. */
typedef struct par__wreader {
        const uint8_t *base;
        size_t pos, end;
        par_error *err;
} par__wreader;

/* Fails with PAR_EPARSE, "wire: byte OFF: <text>". */
int par__wire_fail(par__wreader *r, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static inline size_t par__wleft(const par__wreader *r)
{
        return r->end - r->pos;
}

/* Each reads a little-endian number of `what`, or fails naming it and the
 * bytes that are missing. */
int par__wget_u8(par__wreader *r, uint8_t *v, const char *what);
int par__wget_u16(par__wreader *r, uint16_t *v, const char *what);
int par__wget_u32(par__wreader *r, uint32_t *v, const char *what);
int par__wget_u64(par__wreader *r, uint64_t *v, const char *what);
int par__wget_i64(par__wreader *r, int64_t *v, const char *what);
/* Points *p at the next n bytes and skips them. */
int par__wget_bytes(par__wreader *r, size_t n, const uint8_t **p,
                    const char *what);
/* Reads a u64 count of items that each take at least `min_size` bytes of
 * what is left, and fails if that many cannot fit: so nothing is allocated
 * for counts the input cannot back. */
int par__wget_count(par__wreader *r, size_t min_size, size_t *n,
                    const char *what);

/* Reads a header at r->pos, checks magic, version and that the kind is
 * `kind`, and narrows r->end to the payload. */
int par__wire_open(par__wreader *r, const uint8_t *p, size_t n, int kind,
                   par_error *err);
/* Checks that the payload was consumed exactly and reports the total. */
int par__wire_close(par__wreader *r, size_t *used);

/* Reads one tagged value (a new reference in *out). */
int par__wire_get_value(par__wreader *r, int depth, par_value **out);
/* Reads an object whose tag was read at `at`. */
int par__wire_get_object(par__wreader *r, uint8_t tag, size_t at, int depth,
                         par_value **out);

#endif
