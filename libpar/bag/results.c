/* Getting results out of a bag: take (only the partitions needed),
 * compute (all partitions), to_textfiles (one file per partition, each
 * written under a temporary name and renamed when complete). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "backend/backend.h"
#include "bag/internal.h"

static int compute_partition(par_client *c, par_bag *b, int64_t i,
                             par_value **out, par_error *err)
{
        par_delayed *d = NULL;
        int rc = par_bag_partition(b, i, &d, err);
        if (rc == 0)
                rc = par_compute(c, 1, &d, out, err);
        par_delayed_release(d);
        return rc;
}

/* The first n rows of a partition (column or table), sharing buffers. */
static par_value *head_of(par_value *part, int64_t n)
{
        if (par_value_is_column(part))
                return par__column_slice(part, 0, n);
        size_t nc = par_table_ncols(part);
        par_value *cols[64];
        if (nc > 64)
                return NULL;
        size_t got = 0;
        for (; got < nc; got++) {
                cols[got] = par__column_slice(par_table_column(part, got), 0, n);
                if (!cols[got])
                        break;
        }
        par_value *t = got == nc ? par__table_with(part, cols) : NULL;
        for (size_t i = 0; i < got; i++)
                par_value_release(cols[i]);
        return t;
}

static par_value *concat_parts(size_t n, par_value *const *parts)
{
        if (n == 1)
                return par_value_retain(parts[0]);
        if (par_value_is_column(parts[0]))
                return par__column_concat(n, parts);
        size_t nc = par_table_ncols(parts[0]);
        par_value *cols[64], *tmp[256];
        if (nc > 64 || n > 256)
                return NULL;
        size_t got = 0;
        for (; got < nc; got++) {
                for (size_t i = 0; i < n; i++)
                        tmp[i] = par_table_column(parts[i], got);
                cols[got] = par__column_concat(n, tmp);
                if (!cols[got])
                        break;
        }
        par_value *t = got == nc ? par__table_with(parts[0], cols) : NULL;
        for (size_t i = 0; i < got; i++)
                par_value_release(cols[i]);
        return t;
}

int par_bag_take(par_client *c, par_bag *b, int64_t n, par_value **out,
                 int64_t *got, par_error *err)
{
        if (!c || !b || !out || n < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "take: client, bag, a count >= 0 and out are "
                                   "required");
        *out = NULL;
        if (got)
                *got = 0;
        par_value *parts[256];
        size_t np = 0;
        int64_t have = 0;
        int rc = 0;
        for (int64_t i = 0; i < b->npartitions && have < n && np < 256; i++) {
                par_value *p = NULL;
                rc = compute_partition(c, b, i, &p, err);
                if (rc < 0)
                        break;
                int64_t len = par__partition_length(p);
                if (len == 0 && np) {
                        par_value_release(p);
                        continue;
                }
                par_value *h = head_of(p, len < n - have ? len : n - have);
                par_value_release(p);
                if (!h) {
                        rc = PAR__ENOMEM(err, "taking items");
                        break;
                }
                parts[np++] = h;
                have += par__partition_length(h);
        }
        if (rc == 0 && np == 0) {
                par_value *p = NULL;
                rc = compute_partition(c, b, 0, &p, err);
                if (rc == 0)
                        parts[np++] = p;
        }
        if (rc == 0) {
                *out = concat_parts(np, parts);
                if (!*out)
                        rc = PAR__ENOMEM(err, "taking items");
        }
        for (size_t i = 0; i < np; i++)
                par_value_release(parts[i]);
        if (rc < 0)
                return rc;
        if (got)
                *got = have;
        if (have < n && err)
                snprintf(err->message, sizeof err->message,
                         "take: asked for %" PRId64 " items, the bag has %" PRId64
                         " (all %" PRId64 " partitions were computed)",
                         n, have, b->npartitions);
        return 0;
}

