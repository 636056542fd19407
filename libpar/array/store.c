/* Storing an array to one raw binary file: float64 values in native byte
 * order, row-major or column-major, with no header (numpy.fromfile reads
 * it back). The file is made at its full size under a temporary name;
 * then one task per chunk computes the chunk and writes it at its offset
 * with pwrite, so chunks are written in parallel and never meet in memory;
 * the name is given to the file only when every chunk is written.
 * par_array_from_raw reads such a file back lazily, a pread per chunk. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array/internal.h"

/* Writes all of buf at off; 0, or the errno. */
static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
        const char *p = buf;
        while (len) {
                ssize_t w = pwrite(fd, p, len, off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return w < 0 ? errno : EIO;
                p += w;
                len -= (size_t)w;
                off += w;
        }
        return 0;
}

/* Reads all of buf from off; 0, EIO at the end of the file, or the errno. */
static int pread_all(int fd, void *buf, size_t len, off_t off)
{
        char *p = buf;
        while (len) {
                ssize_t r = pread(fd, p, len, off);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return r < 0 ? errno : EIO;
                p += r;
                len -= (size_t)r;
                off += r;
        }
        return 0;
}

/* (chunk, path, first row, total rows, cols, layout) -> the bytes written. */
static int op_store(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        const char *path = par_value_type(args[1]) == PAR_TYPE_STRING
                                   ? par_value_bytes(args[1], NULL)
                                   : NULL;
        int64_t r0 = par_value_int64_of(args[2]);
        int64_t rows = par_value_int64_of(args[3]);
        int64_t cols = par_value_int64_of(args[4]);
        bool rowmajor = par_value_int64_of(args[5]) == PAR_ROW_MAJOR;
        int64_t idx = par_task_key(ctx).index;
        if (!nd || !path || nd->cols != cols || r0 + nd->rows > rows)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "to_raw: chunk %" PRId64 " is not a %" PRId64
                                     "-column ndarray within %" PRId64 " rows",
                                     idx, cols, rows);
        int64_t m = nd->rows;
        size_t es = par__dtype_size(nd->dtype);
        char *buf = par__malloc((size_t)(m * cols > 0 ? m * cols : 1) * es);
        if (!buf)
                return par_task_fail(ctx, PAR_ENOMEM, "to_raw: out of memory for chunk %"
                                                      PRId64, idx);
        const char *src = nd->ptr;
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        int e = fd < 0 ? errno : 0;
        if (rowmajor) {
                for (int64_t i = 0; i < m; i++)
                        for (int64_t j = 0; j < cols; j++)
                                memcpy(buf + (size_t)(i * cols + j) * es,
                                       src + (ptrdiff_t)(i * nd->rs + j * nd->cs) *
                                                     (ptrdiff_t)es,
                                       es);
                if (!e && m * cols > 0)
                        e = pwrite_all(fd, buf, (size_t)(m * cols) * es,
                                       (off_t)(r0 * cols) * (off_t)es);
        } else {
                for (int64_t j = 0; j < cols && !e && m; j++) {
                        for (int64_t i = 0; i < m; i++)
                                memcpy(buf + (size_t)i * es,
                                       src + (ptrdiff_t)(i * nd->rs + j * nd->cs) *
                                                     (ptrdiff_t)es,
                                       es);
                        e = pwrite_all(fd, buf, (size_t)m * es,
                                       (off_t)(j * rows + r0) * (off_t)es);
                }
        }
        par__free(buf);
        if (fd >= 0 && close(fd) < 0 && !e)
                e = errno;
        if (e)
                return par_task_fail(ctx, PAR_EIO, "to_raw: writing chunk %" PRId64
                                                   " to %s: %s",
                                     idx, path, strerror(e));
        *out = par_value_int64(m * cols * (int64_t)es);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* Runs the store tasks over the chunks of a into tmp. */
static int store_chunks(par_client *c, par_array *a, const char *tmp,
                        par_layout layout, par_error *err)
{
        char name[128];
        uint64_t h = par__hash_bytes(tmp, strlen(tmp),
                                     par__hash_bytes(a->name, strlen(a->name), 0x5707u));
        par__array_token("store", h ^ (uint64_t)layout, name, sizeof name);
        size_t nc = (size_t)a->nchunks;
        par_key *keys = par__malloc(nc * sizeof *keys);
        par_value **vals = par__calloc(nc, sizeof *vals);
        par_graph *g = par_graph_new();
        int rc = keys && vals && g ? 0 : PAR__ENOMEM(err, "storing an array");
        int64_t r0 = 0;
        for (size_t i = 0; i < nc && rc == 0; i++) {
                keys[i] = par_key_make(name, (int64_t)i);
                par_arg args[6] = {par_arg_key(a->name, (int64_t)i), par_arg_string(tmp),
                                   par_arg_int64(r0),  par_arg_int64(a->rows),
                                   par_arg_int64(a->cols), par_arg_int64(layout)};
                rc = par_graph_add(g, keys[i], "par.array.store", 6, args, err);
                r0 += a->chunk_rows[i];
        }
        par__layer *l = NULL;
        if (rc == 0) {
                l = par__layer_new(g, 1, &a->layer);
                g = NULL;
                if (!l)
                        rc = PAR__ENOMEM(err, "storing an array");
        }
        if (rc == 0)
                rc = par__array_run(c, l, nc, keys, vals, err);
        for (size_t i = 0; vals && i < nc; i++)
                par_value_release(vals[i]);
        par__layer_release(l);
        par_graph_free(g);
        par__free(keys);
        par__free(vals);
        return rc;
}

