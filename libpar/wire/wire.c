/* The wire format: buffers, message framing, scalar and list values, and
 * error messages. Objects are in object.c, graphs in graph.c. */
#include <inttypes.h>
#include <stdio.h>

#include "wire/internal.h"

/* ---- the byte buffer --------------------------------------------------------- */

void par__wbuf_free(par__wbuf *b)
{
        if (!b)
                return;
        par__free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
}

int par__wbuf_reserve(par__wbuf *b, size_t extra, par_error *err)
{
        if (extra <= b->cap - b->len)
                return 0;
        if (extra > SIZE_MAX / 2 - b->len)
                return PAR__ENOMEM(err, "growing a wire buffer");
        size_t need = b->len + extra;
        size_t cap = b->cap ? b->cap * 2 : 256;
        if (cap < need)
                cap = need;
        uint8_t *p = par__realloc(b->data, cap);
        if (!p)
                return PAR__ENOMEM(err, "growing a wire buffer");
        b->data = p;
        b->cap = cap;
        return 0;
}

int par__wbuf_put(par__wbuf *b, const void *p, size_t n, par_error *err)
{
        if (!b || (n && !p))
                return par__errorf(err, PAR_EINVAL,
                                   "par__wbuf_put: a buffer and bytes needed");
        if (!n)
                return 0;
        int rc = par__wbuf_reserve(b, n, err);
        if (rc < 0)
                return rc;
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return 0;
}

int par__wput_u8(par__wbuf *b, uint8_t v, par_error *err)
{
        return par__wbuf_put(b, &v, 1, err);
}

int par__wput_u16(par__wbuf *b, uint16_t v, par_error *err)
{
        uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
        return par__wbuf_put(b, x, 2, err);
}

int par__wput_u32(par__wbuf *b, uint32_t v, par_error *err)
{
        uint8_t x[4];
        for (int i = 0; i < 4; i++)
                x[i] = (uint8_t)(v >> (8 * i));
        return par__wbuf_put(b, x, 4, err);
}

int par__wput_u64(par__wbuf *b, uint64_t v, par_error *err)
{
        uint8_t x[8];
        for (int i = 0; i < 8; i++)
                x[i] = (uint8_t)(v >> (8 * i));
        return par__wbuf_put(b, x, 8, err);
}

/* ---- framing --------------------------------------------------------------------- */

static const char *kind_name(unsigned kind)
{
        switch (kind) {
        case PAR__WIRE_VALUE: return "value";
        case PAR__WIRE_GRAPH: return "graph";
        case PAR__WIRE_ERROR: return "error";
        case PAR__WIRE_CONTROL: return "control";
        default: return "unknown";
        }
}

int par__wire_begin(par__wbuf *b, int kind, size_t *start, par_error *err)
{
        if (!b)
                return par__errorf(err, PAR_EINVAL,
                                   "wire: no buffer to encode into");
        *start = b->len;
        int rc = par__wbuf_put(b, PAR__WIRE_MAGIC, 4, err);
        if (rc == 0)
                rc = par__wput_u16(b, PAR__WIRE_VERSION, err);
        if (rc == 0)
                rc = par__wput_u16(b, (uint16_t)kind, err);
        if (rc == 0)
                rc = par__wput_u64(b, 0, err);
        if (rc < 0)
                b->len = *start;
        return rc;
}

void par__wire_end(par__wbuf *b, size_t start, size_t borrowed)
{
        uint64_t n = b->len - start - PAR__WIRE_HEADER_SIZE + borrowed;
        for (int i = 0; i < 8; i++)
                b->data[start + 8 + i] = (uint8_t)(n >> (8 * i));
}

