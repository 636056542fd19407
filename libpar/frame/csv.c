/* read_csv and to_csv: planning files into partitions, and the ops that
 * read or write one partition. Parsing and formatting themselves are in
 * libpar/kernels/csv.c. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame/internal.h"
#include "kernels/csv.h"
#include "kernels/numfmt.h"
#include "kernels/text.h"

#define SAMPLE_BYTES (256 << 10)


/* Reads up to n bytes from the start of a file. */
static int read_head(const char *path, size_t n, char **buf, size_t *len,
                     int64_t *size, par_error *err)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return par__errorf(err, errno == ENOENT ? PAR_ENOENT : PAR_EIO,
                                   "read_csv: %s: %s", path, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) != 0) {
                int e = errno;
                close(fd);
                return par__errorf(err, PAR_EIO, "read_csv: %s: %s", path, strerror(e));
        }
        *size = st.st_size;
        size_t want = (size_t)st.st_size < n ? (size_t)st.st_size : n;
        *buf = par__malloc(want ? want : 1);
        if (!*buf) {
                close(fd);
                return PAR__ENOMEM(err, "reading a CSV header");
        }
        ssize_t r = par__pread_full(fd, *buf, want, 0);
        int e = errno;
        close(fd);
        if (r < 0) {
                par__free(*buf);
                return par__errorf(err, PAR_EIO, "read_csv: %s: %s", path, strerror(e));
        }
        *len = (size_t)r;
        return 0;
}

/* Block starts of a file split every `bs` bytes at row starts, and the
 * line number of each; one sequential pass tracking quote parity. */
static int split_file(const char *path, int64_t size, int64_t body,
                      int64_t first_line, int64_t bs, char quote,
                      int64_t **starts, int64_t **lines, size_t *nblocks,
                      par_error *err)
{
        size_t cap = (size_t)((size - body) / bs + 2);
        *starts = par__malloc(cap * sizeof **starts);
        *lines = par__malloc(cap * sizeof **lines);
        if (!*starts || !*lines)
                return PAR__ENOMEM(err, "planning read_csv");
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return par__errorf(err, PAR_EIO, "read_csv: %s: %s", path,
                                   strerror(errno));
        enum { CHUNK = 1 << 20 };
        char *buf = par__malloc(CHUNK);
        if (!buf) {
                close(fd);
                return PAR__ENOMEM(err, "planning read_csv");
        }
        size_t n = 0;
        (*starts)[n] = body;
        (*lines)[n] = first_line;
        n++;
        int64_t target = body + bs, at = body, lineno = first_line;
        bool inq = false, seeking = false;
        int rc = 0;
        while (at < size && target < size) {
                ssize_t r = par__pread_full(fd, buf, CHUNK, at);
                if (r <= 0) {
                        rc = par__errorf(err, PAR_EIO, "read_csv: %s: read failed",
                                         path);
                        break;
                }
                size_t len = (size_t)r, pos = 0;
                while (pos < len) {
                        if (!seeking) {
                                if (at + (int64_t)len <= target) {
                                        /* the whole rest is before the target */
                                        size_t q = par__csv_count_quotes(buf + pos, len - pos,
                                                                         quote);
                                        inq ^= q & 1;
                                        lineno += (int64_t)par__count_byte(buf + pos,
                                                                           len - pos, '\n');
                                        pos = len;
                                        break;
                                }
                                size_t upto = (size_t)(target - at);
                                inq ^= par__csv_count_quotes(buf + pos, upto - pos,
                                                             quote) & 1;
                                lineno += (int64_t)par__count_byte(buf + pos, upto - pos,
                                                                   '\n');
                                pos = upto;
                                seeking = true;
                        }
                        size_t nx = par__csv_next_row(buf + pos, len - pos, 0, inq, quote);
                        if (pos + nx >= len && (nx == len - pos)) {
                                /* no row end in this chunk: carry the state */
                                inq ^= par__csv_count_quotes(buf + pos, len - pos,
                                                             quote) & 1;
                                lineno += (int64_t)par__count_byte(buf + pos, len - pos,
                                                                   '\n');
                                pos = len;
                                break;
                        }
                        /* bytes [pos, pos+nx) end with the row's '\n' */
                        inq ^= par__csv_count_quotes(buf + pos, nx, quote) & 1;
                        lineno += (int64_t)par__count_byte(buf + pos, nx, '\n');
                        pos += nx;
                        int64_t start = at + (int64_t)pos;
                        if (start < size && n < cap) {
                                (*starts)[n] = start;
                                (*lines)[n] = lineno;
                                n++;
                        }
                        seeking = false;
                        while (target <= start)
                                target += bs;
                        if (target >= size)
                                break;
                }
                at += (int64_t)len;
        }
        par__free(buf);
        close(fd);
        *nblocks = n;
        return rc;
}

