/* Building graphs: interned names, the task table and the key index. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "graph/internal.h"

/* ---- interned strings ------------------------------------------------------ */

static uint64_t str_hash(const char *s, size_t len)
{
        return par__hash_bytes(s, len, 0x70617221u);
}

static int strtab_rehash(par__strtab *t, size_t nslots)
{
        uint32_t *slots = par__calloc(nslots, sizeof *slots);
        if (!slots)
                return PAR_ENOMEM;
        for (size_t id = 0; id < t->n; id++) {
                size_t i = t->hash[id] & (nslots - 1);
                while (slots[i])
                        i = (i + 1) & (nslots - 1);
                slots[i] = (uint32_t)id + 1;
        }
        par__free(t->slots);
        t->slots = slots;
        t->nslots = nslots;
        return 0;
}

uint32_t par__strtab_find(const par__strtab *t, const char *s, size_t len)
{
        if (!t->nslots)
                return UINT32_MAX;
        uint64_t h = str_hash(s, len);
        for (size_t i = h & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
                uint32_t e = t->slots[i];
                if (!e)
                        return UINT32_MAX;
                uint32_t id = e - 1;
                if (t->hash[id] == h && strncmp(t->str[id], s, len) == 0 &&
                    t->str[id][len] == '\0')
                        return id;
        }
}

int par__strtab_intern(par__strtab *t, const char *s, size_t len, uint32_t *id)
{
        /* Collections add many tasks naming the same few strings (the
         * key name, the op, the names of the inputs): look there first. */
        for (int k = 0; k < 4; k++) {
                uint32_t r = t->recent[k];
                if (r && strncmp(t->str[r - 1], s, len) == 0 &&
                    t->str[r - 1][len] == '\0') {
                        *id = r - 1;
                        return 0;
                }
        }
        uint32_t found = par__strtab_find(t, s, len);
        if (found != UINT32_MAX) {
                *id = found;
                t->recent[t->next_recent++ & 3] = found + 1;
                return 0;
        }
        if (t->n >= UINT32_MAX - 1)
                return PAR_ERANGE;
        if ((t->n + 1) * 2 > t->nslots &&
            strtab_rehash(t, t->nslots ? t->nslots * 2 : 64) < 0)
                return PAR_ENOMEM;
        size_t cap = t->cap;
        if (par__grow((void **)&t->str, &cap, t->n + 1, sizeof *t->str) < 0)
                return PAR_ENOMEM;
        size_t hcap = t->cap;
        if (par__grow((void **)&t->hash, &hcap, t->n + 1, sizeof *t->hash) < 0)
                return PAR_ENOMEM;
        t->cap = cap < hcap ? cap : hcap;
        char *copy = par__strndup(s, len);
        if (!copy)
                return PAR_ENOMEM;
        uint64_t h = str_hash(s, len);
        t->str[t->n] = copy;
        t->hash[t->n] = h;
        size_t i = h & (t->nslots - 1);
        while (t->slots[i])
                i = (i + 1) & (t->nslots - 1);
        t->slots[i] = (uint32_t)t->n + 1;
        *id = (uint32_t)t->n++;
        t->recent[t->next_recent++ & 3] = *id + 1;
        return 0;
}

void par__strtab_free(par__strtab *t)
{
        for (size_t i = 0; i < t->n; i++)
                par__free(t->str[i]);
        par__free(t->str);
        par__free(t->hash);
        par__free(t->slots);
}

/* ---- keys ---------------------------------------------------------------------- */

static uint64_t key_hash(uint32_t name, int64_t index)
{
        return par__hash_mix(((uint64_t)name << 32) ^ (uint64_t)index ^
                             ((uint64_t)index >> 32));
}

/* Probes for (name, index). Returns the task, or UINT32_MAX with *slot
 * set to the empty slot where it would go. */
static uint32_t kmap_probe(const par_graph *g, uint32_t name, int64_t index,
                           size_t *slot)
{
        uint64_t h = key_hash(name, index);
        uint64_t tag = h >> 32;
        for (size_t i = h & (g->kslots - 1);; i = (i + 1) & (g->kslots - 1)) {
                uint64_t e = g->kmap[i];
                if (!e) {
                        *slot = i;
                        return UINT32_MAX;
                }
                if ((e >> 32) != tag)
                        continue;
                uint32_t t = (uint32_t)e - 1;
                if (g->tasks[t].name == name && g->tasks[t].index == index)
                        return t;
        }
}

uint32_t par__graph_find(const par_graph *g, uint32_t name, int64_t index)
{
        size_t slot;
        return g->kslots ? kmap_probe(g, name, index, &slot) : UINT32_MAX;
}

uint32_t par__graph_find_key(const par_graph *g, par_key key)
{
        if (!key.name)
                return UINT32_MAX;
        uint32_t name = par__strtab_find(&g->names, key.name, strlen(key.name));
        if (name == UINT32_MAX)
                return UINT32_MAX;
        return par__graph_find(g, name, key.index);
}