/* Reads the header at p[0..n) without checking the kind. */
static int read_header(par__wreader *r, const uint8_t *p, size_t n,
                       unsigned *kind, uint64_t *len, par_error *err)
{
        *r = (par__wreader){.base = p, .pos = 0, .end = p ? n : 0, .err = err};
        if (!p || n < PAR__WIRE_HEADER_SIZE)
                return par__errorf(err, PAR_EPARSE,
                                   "wire: byte 0: expected a %d-byte message "
                                   "header, found only %zu bytes",
                                   PAR__WIRE_HEADER_SIZE, p ? n : 0);
        if (memcmp(p, PAR__WIRE_MAGIC, 4) != 0)
                return par__wire_fail(r, 0, "expected the magic \"PARW\", "
                                      "found %02x %02x %02x %02x",
                                      p[0], p[1], p[2], p[3]);
        uint16_t version, k;
        r->pos = 4;
        par__wget_u16(r, &version, "the version");
        par__wget_u16(r, &k, "the message kind");
        par__wget_u64(r, len, "the payload length");
        if (version != PAR__WIRE_VERSION)
                return par__errorf(err, PAR_ENOTSUP,
                                   "wire: byte 4: wire format version %u is "
                                   "not supported (expected version %d)",
                                   version, PAR__WIRE_VERSION);
        if (k < PAR__WIRE_VALUE || k > PAR__WIRE_CONTROL)
                return par__wire_fail(r, 6, "expected a message kind of 1 to "
                                      "4, found %u", k);
        *kind = k;
        return 0;
}

int par__wire_open(par__wreader *r, const uint8_t *p, size_t n, int kind,
                   par_error *err)
{
        unsigned k;
        uint64_t len;
        int rc = read_header(r, p, n, &k, &len, err);
        if (rc < 0)
                return rc;
        if ((int)k != kind)
                return par__wire_fail(r, 6, "expected a %s message (kind %d), "
                                      "found a %s message (kind %u)",
                                      kind_name((unsigned)kind), kind,
                                      kind_name(k), k);
        if (len > n - PAR__WIRE_HEADER_SIZE)
                return par__wire_fail(r, 8, "the payload length is %" PRIu64
                                      " bytes but only %zu follow the header",
                                      len, n - PAR__WIRE_HEADER_SIZE);
        r->end = PAR__WIRE_HEADER_SIZE + (size_t)len;
        return 0;
}

int par__wire_close(par__wreader *r, size_t *used)
{
        if (r->pos != r->end)
                return par__wire_fail(r, r->pos, "expected the end of the "
                                      "payload, found %zu more bytes",
                                      r->end - r->pos);
        if (used)
                *used = r->end;
        return 0;
}

int par__wire_peek(const uint8_t *p, size_t n, int *kind, size_t *total,
                   par_error *err)
{
        par__wreader r;
        unsigned k;
        uint64_t len;
        int rc = read_header(&r, p, n, &k, &len, err);
        if (rc < 0)
                return rc;
        if (len > SIZE_MAX - PAR__WIRE_HEADER_SIZE)
                return par__errorf(err, PAR_ERANGE,
                                   "wire: byte 8: a payload of %" PRIu64
                                   " bytes is too large for this machine",
                                   len);
        if (kind)
                *kind = (int)k;
        if (total)
                *total = PAR__WIRE_HEADER_SIZE + (size_t)len;
        return 0;
}

/* ---- reading numbers ------------------------------------------------------------- */

int par__wire_fail(par__wreader *r, size_t off, const char *fmt, ...)
{
        char text[PAR_ERROR_MESSAGE_SIZE];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        return par__errorf(r->err, PAR_EPARSE, "wire: byte %zu: %s", off, text);
}

static int need(par__wreader *r, size_t n, const char *what)
{
        if (n <= r->end - r->pos)
                return 0;
        return par__wire_fail(r, r->pos, "expected %s (%zu bytes), found only "
                              "%zu bytes before the end of the message",
                              what, n, r->end - r->pos);
}

static uint64_t load_le(const uint8_t *p, int n)
{
        uint64_t v = 0;
        for (int i = n - 1; i >= 0; i--)
                v = v << 8 | p[i];
        return v;
}