typedef struct plan {
        char **paths;
        int64_t *start, *end, *line;
        size_t n, cap;
} plan;

static int plan_add(plan *p, const char *path, int64_t s, int64_t e, int64_t line)
{
        if (p->n == p->cap) {
                size_t nc = p->cap ? 2 * p->cap : 16;
                char **a = par__realloc(p->paths, nc * sizeof *a);
                if (!a)
                        return PAR_ENOMEM;
                p->paths = a;
                int64_t *b = par__realloc(p->start, nc * sizeof *b);
                if (!b)
                        return PAR_ENOMEM;
                p->start = b;
                b = par__realloc(p->end, nc * sizeof *b);
                if (!b)
                        return PAR_ENOMEM;
                p->end = b;
                b = par__realloc(p->line, nc * sizeof *b);
                if (!b)
                        return PAR_ENOMEM;
                p->line = b;
                p->cap = nc;
        }
        p->paths[p->n] = (char *)path;
        p->start[p->n] = s;
        p->end[p->n] = e;
        p->line[p->n] = line;
        p->n++;
        return 0;
}

static void plan_free(plan *p)
{
        par__free(p->paths);
        par__free(p->start);
        par__free(p->end);
        par__free(p->line);
}

int par_read_csv(const char *path, const par_read_csv_opts *opts,
                 par_frame **out, par_error *err)
{
        if (!path || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "read_csv: a path and out are required");
        *out = NULL;
        par_read_csv_opts o = opts ? *opts : (par_read_csv_opts){0};
        par__csv_format fmt = {o.delimiter ? o.delimiter : ',',
                               o.quote ? o.quote : '"'};
        int64_t bs = o.blocksize == 0 ? (int64_t)64 << 20 : o.blocksize;
        glob_t gl = {0};
        int g = glob(path, 0, NULL, &gl);
        if (g != 0 || gl.gl_pathc == 0) {
                if (g == 0)
                        globfree(&gl);
                return par__errorf(err, PAR_ENOENT, "read_csv: no file matches '%s'",
                                   path);
        }
        char *head = NULL, **names = NULL, **fnames = NULL;
        size_t hlen = 0, ncols = 0, consumed = 0, fncols = 0;
        int64_t size = 0;
        par_value *sample = NULL;
        par_dtype *given = NULL, *meta = NULL;
        bool *keep = NULL;
        plan pl = {0};
        char **keptnames = NULL;
        par_dtype *keptdt = NULL;
        par_graph *gr = NULL;
        int rc = read_head(gl.gl_pathv[0], SAMPLE_BYTES, &head, &hlen, &size, err);
        if (rc == 0)
                rc = par__csv_parse_header(head, hlen, &fmt, gl.gl_pathv[0], &names,
                                           &ncols, &consumed, err);
        if (rc < 0)
                goto done;
        given = par__calloc(ncols ? ncols : 1, sizeof *given);
        meta = par__calloc(ncols ? ncols : 1, sizeof *meta);
        keep = par__calloc(ncols ? ncols : 1, sizeof *keep);
        if (!given || !meta || !keep) {
                rc = PAR__ENOMEM(err, "planning read_csv");
                goto done;
        }
        for (size_t c = 0; c < ncols; c++)
                keep[c] = o.usecols == NULL;
        for (size_t u = 0; u < o.nusecols; u++) {
                size_t c = 0;
                while (c < ncols && strcmp(names[c], o.usecols[u]) != 0)
                        c++;
                if (c == ncols) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "read_csv %s: usecols names '%s', which is "
                                         "not a column of the header",
                                         gl.gl_pathv[0], o.usecols[u]);
                        goto done;
                }
                keep[c] = true;
        }
        for (size_t d = 0; d < o.ndtypes; d++) {
                size_t c = 0;
                while (c < ncols && strcmp(names[c], o.dtype_names[d]) != 0)
                        c++;
                if (c == ncols) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "read_csv %s: a dtype is given for '%s', "
                                         "which is not a column of the header",
                                         gl.gl_pathv[0], o.dtype_names[d]);
                        goto done;
                }
                given[c] = o.dtypes[d];
        }
        /* Infer the dtypes from the sample's whole rows. */
        {
                size_t end = consumed, p = consumed;
                while (p < hlen) {
                        size_t nx = par__csv_next_row(head + p, hlen - p, 0, false,
                                                      fmt.quote);
                        if (nx >= hlen - p) {
                                if ((int64_t)hlen == size)
                                        end = hlen; /* the file's last row */
                                break;
                        }
                        p += nx;
                        end = p;
                }
                par__csv_parse po = {gl.gl_pathv[0],
                                     1 + (int64_t)par__count_byte(head, consumed, '\n'),
                                     fmt, ncols,
                                     (const char *const *)names, given, keep};
                rc = par__csv_parse_block(head + consumed, end - consumed, &po, &sample,
                                          err);
                if (rc < 0)
                        goto done;
                size_t k = 0;
                for (size_t c = 0; c < ncols; c++) {
                        if (!keep[c])
                                continue;
                        meta[c] = par_column_dtype(par_table_column(sample, k++));
                        if (par_table_length(sample) == 0 && !given[c])
                                meta[c] = PAR_DTYPE_STRING;
                }
        }
        /* Every file: same header, then its blocks. */
        for (size_t f = 0; f < gl.gl_pathc && rc == 0; f++) {
                char *fh = NULL;
                size_t fl = 0, fc = 0;
                int64_t fsize = 0;
                rc = read_head(gl.gl_pathv[f], 64 << 10, &fh, &fl, &fsize, err);
                if (rc == 0)
                        rc = par__csv_parse_header(fh, fl, &fmt, gl.gl_pathv[f], &fnames,
                                                   &fncols, &fc, err);
                /* The first data line's number: the header may span lines
                 * (a quoted newline) or follow empty lines. */
                int64_t first_line = rc == 0 ? 1 + (int64_t)par__count_byte(fh, fc, '\n')
                                             : 2;
                par__free(fh);
                if (rc < 0)
                        break;
                bool same = fncols == ncols;
                for (size_t c = 0; same && c < ncols; c++)
                        same = strcmp(fnames[c], names[c]) == 0;
                par__csv_free_names(fnames, fncols);
                fnames = NULL;
                if (!same) {
                        rc = par__errorf(err, PAR_EPARSE,
                                         "read_csv: %s has another header than %s "
                                         "(all files must have the same columns)",
                                         gl.gl_pathv[f], gl.gl_pathv[0]);
                        break;
                }
                if (bs > 0 && fsize - (int64_t)fc > bs) {
                        int64_t *starts = NULL, *lines = NULL;
                        size_t nb = 0;
                        rc = split_file(gl.gl_pathv[f], fsize, (int64_t)fc, first_line,
                                        bs, fmt.quote, &starts, &lines, &nb, err);
                        for (size_t b = 0; b < nb && rc == 0; b++)
                                if (plan_add(&pl, gl.gl_pathv[f], starts[b],
                                             b + 1 < nb ? starts[b + 1] : fsize,
                                             lines[b]) < 0)
                                        rc = PAR__ENOMEM(err, "planning read_csv");
                        par__free(starts);
                        par__free(lines);
                } else if (plan_add(&pl, gl.gl_pathv[f], (int64_t)fc, fsize,
                                    first_line) < 0) {
                        rc = PAR__ENOMEM(err, "planning read_csv");
                }
        }
        if (rc < 0)
                goto done;
        /* The tasks. */
        size_t nkept = 0;
        keptnames = par__calloc(ncols ? ncols : 1, sizeof *keptnames);
        keptdt = par__calloc(ncols ? ncols : 1, sizeof *keptdt);
        gr = par_graph_new();
        if (!keptnames || !keptdt || !gr) {
                rc = PAR__ENOMEM(err, "planning read_csv");
                goto done;
        }
        for (size_t c = 0; c < ncols; c++)
                if (keep[c]) {
                        keptnames[nkept] = names[c];
                        keptdt[nkept++] = meta[c];
                }
        int64_t *gv = par__malloc((ncols ? ncols : 1) * sizeof *gv);
        int64_t *kv = par__malloc((ncols ? ncols : 1) * sizeof *kv);
        int64_t *mv = par__malloc((ncols ? ncols : 1) * sizeof *mv);
        par_value *nv = NULL, *gvv = NULL, *kvv = NULL, *mvv = NULL;
        if (gv && kv && mv) {
                for (size_t c = 0; c < ncols; c++) {
                        gv[c] = given[c];
                        kv[c] = keep[c];
                        mv[c] = meta[c];
                }
                par_value **items = par__calloc(ncols ? ncols : 1, sizeof *items);
                size_t got = 0;
                for (; items && got < ncols; got++)
                        if (!(items[got] = par_value_cstring(names[got])))
                                break;
                if (items && got == ncols)
                        nv = par_value_list(ncols, items);
                for (size_t i = 0; items && i < got; i++)
                        par_value_release(items[i]);
                par__free(items);
                gvv = par_value_blob(gv, ncols * sizeof *gv);
                kvv = par_value_blob(kv, ncols * sizeof *kv);
                mvv = par_value_blob(mv, ncols * sizeof *mv);
        }
        par__free(gv);
        par__free(kv);
        par__free(mv);
        if (!nv || !gvv || !kvv || !mvv)
                rc = PAR__ENOMEM(err, "planning read_csv");
        uint64_t h = 0;
        for (size_t i = 0; i < pl.n && rc == 0; i++) {
                struct stat st;
                if (stat(pl.paths[i], &st) == 0)
                        h = par__hash_mix(h ^ (uint64_t)st.st_mtime ^ (uint64_t)st.st_size);
                h = par__hash_bytes(pl.paths[i], strlen(pl.paths[i]),
                                    par__hash_mix(h ^ (uint64_t)pl.start[i]));
        }
        h = par__value_token(kvv, par__value_token(gvv, h));
        char name[128];
        snprintf(name, sizeof name, "read-csv-%016" PRIx64, h);
        for (size_t i = 0; i < pl.n && rc == 0; i++)
                rc = par_graph_add(gr, par_key_make(name, (int64_t)i), "par.csv.read", 10,
                                   (par_arg[]){par_arg_string(pl.paths[i]),
                                               par_arg_int64(pl.start[i]),
                                               par_arg_int64(pl.end[i]),
                                               par_arg_int64(pl.line[i]),
                                               par_arg_value(nv), par_arg_value(gvv),
                                               par_arg_value(kvv), par_arg_value(mvv),
                                               par_arg_int64(fmt.delim),
                                               par_arg_int64(fmt.quote)},
                                   err);
        par_value_release(nv);
        par_value_release(gvv);
        par_value_release(kvv);
        par_value_release(mvv);
        if (rc == 0) {
                rc = par__frame_new(gr, name, (int64_t)pl.n, nkept, keptnames, keptdt,
                                    NULL, 0, NULL, 1, out, err);
                gr = NULL;
        }
