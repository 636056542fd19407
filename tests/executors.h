/* tests/executors.h — run a test body once per executor kind. */
#ifndef PAR_TEST_EXECUTORS_H
#define PAR_TEST_EXECUTORS_H

#include "par.h"

static const par_exec_kind test_kinds[] = {PAR_EXEC_POOL, PAR_EXEC_SERIAL,
                                           PAR_EXEC_OPENMP};
static const char *const test_kind_names[] = {"pool", "serial", "openmp"};
#define TEST_NKINDS 3

/* Starts an executor of kind k with `threads`; returns NULL (and says so)
 * for OpenMP when this build has none. */
static inline par_executor *test_executor(int k, int threads)
{
        par_executor *ex = NULL;
        par_error err = {0};
        int rc = par_executor_new(
                &(par_executor_opts){.kind = test_kinds[k], .threads = threads},
                &ex, &err);
        if (rc == PAR_ENOTSUP) {
                printf("  %s: not in this build, skipped\n", test_kind_names[k]);
                return NULL;
        }
        if (rc < 0) {
                fprintf(stderr, "executor %s: %s\n", test_kind_names[k],
                        err.message);
                exit(1);
        }
        return ex;
}

#endif
