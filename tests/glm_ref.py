"""tests/glm_ref.py - the reference answers test_glm.c compares par with.

usage: glm_ref.py DIR N P fit SPEC...   (SPEC: MODEL,PENALTY,LAMBDA,L1_RATIO,INTERCEPT)

DIR holds X.f8 (N x P float64, row-major) and y.f8 (N float64), written
by the test. MODEL is linear or logistic; PENALTY none, l2, l1 or
elastic_net; LAMBDA par's penalty weight (1/C). par minimizes

    sum_i loss_i + LAMBDA * ((1 - r)/2 |b|^2 + r |b|_1)

with loss (y - eta)^2 / 2 (linear) or the log loss (logistic), so the
scikit-learn estimators with the same minimum are Ridge(alpha=LAMBDA),
Lasso(alpha=LAMBDA/N), ElasticNet(alpha=LAMBDA/N, l1_ratio=r),
LinearRegression, and LogisticRegression(C=1/LAMBDA) with the same
penalty. Prints, for each SPEC in turn, the intercept, then the P
coefficients, one per line (one process for all the fits: importing
scikit-learn is the slow part).

usage: glm_ref.py DIR N P predict

DIR also holds w.f8 (the intercept, then P coefficients of a logistic
model): prints the accuracy on y, then N lines "proba label" computed by
NumPy from those coefficients.
"""
import sys
import warnings

import numpy as np


def load(d, n, p):
    X = np.fromfile(d + "/X.f8", dtype=np.float64).reshape(n, p)
    y = np.fromfile(d + "/y.f8", dtype=np.float64)
    return X, y


def predict(d, n, p):
    X, y = load(d, n, p)
    w = np.fromfile(d + "/w.f8", dtype=np.float64)
    eta = X @ w[1:] + w[0]
    proba = 1 / (1 + np.exp(-eta))
    label = (proba > 0.5).astype(np.float64)
    print(repr(float((label == y).mean())))
    for a, b in zip(proba, label):
        print(repr(float(a)), repr(float(b)))


def fit(X, y, model, penalty, lam, r, intercept):
    from sklearn import linear_model as lm

    n = X.shape[0]
    if model == "linear":
        if penalty == "none":
            est = lm.LinearRegression(fit_intercept=intercept)
        elif penalty == "l2":
            est = lm.Ridge(alpha=lam, fit_intercept=intercept, solver="cholesky")
        elif penalty == "l1":
            est = lm.Lasso(alpha=lam / n, fit_intercept=intercept, tol=1e-14,
                           max_iter=1000000)
        else:
            est = lm.ElasticNet(alpha=lam / n, l1_ratio=r, fit_intercept=intercept,
                                tol=1e-14, max_iter=1000000)
    else:
        kw = dict(fit_intercept=intercept, tol=1e-12, max_iter=1000000)
        if penalty == "none":
            est = lm.LogisticRegression(penalty=None, solver="lbfgs", **kw)
        elif penalty == "l2":
            est = lm.LogisticRegression(penalty="l2", C=1 / lam, solver="lbfgs", **kw)
        elif penalty == "l1":
            est = lm.LogisticRegression(penalty="l1", C=1 / lam, solver="saga", **kw)
        else:
            est = lm.LogisticRegression(penalty="elasticnet", C=1 / lam, l1_ratio=r,
                                        solver="saga", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    coef = np.ravel(est.coef_)
    b = float(np.ravel([est.intercept_])[0]) if intercept else 0.0
    print(repr(b))
    for v in coef:
        print(repr(float(v)))


def main():
    a = sys.argv[1:]
    d, n, p = a[0], int(a[1]), int(a[2])
    if a[3] == "predict":
        predict(d, n, p)
        return
    X, y = load(d, n, p)
    for spec in a[4:]:
        m, pen, lam, r, icpt = spec.split(",")
        fit(X, y, m, pen, float(lam), float(r), icpt == "1")


if __name__ == "__main__":
    main()