done:
        par_graph_free(gr);
        par__free(keptnames);
        par__free(keptdt);
        plan_free(&pl);
        par_value_release(sample);
        par__free(given);
        par__free(meta);
        par__free(keep);
        par__csv_free_names(names, ncols);
        par__free(head);
        globfree(&gl);
        return rc;
}

/* Casts column `col` to dtype `to` through an expression. */
static int cast_col(par_value *col, par_dtype to, par_value **out, par_error *err)
{
        par_expr *e = par_call(par_dtype_name(to), 1, (par_expr *[]){par_x()});
        int rc = e ? par_expr_eval(e, col, out, err) : PAR_ENOMEM;
        par_expr_release(e);
        return rc;
}

/* A partition is read and parsed a piece at a time, so the text is parsed
 * while it is still in the cache and no buffer of the partition's whole
 * text is held: READ_PIECE bytes are read, and the whole rows among them
 * parsed. Text the piecewise parser cannot take (errors, a column that
 * turns string late) is read again whole and parsed at once. */
#define READ_PIECE ((size_t)1 << 20)

/* The end of the last whole row of w[0..n) (just past a '\n' outside
 * quotes), given that w[0] starts a row; 0 if there is none. */
static size_t last_row_end(const char *w, size_t n, char quote)
{
        const char *lq = memrchr(w, quote, n);
        if (!lq || par__csv_count_quotes(w, (size_t)(lq - w) + 1, quote) % 2 == 0) {
                /* after the last quote, outside quotes */
                size_t from = lq ? (size_t)(lq - w) + 1 : 0;
                const char *nl = memrchr(w + from, '\n', n - from);
                if (nl)
                        return (size_t)(nl - w) + 1;
                if (!lq)
                        return 0;
        }
        size_t last = 0;
        bool inq = false;
        for (size_t i = 0; i < n; i++) {
                if (w[i] == quote)
                        inq = !inq;
                else if (w[i] == '\n' && !inq)
                        last = i + 1;
        }
        return last;
}

