/* Consensus ADMM (Boyd et al. 2011, section 7.1; as dask-glm's admm).
 *
 * Chunk i owns a copy w_i of the coefficients and a scaled dual u_i; z is
 * the consensus. A round: every chunk minimizes its loss plus
 * (rho/2)|w_i - z + u_i|^2 (no penalty); the driver sets z to the
 * proximal step of the penalty at the mean of w_i + u_i, then
 * u_i += w_i - z. It stops when the primal residual |w_i - z| and the dual
 * residual rho sqrt(N) |z - z_old| are below the abstol/reltol bounds.
 *
 * The loss is a sum over rows, so rho is taken per row: the weight is
 * rho * n / N, comparable to a chunk's curvature in the standardized
 * coordinates (about n / N times the identity), which is where ADMM
 * converges fastest.
 *
 * Linear: a chunk's problem is the ridge solve
 * (G_i + rho I) w_i = b_i + rho (z - u_i), G_i and b_i being the chunk's
 * cross-products of [z, 1] and y, which follow exactly from its centered
 * moments. The Cholesky factor of G_i + rho I is computed once per fit on
 * the driver (q x q per chunk) and every round is N triangular solves
 * there: no pass over the data after the first. Logistic: a task per chunk
 * (par.ml.admm_local) runs Newton's method on its block from the previous
 * w_i; the rounds' graphs have no tree, the driver takes every w_i. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ml/internal.h"
#include "par_config.h"

#if PAR_HAVE_BLAS
#include <lapacke.h>

/* (block, {w0[q], v[q], rho}) -> w minimizing loss + rho/2 |w - v|^2. */
static int op_admm_local(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        const par__nd *z = par__nd_of(args[0]);
        if (!z || z->cols < 2 || z->rs != 1 || (z->rows > 0 && z->cs != z->rows))
                return par_task_fail(ctx, PAR_EINVAL, "fit: malformed block");
        int64_t q = z->cols - 1, rows = z->rows;
        size_t len = 0;
        const char *b = par_value_bytes(args[1], &len);
        if (!b || len != (size_t)(2 * q + 1) * sizeof(double))
                return par_task_fail(ctx, PAR_EINVAL, "fit: malformed admm state");
        double *V = par__malloc((size_t)(q * q + 6 * q + 1) * sizeof *V);
        double *tmp = par__malloc((size_t)(rows * (q + 2) + 1) * sizeof *tmp);
        if (!V || !tmp) {
                par__free(V);
                par__free(tmp);
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        double *w = V, *v = V + q, *g = V + 2 * q + 1, *dir = g + q, *w2 = dir + q,
               *g2 = w2 + q, *H = g2 + q, rho, f = 0, f2 = 0;
        memcpy(w, b, (size_t)(2 * q + 1) * sizeof *w);
        rho = v[q];
        par__blas_single_thread();
        int rc = 0;
        for (int k = 0; k < 30; k++) {
                par__glm_block_eval(z->data, rows, q, PAR__GLM_LOGISTIC, w, v, rho, &f, g,
                                    H, tmp);
                for (int64_t j = 0; j < q; j++)
                        dir[j] = -g[j];
                int src = par__glm_spd_solve(q, H, dir);
                if (src < 0) {
                        rc = src == PAR_ENOMEM
                                     ? par_task_fail(ctx, PAR_ENOMEM, "out of memory")
                                     : par_task_fail(ctx, PAR_EINVAL,
                                                     "fit: singular local Hessian");
                        break;
                }
                double slope = 0, dn = 0, wn = 0, t = 1;
                for (int64_t j = 0; j < q; j++) {
                        slope += g[j] * dir[j];
                        dn = fmax(dn, fabs(dir[j]));
                        wn = fmax(wn, fabs(w[j]));
                }
                if (!(slope < 0))
                        break;
                /* Near the answer the decrease is below f's rounding, so a
                 * line search would stop Newton early: there the full
                 * step is taken (the quadratic model is exact enough). */
                bool ok = -slope <= 1e-10 * (1 + fabs(f));
                if (ok)
                        for (int64_t j = 0; j < q; j++)
                                w2[j] = w[j] + dir[j];
                for (int ls = 0; ls < 40 && !ok; ls++) {
                        for (int64_t j = 0; j < q; j++)
                                w2[j] = w[j] + t * dir[j];
                        par__glm_block_eval(z->data, rows, q, PAR__GLM_LOGISTIC, w2, v, rho,
                                            &f2, g2, NULL, tmp);
                        ok = f2 <= f + 1e-4 * t * slope;
                        t *= 0.5;
                }
                if (!ok)
                        break;
                memcpy(w, w2, (size_t)q * sizeof *w);
                if (dn <= 1e-14 * (1 + wn) || -slope <= 1e-20 * (1 + fabs(f)))
                        break;
        }
        if (rc == 0) {
                *out = par_value_blob(w, (size_t)q * sizeof *w);
                if (!*out)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par__free(V);
        par__free(tmp);
        return rc;
}

void par__admm_register_ops(void)
{
        par_op_register("par.ml.admm_local", op_admm_local, NULL);
}

/* A chunk's cross-products of [z, 1] (G, q x q) and with y (b) and the
 * sum of y^2, from its centered moments: with delta = mean_i - mean,
 * sum (x_j - m_j)(x_k - m_k) = M_jk + n_i delta_j delta_k. */
static void chunk_products(const par__glm_data *d, const par_value *mv, double *G,
                           double *b, double *yy)
{
        par__mom mo;
        int64_t p = d->p, q = d->q, dd = p + 1;
        memset(G, 0, (size_t)(q * q) * sizeof *G);
        memset(b, 0, (size_t)q * sizeof *b);
        *yy = 0;
        if (par__mom_read(mv, &mo) < 0 || mo.n == 0)
                return;
        double ni = (double)mo.n, my = mo.mean[p];
        for (int64_t j = 0; j < p; j++) {
                double dj = mo.mean[j] - d->mean[j];
                for (int64_t k = 0; k < p; k++) {
                        double dk = mo.mean[k] - d->mean[k];
                        G[k * q + j] = (mo.M[j * dd + k] + ni * dj * dk) /
                                       (d->scale[j] * d->scale[k]);
                }
                b[j] = (mo.M[j * dd + p] + ni * dj * my) / d->scale[j];
                if (q > p) {
                        G[p * q + j] = G[j * q + p] = ni * dj / d->scale[j];
                }
        }
        if (q > p) {
                G[p * q + p] = ni;
                b[p] = ni * my;
        }
        *yy = mo.M[p * dd + p] + ni * my * my;
}

/* Linear: factors G_i + rho I once (kept in F, q*q per chunk) and keeps
 * b_i (in B); the objective pieces are summed into Gs, bs, *yys. */
static int linear_setup(par__glm_data *d, double rho, double *F, double *B, double *Gs,
                        double *bs, double *yys, par_error *err)
{
        int64_t q = d->q;
        lapack_int n = (lapack_int)q;
        memset(Gs, 0, (size_t)(q * q) * sizeof *Gs);
        memset(bs, 0, (size_t)q * sizeof *bs);
        *yys = 0;
        par__blas_single_thread();
        for (int64_t i = 0; i < d->nchunks; i++) {
                double *Fi = F + i * q * q, yy = 0;
                chunk_products(d, d->mom[i], Fi, B + i * q, &yy);
                for (int64_t j = 0; j < q * q; j++)
                        Gs[j] += Fi[j];
                for (int64_t j = 0; j < q; j++) {
                        bs[j] += B[i * q + j];
                        Fi[j * q + j] += rho;
                }
                *yys += yy;
                if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, Fi, n) != 0)
                        return par__errorf(err, PAR_EINVAL,
                                           "fit: admm: chunk %" PRId64 "'s local system "
                                           "is not positive definite",
                                           i);
        }
        return 0;
}

