/* Moving rows between chunks: rechunk (new chunk lengths along the rows)
 * and transpose. Each output chunk is one task gathering the pieces of the
 * input chunks it overlaps, so a rechunk of n chunks into m reads each
 * input chunk once per output chunk it touches, never the whole array. */
#include <inttypes.h>
#include <stdio.h>

#include "array/internal.h"

/* (ndim, cols, npieces, then per piece: chunk, first row, rows) -> the
 * pieces' rows stacked into one contiguous chunk. */
static int op_rechunk(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        int64_t ndim = par_value_int64_of(args[0]);
        int64_t cols = par_value_int64_of(args[1]);
        int64_t np = par_value_int64_of(args[2]);
        if (np < 1 || n != 3 + 3 * (size_t)np)
                return par_task_fail(ctx, PAR_EINVAL, "rechunk: malformed task");
        int64_t rows = 0;
        const par__nd *s0 = par__nd_of(args[3]);
        par_dtype dt = s0 ? s0->dtype : PAR_DTYPE_FLOAT64;
        for (int64_t k = 0; k < np; k++) {
                const par__nd *s = par__nd_of(args[3 + 3 * k]);
                int64_t r0 = par_value_int64_of(args[4 + 3 * k]);
                int64_t m = par_value_int64_of(args[5 + 3 * k]);
                if (s && s->dtype != dt)
                        return par_task_fail(ctx, PAR_ETYPE,
                                             "rechunk: piece %" PRId64 " of chunk %" PRId64
                                             " is %s; piece 0 is %s",
                                             k, par_task_key(ctx).index,
                                             par_dtype_name(s->dtype), par_dtype_name(dt));
                if (!s || s->cols != cols || r0 < 0 || m < 0 || r0 + m > s->rows)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "rechunk: piece %" PRId64 " of chunk %" PRId64
                                             " needs rows %" PRId64 "..%" PRId64
                                             " of a %" PRId64 "-column chunk; it has "
                                             "%" PRId64 " x %" PRId64,
                                             k, par_task_key(ctx).index, r0, r0 + m,
                                             cols, s ? s->rows : 0, s ? s->cols : 0);
                rows += m;
        }
        par__nd *nd = par__nd_alloc_t((int)ndim, rows, cols, dt);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "rechunk: out of memory for a %" PRId64 " x %" PRId64
                                     " chunk",
                                     rows, cols);
        size_t es = par__dtype_size(dt);
        int64_t at = 0;
        for (int64_t k = 0; k < np; k++) {
                const par__nd *s = par__nd_of(args[3 + 3 * k]);
                int64_t r0 = par_value_int64_of(args[4 + 3 * k]);
                int64_t m = par_value_int64_of(args[5 + 3 * k]);
                for (int64_t j = 0; j < cols; j++) {
                        const char *p = (const char *)s->ptr +
                                        (ptrdiff_t)(r0 * s->rs + j * s->cs) * (ptrdiff_t)es;
                        char *d = (char *)nd->ptr + (size_t)(j * rows + at) * es;
                        if (s->rs == 1)
                                memcpy(d, p, (size_t)m * es);
                        else
                                for (int64_t i = 0; i < m; i++)
                                        memcpy(d + (size_t)i * es,
                                               p + (ptrdiff_t)(i * s->rs) * (ptrdiff_t)es, es);
                }
                at += m;
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par__array_rechunk_lens(par_array *a, int64_t n, const int64_t *lens,
                            par_array **out, par_error *err)
{
        *out = NULL;
        if (a->rows < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "rechunk: the array's chunk lengths are unknown; "
                                   "make it with lengths=true (or persist it) first");
        int64_t total = 0;
        for (int64_t i = 0; i < n; i++) {
                if (lens[i] < 0)
                        return par__errorf(err, PAR_EINVAL,
                                           "rechunk: chunk %" PRId64 " has length %" PRId64
                                           "; expected at least 0",
                                           i, lens[i]);
                total += lens[i];
        }
        if (n < 1 || total != a->rows)
                return par__errorf(err, PAR_EINVAL,
                                   "rechunk: %" PRId64 " chunks of %" PRId64
                                   " rows in all; the array has %" PRId64 " rows",
                                   n, total, a->rows);
        bool same = n == a->nchunks;
        for (int64_t i = 0; same && i < n; i++)
                same = lens[i] == a->chunk_rows[i];
        if (same)
                return (*out = par_array_retain(a)), 0;
        uint64_t h = par__hash_bytes(lens, (size_t)n * sizeof *lens,
                                     par__hash_bytes(a->name, strlen(a->name), 0x7ec4u));
        char name[128];
        par__array_token("rechunk-merge", h, name, sizeof name);
        par_graph *g = par_graph_new();
        par_arg *args = NULL;
        size_t cap = 0;
        int rc = g ? 0 : PAR__ENOMEM(err, "rechunking");
        /* Walk input chunk k (row `off` within it) along the output chunks. */
        int64_t k = 0, off = 0;
        for (int64_t i = 0; i < n && rc == 0; i++) {
                size_t na = 3;
                int64_t need = lens[i];
                do {
                        while (k < a->nchunks - 1 && off == a->chunk_rows[k]) {
                                k++;
                                off = 0;
                        }
                        int64_t m = a->chunk_rows[k] - off < need ? a->chunk_rows[k] - off
                                                                  : need;
                        if (par__grow((void **)&args, &cap, na + 3, sizeof *args) < 0) {
                                rc = PAR__ENOMEM(err, "rechunking");
                                break;
                        }
                        args[na++] = par_arg_key(a->name, k);
                        args[na++] = par_arg_int64(off);
                        args[na++] = par_arg_int64(m);
                        off += m;
                        need -= m;
                } while (need > 0);
                if (rc < 0)
                        break;
                /* One whole input chunk: passed through, not copied. */
                if (na == 6 && args[4].u.i == 0 &&
                    args[5].u.i == a->chunk_rows[args[3].u.key.index]) {
                        rc = par_graph_add(g, par_key_make(name, i), "par.identity", 1,
                                           &args[3], err);
                        continue;
                }
                args[0] = par_arg_int64(a->ndim);
                args[1] = par_arg_int64(a->cols);
                args[2] = par_arg_int64((int64_t)(na - 3) / 3);
                rc = par_graph_add(g, par_key_make(name, i), "par.array.rechunk", na, args,
                                   err);
        }
        par__free(args);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        int rc2 = par__array_new(g, name, a->ndim, a->cols, n, lens, 1, &a->layer, out, err);
        if (rc2 == 0)
                (*out)->dtype = a->dtype;
        return rc2;
}

int par_array_rechunk_lengths(par_array *a, int64_t n, const int64_t *lens,
                              par_array **out, par_error *err)
{
        if (!a || !out || (!lens && n))
                return par__errorf(err, PAR_EINVAL,
                                   "rechunk: array, lengths and out are required");
        if (a->ndim == 0)
                return par__errorf(err, PAR_EINVAL, "rechunk: a 0-d array has no rows");
        return par__array_rechunk_lens(a, n, lens, out, err);
}

int par_array_rechunk(par_array *a, int64_t chunk_rows, par_array **out,
                      par_error *err)
{
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL, "rechunk: array and out are required");
        *out = NULL;
        if (chunk_rows < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "rechunk: chunk_rows = %" PRId64 "; expected at least 1",
                                   chunk_rows);
        if (a->rows < 0)
                return par__array_rechunk_lens(a, 0, NULL, out, err);
        int64_t n = a->rows ? (a->rows + chunk_rows - 1) / chunk_rows : 1;
        int64_t *lens = par__malloc((size_t)n * sizeof *lens);
        if (!lens)
                return PAR__ENOMEM(err, "rechunking");
        for (int64_t i = 0; i < n; i++)
                lens[i] = a->rows - i * chunk_rows < chunk_rows ? a->rows - i * chunk_rows
                                                                : chunk_rows;
        int rc = par_array_rechunk_lengths(a, n, lens, out, err);
        par__free(lens);
        return rc;
}

