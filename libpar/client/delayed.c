/* Delayed calls: recorded, not run. Each holds its op, its literal
 * arguments as values and references to the delayed calls it uses, so a
 * set of delayed calls is a DAG that par_delayed_to_graph() flattens into
 * tasks. Keys hash the op and the arguments (and the keys of the calls
 * used), so identical calls collapse into one task. */
#include <stdio.h>

#include "client/internal.h"

struct par_delayed {
        atomic_size_t refs;
        char *name; /* key name */
        int64_t index;
        par__layer *layer; /* if set: the task is in this layer (op NULL) */
        char *op;
        size_t nargs;
        par_value **values;  /* literal arguments, or NULL */
        par_delayed **deps;  /* delayed arguments, or NULL */
};

uint64_t par__value_token(const par_value *v, uint64_t h)
{
        par_type t = par_value_type(v);
        h = par__hash_mix(h ^ (0x100u + (uint64_t)t));
        switch (t) {
        case PAR_TYPE_NULL:
                return h;
        case PAR_TYPE_BOOL: {
                bool b = false;
                par_value_get_bool(v, &b, NULL);
                return par__hash_mix(h ^ (uint64_t)b);
        }
        case PAR_TYPE_INT64:
                return par__hash_mix(h ^ (uint64_t)par_value_int64_of(v));
        case PAR_TYPE_FLOAT64: {
                double f = par_value_float64_of(v);
                uint64_t bits;
                memcpy(&bits, &f, sizeof bits);
                return par__hash_mix(h ^ bits);
        }
        case PAR_TYPE_STRING:
        case PAR_TYPE_BLOB: {
                size_t len;
                const char *p = par_value_bytes(v, &len);
                return par__hash_bytes(p, len, h);
        }
        case PAR_TYPE_LIST:
                for (size_t i = 0; i < par_value_list_size(v); i++)
                        h = par__value_token(par_value_list_item(v, i), h);
                return h;
        case PAR_TYPE_OBJECT:
                /* Objects have no content hash: identity stands in. */
                return par__hash_mix(h ^ (uint64_t)(uintptr_t)
                                                 par_value_object_payload(v));
        }
        return h;
}

par_delayed *par_delayed_retain(par_delayed *d)
{
        if (d)
                atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
        return d;
}

void par_delayed_release(par_delayed *d)
{
        /* Iterative, so long chains of calls do not recurse deeply: a
         * worklist of calls whose count reached zero. */
        par_delayed **work = NULL;
        size_t n = 0, cap = 0;
        while (d) {
                if (atomic_fetch_sub_explicit(&d->refs, 1,
                                              memory_order_acq_rel) == 1) {
                        for (size_t i = 0; i < d->nargs; i++) {
                                if (d->values)
                                        par_value_release(d->values[i]);
                                if (d->deps && d->deps[i]) {
                                        if (par__grow((void **)&work, &cap, n + 1,
                                                      sizeof *work) == 0)
                                                work[n++] = d->deps[i];
                                        else
                                                par_delayed_release(d->deps[i]);
                                }
                        }
                        par__free(d->values);
                        par__free(d->deps);
                        par__layer_release(d->layer);
                        par__free(d->name);
                        par__free(d->op);
                        par__free(d);
                }
                d = n ? work[--n] : NULL;
        }
        par__free(work);
}

par_key par_delayed_key(const par_delayed *d)
{
        return par_key_make(d->name, d->index);
}

par__layer *par__layer_new(par_graph *g, size_t ndeps, par__layer *const *deps)
{
        par__layer *l = par__calloc(1, sizeof *l);
        if (l)
                l->deps = par__calloc(ndeps ? ndeps : 1, sizeof *l->deps);
        if (!l || !l->deps) {
                if (l)
                        par__free(l);
                par_graph_free(g);
                return NULL;
        }
        atomic_init(&l->refs, 1);
        l->graph = g;
        l->ndeps = ndeps;
        for (size_t i = 0; i < ndeps; i++)
                l->deps[i] = par__layer_retain(deps[i]);
        return l;
}

par__layer *par__layer_retain(par__layer *l)
{
        if (l)
                atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
        return l;
}

void par__layer_release(par__layer *l)
{
        /* Iterative over the chain of layers a collection builds. */
        par__layer **work = NULL;
        size_t n = 0, cap = 0;
        while (l) {
                if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) == 1) {
                        for (size_t i = 0; i < l->ndeps; i++) {
                                if (par__grow((void **)&work, &cap, n + 1,
                                              sizeof *work) == 0)
                                        work[n++] = l->deps[i];
                                else
                                        par__layer_release(l->deps[i]);
                        }
                        par_graph_free(l->graph);
                        par__free(l->deps);
                        par__free(l);
                }
                l = n ? work[--n] : NULL;
        }
        par__free(work);
}

