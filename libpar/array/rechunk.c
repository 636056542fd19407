/* Moving elements between chunks: rechunk (new chunk lengths along the
 * rows, or a new grid) and transpose (a view per block). Each output chunk is one task gathering the pieces of the
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
        if (a->ncb > 1) /* a grid keeps its column blocks */
                return par__array_rechunk_grid(a, n, lens, 0, NULL, out, err);
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

/* ---- the grid ------------------------------------------------------------------------ */

/* (ndim, rows, cols, npieces, then per piece: block, r0, m, c0, w, dr, dc)
 * -> a rows x cols contiguous chunk where rows [r0, r0 + m) and columns
 * [c0, c0 + w) of each piece's block land at (dr, dc). rows -1: the
 * blocks' own row count (every piece has m -1: all its rows, dr 0), for
 * rechunking the columns of blocks whose lengths are unknown. */
static int op_rechunk_grid(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        int64_t ndim = par_value_int64_of(args[0]);
        int64_t rows = par_value_int64_of(args[1]);
        int64_t cols = par_value_int64_of(args[2]);
        int64_t np = par_value_int64_of(args[3]);
        if (np < 1 || n != 4 + 7 * (size_t)np || cols < 0)
                return par_task_fail(ctx, PAR_EINVAL, "rechunk: malformed task");
        if (rows < 0) {
                const par__nd *s = par__nd_of(args[4]);
                rows = s ? s->rows : 0;
        }
        for (int64_t k = 0; k < np; k++) {
                par_value *const *p = args + 4 + 7 * k;
                const par__nd *s = par__nd_of(p[0]);
                int64_t v[6];
                for (int i = 0; i < 6; i++)
                        v[i] = par_value_int64_of(p[i + 1]);
                int64_t m = v[1] < 0 ? rows : v[1];
                if (!s || v[0] < 0 || v[0] + m > s->rows || v[2] < 0 || v[3] < 0 ||
                    v[2] + v[3] > s->cols || v[4] + m > rows || v[5] + v[3] > cols ||
                    (v[1] < 0 && s->rows != rows))
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "rechunk: piece %" PRId64 " of block %" PRId64
                                             " needs rows %" PRId64 "..%" PRId64
                                             " and columns %" PRId64 "..%" PRId64
                                             " of a block that is %" PRId64 " x %" PRId64
                                             " (blocks of one row block must agree "
                                             "on their rows)",
                                             k, par_task_key(ctx).index, v[0], v[0] + m,
                                             v[2], v[2] + v[3], s ? s->rows : 0,
                                             s ? s->cols : 0);
        }
        par_dtype dt = par__nd_of(args[4])->dtype;
        for (int64_t k = 1; k < np; k++)
                if (par__nd_of(args[4 + 7 * k])->dtype != dt)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "rechunk: piece %" PRId64 " of block %" PRId64
                                             " is not %s like piece 0",
                                             k, par_task_key(ctx).index, par_dtype_name(dt));
        par__nd *nd = par__nd_alloc_t((int)ndim, rows, cols, dt);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "rechunk: out of memory for a %" PRId64 " x %" PRId64
                                     " chunk",
                                     rows, cols);
        size_t es = par__dtype_size(dt);
        for (int64_t k = 0; k < np; k++) {
                par_value *const *p = args + 4 + 7 * k;
                const par__nd *s = par__nd_of(p[0]);
                int64_t r0 = par_value_int64_of(p[1]), m = par_value_int64_of(p[2]);
                int64_t c0 = par_value_int64_of(p[3]), w = par_value_int64_of(p[4]);
                int64_t dr = par_value_int64_of(p[5]), dc = par_value_int64_of(p[6]);
                if (m < 0)
                        m = rows;
                for (int64_t j = 0; j < w; j++) {
                        const char *src = (const char *)s->ptr +
                                          (ptrdiff_t)(r0 * s->rs + (c0 + j) * s->cs) *
                                                  (ptrdiff_t)es;
                        char *d = (char *)nd->ptr + (size_t)((dc + j) * rows + dr) * es;
                        if (s->rs == 1)
                                memcpy(d, src, (size_t)m * es);
                        else
                                for (int64_t i = 0; i < m; i++)
                                        memcpy(d + (size_t)i * es,
                                               src + (ptrdiff_t)(i * s->rs) * (ptrdiff_t)es,
                                               es);
                }
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* A piece of an input block along one axis: block k from `off`, `m`
 * elements (-1: all of an unknown length), landing at `at`. */
typedef struct piece {
        int64_t k, off, m, at;
} piece;

/* The pieces of the input blocks (in[0..nin)) each output block (out[0..
 * nout)) gathers: block I's are p[start[I] .. start[I + 1]). nout = 0:
 * output block I is input block I whole (unknown lengths allowed). */
static int overlaps(const int64_t *in, int64_t nin, const int64_t *out, int64_t nout,
                    piece **p, int64_t **start, par_error *err)
{
        int64_t no = nout ? nout : nin;
        size_t cap = 0, np = 0;
        *p = NULL;
        *start = par__malloc((size_t)(no + 1) * sizeof **start);
        if (!*start)
                return PAR__ENOMEM(err, "rechunking");
        int64_t k = 0, off = 0;
        for (int64_t i = 0; i < no; i++) {
                (*start)[i] = (int64_t)np;
                int64_t need = nout ? out[i] : -1, at = 0;
                do {
                        if (nout)
                                while (k < nin - 1 && off == in[k]) {
                                        k++;
                                        off = 0;
                                }
                        int64_t m = !nout ? -1 : in[k] - off < need ? in[k] - off : need;
                        if (par__grow((void **)p, &cap, np + 1, sizeof **p) < 0) {
                                par__free(*p);
                                par__free(*start);
                                *p = NULL;
                                *start = NULL;
                                return PAR__ENOMEM(err, "rechunking");
                        }
                        (*p)[np++] = (piece){nout ? k : i, off, m, at};
                        if (!nout)
                                break;
                        off += m;
                        at += m;
                        need -= m;
                } while (need > 0);
        }
        (*start)[no] = (int64_t)np;
        return 0;
}

int par__array_rechunk_grid(par_array *a, int64_t nr, const int64_t *rlens,
                            int64_t nc, const int64_t *clens, par_array **out,
                            par_error *err)
{
        *out = NULL;
        if (a->ndim < 2)
                nc = 0;
        if (nr && a->rows < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "rechunk: the array's chunk lengths are unknown; "
                                   "make it with lengths=true (or persist it) first");
        bool same = true;
        if (nr) {
                same = nr == a->nchunks;
                for (int64_t i = 0; same && i < nr; i++)
                        same = rlens[i] == a->chunk_rows[i];
        }
        if (nc) {
                same = same && nc == a->ncb;
                for (int64_t j = 0; same && j < nc; j++)
                        same = clens[j] == a->chunk_cols[j];
        }
        if (same)
                return (*out = par_array_retain(a)), 0;
        const int64_t *orl = nr ? rlens : a->chunk_rows;
        const int64_t *ocl = nc ? clens : a->chunk_cols;
        int64_t onr = nr ? nr : a->nchunks, onc = nc ? nc : a->ncb;
        uint64_t h = par__hash_bytes(orl, (size_t)onr * sizeof *orl,
                                     par__hash_bytes(a->name, strlen(a->name), 0x67726eu));
        h = par__hash_bytes(ocl, (size_t)onc * sizeof *ocl, h);
        char name[128];
        par__array_token("rechunk-merge", h, name, sizeof name);
        piece *rp = NULL, *cp = NULL;
        int64_t *rs = NULL, *cs = NULL;
        par_graph *g = par_graph_new();
        par_arg *args = NULL;
        size_t cap = 0;
        int rc = g ? 0 : PAR__ENOMEM(err, "rechunking");
        if (rc == 0)
                rc = overlaps(a->chunk_rows, a->nchunks, rlens, nr, &rp, &rs, err);
        if (rc == 0)
                rc = overlaps(a->chunk_cols, a->ncb, clens, nc, &cp, &cs, err);
        for (int64_t I = 0; I < onr && rc == 0; I++) {
                for (int64_t J = 0; J < onc && rc == 0; J++) {
                        size_t na = 4;
                        for (int64_t x = rs[I]; x < rs[I + 1] && rc == 0; x++) {
                                for (int64_t y = cs[J]; y < cs[J + 1]; y++) {
                                        if (par__grow((void **)&args, &cap, na + 7,
                                                      sizeof *args) < 0) {
                                                rc = PAR__ENOMEM(err, "rechunking");
                                                break;
                                        }
                                        const piece *r = &rp[x], *c = &cp[y];
                                        args[na++] = par_arg_key(a->name,
                                                                 r->k * a->ncb + c->k);
                                        args[na++] = par_arg_int64(r->off);
                                        args[na++] = par_arg_int64(r->m);
                                        args[na++] = par_arg_int64(c->off);
                                        /* Kept columns: their (known) width. */
                                        args[na++] = par_arg_int64(
                                                c->m < 0 ? a->chunk_cols[c->k] : c->m);
                                        args[na++] = par_arg_int64(r->at);
                                        args[na++] = par_arg_int64(c->at);
                                }
                        }
                        if (rc < 0)
                                break;
                        int64_t key = I * onc + J;
                        /* One whole input block: passed through, not copied. */
                        const piece *r = &rp[rs[I]], *c = &cp[cs[J]];
                        if (na == 11 && r->off == 0 && c->off == 0 &&
                            (r->m < 0 || r->m == a->chunk_rows[r->k]) &&
                            (c->m < 0 || c->m == a->chunk_cols[c->k])) {
                                rc = par_graph_add(g, par_key_make(name, key), "par.identity",
                                                   1, &args[4], err);
                                continue;
                        }
                        args[0] = par_arg_int64(a->ndim);
                        args[1] = par_arg_int64(nr ? orl[I] : a->chunk_rows[I]);
                        args[2] = par_arg_int64(ocl[J]);
                        args[3] = par_arg_int64((int64_t)(na - 4) / 7);
                        rc = par_graph_add(g, par_key_make(name, key), "par.array.rechunk_grid",
                                           na, args, err);
                }
        }
        par__free(args);
        par__free(rp);
        par__free(cp);
        par__free(rs);
        par__free(cs);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        int rc2 = par__array_new_grid(g, name, a->ndim, onr, orl, onc, ocl, 1, &a->layer,
                                      out, err);
        if (rc2 == 0)
                (*out)->dtype = a->dtype;
        return rc2;
}

int par__array_rowblocks(par_array *a, par_array **out, par_error *err)
{
        if (a->ncb == 1)
                return (*out = par_array_retain(a)), 0;
        return par__array_rechunk_grid(a, 0, NULL, 1, &a->cols, out, err);
}

int par__array_need_rows(const char *what, const char *which, const par_array *a,
                         par_error *err)
{
        if (a->ncb == 1)
                return 0;
        return par__errorf(err, PAR_EINVAL,
                           "%s: %s has %" PRId64 " column blocks; expected one (whole "
                           "rows per chunk): rechunk its columns to one block first "
                           "(par_array_rechunk_grid with {PAR_CHUNK_WHOLE})",
                           what, which, a->ncb);
}

int par_array_rechunk_grid(par_array *a, const par_chunk_spec *chunks,
                           par_array **out, par_error *err)
{
        if (!a || !out || !chunks)
                return par__errorf(err, PAR_EINVAL,
                                   "rechunk: array, chunks and out are required");
        *out = NULL;
        if (a->ndim == 0)
                return par__errorf(err, PAR_EINVAL, "rechunk: a 0-d array has no axes");
        int64_t nr = 0, nc = 0, *rl = NULL, *cl = NULL;
        int rc = par__chunk_spec_resolve("rechunk", 0, &chunks[0], a->rows, true, &nr, &rl,
                                         err);
        if (rc == 0 && a->ndim == 2)
                rc = par__chunk_spec_resolve("rechunk", 1, &chunks[1], a->cols, true, &nc,
                                             &cl, err);
        if (rc == 0)
                rc = par__array_rechunk_grid(a, nr, rl, nc, cl, out, err);
        par__free(rl);
        par__free(cl);
        return rc;
}

/* ---- transpose -------------------------------------------------------------------- */

/* (block) -> the block transposed, a view: rows and columns and their
 * strides swapped. */
static int op_transpose(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        const par__nd *s = par__nd_of(args[0]);
        if (!s)
                return par_task_fail(ctx, PAR_ETYPE,
                                     "transpose: block %" PRId64 " is not an ndarray",
                                     par_task_key(ctx).index);
        *out = par__nd_view_t(args[0], 2, s->cols, s->rows, s->ptr, s->cs, s->rs);
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
        char name[128];
        par__array_token("transpose", par__hash_bytes(a->name, strlen(a->name), 0x7a05u),
                         name, sizeof name);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, "transposing");
        /* Output block (j, i) is input block (i, j). */
        for (int64_t j = 0; j < a->ncb && rc == 0; j++)
                for (int64_t i = 0; i < a->nchunks && rc == 0; i++)
                        rc = par_graph_add(g, par_key_make(name, j * a->nchunks + i),
                                           "par.array.transpose", 1,
                                           (par_arg[]){par_arg_key(a->name, i * a->ncb + j)},
                                           err);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        rc = par__array_new_grid(g, name, 2, a->ncb, a->chunk_cols, a->nchunks,
                                 a->chunk_rows, 1, &a->layer, out, err);
        if (rc == 0)
                (*out)->dtype = a->dtype;
        return rc;
}

void par__array_register_rechunk_ops(void)
{
        par_op_register("par.array.rechunk", op_rechunk, NULL);
        par_op_register("par.array.rechunk_grid", op_rechunk_grid, NULL);
        par_op_register("par.array.transpose", op_transpose, NULL);
}