int par__wget_u8(par__wreader *r, uint8_t *v, const char *what)
{
        if (need(r, 1, what) < 0)
                return PAR_EPARSE;
        *v = r->base[r->pos++];
        return 0;
}

int par__wget_u16(par__wreader *r, uint16_t *v, const char *what)
{
        if (need(r, 2, what) < 0)
                return PAR_EPARSE;
        *v = (uint16_t)load_le(r->base + r->pos, 2);
        r->pos += 2;
        return 0;
}

int par__wget_u32(par__wreader *r, uint32_t *v, const char *what)
{
        if (need(r, 4, what) < 0)
                return PAR_EPARSE;
        *v = (uint32_t)load_le(r->base + r->pos, 4);
        r->pos += 4;
        return 0;
}

int par__wget_u64(par__wreader *r, uint64_t *v, const char *what)
{
        if (need(r, 8, what) < 0)
                return PAR_EPARSE;
        *v = load_le(r->base + r->pos, 8);
        r->pos += 8;
        return 0;
}

int par__wget_i64(par__wreader *r, int64_t *v, const char *what)
{
        uint64_t u;
        int rc = par__wget_u64(r, &u, what);
        if (rc == 0)
                memcpy(v, &u, sizeof u);
        return rc;
}

int par__wget_bytes(par__wreader *r, size_t n, const uint8_t **p,
                    const char *what)
{
        if (need(r, n, what) < 0)
                return PAR_EPARSE;
        *p = r->base + r->pos;
        r->pos += n;
        return 0;
}

int par__wget_count(par__wreader *r, size_t min_size, size_t *n,
                    const char *what)
{
        size_t at = r->pos;
        uint64_t c;
        int rc = par__wget_u64(r, &c, what);
        if (rc < 0)
                return rc;
        if (c > par__wleft(r) / (min_size ? min_size : 1))
                return par__wire_fail(r, at, "%s is %" PRIu64 ", but only "
                                      "%zu bytes follow (at least %zu per "
                                      "item)", what, c, par__wleft(r),
                                      min_size);
        *n = (size_t)c;
        return 0;
}

/* ---- scalar and list values ---------------------------------------------------- */

static int put_bytes(par__wbuf *b, const par_value *v, par_error *err)
{
        size_t len = 0;
        const char *s = par_value_bytes(v, &len);
        int rc = par__wput_u64(b, len, err);
        return rc ? rc : par__wbuf_put(b, s, len, err);
}

int par__wire_put_value(par__wbuf *b, const par_value *v, int depth,
                        par_error *err)
{
        if (!v)
                return par__errorf(err, PAR_EINVAL,
                                   "wire: cannot encode a NULL value pointer");
        if (depth > PAR__WIRE_MAX_DEPTH)
                return par__errorf(err, PAR_ERANGE,
                                   "wire: values nest deeper than %d levels",
                                   PAR__WIRE_MAX_DEPTH);
        par_type t = par_value_type(v);
        if (t == PAR_TYPE_OBJECT)
                return par__wire_put_object(b, v, depth, err);
        int rc = par__wput_u8(b, (uint8_t)t, err);
        if (rc < 0)
                return rc;
        switch (t) {
        case PAR_TYPE_NULL:
                return 0;
        case PAR_TYPE_BOOL: {
                bool x = false;
                par_value_get_bool(v, &x, NULL);
                return par__wput_u8(b, x, err);
        }
        case PAR_TYPE_INT64:
                return par__wput_u64(b, (uint64_t)par_value_int64_of(v), err);
        case PAR_TYPE_FLOAT64: {
                double d = par_value_float64_of(v);
                uint64_t bits;
                memcpy(&bits, &d, sizeof bits);
                return par__wput_u64(b, bits, err);
        }
        case PAR_TYPE_STRING:
        case PAR_TYPE_BLOB:
                return put_bytes(b, v, err);
        case PAR_TYPE_LIST: {
                size_t n = par_value_list_size(v);
                rc = par__wput_u64(b, n, err);
                for (size_t i = 0; i < n && rc == 0; i++)
                        rc = par__wire_put_value(b, par_value_list_item(v, i),
                                                 depth + 1, err);
                return rc;
        }
        default:
                return par__errorf(err, PAR_ENOTSUP,
                                   "wire: cannot encode a value of type %d",
                                   (int)t);
        }
}