/* ---- transpose -------------------------------------------------------------------- */

/* (p0, pcount, nchunks, chunks...) -> rows [p0, p0 + pcount) of the
 * transpose: output (r, i) is input (i, p0 + r), the input's rows taken
 * chunk after chunk. */
static int op_transpose(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        int64_t p0 = par_value_int64_of(args[0]);
        int64_t pc = par_value_int64_of(args[1]);
        int64_t nc = par_value_int64_of(args[2]);
        if (nc < 1 || n != 3 + (size_t)nc)
                return par_task_fail(ctx, PAR_EINVAL, "transpose: malformed task");
        int64_t total = 0;
        const par__nd *s0 = par__nd_of(args[3]);
        par_dtype dt = s0 ? s0->dtype : PAR_DTYPE_FLOAT64;
        for (int64_t k = 0; k < nc; k++) {
                const par__nd *s = par__nd_of(args[3 + k]);
                if (!s || s->cols < p0 + pc || s->dtype != dt)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "transpose: input chunk %" PRId64
                                             " is not a %s ndarray of at least %" PRId64
                                             " columns",
                                             k, par_dtype_name(dt), p0 + pc);
                total += s->rows;
        }
        par__nd *nd = par__nd_alloc_t(2, pc, total, dt);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "transpose: out of memory for a %" PRId64
                                     " x %" PRId64 " chunk",
                                     pc, total);
        size_t es = par__dtype_size(dt);
        int64_t at = 0;
        for (int64_t k = 0; k < nc; k++) {
                const par__nd *s = par__nd_of(args[3 + k]);
                /* Output column at + i is input row i: pc values. */
                for (int64_t i = 0; i < s->rows; i++) {
                        const char *p = (const char *)s->ptr +
                                        (ptrdiff_t)(i * s->rs + p0 * s->cs) * (ptrdiff_t)es;
                        char *d = (char *)nd->ptr + (size_t)((at + i) * pc) * es;
                        for (int64_t r = 0; r < pc; r++)
                                memcpy(d + (size_t)r * es,
                                       p + (ptrdiff_t)(r * s->cs) * (ptrdiff_t)es, es);
                }
                at += s->rows;
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_array_transpose(par_array *a, par_array **out, par_error *err)
{
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "transpose: array and out are required");
        *out = NULL;
        if (a->ndim < 2)
                return (*out = par_array_retain(a)), 0;
        if (a->rows < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "transpose: the array's chunk lengths are unknown, "
                                   "so the transpose's column count is; make it with "
                                   "lengths=true (or persist it) first");
        /* Output chunks of about the largest input chunk's size. */
        int64_t big = 1;
        for (int64_t i = 0; i < a->nchunks; i++)
                if (a->chunk_rows[i] > big)
                        big = a->chunk_rows[i];
        int64_t per = a->rows ? (big * a->cols) / a->rows : a->cols;
        if (per < 1)
                per = 1;
        int64_t p = a->cols;
        int64_t n = p ? (p + per - 1) / per : 1;
        char name[128];
        par__array_token("transpose", par__hash_bytes(a->name, strlen(a->name), 0x7a05u),
                         name, sizeof name);
        int64_t *lens = par__malloc((size_t)n * sizeof *lens);
        par_arg *args = par__malloc((size_t)(a->nchunks + 3) * sizeof *args);
        par_graph *g = par_graph_new();
        int rc = lens && args && g ? 0 : PAR__ENOMEM(err, "transposing");
        for (int64_t k = 0; rc == 0 && k < a->nchunks; k++)
                args[3 + k] = par_arg_key(a->name, k);
        for (int64_t i = 0; i < n && rc == 0; i++) {
                int64_t p0 = i * per;
                lens[i] = p - p0 < per ? p - p0 : per;
                if (p == 0)
                        lens[i] = 0;
                args[0] = par_arg_int64(p0);
                args[1] = par_arg_int64(lens[i]);
                args[2] = par_arg_int64(a->nchunks);
                rc = par_graph_add(g, par_key_make(name, i), "par.array.transpose",
                                   (size_t)a->nchunks + 3, args, err);
        }
        if (rc == 0) {
                rc = par__array_new(g, name, 2, a->rows, n, lens, 1, &a->layer, out, err);
                g = NULL;
                if (rc == 0)
                        (*out)->dtype = a->dtype;
        }
        par_graph_free(g);
        par__free(lens);
        par__free(args);
        return rc;
}

void par__array_register_rechunk_ops(void)
{
        par_op_register("par.array.rechunk", op_rechunk, NULL);
        par_op_register("par.array.transpose", op_transpose, NULL);
}