static int kmap_rehash(par_graph *g, size_t nslots)
{
        uint64_t *kmap = par__calloc(nslots, sizeof *kmap);
        if (!kmap)
                return PAR_ENOMEM;
        for (size_t t = 0; t < g->ntasks; t++) {
                uint64_t h = key_hash(g->tasks[t].name, g->tasks[t].index);
                size_t i = h & (nslots - 1);
                while (kmap[i])
                        i = (i + 1) & (nslots - 1);
                kmap[i] = (h >> 32 << 32) | ((uint64_t)t + 1);
        }
        par__free(g->kmap);
        g->kmap = kmap;
        g->kslots = nslots;
        return 0;
}

int par_key_format(par_key key, char *buf, size_t size)
{
        const char *name = key.name ? key.name : "(null)";
        if (key.index == PAR_NO_INDEX)
                return snprintf(buf, size, "%s", name);
        return snprintf(buf, size, "('%s', %" PRId64 ")", name, key.index);
}

int par_key_token(const char *prefix, const void *data, size_t n, char *buf,
                  size_t size)
{
        uint64_t h = par__hash_bytes(data, n, 0x746f6b656eu);
        return snprintf(buf, size, "%s-%016" PRIx64, prefix ? prefix : "", h);
}

int par__graph_format_task_key(const par_graph *g, uint32_t t, char *buf,
                               size_t size)
{
        const par__task *task = &g->tasks[t];
        return par_key_format(par_key_make(g->names.str[task->name],
                                           task->index),
                              buf, size);
}

/* ---- the graph ---------------------------------------------------------------- */

par_graph *par_graph_new(void)
{
        return par__calloc(1, sizeof(par_graph));
}

void par_graph_free(par_graph *g)
{
        if (!g)
                return;
        for (size_t i = 0; i < g->nargs; i++)
                par_value_release(g->args[i].value);
        par__free(g->args);
        par__free(g->tasks);
        par__free(g->kmap);
        par__strtab_free(&g->names);
        par__free(g);
}

size_t par_graph_size(const par_graph *g)
{
        return g ? g->ntasks : 0;
}

bool par_graph_contains(const par_graph *g, par_key key)
{
        return g && par__graph_find_key(g, key) != UINT32_MAX;
}

par_value *par__value_from_arg(const par_arg *a)
{
        switch (a->kind) {
        case PAR_ARG_NULL: return par_value_null();
        case PAR_ARG_BOOL: return par_value_bool(a->u.b);
        case PAR_ARG_INT64: return par_value_int64(a->u.i);
        case PAR_ARG_FLOAT64: return par_value_float64(a->u.f);
        case PAR_ARG_STRING: return par_value_string(a->u.bytes.ptr, a->u.bytes.len);
        case PAR_ARG_BLOB: return par_value_blob(a->u.bytes.ptr, a->u.bytes.len);
        case PAR_ARG_VALUE: return par_value_retain(a->u.value);
        default: return NULL;
        }
}

/* Turns one argument into its stored form. */
static int store_arg(par_graph *g, const par_arg *a, par__garg *out,
                     par_error *err, par_key key, size_t i)
{
        char kbuf[128];
        out->value = NULL;
        out->key_name = 0;
        out->key_index = 0;
        out->task = UINT32_MAX;
        switch (a->kind) {
        case PAR_ARG_VALUE:
                if (!a->u.value)
                        goto bad;
                out->value = par_value_retain(a->u.value);
                break;
        case PAR_ARG_KEY:
                if (!a->u.key.name)
                        goto bad;
                if (par__strtab_intern(&g->names, a->u.key.name,
                                       strlen(a->u.key.name),
                                       &out->key_name) < 0)
                        return PAR__ENOMEM(err, "adding a task to a graph");
                out->key_index = a->u.key.index;
                out->task = par__graph_find(g, out->key_name, out->key_index);
                return 0;
        case PAR_ARG_HANDLE:
                goto bad;
        default:
                if ((unsigned)a->kind > PAR_ARG_HANDLE)
                        goto bad;
                out->value = par__value_from_arg(a);
                break;
        }
        if (!out->value)
                return PAR__ENOMEM(err, "adding a task to a graph");
        return 0;
bad:
        par_key_format(key, kbuf, sizeof kbuf);
        return par__errorf(err, PAR_EINVAL,
                           "par_graph_add %s: argument %zu is invalid (kind %d; "
                           "a NULL value or key name, or a future/delayed "
                           "handle, which graphs do not take)",
                           kbuf, i, (int)a->kind);
}

