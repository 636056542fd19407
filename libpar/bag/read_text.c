/* read_text: files to blocks to lines.
 *
 * Block semantics (as Dask's): the file is cut at multiples of blocksize;
 * a block that does not start the file begins after the first delimiter
 * at or after its start offset, and every block runs through the first
 * delimiter at or after its end offset (or the end of the file). So each
 * line is in exactly one block. The delimiter stays on its line, and a
 * last line without one still counts.
 *
 * The block's bytes are read straight into the buffer that becomes the
 * string column's data: no per-line allocation, one pass to find line
 * starts. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bag/internal.h"
#include "kernels/text.h"

int par_parse_bytes(const char *text, int64_t *out, par_error *err)
{
        if (!text || !out)
                return par__errorf(err, PAR_EINVAL, "par_parse_bytes: no text");
        const char *s = text;
        while (*s == ' ')
                s++;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || !(v >= 0))
                goto bad;
        while (*end == ' ')
                end++;
        static const struct {
                const char *unit;
                double mult;
        } units[] = {
                {"", 1},          {"b", 1},          {"kb", 1e3},
                {"mb", 1e6},      {"gb", 1e9},       {"tb", 1e12},
                {"kib", 1024.0},  {"mib", 1048576.0}, {"gib", 1073741824.0},
                {"tib", 1099511627776.0}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9},
        };
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
                if (strcasecmp(end, units[i].unit) != 0)
                        continue;
                double b = v * units[i].mult;
                if (b >= 9.2e18 || b != floor(b))
                        goto bad;
                *out = (int64_t)b;
                return 0;
        }
bad:
        return par__errorf(err, PAR_EINVAL,
                           "'%s' is not a byte count (expected e.g. 512, "
                           "\"100KB\", \"64MiB\", \"1.5GB\")",
                           text);
}

/* ---- planning the blocks ------------------------------------------------------- */

static bool is_gz(const char *path, par_compression c)
{
        if (c == PAR_COMPRESSION_GZIP)
                return true;
        if (c == PAR_COMPRESSION_NONE)
                return false;
        size_t n = strlen(path);
        return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

int par_read_text_paths(size_t n, const char *const *paths,
                        const par_read_text_opts *opts, par_bag **out,
                        par_error *err)
{
        if (!out || (n && !paths))
                return par__errorf(err, PAR_EINVAL,
                                   "read_text: paths and out are required");
        *out = NULL;
        if (n == 0)
                return par__errorf(err, PAR_ENOENT, "read_text: no files given");
        par_read_text_opts o = opts ? *opts : (par_read_text_opts){0};
        int64_t bs = o.blocksize;
        if (o.blocksize_str) {
                int rc = par_parse_bytes(o.blocksize_str, &bs, err);
                if (rc < 0) {
                        par__error_prefix(err, "read_text blocksize");
                        return rc;
                }
        }
        if (bs < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "read_text: blocksize %" PRId64
                                   " is negative",
                                   bs);
        int64_t delim = o.delimiter ? (unsigned char)o.delimiter : '\n';
        /* Size every file now, so the partitions are known. */
        uint64_t h = par__hash_mix((uint64_t)bs ^ ((uint64_t)delim << 40) ^
                                   ((uint64_t)o.include_path << 50) ^
                                   ((uint64_t)o.compression << 52));
        int64_t *sizes = par__calloc(n, sizeof *sizes);
        if (!sizes)
                return PAR__ENOMEM(err, "planning read_text");
        int64_t nparts = 0;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                if (!paths[i] || stat(paths[i], &st) != 0) {
                        int e = errno;
                        par__free(sizes);
                        return par__errorf(err, e == ENOENT ? PAR_ENOENT : PAR_EIO,
                                           "read_text: %s: %s",
                                           paths[i] ? paths[i] : "(null)",
                                           strerror(e));
                }
                if (S_ISDIR(st.st_mode)) {
                        par__free(sizes);
                        return par__errorf(err, PAR_EINVAL,
                                           "read_text: %s is a directory",
                                           paths[i]);
                }
                sizes[i] = st.st_size;
                h = par__hash_bytes(paths[i], strlen(paths[i]), h);
                h = par__hash_mix(h ^ (uint64_t)st.st_size ^
                                  ((uint64_t)st.st_mtime << 20));
                if (bs == 0 || is_gz(paths[i], o.compression) || sizes[i] == 0)
                        nparts += 1;
                else
                        nparts += (sizes[i] + bs - 1) / bs;
        }
        char name[128];
        snprintf(name, sizeof name, "read-text-%016" PRIx64, h);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, "planning read_text");
        int64_t k = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                bool gz = is_gz(paths[i], o.compression);
                int64_t nb = (bs == 0 || gz || sizes[i] == 0)
                                     ? 1
                                     : (sizes[i] + bs - 1) / bs;
                for (int64_t b = 0; b < nb && rc == 0; b++) {
                        int64_t start = nb == 1 ? 0 : b * bs;
                        int64_t end = nb == 1 ? -1 : (b + 1) * bs;
                        rc = par_graph_add(
                                g, par_key_make(name, k++), "par.bag.read_text", 6,
                                (par_arg[]){par_arg_string(paths[i]),
                                            par_arg_int64(start), par_arg_int64(end),
                                            par_arg_int64(delim),
                                            par_arg_bool(o.include_path),
                                            par_arg_bool(gz)},
                                err);
                }
        }
        par__free(sizes);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__bag_new(g, name, nparts, 0, NULL, out, err);
}

