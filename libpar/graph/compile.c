/* Compiling a graph for one computation: cull to what the requested keys
 * need, resolve key references and op names, reject cycles, fuse linear
 * chains, and lay out the dependency edges between the resulting units.
 * Everything here is O(tasks + arguments). */
#include <stdio.h>

#include "graph/internal.h"

typedef struct compile_tmp {
        uint32_t *argdep;   /* graph arg -> task, UINT32_MAX for a literal */
        uint8_t *needed;    /* task -> 1 if needed */
        uint32_t *stack;
        uint32_t *indeg;    /* task -> unresolved dependencies (occurrences) */
        uint32_t *cons0;    /* task -> first consumer (CSR) */
        uint32_t *cons;     /* consumer tasks, one per referencing argument */
        uint32_t *order;    /* topological order of needed tasks */
        uint32_t *next;     /* task -> next task in its fused chain */
        uint32_t *head;     /* unit -> first task of its chain */
        uint32_t *tail;     /* unit -> last task */
        uint32_t *len;      /* unit -> chain length */
} compile_tmp;

static void tmp_free(compile_tmp *t)
{
        par__free(t->argdep);
        par__free(t->needed);
        par__free(t->stack);
        par__free(t->indeg);
        par__free(t->cons0);
        par__free(t->cons);
        par__free(t->order);
        par__free(t->next);
        par__free(t->head);
        par__free(t->tail);
        par__free(t->len);
}

static int fail_key(par_error *err, int code, const par_graph *g, uint32_t t,
                    const char *fmt, const char *detail)
{
        char kbuf[160];
        par__graph_format_task_key(g, t, kbuf, sizeof kbuf);
        return par__errorf(err, code, fmt, kbuf, g->names.str[g->tasks[t].op],
                           detail);
}

/* Marks the tasks the wanted ones need and resolves their key arguments. */
static int cull(const par_graph *g, par__plan *p, compile_tmp *tmp,
                par_error *err)
{
        size_t sp = 0;
        for (size_t i = 0; i < p->nwant; i++) {
                uint32_t t = p->want[i];
                if (!tmp->needed[t]) {
                        tmp->needed[t] = 1;
                        tmp->stack[sp++] = t;
                }
        }
        while (sp) {
                uint32_t t = tmp->stack[--sp];
                const par__task *task = &g->tasks[t];
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++) {
                        const par__garg *arg = &g->args[a];
                        if (arg->value)
                                continue;
                        uint32_t d = arg->task != UINT32_MAX
                                             ? arg->task
                                             : par__graph_find(g, arg->key_name,
                                                               arg->key_index);
                        if (d == UINT32_MAX) {
                                char dbuf[160];
                                par_key_format(par_key_make(
                                                       g->names.str[arg->key_name],
                                                       arg->key_index),
                                               dbuf, sizeof dbuf);
                                return fail_key(err, PAR_ENOENT, g, t,
                                                "task %s (op %s) depends on "
                                                "key %s, which is not in the "
                                                "graph",
                                                dbuf);
                        }
                        tmp->argdep[a] = d;
                        if (!tmp->needed[d]) {
                                tmp->needed[d] = 1;
                                tmp->stack[sp++] = d;
                        }
                }
        }
        return 0;
}

/* Orders the needed tasks (Kahn) and fills the consumer lists. Fails with
 * PAR_ECYCLE naming a task on a cycle. */
static int topo_order(const par_graph *g, par__plan *p, compile_tmp *tmp,
                      size_t *nneeded, par_error *err)
{
        size_t n = g->ntasks;
        for (size_t t = 0; t < n; t++) {
                if (!tmp->needed[t])
                        continue;
                const par__task *task = &g->tasks[t];
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++)
                        if (!g->args[a].value) {
                                tmp->indeg[t]++;
                                tmp->cons0[tmp->argdep[a] + 1]++;
                        }
        }
        for (size_t t = 0; t < n; t++)
                tmp->cons0[t + 1] += tmp->cons0[t];
        /* Fill consumers using indeg-free cursors: reuse `next` as cursor. */
        for (size_t t = 0; t < n; t++)
                tmp->next[t] = tmp->cons0[t];
        for (size_t t = 0; t < n; t++) {
                if (!tmp->needed[t])
                        continue;
                const par__task *task = &g->tasks[t];
                for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++)
                        if (!g->args[a].value)
                                tmp->cons[tmp->next[tmp->argdep[a]]++] =
                                        (uint32_t)t;
        }
        size_t head = 0, tail = 0, count = 0;
        for (size_t t = 0; t < n; t++)
                if (tmp->needed[t]) {
                        count++;
                        if (!tmp->indeg[t])
                                tmp->order[tail++] = (uint32_t)t;
                }
        while (head < tail) {
                uint32_t t = tmp->order[head++];
                for (uint32_t c = tmp->cons0[t]; c < tmp->cons0[t + 1]; c++) {
                        uint32_t u = tmp->cons[c];
                        if (--tmp->indeg[u] == 0)
                                tmp->order[tail++] = u;
                }
        }
        if (tail < count) {
                for (size_t t = 0; t < n; t++)
                        if (tmp->needed[t] && tmp->indeg[t])
                                return fail_key(err, PAR_ECYCLE, g, (uint32_t)t,
                                                "the graph has a cycle through "
                                                "task %s (op %s)%s",
                                                "");
        }
        *nneeded = count;
        (void)p;
        return 0;
}

