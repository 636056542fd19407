/* Graphs on the wire: the graph's interned names once, then each task as
 * name id, index, op id and arguments (a literal value or a key). */
#include <inttypes.h>

#include "graph/internal.h"
#include "wire/internal.h"

enum { ARG_VALUE = 0, ARG_KEY = 1 };

static int put_string(par__wbuf *b, const char *s, par_error *err)
{
        size_t len = strlen(s);
        if (len > UINT32_MAX)
                return par__errorf(err, PAR_ERANGE, "wire: a graph name of "
                                   "%zu bytes is too long", len);
        int rc = par__wput_u32(b, (uint32_t)len, err);
        return rc ? rc : par__wbuf_put(b, s, len, err);
}

static int put_task(par__wbuf *b, const par_graph *g, const par__task *t,
                    par_error *err)
{
        int rc = par__wput_u32(b, t->name, err);
        if (rc == 0)
                rc = par__wput_u64(b, (uint64_t)t->index, err);
        if (rc == 0)
                rc = par__wput_u32(b, t->op, err);
        if (rc == 0)
                rc = par__wput_u32(b, t->nargs, err);
        for (uint32_t i = 0; i < t->nargs && rc == 0; i++) {
                const par__garg *a = &g->args[t->arg0 + i];
                if (a->value) {
                        rc = par__wput_u8(b, ARG_VALUE, err);
                        if (rc == 0)
                                rc = par__wire_put_value(b, a->value, 1, err);
                } else {
                        rc = par__wput_u8(b, ARG_KEY, err);
                        if (rc == 0)
                                rc = par__wput_u32(b, a->key_name, err);
                        if (rc == 0)
                                rc = par__wput_u64(b, (uint64_t)a->key_index,
                                                   err);
                }
        }
        if (rc < 0) {
                char kbuf[160];
                par__graph_format_task_key(g, (uint32_t)(t - g->tasks), kbuf,
                                           sizeof kbuf);
                par__error_prefix(err, "encoding task %s", kbuf);
        }
        return rc;
}

int par__wire_encode_graph(par__wbuf *b, const par_graph *g, par_error *err)
{
        if (!g)
                return par__errorf(err, PAR_EINVAL, "wire: no graph to encode");
        size_t start;
        int rc = par__wire_begin(b, PAR__WIRE_GRAPH, &start, err);
        if (rc < 0)
                return rc;
        rc = par__wput_u32(b, (uint32_t)g->names.n, err);
        for (size_t i = 0; i < g->names.n && rc == 0; i++)
                rc = put_string(b, g->names.str[i], err);
        if (rc == 0)
                rc = par__wput_u32(b, (uint32_t)g->ntasks, err);
        for (size_t t = 0; t < g->ntasks && rc == 0; t++)
                rc = put_task(b, g, &g->tasks[t], err);
        if (rc < 0) {
                b->len = start;
                return rc;
        }
        par__wire_end(b, start, 0);
        return 0;
}

/* ---- decoding ------------------------------------------------------------------ */

typedef struct gdec {
        par__wreader *r;
        char **str;
        uint32_t nstr;
        uint8_t *op_known; /* by string id: 1 once par_op_lookup found it */
        par_arg *args;
        size_t argcap;
        par_graph *g;
} gdec;

static int get_strings(gdec *d)
{
        par__wreader *r = d->r;
        uint32_t n;
        int rc = par__wget_u32(r, &n, "the count of graph names");
        if (rc < 0)
                return rc;
        if (n > par__wleft(r) / 4)
                return par__wire_fail(r, r->pos - 4, "the graph has %" PRIu32
                                      " names, but only %zu bytes follow "
                                      "(at least 4 per name)", n,
                                      par__wleft(r));
        d->str = par__calloc(n ? n : 1, sizeof *d->str);
        d->op_known = par__calloc(n ? n : 1, 1);
        if (!d->str || !d->op_known)
                return PAR__ENOMEM(r->err, "decoding a graph");
        for (uint32_t i = 0; i < n; i++) {
                uint32_t len;
                const uint8_t *s;
                size_t at = r->pos;
                if ((rc = par__wget_u32(r, &len, "the length of a graph "
                                        "name")) < 0 ||
                    (rc = par__wget_bytes(r, len, &s, "a graph name")) < 0)
                        return rc;
                if (memchr(s, '\0', len))
                        return par__wire_fail(r, at + 4, "expected a graph "
                                              "name without NUL bytes");
                d->str[i] = par__strndup((const char *)s, len);
                if (!d->str[i])
                        return PAR__ENOMEM(r->err, "decoding a graph");
                d->nstr = i + 1;
        }
        return 0;
}

/* A name id that must be in range (and, for keys and ops, non-empty). */
static int get_name_id(gdec *d, const char *what, const char **out,
                       uint32_t *idp)
{
        uint32_t id;
        size_t at = d->r->pos;
        int rc = par__wget_u32(d->r, &id, what);
        if (rc < 0)
                return rc;
        if (id >= d->nstr)
                return par__wire_fail(d->r, at, "expected %s (a name id below "
                                      "%" PRIu32 "), found %" PRIu32, what,
                                      d->nstr, id);
        if (!d->str[id][0])
                return par__wire_fail(d->r, at, "expected %s, found the empty "
                                      "name", what);
        *out = d->str[id];
        *idp = id;
        return 0;
}