int par_array_to_raw(par_client *c, par_array *a, const char *path, par_layout layout,
                     par_error *err)
{
        if (!c || !a || !path)
                return par__errorf(err, PAR_EINVAL,
                                   "to_raw: client, array and path are required");
        if (layout != PAR_ROW_MAJOR && layout != PAR_COL_MAJOR)
                return par__errorf(err, PAR_EINVAL, "to_raw: unknown layout %d",
                                   (int)layout);
        if (a->rows < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "to_raw: the array's chunk lengths are unknown, so "
                                   "the chunks' offsets are; make it with lengths=true "
                                   "(or persist it) first");
        if (a->ncb > 1) { /* a task per row block, writing whole rows */
                par_array *rb = NULL;
                int rc = par__array_rowblocks(a, &rb, err);
                if (rc == 0)
                        rc = par_array_to_raw(c, rb, path, layout, err);
                par_array_release(rb);
                return rc;
        }
        static atomic_uint_fast64_t serial;
        size_t plen = strlen(path) + 64;
        char *tmp = par__malloc(plen);
        if (!tmp)
                return PAR__ENOMEM(err, "storing an array");
        snprintf(tmp, plen, "%s.tmp-%ld-%" PRIuFAST64, path, (long)getpid(),
                 atomic_fetch_add_explicit(&serial, 1, memory_order_relaxed));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        off_t size = (off_t)a->rows * (off_t)a->cols * (off_t)par__dtype_size(a->dtype);
        int rc = 0;
        if (fd < 0 || ftruncate(fd, size) < 0)
                rc = par__errorf(err, PAR_EIO, "to_raw: making %s: %s", tmp,
                                 strerror(errno));
        if (fd >= 0 && close(fd) < 0 && rc == 0)
                rc = par__errorf(err, PAR_EIO, "to_raw: closing %s: %s", tmp,
                                 strerror(errno));
        if (rc == 0)
                rc = store_chunks(c, a, tmp, layout, err);
        if (rc == 0 && rename(tmp, path) < 0)
                rc = par__errorf(err, PAR_EIO, "to_raw: renaming %s to %s: %s", tmp,
                                 path, strerror(errno));
        if (rc < 0 && fd >= 0)
                unlink(tmp);
        par__free(tmp);
        return rc;
}

/* ---- reading a raw file back ------------------------------------------------------- */

/* (path, first row, rows, total rows, cols, layout, ndim[, dtype]) -> the
 * chunk, read with pread. */