/* Logistic: one round of local Newton solves as tasks; W gets every w_i. */
static int logistic_round(par__glm_data *d, double rho, const double *z, const double *U,
                          double *W, par_error *err)
{
        int64_t q = d->q, nc = d->nchunks;
        par_graph *g = par_graph_new();
        par_key *keys = par__malloc((size_t)nc * sizeof *keys);
        par_value **out = par__calloc((size_t)nc, sizeof *out);
        double *st = par__malloc((size_t)(2 * q + 1) * sizeof *st);
        int rc = g && keys && out && st ? 0 : PAR__ENOMEM(err, "fitting");
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                memcpy(st, W + i * q, (size_t)q * sizeof *st);
                for (int64_t j = 0; j < q; j++)
                        st[q + j] = z[j] - U[i * q + j];
                st[2 * q] = rho;
                keys[i] = par_key_make("admm-local", i);
                rc = par_graph_add(g, keys[i], "par.ml.admm_local", 2,
                                   (par_arg[]){par_arg_value(d->Z[i]),
                                               par_arg_blob(st, (size_t)(2 * q + 1) *
                                                                        sizeof *st)},
                                   err);
        }
        if (rc == 0)
                rc = par__client_run(d->c, g, (size_t)nc, keys, out, err);
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                size_t len = 0;
                const char *b = par_value_bytes(out[i], &len);
                if (!b || len != (size_t)q * sizeof(double))
                        rc = par__errorf(err, PAR_EINVAL, "fit: malformed local answer");
                else
                        memcpy(W + i * q, b, len);
        }
        for (int64_t i = 0; out && i < nc; i++)
                par_value_release(out[i]);
        par_graph_free(g);
        par__free(keys);
        par__free(out);
        par__free(st);
        return rc;
}