static int get_list(par__wreader *r, int depth, par_value **out)
{
        size_t n;
        int rc = par__wget_count(r, 1, &n, "the item count of a list");
        if (rc < 0)
                return rc;
        par_value **items = par__calloc(n ? n : 1, sizeof *items);
        if (!items)
                return PAR__ENOMEM(r->err, "decoding a list");
        size_t k = 0;
        for (; k < n; k++) {
                rc = par__wire_get_value(r, depth + 1, &items[k]);
                if (rc < 0)
                        break;
        }
        if (rc == 0) {
                *out = par_value_list(n, items);
                if (!*out)
                        rc = PAR__ENOMEM(r->err, "decoding a list");
        }
        for (size_t i = 0; i < k; i++)
                par_value_release(items[i]);
        par__free(items);
        return rc;
}

static int get_scalar(par__wreader *r, uint8_t tag, par_value **out)
{
        uint8_t b8;
        uint64_t u;
        const uint8_t *p;
        size_t n;
        int rc;
        switch (tag) {
        case PAR__WTAG_NULL:
                *out = par_value_null();
                break;
        case PAR__WTAG_BOOL:
                if ((rc = par__wget_u8(r, &b8, "a bool")) < 0)
                        return rc;
                if (b8 > 1)
                        return par__wire_fail(r, r->pos - 1, "expected a bool "
                                              "(0 or 1), found %u", b8);
                *out = par_value_bool(b8);
                break;
        case PAR__WTAG_INT64:
                if ((rc = par__wget_u64(r, &u, "an int64")) < 0)
                        return rc;
                *out = par_value_int64((int64_t)u);
                break;
        case PAR__WTAG_FLOAT64: {
                if ((rc = par__wget_u64(r, &u, "a float64")) < 0)
                        return rc;
                double d;
                memcpy(&d, &u, sizeof d);
                *out = par_value_float64(d);
                break;
        }
        default: /* string, blob */
                if ((rc = par__wget_count(r, 1, &n, "the length of a string "
                                          "or blob")) < 0 ||
                    (rc = par__wget_bytes(r, n, &p, "string bytes")) < 0)
                        return rc;
                *out = tag == PAR__WTAG_STRING
                               ? par_value_string((const char *)p, n)
                               : par_value_blob(p, n);
                break;
        }
        return *out ? 0 : PAR__ENOMEM(r->err, "decoding a value");
}

int par__wire_get_value(par__wreader *r, int depth, par_value **out)
{
        *out = NULL;
        size_t at = r->pos;
        if (depth > PAR__WIRE_MAX_DEPTH)
                return par__wire_fail(r, at, "values nest deeper than %d "
                                      "levels", PAR__WIRE_MAX_DEPTH);
        uint8_t tag;
        int rc = par__wget_u8(r, &tag, "a value tag");
        if (rc < 0)
                return rc;
        switch (tag) {
        case PAR__WTAG_NULL:
        case PAR__WTAG_BOOL:
        case PAR__WTAG_INT64:
        case PAR__WTAG_FLOAT64:
        case PAR__WTAG_STRING:
        case PAR__WTAG_BLOB:
                return get_scalar(r, tag, out);
        case PAR__WTAG_LIST:
                return get_list(r, depth, out);
        case PAR__WTAG_COLUMN:
        case PAR__WTAG_TABLE:
        case PAR__WTAG_NDARRAY:
        case PAR__WTAG_QR_FACTOR:
                return par__wire_get_object(r, tag, at, depth, out);
        default:
                return par__wire_fail(r, at, "expected a value tag (0-6 or "
                                      "16-19), found %u", tag);
        }
}