int par_read_text(const char *path, const par_read_text_opts *opts,
                  par_bag **out, par_error *err)
{
        if (!path || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "read_text: a path and out are required");
        *out = NULL;
        if (!strpbrk(path, "*?["))
                return par_read_text_paths(1, &path, opts, out, err);
        glob_t gl;
        int g = glob(path, 0, NULL, &gl);
        if (g == GLOB_NOMATCH || (g == 0 && gl.gl_pathc == 0)) {
                if (g == 0)
                        globfree(&gl);
                return par__errorf(err, PAR_ENOENT,
                                   "read_text: no file matches '%s'", path);
        }
        if (g != 0)
                return par__errorf(err, g == GLOB_NOSPACE ? PAR_ENOMEM : PAR_EIO,
                                   "read_text: cannot expand '%s'", path);
        int rc = par_read_text_paths(gl.gl_pathc, (const char *const *)gl.gl_pathv,
                                     opts, out, err);
        globfree(&gl);
        return rc;
}

/* ---- the op ---------------------------------------------------------------------- */


/* Offset just past the first delimiter at or after `from`, or -1 if there
 * is none before the end of the file. */
static int64_t after_delim(int fd, int64_t from, char delim, char *tmp,
                           size_t tmpsize, int *fail)
{
        for (int64_t at = from;;) {
                ssize_t r = par__pread_full(fd, tmp, tmpsize, at);
                if (r < 0) {
                        *fail = errno;
                        return -1;
                }
                if (r == 0)
                        return -1;
                const char *p = memchr(tmp, delim, (size_t)r);
                if (p)
                        return at + (p - tmp) + 1;
                at += r;
        }
}

static int lines_partition(par_task_ctx *ctx, char *buf, size_t len, char delim,
                           bool include_path, const char *path,
                           par_value **out)
{
        size_t nlines = par__count_lines(buf, len, delim);
        int64_t *offs = par__malloc((nlines + 1) * sizeof *offs);
        if (!offs) {
                par__free(buf);
                return par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory", path);
        }
        par__line_offsets(buf, len, delim, offs);
        par_value *text = par__column_adopt_strings(buf, len, offs, (int64_t)nlines);
        if (!text)
                return par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory", path);
        if (!include_path) {
                *out = text;
                return 0;
        }
        size_t plen = strlen(path);
        par__column *pc = par__column_alloc(PAR_DTYPE_STRING, (int64_t)nlines,
                                            plen * nlines);
        if (!pc) {
                par_value_release(text);
                return par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory", path);
        }
        for (size_t i = 0; i < nlines; i++) {
                memcpy((char *)pc->data + i * plen, path, plen);
                pc->offsets[i + 1] = (int64_t)((i + 1) * plen);
        }
        par_value *pv = par__column_finish(pc);
        par_value *cols[2] = {text, pv};
        *out = pv ? par_table_new(2, (const char *[]){"text", "path"}, cols) : NULL;
        par_value_release(text);
        par_value_release(pv);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory", path);
}

/* The bytes of one block (args as the read_text task's), whole lines,
 * in a new buffer (*buf, par__malloc'd) of *len bytes. */