/* Reads [start, end) of fd piece by piece into a parser. Returns 0 and *t,
 * 1 when the text must be parsed whole, or a failed task's status. */
static int read_pieces(par_task_ctx *ctx, int fd, const char *path, int64_t start,
                       int64_t end, const par__csv_parse *po, par_value **t)
{
        size_t total = (size_t)(end - start);
        size_t cap = total < READ_PIECE ? total : READ_PIECE;
        char *w = par__malloc(cap ? cap : 1);
        par__csv_parser *p = NULL;
        par_error perr = {0};
        int rc;
        if (!w || par__csv_parser_new(po, &p, &perr) < 0) {
                par__free(w);
                return par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory", path);
        }
        size_t have = 0;
        int64_t off = start;
        rc = 0;
        while (rc == 0 && (off < end || have)) {
                size_t want = cap - have;
                if ((int64_t)want > end - off)
                        want = (size_t)(end - off);
                if (want) {
                        ssize_t r = par__pread_full(fd, w + have, want, off);
                        if (r != (ssize_t)want) {
                                rc = par_task_fail(ctx, PAR_EIO, "%s: read failed: %s", path,
                                                   r < 0 ? strerror(errno) : "the file shrank");
                                break;
                        }
                        off += (int64_t)want;
                        have += want;
                }
                size_t cut = off < end ? last_row_end(w, have, po->fmt.quote) : have;
                if (cut == 0) { /* a row longer than the piece */
                        char *g = par__realloc(w, 2 * cap);
                        if (!g) {
                                rc = par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory",
                                                   path);
                                break;
                        }
                        w = g;
                        cap *= 2;
                        continue;
                }
                rc = par__csv_parser_feed(p, w, cut, total, &perr);
                if (rc < 0)
                        rc = par_task_fail(ctx, rc, "%s", perr.message);
                memmove(w, w + cut, have - cut);
                have -= cut;
        }
        if (rc == 0) {
                rc = par__csv_parser_finish(p, t, &perr);
                if (rc < 0)
                        rc = par_task_fail(ctx, rc, "%s", perr.message);
        }
        par__csv_parser_free(p);
        par__free(w);
        return rc;
}

