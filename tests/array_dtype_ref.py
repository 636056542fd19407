#!/usr/bin/env python3
"""NumPy references with real dtypes for tests/test_array_dtype.c.

usage: array_dtype_ref.py SPEC DIR

Each line of SPEC is   name <TAB> inputs <TAB> dtype-expr <TAB> value-expr
inputs: comma-separated var=file:dtype:ndim:rows:cols, each file the raw
values of `dtype` (float64, float32, int64, bool) in native byte order,
row-major, in DIR. Both expressions are evaluated by NumPy with `np` and
the inputs bound, under NEP 50's promotion ("weak" Python scalars) where
this NumPy has it. dtype-expr gives the dtype NumPy's result has;
value-expr (or "-" for the same expression) gives the values. The values
are written, row-major, to DIR/name.ref in par's dtype for that result,
and "name numpy-dtype par-dtype ndim rows cols" to DIR/index.

par's dtype for NumPy's: par has no int8 or float16, so the small types
NumPy gives for some bool operations (bool // bool is int8, sqrt(bool) is
float16) are int64 and float64 in par: for those, as par documents, the
values are the expression's over the bool inputs converted to int64 or
float64 first (the only difference from NumPy is the width).
"""
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")  # NumPy's warnings for means of nothing

if hasattr(np, "_set_promotion_state"):
    np._set_promotion_state("weak")

PAR = {"float64", "float32", "int64", "bool"}


def load(d, item):
    var, rest = item.split("=")
    path, dtype, ndim, rows, cols = rest.split(":")
    a = np.fromfile(d + "/" + path, dtype=np.dtype(dtype))
    shape = {0: (), 1: (int(rows),), 2: (int(rows), int(cols))}[int(ndim)]
    return var, a.reshape(shape)


def evaluate(expr, env):
    with np.errstate(all="ignore"):
        return np.asarray(eval(expr, env))


def main():
    spec, d = sys.argv[1], sys.argv[2]
    with open(spec) as f, open(d + "/index", "w") as index:
        for line in f:
            name, inputs, dexpr, vexpr = line.rstrip("\n").split("\t")
            env = {"np": np}
            for item in filter(None, inputs.split(",")):
                var, a = load(d, item)
                env[var] = a
            npdt = str(evaluate(dexpr, env).dtype)
            r = evaluate(dexpr if vexpr == "-" else vexpr, env)
            pardt = npdt
            if npdt not in PAR:
                if np.issubdtype(np.dtype(npdt), np.integer):
                    pardt = "int64"
                else:
                    pardt = "float64"
                wide = {k: (v.astype(pardt) if isinstance(v, np.ndarray) and
                            v.dtype == np.bool_ else v) for k, v in env.items()}
                r = evaluate(dexpr if vexpr == "-" else vexpr, wide)
            r = np.array(r, dtype=pardt, order="C")
            r.tofile(d + "/" + name + ".ref")
            rows = r.shape[0] if r.ndim > 0 else 1
            cols = r.shape[1] if r.ndim > 1 else 1
            index.write("%s %s %s %d %d %d\n" % (name, npdt, pardt, r.ndim, rows, cols))


if __name__ == "__main__":
    main()
