/* tests/backend_harness.h — runs a test program's clients on the backend
 * the environment names, so that one test covers the local backend and
 * the MPI backend.
 *
 *   int main(int argc, char **argv)
 *   {
 *           TEST_BACKEND_BEGIN(&argc, &argv);  // workers return here
 *           par_client *c;
 *           par_error err = {0};
 *           CHECK_OK(test_client_new(NULL, &c, &err), &err);
 *           ...
 *           par_client_free(c);
 *           return test_backend_end(check_done("test_x"));
 *   }
 *
 * Without PAR_TEST_BACKEND nothing changes: test_client_new is
 * par_client_new. With PAR_TEST_BACKEND=mpi (the meson suite `mpi` runs
 * the tests so, under `mpirun -n 3`), TEST_BACKEND_BEGIN starts the MPI
 * world: ranks >= 1 serve every client rank 0 makes and then return from
 * main with 0; on rank 0 every test_client_new is an MPI client
 * (par_mpi_client_new; the opts' executor kind and threads then only
 * describe the local part, which MPI clients do not use). MPI clients
 * come one at a time, so free one before making the next.
 *
 * A check that is truly about the local executor (not about results), or
 * one the MPI world rules out (TEST_WHY_ALLOCATOR), is skipped under MPI
 * with TEST_SKIP_IF_MPI(why): each skip is printed and
 * counted, and test_backend_end prints the count. Keep them rare.
 *
 * In sanitizer builds the MPI mode exits 77 (skipped): OpenMPI is not
 * instrumented (see tests/mpi/test_mpi.c). */
#ifndef PAR_TEST_BACKEND_HARNESS_H
#define PAR_TEST_BACKEND_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par.h>
#include <par/mpi.h>

static bool test_backend_mpi_;
static int test_backend_skips_;

static inline bool test_backend_is_mpi(void)
{
        return test_backend_mpi_;
}

/* Says why a check is skipped under MPI and counts it; true under MPI:
 *   if (!TEST_SKIP_IF_MPI("counts the pool's threads")) CHECK(...); */
#define TEST_SKIP_IF_MPI(why) test_backend_skip_((why), __FILE__, __LINE__)

/* Why the allocation-failure loops do not run under MPI: par_set_allocator
 * may only be called while no par object exists, and the MPI world's
 * driver thread lives from par_mpi_start to par_mpi_finish, across the
 * clients (swapping the allocator under it hung runs). */
#define TEST_WHY_ALLOCATOR                                                  \
        "allocation failures: par_set_allocator wants no par object alive, " \
        "and an MPI world's driver thread outlives its clients"

static inline bool test_backend_skip_(const char *why, const char *file,
                                      int line)
{
        if (!test_backend_mpi_)
                return false;
        test_backend_skips_++;
        printf("%s:%d: skipped under MPI: %s\n", file, line, why);
        return true;
}

static inline bool test_backend_sanitized_(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
        const char *s = getenv("PAR_TEST_MPI_SANITIZED");
        return !(s && strcmp(s, "1") == 0);
#else
        return false;
#endif
}

/* -1: go on with the test (rank 0, or no MPI asked for); else the status
 * main should return now (0 on a worker rank after serving, 77 skipped,
 * 1 failed to start). */
static inline int test_backend_begin_(int *argc, char ***argv)
{
        const char *b = getenv("PAR_TEST_BACKEND");
        if (!b || !*b || strcmp(b, "local") == 0)
                return -1;
        if (strcmp(b, "mpi") != 0) {
                fprintf(stderr, "PAR_TEST_BACKEND=%s: unknown (local, mpi)\n",
                        b);
                return 1;
        }
        if (test_backend_sanitized_()) {
                printf("skipped: OpenMPI is not instrumented for sanitizers\n");
                return 77;
        }
        if (!par_mpi_available()) {
                printf("skipped: this build has no MPI backend\n");
                return 77;
        }
        par_error err = {0};
        int role = par_mpi_start(argc, argv, NULL, &err);
        if (role < 0) {
                fprintf(stderr, "par_mpi_start: %s\n", err.message);
                return 1;
        }
        if (role == PAR_MPI_WORKER)
                return 0;
        test_backend_mpi_ = true;
        return -1;
}

#define TEST_BACKEND_BEGIN(argcp, argvp)                                    \
        do {                                                                \
                int test_backend_rc_ = test_backend_begin_(argcp, argvp);   \
                if (test_backend_rc_ >= 0)                                  \
                        return test_backend_rc_;                            \
        } while (0)

/* A new client on the backend under test (see the top). */
static inline int test_client_new(const par_client_opts *opts, par_client **out,
                                  par_error *err)
{
        if (test_backend_mpi_)
                return par_mpi_client_new(out, err);
        return par_client_new(opts, out, err);
}

/* Ends the MPI world (rank 0) and passes `status` on; a world that cannot
 * finish (a client left live) fails the test. */
static inline int test_backend_end(int status)
{
        if (!test_backend_mpi_)
                return status;
        if (test_backend_skips_)
                printf("%d check(s) skipped under MPI\n", test_backend_skips_);
        par_error err = {0};
        if (par_mpi_finish(&err) < 0) {
                fprintf(stderr, "par_mpi_finish: %s\n", err.message);
                return status ? status : 1;
        }
        test_backend_mpi_ = false;
        return status;
}

#endif