/* Whether every kept column of t has the frame's dtype or casts to it
 * (what op_csv_read does without the whole text). */
static bool dtypes_conform(const par_value *t, size_t ncols, const bool *keep,
                           const int64_t *mv)
{
        for (size_t c = 0, k = 0; c < ncols; c++) {
                if (!keep[c])
                        continue;
                const par_value *col = par_table_column(t, k++);
                par_dtype want = (par_dtype)mv[c], have = par_column_dtype(col);
                if (have != want && par_column_length(col) != 0 &&
                    !(want == PAR_DTYPE_FLOAT64 &&
                      (have == PAR_DTYPE_INT64 || have == PAR_DTYPE_BOOL)) &&
                    want != PAR_DTYPE_STRING)
                        return false;
        }
        return true;
}

static int op_csv_read(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        const char *path = par_value_bytes(args[0], NULL);
        int64_t start = par_value_int64_of(args[1]), end = par_value_int64_of(args[2]);
        int64_t line = par_value_int64_of(args[3]);
        const par_value *nv = args[4];
        size_t ncols = par_value_list_size(nv), l;
        const int64_t *gv = (const void *)par_value_bytes(args[5], &l);
        const int64_t *kv = (const void *)par_value_bytes(args[6], &l);
        const int64_t *mv = (const void *)par_value_bytes(args[7], &l);
        par__csv_format fmt = {(char)par_value_int64_of(args[8]),
                               (char)par_value_int64_of(args[9])};
        const char **names = par__calloc(ncols ? ncols : 1, sizeof *names);
        par_dtype *given = par__calloc(ncols ? ncols : 1, sizeof *given);
        bool *keep = par__calloc(ncols ? ncols : 1, sizeof *keep);
        size_t len = (size_t)(end - start);
        char *buf = NULL;
        if (!names || !given || !keep) {
                par__free(names);
                par__free(given);
                par__free(keep);
                par__free(buf);
                return par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory", path);
        }
        for (size_t c = 0; c < ncols; c++) {
                names[c] = par_value_bytes(par_value_list_item(nv, c), NULL);
                given[c] = (par_dtype)gv[c];
                keep[c] = kv[c] != 0;
        }
        int rc = 0;
        par_value *t = NULL;
        par_error perr = {0};
        par__csv_parse po = {path, line, fmt, ncols, names, given, keep};
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                rc = par_task_fail(ctx, PAR_EIO, "%s: cannot open: %s", path,
                                   strerror(errno));
        } else {
                rc = read_pieces(ctx, fd, path, start, end, &po, &t);
                if (rc == 0 && !dtypes_conform(t, ncols, keep, mv))
                        rc = 1; /* the error below quotes the whole text */
                if (rc == 1) {
                        par_value_release(t);
                        t = NULL;
                        rc = 0;
                        buf = par__malloc(len ? len : 1);
                        ssize_t r = buf ? par__pread_full(fd, buf, len, start) : -1;
                        int e = errno;
                        if (!buf)
                                rc = par_task_fail(ctx, PAR_ENOMEM, "%s: out of memory",
                                                   path);
                        else if (r != (ssize_t)len)
                                rc = par_task_fail(ctx, PAR_EIO, "%s: read failed: %s",
                                                   path,
                                                   r < 0 ? strerror(e) : "the file shrank");
                        if (rc == 0) {
                                rc = par__csv_parse_block(buf, len, &po, &t, &perr);
                                if (rc < 0)
                                        rc = par_task_fail(ctx, rc, "%s", perr.message);
                        }
                }
                close(fd);
        }
        /* Make the partition's dtypes those of the frame. */
        if (rc == 0) {
                size_t k = 0;
                par_value *cols[256];
                const char *cn[256];
                size_t nk = par_table_ncols(t);
                bool changed = false;
                for (size_t c = 0; c < ncols && rc == 0 && k < 256; c++) {
                        if (!keep[c])
                                continue;
                        par_value *col = par_table_column(t, k);
                        par_dtype want = (par_dtype)mv[c], have = par_column_dtype(col);
                        cn[k] = names[c];
                        if (have == want) {
                                cols[k] = par_value_retain(col);
                        } else if (par_column_length(col) == 0 ||
                                   (want == PAR_DTYPE_FLOAT64 &&
                                    (have == PAR_DTYPE_INT64 || have == PAR_DTYPE_BOOL)) ||
                                   (want == PAR_DTYPE_STRING)) {
                                rc = cast_col(col, want, &cols[k], &perr);
                                if (rc < 0)
                                        rc = par_task_fail(ctx, rc, "%s", perr.message);
                                changed = true;
                        } else {
                                /* Parse again with the frame's dtype: the
                                 * error then names the first value that
                                 * does not fit. */
                                par_dtype *force = par__calloc(ncols, sizeof *force);
                                par_value *t2 = NULL;
                                if (force) {
                                        memcpy(force, given, ncols * sizeof *force);
                                        force[c] = want;
                                        par__csv_parse po2 = {path, line, fmt, ncols,
                                                              names, force, keep};
                                        par__csv_parse_block(buf, len, &po2, &t2, &perr);
                                }
                                par_value_release(t2);
                                par__free(force);
                                rc = par_task_fail(
                                        ctx, PAR_EPARSE,
                                        "%s; column '%s' was inferred as %s from the "
                                        "first file's sample but holds %s values here: "
                                        "pass its dtype to read_csv explicitly",
                                        perr.message[0] ? perr.message : path, names[c],
                                        par_dtype_name(want), par_dtype_name(have));
                        }
                        k++;
                }
                if (rc == 0 && changed) {
                        *out = par_table_new(nk, cn, cols);
                        if (!*out)
                                rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
                } else if (rc == 0) {
                        *out = par_value_retain(t);
                }
                for (size_t i = 0; i < k && (rc == 0 || i + 1 < k); i++)
                        par_value_release(cols[i]);
        }
        par_value_release(t);
        par__free(buf);
        par__free(names);
        par__free(given);
        par__free(keep);
        return rc;
}