static int op_load(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        (void)n;
        const char *path = par_value_type(args[0]) == PAR_TYPE_STRING
                                   ? par_value_bytes(args[0], NULL)
                                   : NULL;
        int64_t r0 = par_value_int64_of(args[1]);
        int64_t m = par_value_int64_of(args[2]);
        int64_t rows = par_value_int64_of(args[3]);
        int64_t cols = par_value_int64_of(args[4]);
        bool rowmajor = par_value_int64_of(args[5]) == PAR_ROW_MAJOR;
        int64_t idx = par_task_key(ctx).index;
        par_dtype dt = n > 7 ? (par_dtype)par_value_int64_of(args[7]) : PAR_DTYPE_FLOAT64;
        size_t es = par__dtype_size(dt);
        par__nd *nd = par__nd_alloc_t((int)par_value_int64_of(args[6]), m, cols, dt);
        char *buf = rowmajor ? par__malloc((size_t)(m * cols > 0 ? m * cols : 1) * es)
                             : NULL;
        if (!nd || (rowmajor && !buf) || !path) {
                par__nd_discard(nd);
                par__free(buf);
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "from_raw: out of memory for chunk %" PRId64, idx);
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        int e = fd < 0 ? errno : 0;
        char *dst = nd ? nd->ptr : NULL;
        for (int64_t j = 0; !e && !rowmajor && j < cols && m; j++)
                e = pread_all(fd, dst + (size_t)(j * m) * es, (size_t)m * es,
                              (off_t)(j * rows + r0) * (off_t)es);
        if (!e && rowmajor && m * cols > 0) {
                e = pread_all(fd, buf, (size_t)(m * cols) * es,
                              (off_t)(r0 * cols) * (off_t)es);
                for (int64_t i = 0; !e && i < m; i++)
                        for (int64_t j = 0; j < cols; j++)
                                memcpy(dst + (size_t)(j * m + i) * es,
                                       buf + (size_t)(i * cols + j) * es, es);
        }
        /* Bools are 0/1 in a chunk; a file may hold other nonzero bytes. */
        for (int64_t k = 0; !e && dt == PAR_DTYPE_BOOL && k < m * cols; k++)
                dst[k] = dst[k] != 0;
        if (fd >= 0)
                close(fd);
        par__free(buf);
        if (e) {
                par__nd_discard(nd);
                return par_task_fail(ctx, PAR_EIO, "from_raw: reading chunk %" PRId64
                                                   " from %s: %s",
                                     idx, path, e == EIO ? "the file is too short"
                                                         : strerror(e));
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_array_from_raw(const char *path, int ndim, const int64_t *shape,
                       par_layout layout, int64_t chunk_rows, par_array **out,
                       par_error *err)
{
        return par_array_from_raw_typed(path, PAR_DTYPE_FLOAT64, ndim, shape, layout,
                                        chunk_rows, out, err);
}

int par_array_from_raw_typed(const char *path, par_dtype dtype, int ndim,
                             const int64_t *shape, par_layout layout,
                             int64_t chunk_rows, par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "from_raw: out is NULL");
        *out = NULL;
        if (!par__array_dtype_ok(dtype))
                return par__errorf(err, PAR_EINVAL,
                                   "from_raw: dtype %d is not an array dtype (float64, "
                                   "float32, int64 or bool)",
                                   (int)dtype);
        int64_t es = (int64_t)par__dtype_size(dtype);
        if (!path || !shape || (ndim != 1 && ndim != 2) || chunk_rows < 1 ||
            (layout != PAR_ROW_MAJOR && layout != PAR_COL_MAJOR))
                return par__errorf(err, PAR_EINVAL,
                                   "from_raw: expected a path, ndim 1 or 2, a shape, a "
                                   "layout and chunk_rows >= 1");
        int64_t rows = shape[0], cols = ndim == 2 ? shape[1] : 1;
        if (rows < 0 || cols < 0 ||
            (cols && (uint64_t)rows > (uint64_t)INT64_MAX / 8 / (uint64_t)cols))
                return par__errorf(err, PAR_EINVAL,
                                   "from_raw: shape (%" PRId64 ", %" PRId64
                                   ") is negative or too large",
                                   rows, cols);
        struct stat st;
        if (stat(path, &st) < 0)
                return par__errorf(err, PAR_EIO, "from_raw: %s: %s", path, strerror(errno));
        if ((int64_t)st.st_size != rows * cols * es)
                return par__errorf(err, PAR_EINVAL,
                                   "from_raw: %s has %lld bytes; a %" PRId64 " x %" PRId64
                                   " %s array has %" PRId64,
                                   path, (long long)st.st_size, rows, cols,
                                   par_dtype_name(dtype), rows * cols * es);
        int64_t nc = rows ? (rows + chunk_rows - 1) / chunk_rows : 1;
        int64_t key[7] = {rows, cols, chunk_rows, layout, (int64_t)st.st_mtime,
                          (int64_t)st.st_size, dtype};
        char name[128];
        par__array_token("from-raw", par__hash_bytes(path, strlen(path),
                                                     par__hash_bytes(key, sizeof key, 0)),
                         name, sizeof name);
        int64_t *lens = par__malloc((size_t)nc * sizeof *lens);
        par_graph *g = par_graph_new();
        int rc = lens && g ? 0 : PAR__ENOMEM(err, "from_raw");
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                int64_t r0 = i * chunk_rows;
                lens[i] = rows - r0 < chunk_rows ? rows - r0 : chunk_rows;
                par_arg args[8] = {par_arg_string(path), par_arg_int64(r0),
                                   par_arg_int64(lens[i]), par_arg_int64(rows),
                                   par_arg_int64(cols), par_arg_int64(layout),
                                   par_arg_int64(ndim), par_arg_int64(dtype)};
                rc = par_graph_add(g, par_key_make(name, i), "par.array.load", 8, args, err);
        }
        if (rc == 0) {
                rc = par__array_new(g, name, ndim, cols, nc, lens, 0, NULL, out, err);
                g = NULL;
                if (rc == 0)
                        (*out)->dtype = dtype;
        }
        par_graph_free(g);
        par__free(lens);
        return rc;
}

void par__array_register_store_ops(void)
{
        par_op_register("par.array.store", op_store, NULL);
        par_op_register("par.array.load", op_load, NULL);
}