static int read_block(par_task_ctx *ctx, par_value *const *args, char **obuf,
                      size_t *olen)
{
        const char *path = par_value_bytes(args[0], NULL);
        int64_t start = par_value_int64_of(args[1]);
        int64_t end = par_value_int64_of(args[2]);
        char delim = (char)par_value_int64_of(args[3]);
        bool gz = false;
        par_value_get_bool(args[5], &gz, NULL);

        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return par_task_fail(ctx, errno == ENOENT ? PAR_ENOENT : PAR_EIO,
                                     "%s: cannot open: %s", path,
                                     strerror(errno));
        struct stat st;
        if (fstat(fd, &st) != 0) {
                int e = errno;
                close(fd);
                return par_task_fail(ctx, PAR_EIO, "%s: %s", path, strerror(e));
        }
        int64_t size = st.st_size;
        if (gz) {
                char *raw = par__malloc(size ? (size_t)size : 1);
                ssize_t r = raw ? par__pread_full(fd, raw, (size_t)size, 0) : -1;
                int e = errno;
                close(fd);
                if (!raw)
                        return par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory",
                                             path);
                if (r != size) {
                        par__free(raw);
                        return par_task_fail(ctx, PAR_EIO, "%s: read failed: %s",
                                             path, r < 0 ? strerror(e)
                                                         : "file shrank");
                }
                char *text = NULL;
                size_t tlen = 0;
                par_error perr = {0};
                int rc = par__gunzip(path, raw, (size_t)size, &text, &tlen, &perr);
                par__free(raw);
                if (rc < 0)
                        return par_task_fail(ctx, rc, "%s", perr.message);
                *obuf = text;
                *olen = tlen;
                return 0;
        }
        /* Where this block's lines begin and end. */
        char tmp[4096];
        int fail = 0;
        int64_t begin = start, stop;
        bool empty = false;
        if (end < 0)
                end = size;
        if (start > 0) {
                /* A line starting at or past `end` belongs to a later block
                 * (which finds the same delimiter), so this one is empty. */
                begin = start >= size ? -1
                                      : after_delim(fd, start, delim, tmp,
                                                    sizeof tmp, &fail);
                empty = begin < 0 || begin > end || begin >= size;
        }
        if (empty || end >= size) {
                stop = size;
        } else {
                stop = after_delim(fd, end, delim, tmp, sizeof tmp, &fail);
                if (stop < 0)
                        stop = size;
        }
        if (fail) {
                close(fd);
                return par_task_fail(ctx, PAR_EIO, "%s: read failed: %s", path,
                                     strerror(fail));
        }
        if (empty)
                begin = stop;
        size_t len = (size_t)(stop - begin);
        char *buf = par__malloc(len ? len : 1);
        if (!buf) {
                close(fd);
                return par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory for a "
                                                      "block of %zu bytes",
                                     path, len);
        }
        ssize_t r = par__pread_full(fd, buf, len, begin);
        int e = errno;
        close(fd);
        if (r != (ssize_t)len) {
                par__free(buf);
                return par_task_fail(ctx, PAR_EIO,
                                     "%s: read of bytes %" PRId64 "..%" PRId64
                                     " failed: %s",
                                     path, begin, stop,
                                     r < 0 ? strerror(e) : "the file shrank");
        }
        *obuf = buf;
        *olen = len;
        return 0;
}

int par__op_read_text(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)n;
        char *buf;
        size_t len;
        int rc = read_block(ctx, args, &buf, &len);
        if (rc < 0)
                return rc;
        bool include_path = false;
        par_value_get_bool(args[4], &include_path, NULL);
        return lines_partition(ctx, buf, len, (char)par_value_int64_of(args[3]),
                               include_path, par_value_bytes(args[0], NULL), out);
}

/* read_text fused with count: the lines of a block, counted as they are
 * read, with no line offsets built. Args as read_text's. */
int par__op_read_count(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        char *buf;
        size_t len;
        int rc = read_block(ctx, args, &buf, &len);
        if (rc < 0)
                return rc;
        size_t k = par__count_lines(buf, len, (char)par_value_int64_of(args[3]));
        par__free(buf);
        *out = par_value_int64((int64_t)k);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* read_text fused with filter(contains(x, needle)) and count: args as
 * read_text's, then the needle. */
int par__op_read_count_containing(par_task_ctx *ctx, size_t n,
                                  par_value *const *args, par_value **out)
{
        (void)n;
        char *buf;
        size_t len, nlen;
        int rc = read_block(ctx, args, &buf, &len);
        if (rc < 0)
                return rc;
        const char *needle = par_value_bytes(args[6], &nlen);
        char delim = (char)par_value_int64_of(args[3]);
        size_t k = nlen ? par__count_lines_containing(buf, len, delim, needle, nlen)
                        : par__count_lines(buf, len, delim);
        par__free(buf);
        *out = par_value_int64((int64_t)k);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}