/* ---- to_csv ------------------------------------------------------------------------ */

static int write_file_atomic(const char *path, const char *data, size_t len,
                             int64_t part, char *msg, size_t msgsize)
{
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.par-tmp-%ld-%" PRId64, path, (long)getpid(), part);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
                snprintf(msg, msgsize, "%s: cannot create: %s", tmp, strerror(errno));
                return PAR_EIO;
        }
        int bad = 0;
        size_t off = 0;
        while (off < len) {
                ssize_t w = write(fd, data + off, len - off);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        bad = errno;
                        break;
                }
                off += (size_t)w;
        }
        if (close(fd) != 0 && !bad)
                bad = errno;
        if (!bad && rename(tmp, path) != 0)
                bad = errno;
        if (bad) {
                unlink(tmp);
                snprintf(msg, msgsize, "%s: write failed: %s", path, strerror(bad));
                return PAR_EIO;
        }
        return 0;
}

static int format_part(par_task_ctx *ctx, const par_value *t, bool index,
                       bool header, char delim, char **buf, size_t *len)
{
        /* Reserve the whole text at once (an upper bound per row), so the
         * buffer is one block that the allocator recycles from partition
         * to partition, instead of growing by reallocation into fresh
         * pages: on virtual machines faulting pages in costs more than
         * formatting into them. */
        int64_t rows = par_table_length(t);
        /* Fields as long as they get: an index of up to 20 characters, a
         * shortest double of up to 24 ("-1.7976931348623157e+308"); the
         * formatter reserves its worst case (32 per double) a batch of 256
         * rows at a time, hence the slack. Large blocks are faulted in
         * whole when allocated, so the estimate is also the memory used. */
        size_t per_row = index ? 21 : 0, slack = 256 * (per_row + 1);
        for (size_t c = 0; c < par_table_ncols(t); c++) {
                const par_value *col = par_table_column(t, c);
                switch (par_column_dtype(col)) {
                case PAR_DTYPE_STRING: {
                        const int64_t *off = par_column_offsets(col);
                        per_row += (size_t)((off[rows] - off[0]) / (rows ? rows : 1)) + 4;
                        break;
                }
                case PAR_DTYPE_BOOL:
                        per_row += 6;
                        slack += 256 * 6;
                        break;
                case PAR_DTYPE_FLOAT64:
                        per_row += 25;
                        slack += 256 * (PAR__DOUBLE_MAX_CHARS + 1);
                        break;
                default:
                        per_row += 21;
                        slack += 256 * 21;
                        break;
                }
        }
        size_t cap = (size_t)rows * (per_row + 1) + slack + 4096;
        *buf = par__malloc(cap);
        if (!*buf)
                cap = 0;
        *len = 0;
        par__csv_write o = {{delim, '"'}, header, index, 0, NULL};
        par_error e = {0};
        int rc = par__csv_format_table(t, &o, buf, len, &cap, &e);
        if (rc < 0) {
                par__free(*buf);
                *buf = NULL;
                return par_task_fail(ctx, rc, "to_csv: %s", e.message);
        }
        return 0;
}

