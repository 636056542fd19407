/* Refcounted immutable values. A value and its bytes (strings, blobs) or
 * item array (lists) live in one allocation. The count is atomic so values
 * can be shared between worker threads; the release that drops it to zero
 * synchronizes with every earlier release (acq_rel), so the freeing thread
 * sees all writes made while others held it. */
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/internal.h"
#include "par/value.h"

struct par_value {
        atomic_size_t refs;
        par_type type;
        union {
                bool b;
                int64_t i;
                double f;
                struct {
                        size_t len;
                        char *data; /* points into this allocation */
                } bytes;
                struct {
                        size_t n;
                        par_value **items; /* points into this allocation */
                } list;
                struct {
                        const par_object_type *type;
                        void *payload;
                } obj;
        } u;
};

static par_value *value_alloc(par_type t, size_t extra)
{
        par_value *v = par__malloc(sizeof *v + extra);
        if (!v)
                return NULL;
        atomic_init(&v->refs, 1);
        v->type = t;
        return v;
}

par_value *par_value_null(void)
{
        return value_alloc(PAR_TYPE_NULL, 0);
}

par_value *par_value_bool(bool b)
{
        par_value *v = value_alloc(PAR_TYPE_BOOL, 0);
        if (v)
                v->u.b = b;
        return v;
}

par_value *par_value_int64(int64_t i)
{
        par_value *v = value_alloc(PAR_TYPE_INT64, 0);
        if (v)
                v->u.i = i;
        return v;
}

par_value *par_value_float64(double f)
{
        par_value *v = value_alloc(PAR_TYPE_FLOAT64, 0);
        if (v)
                v->u.f = f;
        return v;
}

static par_value *bytes_value(par_type t, const void *data, size_t len)
{
        if (len == SIZE_MAX || (!data && len))
                return NULL;
        par_value *v = value_alloc(t, len + 1);
        if (!v)
                return NULL;
        v->u.bytes.len = len;
        v->u.bytes.data = (char *)(v + 1);
        if (len)
                memcpy(v->u.bytes.data, data, len);
        v->u.bytes.data[len] = '\0';
        return v;
}

par_value *par_value_string(const char *s, size_t len)
{
        return bytes_value(PAR_TYPE_STRING, s, len);
}

par_value *par_value_cstring(const char *s)
{
        return s ? bytes_value(PAR_TYPE_STRING, s, strlen(s)) : NULL;
}

par_value *par_value_blob(const void *data, size_t len)
{
        return bytes_value(PAR_TYPE_BLOB, data, len);
}

par_value *par_value_list(size_t n, par_value *const *items)
{
        if (n > (SIZE_MAX - sizeof(par_value)) / sizeof(par_value *))
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (!items[i])
                        return NULL;
        par_value *v = value_alloc(PAR_TYPE_LIST, n * sizeof(par_value *));
        if (!v)
                return NULL;
        v->u.list.n = n;
        v->u.list.items = (par_value **)(void *)(v + 1);
        for (size_t i = 0; i < n; i++)
                v->u.list.items[i] = par_value_retain(items[i]);
        return v;
}

par_value *par_value_object(const par_object_type *type, void *payload)
{
        if (!type)
                return NULL;
        par_value *v = value_alloc(PAR_TYPE_OBJECT, 0);
        if (v) {
                v->u.obj.type = type;
                v->u.obj.payload = payload;
        }
        return v;
}

par_value *par_value_retain(par_value *v)
{
        if (v)
                atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
        return v;
}

void par_value_release(par_value *v)
{
        /* Lists free their items iteratively through a small explicit stack
         * of pending lists, so a deeply nested list cannot overflow the C
         * stack. The stack is threaded through the freed lists' refs
         * field, which no one reads once the count is zero. */
        par_value *pending = NULL;
        while (v || pending) {
                if (!v) {
                        v = pending;
                        pending = (par_value *)(uintptr_t)atomic_load_explicit(
                                &v->refs, memory_order_relaxed);
                        /* v is a list whose items are still to be dropped;
                         * drop all but the last, then continue with the
                         * last (tail position, no recursion). */
                        size_t n = v->u.list.n;
                        par_value **items = v->u.list.items;
                        par_value *last = n ? items[n - 1] : NULL;
                        for (size_t i = 0; i + 1 < n; i++)
                                par_value_release(items[i]);
                        par__free(v);
                        v = last;
                        continue;
                }
                if (atomic_fetch_sub_explicit(&v->refs, 1,
                                              memory_order_acq_rel) != 1)
                        return;
                switch (v->type) {
                case PAR_TYPE_LIST:
                        atomic_store_explicit(&v->refs, (size_t)(uintptr_t)pending,
                                              memory_order_relaxed);
                        pending = v;
                        v = NULL;
                        continue;
                case PAR_TYPE_OBJECT:
                        if (v->u.obj.type->free)
                                v->u.obj.type->free(v->u.obj.payload);
                        break;
                default:
                        break;
                }
                par__free(v);
                v = NULL;
        }
}