int par_bag_compute(par_client *c, par_bag *b, par_value **out, par_error *err)
{
        if (!c || !b || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_compute: client, bag and out are "
                                   "required");
        *out = NULL;
        size_t n = (size_t)b->npartitions;
        par_delayed **ds = par__calloc(n, sizeof *ds);
        par_value **vals = par__calloc(n, sizeof *vals);
        int rc = ds && vals ? 0 : PAR__ENOMEM(err, "computing a bag");
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = par_bag_partition(b, (int64_t)i, &ds[i], err);
        if (rc == 0)
                rc = par_compute(c, n, ds, vals, err);
        if (rc == 0) {
                *out = par_value_list(n, vals);
                if (!*out)
                        rc = PAR__ENOMEM(err, "computing a bag");
        }
        for (size_t i = 0; ds && vals && i < n; i++) {
                par_delayed_release(ds[i]);
                par_value_release(vals[i]);
        }
        par__free(ds);
        par__free(vals);
        return rc;
}

int par_bag_persist(par_client *c, par_bag *b, par_bag **out, par_error *err)
{
        if (!c || !b || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_persist: client, bag and out are "
                                   "required");
        *out = NULL;
        size_t n = (size_t)b->npartitions;
        par_delayed **ds = par__calloc(n ? n : 1, sizeof *ds);
        par_value **vals = par__calloc(n ? n : 1, sizeof *vals);
        int rc = ds && vals ? 0 : PAR__ENOMEM(err, "persisting a bag");
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = par_bag_partition(b, (int64_t)i, &ds[i], err);
        /* A remote backend (MPI) keeps the partitions where they were made
         * and gives remote values (backend/backend.h) in their place. */
        if (rc == 0) {
                par__persist_scope(true);
                rc = par_compute(c, n, ds, vals, err);
                par__persist_scope(false);
        }
        par_graph *g = NULL;
        if (rc == 0 && !(g = par_graph_new()))
                rc = PAR__ENOMEM(err, "persisting a bag");
        /* The persisted bag keeps its source's name: its keys stand for the
         * same partitions, now held as values. */
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(b->name, (int64_t)i),
                                   "par.identity", 1,
                                   (par_arg[]){par_arg_value(vals[i])}, err);
        if (rc == 0) {
                rc = par__bag_new(g, b->name, b->npartitions, 0, NULL, out, err);
                g = NULL;
        }
        par_graph_free(g);
        for (size_t i = 0; ds && vals && i < n; i++) {
                par_delayed_release(ds[i]);
                par_value_release(vals[i]);
        }
        par__free(ds);
        par__free(vals);
        return rc;
}

/* ---- text files -------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
        while (n) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Writes the partition as lines; text as it is, other items formatted. */
static int write_partition(int fd, const par_value *part)
{
        if (par_column_dtype(part) == PAR_DTYPE_STRING) {
                const int64_t *off = par_column_offsets(part);
                int64_t n = par_column_length(part);
                const char *bytes = par_column_bytes(part);
                /* Lines that lack a line end (the last line of a file, or
                 * strings made by map) get one. */
                int64_t from = 0;
                for (int64_t i = 0; i < n; i++) {
                        int64_t e = off[i + 1];
                        if (e > off[i] && bytes[e - 1] == '\n')
                                continue;
                        if (write_all(fd, bytes + off[from], (size_t)(e - off[from])) < 0 ||
                            write_all(fd, "\n", 1) < 0)
                                return -1;
                        from = i + 1;
                }
                return write_all(fd, bytes + off[from], (size_t)(off[n] - off[from]));
        }
        char buf[1 << 16];
        size_t at = 0;
        int64_t n = par__partition_length(part);
        for (int64_t i = 0; i < n; i++) {
                char item[512];
                if (par_value_is_table(part)) {
                        size_t k = 0;
                        for (size_t c = 0; c < par_table_ncols(part); c++) {
                                par_value *v = par_column_get(par_table_column(part, c), i);
                                k += (size_t)snprintf(item + k, sizeof item - k, "%s",
                                                      c ? "\t" : "");
                                if (k < sizeof item)
                                        par_value_format(v, item + k, sizeof item - k);
                                k = strlen(item);
                                par_value_release(v);
                        }
                } else {
                        par_value *v = par_column_get(part, i);
                        par_value_format(v, item, sizeof item);
                        par_value_release(v);
                }
                size_t len = strlen(item);
                if (at + len + 1 > sizeof buf) {
                        if (write_all(fd, buf, at) < 0)
                                return -1;
                        at = 0;
                }
                memcpy(buf + at, item, len);
                at += len;
                buf[at++] = '\n';
        }
        return write_all(fd, buf, at);
}