/* (table, path, index, header, delimiter) -> path, written atomically. */
static int op_csv_write(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        const char *path = par_value_bytes(args[1], NULL);
        bool index = false, header = false;
        par_value_get_bool(args[2], &index, NULL);
        par_value_get_bool(args[3], &header, NULL);
        char *buf;
        size_t len;
        int rc = format_part(ctx, args[0], index, header,
                             (char)par_value_int64_of(args[4]), &buf, &len);
        if (rc < 0)
                return rc;
        char msg[512];
        rc = write_file_atomic(path, buf, len, par_task_key(ctx).index, msg, sizeof msg);
        par__free(buf);
        if (rc < 0)
                return par_task_fail(ctx, rc, "%s", msg);
        *out = par_value_cstring(path);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (table, index, header, delimiter) -> the CSV text as a blob. */
static int op_csv_format(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        bool index = false, header = false;
        par_value_get_bool(args[1], &index, NULL);
        par_value_get_bool(args[2], &header, NULL);
        char *buf;
        size_t len;
        int rc = format_part(ctx, args[0], index, header,
                             (char)par_value_int64_of(args[3]), &buf, &len);
        if (rc < 0)
                return rc;
        *out = par_value_blob(buf, len);
        par__free(buf);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (path, blobs...) -> path: the blobs one after another, atomically. */
static int op_csv_concat(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        const char *path = par_value_bytes(args[0], NULL);
        size_t total = 0;
        for (size_t i = 1; i < n; i++) {
                size_t l;
                par_value_bytes(args[i], &l);
                total += l;
        }
        char *buf = par__malloc(total ? total : 1);
        if (!buf)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        size_t at = 0;
        for (size_t i = 1; i < n; i++) {
                size_t l;
                const char *p = par_value_bytes(args[i], &l);
                memcpy(buf + at, p, l);
                at += l;
        }
        char msg[512];
        int rc = write_file_atomic(path, buf, total, 0, msg, sizeof msg);
        par__free(buf);
        if (rc < 0)
                return par_task_fail(ctx, rc, "%s", msg);
        *out = par_value_cstring(path);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* Removes files that match pattern (prefix, digits, suffix) but are not
 * in `keep`, left by an earlier run with more partitions. */
static void remove_stale(const char *pattern, const par_value *keep)
{
        const char *star = strchr(pattern, '*');
        if (!star)
                return;
        glob_t gl;
        if (glob(pattern, 0, NULL, &gl) != 0)
                return;
        size_t pre = (size_t)(star - pattern), suf = strlen(star + 1);
        for (size_t i = 0; i < gl.gl_pathc; i++) {
                const char *p = gl.gl_pathv[i];
                size_t len = strlen(p);
                if (len < pre + suf + 1)
                        continue;
                bool digits = true;
                for (size_t k = pre; k < len - suf && digits; k++)
                        digits = p[k] >= '0' && p[k] <= '9';
                if (!digits)
                        continue;
                bool ours = false;
                for (size_t k = 0; k < par_value_list_size(keep) && !ours; k++)
                        ours = strcmp(par_value_bytes(par_value_list_item(keep, k), NULL),
                                      p) == 0;
                if (!ours)
                        unlink(p);
        }
        globfree(&gl);
}

int par_frame_to_csv(par_client *c, par_frame *f, const char *pattern,
                     const par_to_csv_opts *opts, par_value **files,
                     par_error *err)
{
        if (files)
                *files = NULL;
        if (!c || !f || !pattern)
                return par__errorf(err, PAR_EINVAL,
                                   "to_csv: client, frame and a file name are "
                                   "required");
        par_to_csv_opts o = opts ? *opts : (par_to_csv_opts){0};
        const char *star = strchr(pattern, '*');
        if (!o.single_file && !star)
                return par__errorf(err, PAR_EINVAL,
                                   "to_csv '%s': put a '*' in the name for the "
                                   "partition number, or ask for a single file",
                                   pattern);
        if (star && strchr(star + 1, '*'))
                return par__errorf(err, PAR_EINVAL,
                                   "to_csv '%s': only one '*' is allowed", pattern);
        int64_t np = f->npartitions;
        char name[160], all[180];
        snprintf(name, sizeof name, "to-csv-%016" PRIx64,
                 par__hash_bytes(pattern, strlen(pattern),
                                 par__hash_bytes(f->name, strlen(f->name), o.single_file)));
        snprintf(all, sizeof all, "%s-all", name);
        par_graph *g = par_graph_new();
        par_arg *keys = par__malloc((size_t)(np + 1) * sizeof *keys);
        int rc = g && keys ? 0 : PAR__ENOMEM(err, "writing CSV");
        int width = snprintf(NULL, 0, "%" PRId64, np > 0 ? np - 1 : 0);
        char delim = o.delimiter ? o.delimiter : ',';
        for (int64_t i = 0; i < np && rc == 0; i++) {
                if (o.single_file) {
                        rc = par_graph_add(g, par_key_make(name, i), "par.csv.format", 4,
                                           (par_arg[]){par_arg_key(f->name, i),
                                                       par_arg_bool(!o.no_index),
                                                       par_arg_bool(!o.no_header && i == 0),
                                                       par_arg_int64(delim)},
                                           err);
                } else {
                        char path[4096];
                        snprintf(path, sizeof path, "%.*s%0*" PRId64 "%s",
                                 (int)(star - pattern), pattern, width, i, star + 1);
                        rc = par_graph_add(g, par_key_make(name, i), "par.csv.write", 5,
                                           (par_arg[]){par_arg_key(f->name, i),
                                                       par_arg_string(path),
                                                       par_arg_bool(!o.no_index),
                                                       par_arg_bool(!o.no_header),
                                                       par_arg_int64(delim)},
                                           err);
                }
                keys[i + (o.single_file ? 1 : 0)] = par_arg_key(name, i);
        }
        if (rc == 0) {
                if (o.single_file) {
                        keys[0] = par_arg_string(pattern);
                        rc = par_graph_add(g, par_key_make(all, PAR_NO_INDEX),
                                           "par.csv.concat", (size_t)np + 1, keys, err);
                } else {
                        rc = par_graph_add(g, par_key_make(all, PAR_NO_INDEX), "par.list",
                                           (size_t)np, keys, err);
                }
        }
        par__free(keys);
        if (rc == 0)
                rc = par__layer_to_graph(f->layer, g, err);
        par_value *list = NULL;
        if (rc == 0)
                rc = par__client_run(c, g, 1,
                                       (par_key[]){par_key_make(all, PAR_NO_INDEX)},
                                       &list, err);
        par_graph_free(g);
        if (rc == 0 && o.single_file) {
                par_value *one = list;
                list = par_value_list(1, &one);
                par_value_release(one);
                if (!list)
                        rc = PAR__ENOMEM(err, "writing CSV");
        }
        if (rc == 0 && !o.single_file)
                remove_stale(pattern, list);
        if (rc == 0 && files)
                *files = list;
        else
                par_value_release(list);
        return rc;
}

void par__csv_register_ops(void)
{
        par_op_register("par.csv.read", op_csv_read, NULL);
        par_op_register("par.csv.write", op_csv_write, NULL);
        par_op_register("par.csv.format", op_csv_format, NULL);
        par_op_register("par.csv.concat", op_csv_concat, NULL);
}