static int get_name(gdec *d, const char *what, const char **out)
{
        uint32_t id;
        return get_name_id(d, what, out, &id);
}

static int get_index(gdec *d, int64_t *index)
{
        int rc = par__wget_i64(d->r, index, "a key index");
        if (rc == 0 && *index < PAR_NO_INDEX)
                return par__wire_fail(d->r, d->r->pos - 8, "expected a key "
                                      "index of -1 (none) or more, found %"
                                      PRId64, *index);
        return rc;
}

static void release_args(gdec *d, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (d->args[i].kind == PAR_ARG_VALUE)
                        par_value_release(d->args[i].u.value);
}

static int get_args(gdec *d, size_t nargs, size_t *done)
{
        par__wreader *r = d->r;
        int rc = 0;
        for (*done = 0; *done < nargs; (*done)++) {
                par_arg *a = &d->args[*done];
                uint8_t kind;
                size_t at = r->pos;
                if ((rc = par__wget_u8(r, &kind, "an argument kind")) < 0)
                        return rc;
                if (kind == ARG_VALUE) {
                        a->kind = PAR_ARG_VALUE;
                        if ((rc = par__wire_get_value(r, 1, &a->u.value)) < 0)
                                return rc;
                } else if (kind == ARG_KEY) {
                        a->kind = PAR_ARG_KEY;
                        if ((rc = get_name(d, "a key name",
                                           &a->u.key.name)) < 0 ||
                            (rc = get_index(d, &a->u.key.index)) < 0)
                                return rc;
                } else {
                        return par__wire_fail(r, at, "expected an argument "
                                              "kind (0 value, 1 key), found "
                                              "%u", kind);
                }
        }
        return 0;
}

static int get_task(gdec *d)
{
        par__wreader *r = d->r;
        size_t at = r->pos, op_at, done = 0;
        const char *name = NULL, *op = NULL;
        int64_t index = 0;
        uint32_t opid = 0, nargs = 0;
        char kbuf[160];
        int rc;
        if ((rc = get_name(d, "a task key name", &name)) < 0 ||
            (rc = get_index(d, &index)) < 0)
                return rc;
        par_key key = par_key_make(name, index);
        par_key_format(key, kbuf, sizeof kbuf);
        if (par_graph_contains(d->g, key))
                return par__wire_fail(r, at, "the graph has two tasks with "
                                      "key %s", kbuf);
        op_at = r->pos;
        if ((rc = get_name_id(d, "an op name", &op, &opid)) < 0)
                return rc;
        if (!d->op_known[opid]) {
                if (!par_op_lookup(op))
                        return par__errorf(r->err, PAR_ENOENT,
                                           "wire: byte %zu: task %s uses op "
                                           "'%s', which is not registered in "
                                           "this process", op_at, kbuf, op);
                d->op_known[opid] = 1;
        }
        if ((rc = par__wget_u32(r, &nargs, "an argument count")) < 0)
                return rc;
        if (nargs > par__wleft(r) / 2)
                return par__wire_fail(r, r->pos - 4, "task %s has %" PRIu32
                                      " arguments, but only %zu bytes follow "
                                      "(at least 2 per argument)", kbuf,
                                      nargs, par__wleft(r));
        if (par__grow((void **)&d->args, &d->argcap, nargs ? nargs : 1,
                      sizeof *d->args) < 0)
                return PAR__ENOMEM(r->err, "decoding a graph");
        rc = get_args(d, nargs, &done);
        if (rc < 0) {
                /* The argument that failed holds nothing. */
                release_args(d, done);
                par__error_prefix(r->err, "task %s", kbuf);
                return rc;
        }
        rc = par_graph_add(d->g, key, op, nargs, d->args, r->err);
        release_args(d, nargs);
        return rc;
}

int par__wire_decode_graph(const uint8_t *p, size_t n, size_t *used,
                           par_graph **out, par_error *err)
{
        par__wreader r;
        gdec d = {.r = &r};
        uint32_t ntasks;
        if (!out)
                return par__errorf(err, PAR_EINVAL, "wire: no place for the "
                                   "decoded graph");
        *out = NULL;
        int rc = par__wire_open(&r, p, n, PAR__WIRE_GRAPH, err);
        if (rc == 0)
                rc = get_strings(&d);
        if (rc == 0)
                rc = par__wget_u32(&r, &ntasks, "the task count");
        if (rc == 0 && ntasks > par__wleft(&r) / 20)
                rc = par__wire_fail(&r, r.pos - 4, "the graph has %" PRIu32
                                    " tasks, but only %zu bytes follow (at "
                                    "least 20 per task)", ntasks,
                                    par__wleft(&r));
        if (rc == 0 && !(d.g = par_graph_new()))
                rc = PAR__ENOMEM(err, "decoding a graph");
        for (uint32_t t = 0; rc == 0 && t < ntasks; t++)
                rc = get_task(&d);
        if (rc == 0)
                rc = par__wire_close(&r, used);
        for (uint32_t i = 0; i < d.nstr; i++)
                par__free(d.str[i]);
        par__free(d.str);
        par__free(d.op_known);
        par__free(d.args);
        if (rc < 0) {
                par_graph_free(d.g);
                return rc;
        }
        *out = d.g;
        return 0;
}
