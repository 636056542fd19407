/* par/value.h — refcounted, immutable, serializable values.
 *
 * Every task result and every literal task argument is a par_value. A value
 * is immutable once made and may be shared between threads; its reference
 * count is atomic. Whoever holds a reference releases it exactly once with
 * par_value_release(). Functions documented as "returns a new reference"
 * hand one reference to the caller.
 *
 * The built-in kinds are scalars (null, bool, int64, float64), byte strings
 * (string, blob), lists of values, and objects: a pointer with a type table
 * that collections (columns, tables, arrays) use for their partitions. */
#ifndef PAR_VALUE_H
#define PAR_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum par_type {
        PAR_TYPE_NULL = 0,
        PAR_TYPE_BOOL,
        PAR_TYPE_INT64,
        PAR_TYPE_FLOAT64,
        PAR_TYPE_STRING, /* bytes, conventionally UTF-8, NUL-terminated */
        PAR_TYPE_BLOB,   /* arbitrary bytes */
        PAR_TYPE_LIST,   /* an ordered list of values */
        PAR_TYPE_OBJECT  /* a typed pointer; see par_object_type */
} par_type;

typedef struct par_value par_value;

/* The table that gives an object value its behaviour. It must outlive every
 * value that uses it (normally a static const). `name` identifies the type
 * in messages and, later, on the wire. `free` releases the payload when the
 * last reference goes; `nbytes` (optional) reports memory held, for memory
 * accounting; `format` (optional) writes a short description. */
typedef struct par_object_type {
        const char *name;
        void (*free)(void *payload);
        size_t (*nbytes)(const void *payload);
        int (*format)(const void *payload, char *buf, size_t size);
} par_object_type;

/* Constructors. Each returns a new reference, or NULL when memory runs out.
 * String and blob contents are copied. */
PAR_API par_value *par_value_null(void);
PAR_API par_value *par_value_bool(bool v);
PAR_API par_value *par_value_int64(int64_t v);
PAR_API par_value *par_value_float64(double v);
PAR_API par_value *par_value_string(const char *s, size_t len);
PAR_API par_value *par_value_cstring(const char *s);
PAR_API par_value *par_value_blob(const void *data, size_t len);

/* A list of `n` items. The list takes a new reference to each item (the
 * caller keeps its own). NULL items are not allowed. */
PAR_API par_value *par_value_list(size_t n, par_value *const *items);

/* An object wrapping `payload`. On success the value owns the payload and
 * calls type->free on it when released. On failure (NULL return) the
 * payload is still the caller's. */
PAR_API par_value *par_value_object(const par_object_type *type, void *payload);

/* Adds a reference; returns `v`. NULL is passed through. */
PAR_API par_value *par_value_retain(par_value *v);

/* Drops a reference; frees the value with the last one. NULL is a no-op. */
PAR_API void par_value_release(par_value *v);

PAR_API par_type par_value_type(const par_value *v);

/* The name of a type, e.g. "int64"; static string. */
PAR_API const char *par_type_name(par_type t);

/* Accessors. Each checks the kind and returns PAR_ETYPE (with a message
 * naming the expected and the actual type) on a mismatch. get_float64
 * accepts an int64 and converts it. */
PAR_API int par_value_get_bool(const par_value *v, bool *out, par_error *err);
PAR_API int par_value_get_int64(const par_value *v, int64_t *out, par_error *err);
PAR_API int par_value_get_float64(const par_value *v, double *out, par_error *err);

/* Unchecked accessors for code that has already checked the type. */
PAR_API int64_t par_value_int64_of(const par_value *v);
PAR_API double par_value_float64_of(const par_value *v);

/* Bytes of a string or blob (the pointer stays valid while the value lives;
 * strings are NUL-terminated past `len`). Returns NULL for other kinds. */
PAR_API const char *par_value_bytes(const par_value *v, size_t *len);

/* Number of items of a list (0 for other kinds), and item i (borrowed
 * reference, NULL when out of range or not a list). */
PAR_API size_t par_value_list_size(const par_value *v);
PAR_API par_value *par_value_list_item(const par_value *v, size_t i);

/* The object's type and payload (borrowed), or NULL if `v` is not an
 * object. */
PAR_API const par_object_type *par_value_object_type(const par_value *v);
PAR_API void *par_value_object_payload(const par_value *v);

/* Deep equality of two values (objects compare by identity; float64 by
 * bits, so NaN equals the same NaN). */
PAR_API bool par_value_equal(const par_value *a, const par_value *b);

/* Writes a short human-readable form ("9", "3.5", "'text'", "[1, 2]") into
 * buf, truncating to size-1 bytes and always NUL-terminating when size > 0.
 * Returns the length the full text needs (as snprintf). */
PAR_API int par_value_format(const par_value *v, char *buf, size_t size);

/* Approximate memory held by the value, in bytes. */
PAR_API size_t par_value_nbytes(const par_value *v);

#ifdef __cplusplus
}
#endif
#endif /* PAR_VALUE_H */