/* True if t's key arguments all name one task d, whose only consumer is t,
 * and d is not requested: then d and t can run back to back as one unit. */
static bool fusable(const par_graph *g, const compile_tmp *tmp,
                    const uint8_t *wanted, uint32_t t, uint32_t *dep)
{
        const par__task *task = &g->tasks[t];
        uint32_t d = UINT32_MAX;
        for (uint32_t a = task->arg0; a < task->arg0 + task->nargs; a++) {
                if (g->args[a].value)
                        continue;
                if (d != UINT32_MAX && tmp->argdep[a] != d)
                        return false;
                d = tmp->argdep[a];
        }
        if (d == UINT32_MAX || wanted[d])
                return false;
        for (uint32_t c = tmp->cons0[d]; c < tmp->cons0[d + 1]; c++)
                if (tmp->cons[c] != t)
                        return false;
        *dep = d;
        return true;
}

int par__plan_new(const par_graph *g, size_t nkeys, const par_key *keys,
                  const par_compute_opts *opts, par__plan **out,
                  par_error *err)
{
        *out = NULL;
        if (!g || (nkeys && !keys))
                return par__errorf(err, PAR_EINVAL,
                                   "compute: a graph and keys are required");
        size_t n = g->ntasks;
        par__plan *p = par__calloc(1, sizeof *p);
        compile_tmp tmp = {0};
        uint8_t *wanted = NULL;
        int rc = 0;
        if (!p)
                return PAR__ENOMEM(err, "compiling a graph");
        p->g = g;
        pthread_mutex_init(&p->err_lock, NULL);
        par__event_init(&p->done);
        atomic_init(&p->canceled, false);
        atomic_init(&p->failed, false);
        atomic_init(&p->remaining, 0);

        p->want = par__calloc(nkeys ? nkeys : 1, sizeof *p->want);
        wanted = par__calloc(n ? n : 1, 1);
        tmp.argdep = par__malloc((g->nargs ? g->nargs : 1) * sizeof *tmp.argdep);
        tmp.needed = par__calloc(n ? n : 1, 1);
        tmp.stack = par__malloc((n ? n : 1) * sizeof *tmp.stack);
        tmp.indeg = par__calloc(n ? n : 1, sizeof *tmp.indeg);
        tmp.cons0 = par__calloc(n + 1, sizeof *tmp.cons0);
        tmp.cons = par__malloc((g->nargs ? g->nargs : 1) * sizeof *tmp.cons);
        tmp.order = par__malloc((n ? n : 1) * sizeof *tmp.order);
        tmp.next = par__malloc((n ? n : 1) * sizeof *tmp.next);
        p->op_of_name = par__calloc(g->names.n ? g->names.n : 1,
                                    sizeof *p->op_of_name);
        p->task_unit = par__malloc((n ? n : 1) * sizeof *p->task_unit);
        p->slot = par__calloc(n ? n : 1, sizeof *p->slot);
        p->uses = par__calloc(n ? n : 1, sizeof *p->uses);
        if (!p->want || !wanted || !tmp.argdep || !tmp.needed || !tmp.stack ||
            !tmp.indeg || !tmp.cons0 || !tmp.cons || !tmp.order || !tmp.next ||
            !p->op_of_name || !p->task_unit || !p->slot || !p->uses) {
                rc = PAR__ENOMEM(err, "compiling a graph");
                goto fail;
        }
        for (size_t i = 0; i < nkeys; i++) {
                uint32_t t = par__graph_find_key(g, keys[i]);
                if (t == UINT32_MAX) {
                        char kbuf[160];
                        par_key_format(keys[i], kbuf, sizeof kbuf);
                        rc = par__errorf(err, PAR_ENOENT,
                                         "compute: no task with key %s in the "
                                         "graph",
                                         kbuf);
                        goto fail;
                }
                p->want[i] = t;
                wanted[t] = 1;
        }
        p->nwant = nkeys;
        if ((rc = cull(g, p, &tmp, err)) < 0)
                goto fail;
        size_t nneeded = 0;
        if ((rc = topo_order(g, p, &tmp, &nneeded, err)) < 0)
                goto fail;

        /* Resolve ops, once per distinct name. */
        for (size_t k = 0; k < nneeded; k++) {
                uint32_t t = tmp.order[k];
                uint32_t op = g->tasks[t].op;
                if (p->op_of_name[op])
                        continue;
                p->op_of_name[op] = par_op_lookup(g->names.str[op]);
                if (!p->op_of_name[op]) {
                        rc = fail_key(err, PAR_ENOENT, g, t,
                                      "task %s needs op '%s', which is not "
                                      "registered in this process%s",
                                      " (register it with par_op_register or "
                                      "PAR_REGISTER_OP)");
                        goto fail;
                }
        }

        /* Uses: one per referencing argument, plus one for each request. */
        for (size_t k = 0; k < nneeded; k++) {
                uint32_t t = tmp.order[k];
                atomic_init(&p->uses[t],
                            (tmp.cons0[t + 1] - tmp.cons0[t]) + wanted[t]);
        }

        /* Fuse: walk in topological order; a fusable task joins its only
         * dependency's unit, at its tail (that task's only consumer is t,
         * so nothing else was appended after it). */
        tmp.head = par__malloc((nneeded ? nneeded : 1) * sizeof *tmp.head);
        tmp.tail = par__malloc((nneeded ? nneeded : 1) * sizeof *tmp.tail);
        tmp.len = par__calloc(nneeded ? nneeded : 1, sizeof *tmp.len);
        if (!tmp.head || !tmp.tail || !tmp.len) {
                rc = PAR__ENOMEM(err, "compiling a graph");
                goto fail;
        }
        for (size_t t = 0; t < n; t++)
                p->task_unit[t] = UINT32_MAX;
        size_t nunits = 0;
        bool fuse = !(opts && opts->no_fuse);
        for (size_t k = 0; k < nneeded; k++) {
                uint32_t t = tmp.order[k], d;
                tmp.next[t] = UINT32_MAX;
                if (fuse && fusable(g, &tmp, wanted, t, &d)) {
                        uint32_t u = p->task_unit[d];
                        tmp.next[tmp.tail[u]] = t;
                        tmp.tail[u] = t;
                        tmp.len[u]++;
                        p->task_unit[t] = u;
                } else {
                        uint32_t u = (uint32_t)nunits++;
                        tmp.head[u] = tmp.tail[u] = t;
                        tmp.len[u] = 1;
                        p->task_unit[t] = u;
                }
        }

        /* Lay out units: chains, then edges to dependent units. */
        p->units = par__calloc(nunits ? nunits : 1, sizeof *p->units);
        p->chain = par__malloc((nneeded ? nneeded : 1) * sizeof *p->chain);
        p->roots = par__malloc((nunits ? nunits : 1) * sizeof *p->roots);
        if (!p->units || !p->chain || !p->roots) {
                rc = PAR__ENOMEM(err, "compiling a graph");
                goto fail;
        }
        p->nunits = nunits;
        size_t pos = 0, nedges = 0;
        for (size_t u = 0; u < nunits; u++) {
                par__unit *unit = &p->units[u];
                unit->plan = p;
                unit->first = (uint32_t)pos;
                unit->count = tmp.len[u];
                for (uint32_t t = tmp.head[u]; t != UINT32_MAX; t = tmp.next[t])
                        p->chain[pos++] = t;
        }
        /* Count edges per source unit (nout), and pending per target. */
        for (size_t u = 0; u < nunits; u++) {
                par__unit *unit = &p->units[u];
                unsigned pending = 0;
                for (uint32_t k = unit->first; k < unit->first + unit->count; k++) {
                        const par__task *task = &g->tasks[p->chain[k]];
                        for (uint32_t a = task->arg0; a < task->arg0 + task->nargs;
                             a++) {
                                if (g->args[a].value)
                                        continue;
                                uint32_t du = p->task_unit[tmp.argdep[a]];
                                if (du == u)
                                        continue;
                                p->units[du].nout++;
                                pending++;
                                nedges++;
                        }
                }
                atomic_init(&unit->pending, pending);
        }
        p->out = par__malloc((nedges ? nedges : 1) * sizeof *p->out);
        if (!p->out) {
                rc = PAR__ENOMEM(err, "compiling a graph");
                goto fail;
        }
        size_t off = 0;
        for (size_t u = 0; u < nunits; u++) {
                p->units[u].out0 = (uint32_t)off;
                off += p->units[u].nout;
                p->units[u].nout = 0;
        }
        for (size_t u = 0; u < nunits; u++) {
                par__unit *unit = &p->units[u];
                for (uint32_t k = unit->first; k < unit->first + unit->count; k++) {
                        const par__task *task = &g->tasks[p->chain[k]];
                        for (uint32_t a = task->arg0; a < task->arg0 + task->nargs;
                             a++) {
                                if (g->args[a].value)
                                        continue;
                                uint32_t du = p->task_unit[tmp.argdep[a]];
                                if (du == u)
                                        continue;
                                par__unit *src = &p->units[du];
                                p->out[src->out0 + src->nout++] = (uint32_t)u;
                        }
                }
        }
        for (size_t u = 0; u < nunits; u++)
                if (atomic_load_explicit(&p->units[u].pending,
                                         memory_order_relaxed) == 0)
                        p->roots[p->nroots++] = (uint32_t)u;

        /* Keep the resolved dependencies for the run. */
        p->stats = (par_graph_stats){.tasks = n,
                                     .culled = n - nneeded,
                                     .fused = nneeded - nunits,
                                     .units = nunits};
        if (opts && opts->stats)
                *opts->stats = p->stats;
        p->argdep = tmp.argdep;
        tmp.argdep = NULL;
        tmp_free(&tmp);
        par__free(wanted);
        *out = p;
        return 0;
fail:
        tmp_free(&tmp);
        par__free(wanted);
        par__plan_free(p);
        return rc;
}
