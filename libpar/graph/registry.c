/* The op registry: a process-wide map from op names to functions. Graphs
 * name ops; the executor resolves each distinct name once per computation,
 * so a mutex around the map costs nothing that matters. */
#include <pthread.h>

#include "array/internal.h"
#include "bag/internal.h"
#include "frame/internal.h"
#include "graph/internal.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;
static _Thread_local bool registering_builtins;

/* par's own ops are registered on first use of the registry, so every
 * process that runs a graph knows them, whatever it linked. */
static void register_builtins(void)
{
        registering_builtins = true; /* their registrations skip the once */
        par__bag_register_ops();
        par__bag_register_agg_ops();
        par__bag_register_result_ops();
        par__random_register_ops();
        par__frame_register_ops();
        par__frame_register_agg_ops();
        par__csv_register_ops();
        par__array_register_ops();
        par__linalg_register_ops();
        par__ml_register_ops();
        registering_builtins = false;
}
static par__strtab reg_names;
static par_op_fn *reg_fns;
static size_t reg_cap;

int par_op_register(const char *name, par_op_fn fn, par_error *err)
{
        if (!name || !*name || !fn)
                return par__errorf(err, PAR_EINVAL,
                                   "par_op_register: a name and a function "
                                   "are required");
        if (!registering_builtins)
                pthread_once(&builtins_once, register_builtins);
        int rc = 0;
        pthread_mutex_lock(&reg_lock);
        uint32_t id = par__strtab_find(&reg_names, name, strlen(name));
        if (id != UINT32_MAX) {
                if (reg_fns[id] != fn)
                        rc = par__errorf(err, PAR_EEXIST,
                                         "par_op_register: op '%s' is already "
                                         "registered with another function",
                                         name);
        } else if (par__grow((void **)&reg_fns, &reg_cap, reg_names.n + 1,
                             sizeof *reg_fns) < 0 ||
                   par__strtab_intern(&reg_names, name, strlen(name), &id) < 0) {
                /* Nothing was interned, or the name was the last step:
                 * either way no name is left without its function. */
                rc = PAR__ENOMEM(err, "registering an op");
        } else {
                reg_fns[id] = fn;
        }
        pthread_mutex_unlock(&reg_lock);
        return rc;
}

par_op_fn par_op_lookup(const char *name)
{
        if (!name)
                return NULL;
        par_op_fn fn = NULL;
        pthread_once(&builtins_once, register_builtins);
        pthread_mutex_lock(&reg_lock);
        uint32_t id = par__strtab_find(&reg_names, name, strlen(name));
        if (id != UINT32_MAX && id < reg_cap)
                fn = reg_fns[id];
        pthread_mutex_unlock(&reg_lock);
        return fn;
}

/* Frees the registry when the library is unloaded, so leak checkers see a
 * clean exit. */
__attribute__((destructor)) static void registry_fini(void)
{
        pthread_mutex_lock(&reg_lock);
        par__strtab_free(&reg_names);
        memset(&reg_names, 0, sizeof reg_names);
        par__free(reg_fns);
        reg_fns = NULL;
        reg_cap = 0;
        pthread_mutex_unlock(&reg_lock);
}
