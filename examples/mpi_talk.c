/* examples/mpi_talk.c — the talk's dataframe and regression cells on a
 * cluster: the same calls as examples/talk.c, on the MPI backend.
 *
 *     mpirun -n 3 build/examples/mpi_talk [--rows N] [--partitions P]
 *
 * Rank 0 drives and prints; ranks 1..N-1 run the tasks (as dask-mpi runs a
 * Dask cluster inside one mpirun). Run without mpirun it is a one-rank
 * "cluster" that computes everything itself, which gives the same numbers:
 * the trees that sum partitions have the same shape wherever their tasks
 * run. examples/mpi_check.sh compares the two.
 *
 * Cells:
 *   client                                  (the summary names the backend)
 *   gauss = bag.random.normal(4, 2, rows, partitions)
 *   df = gauss.to_dataframe([('a', float)]); df['b'] = 4*df['a'] + 3
 *   df['a'].mean(), df['b'].std()
 *   array = df.to_dask_array(lengths=True)
 *   LinearRegression().fit(array[:, 0:1], array[:, 1:2])
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par.h>

static int fail(const char *what, const par_error *err)
{
        fprintf(stderr, "mpi_talk: %s: %s\n", what, err->message);
        return 1;
}

static int64_t arg_int(int argc, char **argv, const char *name, int64_t dflt)
{
        for (int i = 1; i + 1 < argc; i++)
                if (strcmp(argv[i], name) == 0)
                        return strtoll(argv[i + 1], NULL, 10);
        return dflt;
}

static int stat_of(par_client *c, par_frame *df, const char *col, par_stat stat,
                   double *out, par_error *err)
{
        par_delayed *d = NULL;
        par_value *v = NULL;
        int rc = par_frame_stat(df, col, stat, &d, err);
        if (rc == 0)
                rc = par_compute(c, 1, &d, &v, err);
        if (rc == 0)
                rc = par_value_get_float64(v, out, err);
        par_value_release(v);
        par_delayed_release(d);
        return rc;
}

static int run(par_client *c, int64_t rows, int64_t parts)
{
        par_error err = {0};
        char line[512];
        int rc = 1;
        par_bag *gauss = NULL;
        par_frame *df = NULL, *df2 = NULL;
        par_array *arr = NULL, *X = NULL, *y = NULL;
        par_linear_regression lr = {0};
        par_expr *e = NULL;
        double mean_a, std_b;

        par_client_summary(c, line, sizeof line);
        printf("client: %s\n", line);

        if (par_bag_random_normal(42, rows, parts, 4.0, 2.0, &gauss, &err) < 0) {
                fail("random_normal", &err);
                goto out;
        }
        if (par_bag_to_dataframe(gauss, 1, (const char *[]){"a"},
                                 (const par_dtype[]){PAR_DTYPE_FLOAT64}, &df, &err) < 0) {
                fail("to_dataframe", &err);
                goto out;
        }
        e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
        if (!e || par_frame_assign(df, "b", e, &df2, &err) < 0) {
                fail("assign", &err);
                goto out;
        }
        par_frame_format(df2, line, sizeof line);
        printf("df: %s\n", line);

        if (stat_of(c, df2, "a", PAR_STAT_MEAN, &mean_a, &err) < 0 ||
            stat_of(c, df2, "b", PAR_STAT_STD, &std_b, &err) < 0) {
                fail("mean/std", &err);
                goto out;
        }
        printf("mean(a) = %.17g\nstd(b) = %.17g\n", mean_a, std_b);

        if (par_frame_to_array(c, df2, true, &arr, &err) < 0) {
                fail("to_array", &err);
                goto out;
        }
        par_array_format(arr, line, sizeof line);
        printf("array: %s\n", line);

        if (par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 0, 1, 1, &X, &err) < 0 ||
            par_array_slice(arr, PAR_NONE, PAR_NONE, PAR_NONE, 1, 2, 1, &y, &err) < 0 ||
            par_linear_regression_fit(c, NULL, X, y, &lr, &err) < 0) {
                fail("LinearRegression.fit", &err);
                goto out;
        }
        printf("coef_ = %.17g\nintercept_ = %.17g\n", lr.coef[0], lr.intercept);
        rc = 0;
out:
        par_linear_regression_clear(&lr);
        par_array_release(X);
        par_array_release(y);
        par_array_release(arr);
        par_expr_release(e);
        par_frame_release(df2);
        par_frame_release(df);
        par_bag_release(gauss);
        return rc;
}

int main(int argc, char **argv)
{
        par_error err = {0};
        par_client *c = NULL;
        int role = par_mpi_init(&argc, &argv, NULL, &c, &err);
        if (role < 0)
                return fail("par_mpi_init", &err);
        if (role == PAR_MPI_WORKER)
                return 0; /* served until rank 0 freed its client */
        int64_t rows = arg_int(argc, argv, "--rows", 1000000);
        int64_t parts = arg_int(argc, argv, "--partitions", 16);
        int rc = run(c, rows, parts);
        par_client_free(c); /* stops the workers */
        return rc;
}