par_type par_value_type(const par_value *v)
{
        return v ? v->type : PAR_TYPE_NULL;
}

const char *par_type_name(par_type t)
{
        switch (t) {
        case PAR_TYPE_NULL: return "null";
        case PAR_TYPE_BOOL: return "bool";
        case PAR_TYPE_INT64: return "int64";
        case PAR_TYPE_FLOAT64: return "float64";
        case PAR_TYPE_STRING: return "string";
        case PAR_TYPE_BLOB: return "blob";
        case PAR_TYPE_LIST: return "list";
        case PAR_TYPE_OBJECT: return "object";
        }
        return "?";
}

static int type_error(par_error *err, const par_value *v, par_type want)
{
        return par__errorf(err, PAR_ETYPE, "expected a value of type %s, got %s",
                           par_type_name(want),
                           v ? par_type_name(v->type) : "no value (NULL)");
}

int par_value_get_bool(const par_value *v, bool *out, par_error *err)
{
        if (!v || v->type != PAR_TYPE_BOOL)
                return type_error(err, v, PAR_TYPE_BOOL);
        *out = v->u.b;
        return 0;
}

int par_value_get_int64(const par_value *v, int64_t *out, par_error *err)
{
        if (!v || v->type != PAR_TYPE_INT64)
                return type_error(err, v, PAR_TYPE_INT64);
        *out = v->u.i;
        return 0;
}

int par_value_get_float64(const par_value *v, double *out, par_error *err)
{
        if (v && v->type == PAR_TYPE_INT64) {
                *out = (double)v->u.i;
                return 0;
        }
        if (!v || v->type != PAR_TYPE_FLOAT64)
                return type_error(err, v, PAR_TYPE_FLOAT64);
        *out = v->u.f;
        return 0;
}

int64_t par_value_int64_of(const par_value *v)
{
        return v->u.i;
}

double par_value_float64_of(const par_value *v)
{
        return v->type == PAR_TYPE_INT64 ? (double)v->u.i : v->u.f;
}

const char *par_value_bytes(const par_value *v, size_t *len)
{
        if (!v || (v->type != PAR_TYPE_STRING && v->type != PAR_TYPE_BLOB)) {
                if (len)
                        *len = 0;
                return NULL;
        }
        if (len)
                *len = v->u.bytes.len;
        return v->u.bytes.data;
}

size_t par_value_list_size(const par_value *v)
{
        return v && v->type == PAR_TYPE_LIST ? v->u.list.n : 0;
}

par_value *par_value_list_item(const par_value *v, size_t i)
{
        if (!v || v->type != PAR_TYPE_LIST || i >= v->u.list.n)
                return NULL;
        return v->u.list.items[i];
}

const par_object_type *par_value_object_type(const par_value *v)
{
        return v && v->type == PAR_TYPE_OBJECT ? v->u.obj.type : NULL;
}

void *par_value_object_payload(const par_value *v)
{
        return v && v->type == PAR_TYPE_OBJECT ? v->u.obj.payload : NULL;
}

bool par_value_equal(const par_value *a, const par_value *b)
{
        if (a == b)
                return true;
        if (!a || !b || a->type != b->type)
                return false;
        switch (a->type) {
        case PAR_TYPE_NULL:
                return true;
        case PAR_TYPE_BOOL:
                return a->u.b == b->u.b;
        case PAR_TYPE_INT64:
                return a->u.i == b->u.i;
        case PAR_TYPE_FLOAT64:
                return memcmp(&a->u.f, &b->u.f, sizeof(double)) == 0;
        case PAR_TYPE_STRING:
        case PAR_TYPE_BLOB:
                return a->u.bytes.len == b->u.bytes.len &&
                       memcmp(a->u.bytes.data, b->u.bytes.data,
                              a->u.bytes.len) == 0;
        case PAR_TYPE_LIST:
                if (a->u.list.n != b->u.list.n)
                        return false;
                for (size_t i = 0; i < a->u.list.n; i++)
                        if (!par_value_equal(a->u.list.items[i],
                                             b->u.list.items[i]))
                                return false;
                return true;
        case PAR_TYPE_OBJECT:
                return a->u.obj.payload == b->u.obj.payload &&
                       a->u.obj.type == b->u.obj.type;
        }
        return false;
}