int par__layer_to_graph(const par__layer *root, par_graph *dst, par_error *err)
{
        const par__layer **seen = NULL, **stack = NULL;
        size_t nseen = 0, seencap = 0, n = 0, cap = 0;
        int rc = 0;
        if (par__grow((void **)&stack, &cap, 1, sizeof *stack) < 0)
                return PAR__ENOMEM(err, "building a graph");
        stack[n++] = root;
        while (n && rc == 0) {
                const par__layer *l = stack[--n];
                bool done = false;
                for (size_t i = 0; i < nseen && !done; i++)
                        done = seen[i] == l;
                if (done)
                        continue;
                if (par__grow((void **)&seen, &seencap, nseen + 1, sizeof *seen) < 0 ||
                    par__grow((void **)&stack, &cap, n + l->ndeps, sizeof *stack) < 0) {
                        rc = PAR__ENOMEM(err, "building a graph");
                        break;
                }
                seen[nseen++] = l;
                rc = par__graph_merge(dst, l->graph, err);
                for (size_t i = 0; i < l->ndeps; i++)
                        stack[n++] = l->deps[i];
        }
        par__free(seen);
        par__free(stack);
        return rc;
}

int par__delayed_from_layer(par__layer *l, const char *name, int64_t index,
                            par_delayed **out, par_error *err)
{
        *out = NULL;
        par_delayed *d = par__calloc(1, sizeof *d);
        if (!d)
                return PAR__ENOMEM(err, "making a delayed");
        atomic_init(&d->refs, 1);
        d->name = par__strdup(name);
        if (!d->name) {
                par__free(d);
                return PAR__ENOMEM(err, "making a delayed");
        }
        d->index = index;
        d->layer = par__layer_retain(l);
        *out = d;
        return 0;
}

int par_delayed_call(const char *op, size_t nargs, const par_arg *args,
                     par_delayed **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!op || !*op || !out || (nargs && !args))
                return par__errorf(err, PAR_EINVAL,
                                   "par_delayed_call: op, args and out are "
                                   "required");
        par_delayed *d = par__calloc(1, sizeof *d);
        if (!d)
                return PAR__ENOMEM(err, "recording a delayed call");
        atomic_init(&d->refs, 1);
        d->index = PAR_NO_INDEX;
        d->nargs = nargs;
        d->op = par__strdup(op);
        d->values = par__calloc(nargs ? nargs : 1, sizeof *d->values);
        d->deps = par__calloc(nargs ? nargs : 1, sizeof *d->deps);
        if (!d->op || !d->values || !d->deps)
                goto nomem;
        uint64_t h = par__hash_bytes(op, strlen(op), 0x64656cu);
        for (size_t i = 0; i < nargs; i++) {
                const par_arg *a = &args[i];
                par_value *v = NULL;
                switch (a->kind) {
                case PAR_ARG_HANDLE: {
                        par_delayed *dep = (par_delayed *)a->u.handle;
                        if (!dep) {
                                par_delayed_release(d);
                                return par__errorf(err, PAR_EINVAL,
                                                   "par_delayed_call %s: "
                                                   "argument %zu is a NULL "
                                                   "delayed",
                                                   op, i);
                        }
                        d->deps[i] = par_delayed_retain(dep);
                        h = par__hash_bytes(dep->name, strlen(dep->name),
                                            par__hash_mix(h ^ 0xde1 ^
                                                          (uint64_t)dep->index));
                        continue;
                }
                case PAR_ARG_NULL:
                case PAR_ARG_BOOL:
                case PAR_ARG_INT64:
                case PAR_ARG_FLOAT64:
                case PAR_ARG_STRING:
                case PAR_ARG_BLOB:
                        v = par__value_from_arg(a);
                        break;
                case PAR_ARG_VALUE:
                        v = par_value_retain(a->u.value);
                        if (!a->u.value) {
                                par_delayed_release(d);
                                return par__errorf(err, PAR_EINVAL,
                                                   "par_delayed_call %s: "
                                                   "argument %zu is a NULL "
                                                   "value",
                                                   op, i);
                        }
                        break;
                case PAR_ARG_KEY:
                        par_delayed_release(d);
                        return par__errorf(err, PAR_EINVAL,
                                           "par_delayed_call %s: argument %zu "
                                           "is a key; pass the delayed call "
                                           "(par_arg_delayed) instead",
                                           op, i);
                }
                if (!v)
                        goto nomem;
                d->values[i] = v;
                h = par__value_token(v, h);
        }
        const char *dot = strrchr(op, '.');
        char name[160];
        snprintf(name, sizeof name, "%s-%016llx", dot ? dot + 1 : op,
                 (unsigned long long)h);
        d->name = par__strdup(name);
        if (!d->name)
                goto nomem;
        *out = d;
        return 0;