/* z = argmin penalty(z) + (N rho / 2) |z - vbar|^2, per coordinate. */
static void z_update(const par__glm_data *d, double nrho, const double *vbar, double *z)
{
        for (int64_t j = 0; j < d->q; j++) {
                double a = nrho * vbar[j], t = d->l1[j];
                double s = a > t ? a - t : a < -t ? a + t : 0;
                z[j] = s / (nrho + d->l2[j]);
        }
}

int par__glm_admm(par__glm_data *d, double *w, int *n_iter, bool *converged,
                  par_error *err)
{
        const par__glm_spec *s = d->spec;
        int64_t q = d->q, nc = d->nchunks;
        bool linear = s->family == PAR__GLM_LINEAR;
        /* A chunk's curvature in w: about n/N (least squares), at most n/(4N)
         * (the log loss). */
        double curv = linear ? 1.0 : 0.25;
        double rho = s->rho * curv * (double)d->n / (double)nc, nrho = rho * (double)nc;
        size_t nq = (size_t)(nc * q);
        double *W = par__calloc(nq, sizeof *W), *U = par__calloc(nq, sizeof *U);
        double *V = par__calloc((size_t)(4 * q + q * q), sizeof *V);
        double *F = linear ? par__malloc(nq * (size_t)q * sizeof *F) : NULL;
        double *B = linear ? par__malloc(nq * sizeof *B) : NULL;
        int rc = W && U && V && (!linear || (F && B)) ? 0 : PAR__ENOMEM(err, "fitting");
        double *z = w, *zold = V, *vbar = V + q, *bs = V + 2 * q, *tmp = V + 3 * q,
               *Gs = V + 4 * q, yys = 0;
        if (rc == 0 && linear)
                rc = linear_setup(d, rho, F, B, Gs, bs, &yys, err);
        lapack_int n = (lapack_int)q;
        int it = 0;
        *converged = false;
        memset(z, 0, (size_t)q * sizeof *z);
        while (rc == 0 && it < s->max_iter) {
                it++;
                if (linear) {
                        for (int64_t i = 0; i < nc; i++) {
                                double *wi = W + i * q;
                                for (int64_t j = 0; j < q; j++)
                                        wi[j] = B[i * q + j] + rho * (z[j] - U[i * q + j]);
                                LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', n, 1, F + i * q * q,
                                               n, wi, n);
                        }
                } else {
                        rc = logistic_round(d, rho, z, U, W, err);
                        if (rc < 0)
                                break;
                }
                memcpy(zold, z, (size_t)q * sizeof *z);
                memset(vbar, 0, (size_t)q * sizeof *vbar);
                for (int64_t i = 0; i < nc; i++)
                        for (int64_t j = 0; j < q; j++)
                                vbar[j] += W[i * q + j] + U[i * q + j];
                for (int64_t j = 0; j < q; j++)
                        vbar[j] /= (double)nc;
                z_update(d, nrho, vbar, z);
                double r2 = 0, w2 = 0, u2 = 0, z2 = 0, dz2 = 0;
                for (int64_t i = 0; i < nc; i++)
                        for (int64_t j = 0; j < q; j++) {
                                double wi = W[i * q + j], ri = wi - z[j];
                                U[i * q + j] += ri;
                                r2 += ri * ri;
                                w2 += wi * wi;
                                u2 += U[i * q + j] * U[i * q + j];
                        }
                for (int64_t j = 0; j < q; j++) {
                        z2 += z[j] * z[j];
                        dz2 += (z[j] - zold[j]) * (z[j] - zold[j]);
                }
                double dim = sqrt((double)nq);
                double eps_pri = dim * s->abstol +
                                 s->reltol * fmax(sqrt(w2), sqrt((double)nc * z2));
                double eps_dual = dim * s->abstol + s->reltol * rho * sqrt(u2);
                if (sqrt(r2) < eps_pri && rho * sqrt((double)nc * dz2) < eps_dual) {
                        *converged = true;
                        break;
                }
        }
        if (rc == 0 && linear) {
                /* F(z) = (sum y^2 - 2 b.z + z'Gz) / 2 + penalties. */
                double f = yys;
                for (int64_t j = 0; j < q; j++) {
                        tmp[j] = 0;
                        for (int64_t k = 0; k < q; k++)
                                tmp[j] += Gs[k * q + j] * z[k];
                        f += z[j] * tmp[j] - 2 * bs[j] * z[j] + d->l2[j] * z[j] * z[j];
                }
                d->objective = 0.5 * f + par__glm_l1(d, z);
        }
        *n_iter = it;
        par__free(W);
        par__free(U);
        par__free(V);
        par__free(F);
        par__free(B);
        return rc;
}

#else

void par__admm_register_ops(void)
{
}

int par__glm_admm(par__glm_data *d, double *w, int *n_iter, bool *converged,
                  par_error *err)
{
        (void)d, (void)w, (void)n_iter, (void)converged;
        return par__errorf(err, PAR_ENOTSUP, "fit: no LAPACKE in this build");
}

#endif