/* ---- value messages ------------------------------------------------------------- */

int par__wire_encode_value(par__wbuf *b, const par_value *v, par_error *err)
{
        size_t start = 0;
        int rc = par__wire_begin(b, PAR__WIRE_VALUE, &start, err);
        if (rc < 0)
                return rc;
        rc = par__wire_put_value(b, v, 1, err);
        if (rc < 0) {
                b->len = start; /* the buffer is as it was */
                return rc;
        }
        par__wire_end(b, start, 0);
        return 0;
}

int par__wire_decode_value(const uint8_t *p, size_t n, size_t *used,
                           par_value **out, par_error *err)
{
        par__wreader r;
        if (!out)
                return par__errorf(err, PAR_EINVAL, "wire: no place for the "
                                   "decoded value");
        *out = NULL;
        int rc = par__wire_open(&r, p, n, PAR__WIRE_VALUE, err);
        if (rc == 0)
                rc = par__wire_get_value(&r, 1, out);
        if (rc == 0)
                rc = par__wire_close(&r, used);
        if (rc < 0) {
                par_value_release(*out);
                *out = NULL;
        }
        return rc;
}

/* ---- error messages ------------------------------------------------------------- */

int par__wire_encode_error(par__wbuf *b, int code, const char *msg,
                           par_error *err)
{
        if (code >= 0)
                return par__errorf(err, PAR_EINVAL, "wire: an error message "
                                   "needs a negative status, not %d", code);
        size_t start, len = msg ? strlen(msg) : 0;
        if (len > UINT32_MAX)
                len = UINT32_MAX;
        int rc = par__wire_begin(b, PAR__WIRE_ERROR, &start, err);
        if (rc < 0)
                return rc;
        uint32_t ucode;
        int32_t c32 = code;
        memcpy(&ucode, &c32, sizeof ucode);
        rc = par__wput_u32(b, ucode, err);
        if (rc == 0)
                rc = par__wput_u32(b, (uint32_t)len, err);
        if (rc == 0)
                rc = par__wbuf_put(b, msg, len, err);
        if (rc < 0) {
                b->len = start;
                return rc;
        }
        par__wire_end(b, start, 0);
        return 0;
}

int par__wire_decode_error(const uint8_t *p, size_t n, size_t *used,
                           int *code, char *msg, size_t msgsize,
                           par_error *err)
{
        par__wreader r;
        int rc = par__wire_open(&r, p, n, PAR__WIRE_ERROR, err);
        if (rc < 0)
                return rc;
        uint32_t ucode, len;
        const uint8_t *text;
        size_t at = r.pos;
        if ((rc = par__wget_u32(&r, &ucode, "the status code")) < 0)
                return rc;
        int32_t c32;
        memcpy(&c32, &ucode, sizeof c32);
        if (c32 >= 0)
                return par__wire_fail(&r, at, "expected a negative status "
                                      "code, found %" PRId32, c32);
        at = r.pos;
        if ((rc = par__wget_u32(&r, &len, "the message length")) < 0 ||
            (rc = par__wget_bytes(&r, len, &text, "the message text")) < 0)
                return rc;
        if (memchr(text, '\0', len))
                return par__wire_fail(&r, at + 4, "expected message text "
                                      "without NUL bytes");
        if ((rc = par__wire_close(&r, used)) < 0)
                return rc;
        if (code)
                *code = c32;
        if (msg && msgsize) {
                size_t k = len < msgsize - 1 ? len : msgsize - 1;
                memcpy(msg, text, k);
                msg[k] = '\0';
        }
        return 0;
}

/* ---- control messages ----------------------------------------------------------- */