static int op_write_text(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        const char *path = par_value_bytes(args[1], NULL);
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.par-tmp-%ld-%" PRId64, path, (long)getpid(),
                 par_task_key(ctx).index);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
                return par_task_fail(ctx, PAR_EIO, "%s: cannot create: %s", tmp,
                                     strerror(errno));
        int bad = write_partition(fd, args[0]) < 0 ? errno : 0;
        if (close(fd) != 0 && !bad)
                bad = errno;
        if (!bad && rename(tmp, path) != 0)
                bad = errno;
        if (bad) {
                unlink(tmp);
                return par_task_fail(ctx, PAR_EIO, "%s: write failed: %s", path,
                                     strerror(bad));
        }
        *out = par_value_cstring(path);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_list(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        *out = par_value_list(n, args);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* The file name for partition i: '*' replaced by i, zero-padded to the
 * width of the largest index. */
static int name_for(const char *pattern, int64_t i, int64_t n, char *buf,
                    size_t size)
{
        const char *star = strchr(pattern, '*');
        int width = snprintf(NULL, 0, "%" PRId64, n > 0 ? n - 1 : 0);
        if (!star)
                return snprintf(buf, size, "%s", pattern);
        return snprintf(buf, size, "%.*s%0*" PRId64 "%s", (int)(star - pattern),
                        pattern, width, i, star + 1);
}

int par_bag_to_textfiles(par_client *c, par_bag *b, const char *pattern,
                         par_value **files, par_error *err)
{
        if (files)
                *files = NULL;
        if (!c || !b || !pattern)
                return par__errorf(err, PAR_EINVAL,
                                   "to_textfiles: client, bag and pattern are "
                                   "required");
        if (!strchr(pattern, '*') && b->npartitions > 1)
                return par__errorf(err, PAR_EINVAL,
                                   "to_textfiles '%s': the bag has %" PRId64
                                   " partitions; put a '*' in the name for the "
                                   "partition number",
                                   pattern, b->npartitions);
        if (strchr(strchr(pattern, '*') ? strchr(pattern, '*') + 1 : "", '*'))
                return par__errorf(err, PAR_EINVAL,
                                   "to_textfiles '%s': only one '*' is allowed",
                                   pattern);
        char name[128];
        par__bag_token("to-text", b, pattern, strlen(pattern), name, sizeof name);
        par_graph *g = par_graph_new();
        int64_t np = b->npartitions;
        par_arg *keys = par__malloc((size_t)np * sizeof *keys);
        int rc = g && keys ? 0 : PAR__ENOMEM(err, "writing text files");
        for (int64_t i = 0; i < np && rc == 0; i++) {
                char path[4096];
                name_for(pattern, i, np, path, sizeof path);
                rc = par_graph_add(g, par_key_make(name, i), "par.bag.write_text", 2,
                                   (par_arg[]){par_arg_key(b->name, i),
                                               par_arg_string(path)},
                                   err);
                keys[i] = par_arg_key(name, i);
        }
        char all[140];
        snprintf(all, sizeof all, "%s-all", name);
        if (rc == 0)
                rc = par_graph_add(g, par_key_make(all, PAR_NO_INDEX), "par.list",
                                   (size_t)np, keys, err);
        par__free(keys);
        if (rc == 0)
                rc = par__layer_to_graph(b->layer, g, err);
        par_value *list = NULL;
        if (rc == 0)
                rc = par__client_run(c, g, 1,
                                       (par_key[]){par_key_make(all, PAR_NO_INDEX)},
                                       &list, err);
        par_graph_free(g);
        if (rc == 0 && files)
                *files = list;
        else
                par_value_release(list);
        return rc;
}

void par__bag_register_result_ops(void)
{
        par_op_register("par.bag.write_text", op_write_text, NULL);
        par_op_register("par.list", op_list, NULL);
}
