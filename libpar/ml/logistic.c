/* Logistic regression: the public functions. Fitting is glm.c's (and
 * admm.c's); prediction is a per-chunk map, the score one pass of
 * per-chunk counts summed in a tree. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ml/internal.h"
#include "par_config.h"

enum { PREDICT_LABEL = 0, PREDICT_PROBA = 1 };

static double sigmoid(double eta)
{
        if (eta >= 0)
                return 1 / (1 + exp(-eta));
        double e = exp(eta);
        return e / (1 + e);
}

/* (X chunk, coef blob, intercept, mode) -> labels or probabilities. */
static int op_logistic_predict(par_task_ctx *ctx, size_t n, par_value *const *args,
                               par_value **out)
{
        (void)n;
        int rc = 0;
        const par__nd *x = par__ml_x_chunk(ctx, args[0], NULL, "predict", &rc);
        const double *coef = NULL;
        if (!x)
                return rc;
        if ((rc = par__ml_coef_arg(ctx, args[1], x->cols, &coef)) < 0)
                return rc;
        par__nd *r = par__nd_alloc(1, x->rows, 1);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        par__ml_predict_rows(x, coef, par_value_float64_of(args[2]), r->data);
        bool proba = par_value_int64_of(args[3]) == PREDICT_PROBA;
        for (int64_t i = 0; i < x->rows; i++)
                r->data[i] = proba ? sigmoid(r->data[i]) : r->data[i] > 0 ? 1.0 : 0.0;
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (X chunk, y chunk, coef blob, intercept) -> {rows, correct}. */
static int op_logistic_correct(par_task_ctx *ctx, size_t n, par_value *const *args,
                               par_value **out)
{
        (void)n;
        int rc = 0;
        const par__nd *y = par__ml_y_chunk(ctx, args[1], "score", &rc);
        const par__nd *x = y ? par__ml_x_chunk(ctx, args[0], y, "score", &rc) : NULL;
        const double *coef = NULL;
        if (!x)
                return rc;
        if ((rc = par__ml_coef_arg(ctx, args[2], x->cols, &coef)) < 0)
                return rc;
        double *eta = par__malloc((size_t)(x->rows ? x->rows : 1) * sizeof *eta);
        if (!eta)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        par__ml_predict_rows(x, coef, par_value_float64_of(args[3]), eta);
        double c[2] = {(double)x->rows, 0};
        for (int64_t i = 0; i < x->rows; i++)
                c[1] += (eta[i] > 0 ? 1.0 : 0.0) == y->data[i * y->rs];
        par__free(eta);
        *out = par_value_blob(c, sizeof c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

void par__logistic_register_ops(void)
{
        par_op_register("par.ml.logistic_predict", op_logistic_predict, NULL);
        par_op_register("par.ml.logistic_correct", op_logistic_correct, NULL);
}

void par_logistic_regression_clear(par_logistic_regression *m)
{
        if (!m)
                return;
        par__free(m->coef);
        memset(m, 0, sizeof *m);
}

static int fit_in(par_client *c, const par_logistic_regression_opts *opts, par_array *X,
                  par_array *y, par_logistic_regression *m, par_error *err)
{
        if (!c || !X || !y || !m)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: client, X, y and the model are required");
        par_logistic_regression_opts o = {0};
        if (opts)
                o = *opts;
        par__glm_spec spec;
        int rc = par__glm_spec_init(&spec, PAR__GLM_LOGISTIC, o.no_intercept, o.solver,
                                    o.penalty, o.C, o.l1_ratio, o.max_iter, o.tol, o.rho,
                                    o.abstol, o.reltol, o.split_every, err);
        if (rc == 0)
                rc = par__ml_check_xy("fit", X, y, err);
        if (rc < 0)
                return rc;
        if (X->cols < 1 || X->cols > 4096)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: X has %" PRId64 " columns; expected 1 to 4096",
                                   X->cols);
        par__glm_result r = {0};
        rc = par__glm_fit(c, &spec, X, y, &r, err);
        if (rc < 0)
                return rc;
        par_logistic_regression_clear(m);
        m->n_features = X->cols;
        m->coef = r.coef;
        m->intercept = r.intercept;
        m->n_iter = r.n_iter;
        m->n_samples = r.n;
        m->fit_intercept = spec.intercept;
        m->solver = spec.solver;
        m->penalty = spec.lambda > 0 ? spec.penalty : PAR_PENALTY_NONE;
        m->lambda = spec.lambda;
        m->converged = r.converged;
        m->objective = r.objective;
        return 0;
}

static int check_model(const char *what, const par_logistic_regression *m, par_array *X,
                       par_error *err)
{
        if (!m || !m->coef || m->n_features < 1)
                return par__errorf(err, PAR_EINVAL, "%s: the model is not fitted", what);
        if (X->dtype != PAR_DTYPE_FLOAT64)
                return par__errorf(err, PAR_ETYPE,
                                   "%s: X is %s; the linear models take float64 "
                                   "(convert with par_array_astype)",
                                   what, par_dtype_name(X->dtype));
        if (X->ndim != 2 || X->cols != m->n_features)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: X has %" PRId64 " columns; the model has "
                                   "%" PRId64 " features",
                                   what, X->ndim == 2 ? X->cols : 0, m->n_features);
        return par__array_need_rows(what, "X", X, err);
}

static int predict_layer(const par_logistic_regression *m, par_array *X, int mode,
                         par_array **out, par_error *err)
{
        const char *what = mode == PREDICT_PROBA ? "predict_proba" : "predict";
        if (!X || !out)
                return par__errorf(err, PAR_EINVAL, "%s: X and out are required", what);
        *out = NULL;
        int rc = check_model(what, m, X, err);
        if (rc < 0)
                return rc;
        return par__ml_predict_layer(what, "par.ml.logistic_predict", X, m->coef,
                                     m->n_features, m->intercept,
                                     0x6c6f67u + (uint64_t)mode, 1,
                                     (par_arg[]){par_arg_int64(mode)}, out, err);
}

static int score_in(par_client *c, const par_logistic_regression *m, par_array *X,
                    par_array *y, double *accuracy, par_error *err)
{
        if (!c || !X || !y || !accuracy)
                return par__errorf(err, PAR_EINVAL,
                                   "score: client, X, y and accuracy are required");
        int rc = check_model("score", m, X, err);
        if (rc == 0)
                rc = par__ml_check_xy("score", X, y, err);
        if (rc < 0)
                return rc;
        par_value *cv = par_value_blob(m->coef, (size_t)m->n_features * sizeof(double));
        par_graph *g = par_graph_new();
        rc = cv && g ? 0 : PAR__ENOMEM(err, "scoring");
        uint64_t h = par__hash_bytes(X->name, strlen(X->name), 0x73636fu);
        h = par__hash_bytes(y->name, strlen(y->name), h);
        if (cv)
                h = par__value_token(cv, h);
        char part[128], root[128];
        par__array_token("accuracy-part", h, part, sizeof part);
        for (int64_t i = 0; i < X->nchunks && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(part, i), "par.ml.logistic_correct", 4,
                                   (par_arg[]){par_arg_key(X->name, i),
                                               par_arg_key(y->name, i), par_arg_value(cv),
                                               par_arg_float64(m->intercept)},
                                   err);
        par_value_release(cv);
        if (rc == 0)
                rc = par__array_tree(g, "accuracy", h, part, X->nchunks, "par.ml.glm_sum", 0,
                                     NULL, 0, root, err);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        par__layer *deps[2] = {X->layer, y->layer};
        par__layer *l = par__layer_new(g, 2, deps);
        if (!l)
                return PAR__ENOMEM(err, "scoring");
        par_value *sum = NULL;
        rc = par__array_run(c, l, 1, (par_key[]){par_key_make(root, PAR_NO_INDEX)}, &sum,
                            err);
        par__layer_release(l);
        if (rc < 0)
                return rc;
        size_t len = 0;
        const char *b = par_value_bytes(sum, &len);
        double cnt[2] = {0, 0};
        if (b && len == sizeof cnt)
                memcpy(cnt, b, sizeof cnt);
        par_value_release(sum);
        if (!b || len != sizeof cnt)
                return par__errorf(err, PAR_EINVAL, "score: malformed counts");
        if (cnt[0] < 1)
                return par__errorf(err, PAR_EINVAL, "score: no samples");
        *accuracy = cnt[1] / cnt[0];
        return 0;
}

/* ---- the public entry points: other dtypes and chunk grids ------------------------------ */

int par_logistic_regression_fit(par_client *c, const par_logistic_regression_opts *opts,
                                par_array *X, par_array *y, par_logistic_regression *m,
                                par_error *err)
{
        if (!c || !X || !y || !m)
                return fit_in(c, opts, X, y, m, err);
        par_array *x2, *y2;
        int rc = par__ml_inputs(X, y, &x2, &y2, err);
        if (rc == 0)
                rc = fit_in(c, opts, x2, y2, m, err);
        par_array_release(x2);
        par_array_release(y2);
        return rc;
}

static int predict_mode(const par_logistic_regression *m, par_array *X, int mode,
                        par_array **out, par_error *err)
{
        if (!X || !out)
                return predict_layer(m, X, mode, out, err);
        par_array *x2 = NULL;
        int rc = par__ml_input(X, &x2, err);
        if (rc == 0)
                rc = predict_layer(m, x2, mode, out, err);
        else
                *out = NULL;
        par_array_release(x2);
        return rc;
}

int par_logistic_regression_predict(const par_logistic_regression *m, par_array *X,
                                    par_array **out, par_error *err)
{
        return predict_mode(m, X, PREDICT_LABEL, out, err);
}

int par_logistic_regression_predict_proba(const par_logistic_regression *m,
                                          par_array *X, par_array **out,
                                          par_error *err)
{
        return predict_mode(m, X, PREDICT_PROBA, out, err);
}

int par_logistic_regression_score(par_client *c, const par_logistic_regression *m,
                                  par_array *X, par_array *y, double *accuracy,
                                  par_error *err)
{
        if (!c || !X || !y || !accuracy)
                return score_in(c, m, X, y, accuracy, err);
        par_array *x2, *y2;
        int rc = par__ml_inputs(X, y, &x2, &y2, err);
        if (rc == 0)
                rc = score_in(c, m, x2, y2, accuracy, err);
        par_array_release(x2);
        par_array_release(y2);
        return rc;
}