nomem:
        par_delayed_release(d);
        return PAR__ENOMEM(err, "recording a delayed call");
}

int par_delayed_to_graph(const par_delayed *root, par_graph *g, par_error *err)
{
        if (!root || !g)
                return par__errorf(err, PAR_EINVAL,
                                   "par_delayed_to_graph: delayed and graph "
                                   "are required");
        const par_delayed **stack = NULL;
        size_t n = 0, cap = 0;
        par_arg *args = NULL;
        size_t argcap = 0;
        int rc = 0;
        if (par__grow((void **)&stack, &cap, 1, sizeof *stack) < 0)
                return PAR__ENOMEM(err, "building a graph");
        stack[n++] = root;
        while (n && rc == 0) {
                const par_delayed *d = stack[--n];
                par_key key = par_key_make(d->name, d->index);
                if (par_graph_contains(g, key))
                        continue;
                if (d->layer) {
                        rc = par__layer_to_graph(d->layer, g, err);
                        continue;
                }
                if (par__grow((void **)&args, &argcap, d->nargs ? d->nargs : 1,
                              sizeof *args) < 0) {
                        rc = PAR__ENOMEM(err, "building a graph");
                        break;
                }
                for (size_t i = 0; i < d->nargs; i++) {
                        if (d->deps[i]) {
                                args[i] = par_arg_key(d->deps[i]->name,
                                                      d->deps[i]->index);
                                if (par__grow((void **)&stack, &cap, n + 1,
                                              sizeof *stack) < 0) {
                                        rc = PAR__ENOMEM(err, "building a graph");
                                        break;
                                }
                                stack[n++] = d->deps[i];
                        } else {
                                args[i] = par_arg_value(d->values[i]);
                        }
                }
                if (rc == 0)
                        rc = par_graph_add(g, key, d->op, d->nargs, args, err);
        }
        par__free(stack);
        par__free(args);
        return rc;
}

static int build_graph(size_t n, par_delayed *const *ds, par_graph **out,
                       par_error *err)
{
        *out = NULL;
        par_graph *g = par_graph_new();
        if (!g)
                return PAR__ENOMEM(err, "building a graph");
        for (size_t i = 0; i < n; i++) {
                int rc = ds[i] ? par_delayed_to_graph(ds[i], g, err)
                               : par__errorf(err, PAR_EINVAL,
                                             "compute: delayed %zu is NULL", i);
                if (rc < 0) {
                        par_graph_free(g);
                        return rc;
                }
        }
        *out = g;
        return 0;
}

int par_compute(par_client *c, size_t n, par_delayed *const *ds,
                par_value **out, par_error *err)
{
        for (size_t i = 0; out && i < n; i++)
                out[i] = NULL;
        if (!c || (n && (!ds || !out)))
                return par__errorf(err, PAR_EINVAL,
                                   "par_compute: client, delayed calls and out "
                                   "are required");
        par_graph *g;
        int rc = build_graph(n, ds, &g, err);
        if (rc < 0)
                return rc;
        par_key *keys = par__malloc((n ? n : 1) * sizeof *keys);
        if (!keys) {
                par_graph_free(g);
                return PAR__ENOMEM(err, "computing");
        }
        for (size_t i = 0; i < n; i++)
                keys[i] = par_delayed_key(ds[i]);
        rc = par__client_run(c, g, n, keys, out, err);
        par__free(keys);
        par_graph_free(g);
        return rc;
}

int par_client_compute(par_client *c, size_t n, par_delayed *const *ds,
                       par_future **out, par_error *err)
{
        for (size_t i = 0; out && i < n; i++)
                out[i] = NULL;
        if (!c || (n && (!ds || !out)))
                return par__errorf(err, PAR_EINVAL,
                                   "par_client_compute: client, delayed calls "
                                   "and out are required");
        par_graph *g;
        int rc = build_graph(n, ds, &g, err);
        if (rc < 0)
                return rc;
        for (size_t i = 0; i < n; i++) {
                out[i] = par__future_new(ds[i]->name, ds[i]->index);
                if (!out[i]) {
                        for (size_t j = 0; j < i; j++) {
                                par_future_release(out[j]);
                                par_future_release(out[j]);
                                out[j] = NULL;
                        }
                        par_graph_free(g);
                        return PAR__ENOMEM(err, "computing");
                }
        }
        rc = par__client_launch(c, g, n, out, err);
        if (rc < 0)
                for (size_t i = 0; i < n; i++) {
                        par_future_release(out[i]);
                        par_future_release(out[i]);
                        out[i] = NULL;
                }
        return rc;
}