int par__wire_encode_control(par__wbuf *b, uint32_t op, const par_value *arg,
                             par_error *err)
{
        size_t start = 0;
        int rc = par__wire_begin(b, PAR__WIRE_CONTROL, &start, err);
        if (rc < 0)
                return rc;
        rc = par__wput_u32(b, op, err);
        if (rc == 0)
                rc = par__wput_u8(b, arg != NULL, err);
        if (rc == 0 && arg)
                rc = par__wire_put_value(b, arg, 1, err);
        if (rc < 0) {
                b->len = start;
                return rc;
        }
        par__wire_end(b, start, 0);
        return 0;
}

int par__wire_decode_control(const uint8_t *p, size_t n, size_t *used,
                             uint32_t *op, par_value **arg, par_error *err)
{
        par__wreader r;
        par_value *v = NULL;
        uint32_t o = 0;
        uint8_t has;
        if (arg)
                *arg = NULL;
        int rc = par__wire_open(&r, p, n, PAR__WIRE_CONTROL, err);
        if (rc == 0)
                rc = par__wget_u32(&r, &o, "the control op");
        if (rc == 0)
                rc = par__wget_u8(&r, &has, "the argument flag");
        if (rc == 0 && has > 1)
                rc = par__wire_fail(&r, r.pos - 1, "expected an argument "
                                    "flag of 0 or 1, found %u", has);
        if (rc == 0 && has)
                rc = par__wire_get_value(&r, 1, &v);
        if (rc == 0)
                rc = par__wire_close(&r, used);
        if (rc < 0) {
                par_value_release(v);
                return rc;
        }
        if (op)
                *op = o;
        if (arg)
                *arg = v;
        else
                par_value_release(v);
        return 0;
}

/* ---- scatter form ---------------------------------------------------------------- */

/* The scatter encoding running on this thread, if any: encoders are
 * synchronous, so big buffers written into its meta buffer during the
 * call become segments. */
static _Thread_local par__wiov *scatter;

int par__wput_big(par__wbuf *b, const void *p, size_t n, par_error *err)
{
        par__wiov *io = scatter;
        if (!io || &io->meta != b || n < PAR__WIRE_BORROW_MIN)
                return par__wbuf_put(b, p, n, err);
        if (par__grow((void **)&io->seg, &io->segcap, io->nseg + 1,
                      sizeof *io->seg) < 0)
                return PAR__ENOMEM(err, "encoding a value");
        io->seg[io->nseg++] = (par__wire_seg){.at = b->len, .p = p, .n = n};
        io->borrowed += n;
        return 0;
}

void par__wiov_free(par__wiov *io)
{
        if (!io)
                return;
        par__wbuf_free(&io->meta);
        par__free(io->seg);
        *io = (par__wiov){0};
}

int par__wire_encode_value_iov(par__wiov *io, const par_value *v,
                               par_error *err)
{
        if (!io)
                return par__errorf(err, PAR_EINVAL, "wire: no scatter "
                                   "buffer to encode into");
        size_t start, nseg = io->nseg, borrowed = io->borrowed;
        int rc = par__wire_begin(&io->meta, PAR__WIRE_VALUE, &start, err);
        if (rc < 0)
                return rc;
        scatter = io;
        rc = par__wire_put_value(&io->meta, v, 1, err);
        scatter = NULL;
        if (rc < 0) {
                io->meta.len = start;
                io->nseg = nseg;
                io->borrowed = borrowed;
                return rc;
        }
        par__wire_end(&io->meta, start, io->borrowed - borrowed);
        return 0;
}

int par__wiov_flatten(const par__wiov *io, par__wbuf *out, par_error *err)
{
        size_t at = 0;
        int rc = par__wbuf_reserve(out, io->meta.len + io->borrowed, err);
        for (size_t i = 0; i < io->nseg && rc == 0; i++) {
                rc = par__wbuf_put(out, io->meta.data + at,
                                   io->seg[i].at - at, err);
                if (rc == 0)
                        rc = par__wbuf_put(out, io->seg[i].p, io->seg[i].n,
                                           err);
                at = io->seg[i].at;
        }
        if (rc == 0)
                rc = par__wbuf_put(out, io->meta.data + at, io->meta.len - at,
                                   err);
        return rc;
}
