/* tests/numpy_ref.h — the C side of the array tests that compare with
 * NumPy (test_array_ops, test_array_grid, test_array_dtype): a temporary
 * folder for the inputs and the answers, the spec of cases, the reference
 * script (tests/array_ref.py, tests/array_dtype_ref.py) run once with
 * /usr/bin/python3, and reading its answers back.
 *
 * A test writes its inputs with nref_write, one line per case to
 * nref_spec (the script's format), runs the script with nref_run, then
 * reads each case's answer: the script writes DIR/NAME.ref (the values in
 * C order) and one line to DIR/index starting with NAME (nref_index gives
 * the rest of it). */
#ifndef PAR_TEST_NUMPY_REF_H
#define PAR_TEST_NUMPY_REF_H

#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char nref_dir[64];
static FILE *nref_spec;

/* Makes the folder /tmp/par-TAG-XXXXXX and opens its spec; -1 (said on
 * stderr) when it cannot. */
static inline int nref_begin(const char *tag)
{
        snprintf(nref_dir, sizeof nref_dir, "/tmp/par-%s-XXXXXX", tag);
        if (!mkdtemp(nref_dir)) {
                perror("mkdtemp");
                return -1;
        }
        char path[128];
        snprintf(path, sizeof path, "%s/spec", nref_dir);
        nref_spec = fopen(path, "w");
        if (!nref_spec) {
                perror(path);
                return -1;
        }
        return 0;
}

/* Writes `bytes` bytes to DIR/name: an input of the cases. */
static inline void nref_write(const char *name, const void *p, size_t bytes)
{
        char path[128];
        snprintf(path, sizeof path, "%s/%s", nref_dir, name);
        FILE *f = fopen(path, "wb");
        CHECK(f && fwrite(p, 1, bytes, f) == bytes);
        if (f)
                fclose(f);
}

/* The reference script into out: argv[1] when given (meson passes it),
 * else `file` in this header's folder of the source tree, found from the
 * working directory or from the build's top (two folders above the
 * test program). 0, or -1 when there is none. */
static inline int nref_script(int argc, char **argv, const char *file, char *out,
                              size_t size)
{
        if (argc > 1) {
                snprintf(out, size, "%s", argv[1]);
                return 0;
        }
        const char *rel = __FILE__;
        int dirlen = (int)(strlen(rel) - strlen("numpy_ref.h"));
        snprintf(out, size, "%.*s%s", dirlen, rel, file);
        if (access(out, R_OK) == 0)
                return 0;
        char self[1024];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
                return -1;
        self[n] = '\0';
        snprintf(out, size, "%s/%.*s%s", dirname(dirname(self)), dirlen, rel, file);
        return access(out, R_OK) == 0 ? 0 : -1;
}

/* Closes the spec and runs the script on it; true when it ran clean (a
 * failure is a failed check). */
static inline bool nref_run(const char *script)
{
        if (nref_spec)
                fclose(nref_spec);
        nref_spec = NULL;
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s/spec' '%s'", script, nref_dir,
                 nref_dir);
        int rc = system(cmd);
        CHECK_MSG(rc == 0, "%s failed: %d", cmd, rc);
        return rc == 0;
}

/* The rest of name's line of DIR/index (after the name and a space) in
 * rest; false when the script wrote no line for it. */
static inline bool nref_index(const char *name, char *rest, size_t size)
{
        char path[128], line[512];
        snprintf(path, sizeof path, "%s/index", nref_dir);
        FILE *f = fopen(path, "r");
        size_t len = strlen(name);
        bool found = false;
        while (f && !found && fgets(line, sizeof line, f))
                if (strncmp(line, name, len) == 0 && line[len] == ' ') {
                        snprintf(rest, size, "%s", line + len + 1);
                        found = true;
                }
        if (f)
                fclose(f);
        return found;
}

/* DIR/name.ref: n elements of `elem` bytes in a malloc'd buffer (the
 * caller frees it); NULL when the file is missing or short. */
static inline void *nref_answer(const char *name, size_t elem, size_t n)
{
        char path[128];
        snprintf(path, sizeof path, "%s/%s.ref", nref_dir, name);
        void *d = malloc((n ? n : 1) * elem);
        FILE *f = fopen(path, "rb");
        if (!d || !f || fread(d, elem, n, f) != n) {
                free(d);
                d = NULL;
        }
        if (f)
                fclose(f);
        return d;
}

/* A float64 answer whose index line is "ndim rows cols" (tests/array_ref.py):
 * rows * cols values (rows, cols 1 where the result has fewer dimensions),
 * malloc'd; NULL when missing. */
static inline double *nref_read_f64(const char *name, int *ndim, int64_t *rows,
                                    int64_t *cols)
{
        char rest[128];
        if (!nref_index(name, rest, sizeof rest) ||
            sscanf(rest, "%d %" SCNd64 " %" SCNd64, ndim, rows, cols) != 3)
                return NULL;
        return nref_answer(name, sizeof(double), (size_t)(*rows * *cols));
}

/* got within abs + rel * |want| of want; NaN matches only NaN, and an
 * infinity only itself. */
static inline bool nref_close(double got, double want, double rel, double abs)
{
        if (isnan(want) || isnan(got))
                return isnan(want) && isnan(got);
        if (isinf(want) || isinf(got))
                return got == want;
        return fabs(got - want) <= abs + rel * fabs(want);
}

/* Removes the folder and everything in it. */
static inline void nref_end(void)
{
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", nref_dir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", nref_dir);
}

#endif