/* snprintf into the remaining part of a buffer, tracking the full length. */
static void put(char *buf, size_t size, size_t *len, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *at = *len < size ? buf + *len : NULL;
        size_t room = *len < size ? size - *len : 0;
        int n = vsnprintf(at, room, fmt, ap);
        va_end(ap);
        if (n > 0)
                *len += (size_t)n;
}

static void format_into(const par_value *v, char *buf, size_t size, size_t *len,
                        int depth)
{
        if (!v) {
                put(buf, size, len, "<none>");
                return;
        }
        switch (v->type) {
        case PAR_TYPE_NULL:
                put(buf, size, len, "None");
                break;
        case PAR_TYPE_BOOL:
                put(buf, size, len, "%s", v->u.b ? "True" : "False");
                break;
        case PAR_TYPE_INT64:
                put(buf, size, len, "%" PRId64, v->u.i);
                break;
        case PAR_TYPE_FLOAT64:
                if (isnan(v->u.f))
                        put(buf, size, len, "nan");
                else if (isinf(v->u.f))
                        put(buf, size, len, v->u.f > 0 ? "inf" : "-inf");
                else {
                        /* Shortest of %.15g..%.17g that reads back exactly. */
                        char tmp[40];
                        for (int p = 15; p <= 17; p++) {
                                snprintf(tmp, sizeof tmp, "%.*g", p, v->u.f);
                                if (strtod(tmp, NULL) == v->u.f)
                                        break;
                        }
                        bool integral = !strpbrk(tmp, ".eE");
                        put(buf, size, len, "%s%s", tmp, integral ? ".0" : "");
                }
                break;
        case PAR_TYPE_STRING:
                put(buf, size, len, "'%s'", v->u.bytes.data);
                break;
        case PAR_TYPE_BLOB:
                put(buf, size, len, "<blob of %zu bytes>", v->u.bytes.len);
                break;
        case PAR_TYPE_LIST:
                put(buf, size, len, "[");
                for (size_t i = 0; i < v->u.list.n; i++) {
                        if (i)
                                put(buf, size, len, ", ");
                        if (depth > 32) {
                                put(buf, size, len, "...");
                                break;
                        }
                        format_into(v->u.list.items[i], buf, size, len,
                                    depth + 1);
                }
                put(buf, size, len, "]");
                break;
        case PAR_TYPE_OBJECT:
                if (v->u.obj.type->format) {
                        char tmp[256];
                        v->u.obj.type->format(v->u.obj.payload, tmp, sizeof tmp);
                        put(buf, size, len, "%s", tmp);
                } else {
                        put(buf, size, len, "<%s>", v->u.obj.type->name);
                }
                break;
        }
}

int par_value_format(const par_value *v, char *buf, size_t size)
{
        size_t len = 0;
        if (size)
                buf[0] = '\0';
        format_into(v, buf, size, &len, 0);
        if (size && len >= size)
                buf[size - 1] = '\0';
        return len > INT32_MAX ? INT32_MAX : (int)len;
}

size_t par_value_nbytes(const par_value *v)
{
        if (!v)
                return 0;
        size_t n = sizeof *v;
        switch (v->type) {
        case PAR_TYPE_STRING:
        case PAR_TYPE_BLOB:
                n += v->u.bytes.len + 1;
                break;
        case PAR_TYPE_LIST:
                n += v->u.list.n * sizeof(par_value *);
                for (size_t i = 0; i < v->u.list.n; i++)
                        n += par_value_nbytes(v->u.list.items[i]);
                break;
        case PAR_TYPE_OBJECT:
                if (v->u.obj.type->nbytes)
                        n += v->u.obj.type->nbytes(v->u.obj.payload);
                break;
        default:
                break;
        }
        return n;
}