int par_graph_add(par_graph *g, par_key key, const char *op, size_t nargs,
                  const par_arg *args, par_error *err)
{
        char kbuf[128];
        if (!g || !key.name || !*key.name || !op || !*op ||
            (nargs && !args))
                return par__errorf(err, PAR_EINVAL,
                                   "par_graph_add: the graph, key name, op "
                                   "name and arguments must be given");
        if (key.index < PAR_NO_INDEX)
                return par__errorf(err, PAR_EINVAL,
                                   "par_graph_add: key index %" PRId64
                                   " is negative (PAR_NO_INDEX is -1)",
                                   key.index);
        if (nargs > UINT32_MAX / 2 || g->nargs + nargs > UINT32_MAX / 2 ||
            g->ntasks >= UINT32_MAX / 2)
                return par__errorf(err, PAR_ERANGE,
                                   "par_graph_add: the graph is too large");
        uint32_t name, opid;
        if (par__strtab_intern(&g->names, key.name, strlen(key.name), &name) < 0 ||
            par__strtab_intern(&g->names, op, strlen(op), &opid) < 0)
                return PAR__ENOMEM(err, "adding a task to a graph");
        if ((g->ntasks + 1) * 2 > g->kslots &&
            kmap_rehash(g, g->kslots ? g->kslots * 2 : 64) < 0)
                return PAR__ENOMEM(err, "adding a task to a graph");
        size_t slot;
        if (kmap_probe(g, name, key.index, &slot) != UINT32_MAX) {
                par_key_format(key, kbuf, sizeof kbuf);
                return par__errorf(err, PAR_EEXIST,
                                   "par_graph_add: the graph already has a "
                                   "task with key %s",
                                   kbuf);
        }
        if (par__grow((void **)&g->tasks, &g->taskcap, g->ntasks + 1,
                      sizeof *g->tasks) < 0 ||
            par__grow((void **)&g->args, &g->argcap, g->nargs + nargs,
                      sizeof *g->args) < 0)
                return PAR__ENOMEM(err, "adding a task to a graph");
        for (size_t i = 0; i < nargs; i++) {
                int rc = store_arg(g, &args[i], &g->args[g->nargs + i], err,
                                   key, i);
                if (rc < 0) {
                        for (size_t j = 0; j < i; j++)
                                par_value_release(g->args[g->nargs + j].value);
                        return rc;
                }
        }
        uint32_t t = (uint32_t)g->ntasks++;
        g->tasks[t] = (par__task){.name = name,
                                  .op = opid,
                                  .index = key.index,
                                  .arg0 = (uint32_t)g->nargs,
                                  .nargs = (uint32_t)nargs};
        g->nargs += nargs;
        /* store_arg only reads the map, so `slot` is still the empty one. */
        g->kmap[slot] = (key_hash(name, key.index) >> 32 << 32) | ((uint64_t)t + 1);
        return 0;
}

static void dot_escape(FILE *f, const char *s)
{
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fputc('\\', f);
                fputc(*s, f);
        }
}

int par_graph_to_dot(const par_graph *g, const char *path, par_error *err)
{
        if (!g || !path)
                return par__errorf(err, PAR_EINVAL,
                                   "par_graph_to_dot: graph and path needed");
        FILE *f = fopen(path, "w");
        if (!f)
                return par__errorf(err, PAR_EIO, "%s: cannot open for writing: %s",
                                   path, strerror(errno));
        char kbuf[256];
        fprintf(f, "digraph par {\n  rankdir=BT;\n  node [shape=box];\n");
        for (size_t t = 0; t < g->ntasks; t++) {
                par__graph_format_task_key(g, (uint32_t)t, kbuf, sizeof kbuf);
                fprintf(f, "  t%zu [label=\"", t);
                dot_escape(f, kbuf);
                fprintf(f, "\\n");
                dot_escape(f, g->names.str[g->tasks[t].op]);
                fprintf(f, "\"];\n");
                const par__task *task = &g->tasks[t];
                for (uint32_t a = 0; a < task->nargs; a++) {
                        const par__garg *arg = &g->args[task->arg0 + a];
                        if (arg->value)
                                continue;
                        uint32_t d = par__graph_find(g, arg->key_name,
                                                     arg->key_index);
                        if (d != UINT32_MAX)
                                fprintf(f, "  t%u -> t%zu;\n", d, t);
                }
        }
        fprintf(f, "}\n");
        bool bad = ferror(f);
        if (fclose(f) != 0 || bad)
                return par__errorf(err, PAR_EIO, "%s: write failed: %s", path,
                                   strerror(errno));
        return 0;
}

int par__graph_merge(par_graph *dst, const par_graph *src, par_error *err)
{
        par_arg small[16];
        par_arg *args = small;
        size_t cap = 16;
        int rc = 0;
        for (size_t t = 0; t < src->ntasks && rc == 0; t++) {
                const par__task *task = &src->tasks[t];
                par_key key = par_key_make(src->names.str[task->name], task->index);
                if (par__graph_find_key(dst, key) != UINT32_MAX)
                        continue;
                if (task->nargs > cap) {
                        par_arg *n = par__malloc(task->nargs * sizeof *n);
                        if (!n) {
                                rc = PAR__ENOMEM(err, "merging graphs");
                                break;
                        }
                        if (args != small)
                                par__free(args);
                        args = n;
                        cap = task->nargs;
                }
                for (uint32_t a = 0; a < task->nargs; a++) {
                        const par__garg *ga = &src->args[task->arg0 + a];
                        args[a] = ga->value ? par_arg_value(ga->value)
                                            : par_arg_key(src->names.str[ga->key_name],
                                                          ga->key_index);
                }
                rc = par_graph_add(dst, key, src->names.str[task->op], task->nargs,
                                   args, err);
        }
        if (args != small)
                par__free(args);
        return rc;
}
